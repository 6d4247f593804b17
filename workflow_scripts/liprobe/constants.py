"""Physical constants and reference values, defined once (CODATA via scipy).

* :data:`E_CHARGE_C`, :data:`KB_EV` (eV/K), :data:`AVOGADRO`: CODATA 2018;
* :data:`LI_PER_MAH`: Li atoms per mAh of charge, 3.6 C / e = 2.247e19;
* :data:`LI_ISOTOPES`: gamma and spin of 6Li and 7Li (IUPAC, Harris et al. 2001);
* :data:`LI_METAL_PER_CM3`: Li atoms per cm3 of Li metal (0.534 g/cm3), the
  reference that depth profiles are normalised to (SCIENCE.md: 4.63e22).
"""

from __future__ import annotations

from scipy import constants as _codata

E_CHARGE_C: float = _codata.e
KB_EV: float = _codata.k / _codata.e
AVOGADRO: float = _codata.N_A
LI_PER_MAH: float = 3.6 / _codata.e
LI_METAL_PER_CM3: float = 4.63e22

#: Lithium isotopes for quantitative NMR: gyromagnetic ratio (rad s^-1 T^-1)
#: and nuclear spin, from the IUPAC recommendations (Harris et al., Pure Appl.
#: Chem. 73 (2001) 1795, Table 1: 6Li 3.9371709e7, I = 1; 7Li 10.3977013e7,
#: I = 3/2). The signal per nucleus scales as gamma^3 I (I + 1).
LI_ISOTOPES: dict[str, tuple[float, float]] = {
    "6Li": (3.9371709e7, 1.0),
    "7Li": (10.3977013e7, 1.5),
}
