"""Physical constants and reference values, defined once (CODATA via scipy).

* :data:`E_CHARGE_C`, :data:`KB_EV` (eV/K), :data:`AVOGADRO`: CODATA 2018;
* :data:`LI_PER_MAH`: Li atoms per mAh of charge, 3.6 C / e = 2.247e19;
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
