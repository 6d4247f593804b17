"""Stopping, ranges and energy straggling of the demo NDP simulator's particles.

This is the simulator's own source, independent of the reduction's
(:mod:`liprobe.ndp.stopping`, CATIMA through ``pycatima``), so that the demo
shows what a stopping-power difference between two codes does to the
recovered profiles instead of hiding it.

Stopping powers: SRIM-2013 (J. F. Ziegler, M. D. Ziegler & J. P. Biersack,
Nucl. Instr. Meth. B 268 (2010) 1818), electronic plus nuclear, from the
``lunasrim`` package, a re-implementation of SRIM's "Stopping and Range
Tables" module that reproduces its tables. SRIM's electronic stopping of H and
He ions is Ziegler's parametrisation of measured stopping, joined to
Bethe-Bloch theory with corrections at high energy; CATIMA is a different code
with its own theory and parametrisation. Over the energies a demo spectrum
holds (700 keV to the birth energy) the two differ by up to about 5 %
(alpha and triton in Li), more at the lowest energies. Compounds follow
Bragg's additivity (SRIM's compound correction left at 1). A triton is SRIM's
H ion with the triton mass: SRIM takes the proton stopping at the same
velocity. Masses are CODATA (``scipy.constants``); the birth energies are
those of SCIENCE.md section 5 (6Li(n,alpha)3H: alpha 2055 keV, triton
2727 keV; 14N(n,p): proton 584 keV).

Energy loss along a path (continuous slowing down): the SRIM table is
interpolated in log-log (monotone cubic, PCHIP) onto a fine log grid; the path
length to stop from E is R(E) = integral_0^E dE' / S(E'), integrated in ln E
(trapezoid on the fine grid) from the table's lowest energy E_min, below which
S is taken proportional to the velocity (sqrt(E)), so R(E_min) = 2 E_min /
S(E_min). A particle of energy E after a path L keeps E' = R^-1(R(E) - L), and
0 once R(E) <= L.

Energy straggling: Bohr's formula (N. Bohr, Mat. Fys. Medd. Dan. Vid. Selsk.
18 (1948) 8), written from first principles here. With e'^2 = e^2 / (4 pi
eps0), a particle of charge Z1 e and speed v passing a free electron at impact
parameter b gives it the energy T = 2 Z1^2 e'^4 / (m_e v^2 b^2). Over a path t
through n_e electrons per volume the energy loss is a sum of independent
transfers, whose variance is n_e t integral T^2 2 pi b db. The integral is
dominated by the closest collisions; cut at the kinematic limit
T_max = 2 m_e v^2 (b_min^2 = Z1^2 e'^4 / (m_e^2 v^4)) it gives

    Omega_B^2 = 4 pi Z1^2 e'^4 n_e t = Z1^2 e^4 n_e t / (4 pi eps0^2)   (J^2),

independent of the particle's energy. ``n_e`` is counted from the material's
composition (Z and the natural atomic weights of SRIM's atomic data) and
Avogadro's constant.

The detector resolution's FWHM is 2 sqrt(2 ln 2) standard deviations of a
Gaussian (:data:`FWHM_PER_SIGMA`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from scipy import constants as _codata
from scipy.integrate import cumulative_trapezoid
from scipy.interpolate import PchipInterpolator

#: FWHM of a Gaussian in units of its standard deviation, 2 sqrt(2 ln 2).
FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))

#: Bohr straggling per electron per cm2 and unit Z1^2, in keV^2 cm2:
#: e^4 / (4 pi eps0^2) in J^2 m2, converted (1 keV = 1e3 e J, 1 m2 = 1e4 cm2).
BOHR_KEV2_CM2 = (
    _codata.e**4 / (4.0 * math.pi * _codata.epsilon_0**2) / (1e3 * _codata.e) ** 2 * 1e4
)

#: Energies (keV) the tables span: SRIM's grid from 1 keV to 3.5 MeV.
E_MIN_KEV = 1.0
E_MAX_KEV = 3500.0
_N_FINE = 4000


@dataclass(frozen=True)
class Ion:
    """A particle of an NDP spectrum: SRIM ion symbol, mass (u), charge
    number and birth energy (keV)."""

    name: str
    srim_symbol: str
    mass_u: float
    z: int
    energy_keV: float


def _mass_u(name: str) -> float:
    return float(_codata.physical_constants[name][0])


#: The simulator's particles (CODATA masses; birth energies of SCIENCE.md 5).
IONS = {
    "alpha": Ion("alpha", "He", _mass_u("alpha particle mass in u"), 2, 2055.0),
    "triton": Ion("triton", "H", _mass_u("triton mass in u"), 1, 2727.0),
    "proton_N14": Ion("proton_N14", "H", _mass_u("proton mass in u"), 1, 584.0),
}


@dataclass(frozen=True, eq=False)
class Stopping:
    """Stopping of one ion in one material at one density (SRIM-2013).

    ``energy_keV``: the fine log grid; ``stopping_keV_per_um``: electronic plus
    nuclear stopping on it; ``range_um``: the continuous-slowing-down path
    length to stop from each grid energy; ``electrons_per_cm3``.
    """

    ion: Ion
    material: str
    density_g_cm3: float
    energy_keV: np.ndarray = field(repr=False)
    stopping_keV_per_um: np.ndarray = field(repr=False)
    range_um: np.ndarray = field(repr=False)
    electrons_per_cm3: float

    def stopping(self, energy_keV) -> np.ndarray:
        """S(E) in keV/um (E clipped to the grid)."""
        e = np.clip(np.asarray(energy_keV, float), self.energy_keV[0], None)
        return np.exp(
            np.interp(
                np.log(e), np.log(self.energy_keV), np.log(self.stopping_keV_per_um)
            )
        )

    def range(self, energy_keV) -> np.ndarray:
        """Path length (um) to stop from ``energy_keV`` (straight path)."""
        e = np.asarray(energy_keV, float)
        low = self.range_um[0] * np.sqrt(np.clip(e, 0.0, None) / self.energy_keV[0])
        return np.where(
            e < self.energy_keV[0], low, np.interp(e, self.energy_keV, self.range_um)
        )

    def energy_after(self, energy_keV, path_um) -> np.ndarray:
        """Energy (keV) left after ``path_um`` of this material; 0 once stopped."""
        r = self.range(energy_keV) - np.asarray(path_um, float)
        # below the grid: R proportional to sqrt(E), so E = E_min (R / R_min)^2
        low = self.energy_keV[0] * (np.clip(r, 0.0, None) / self.range_um[0]) ** 2
        out = np.where(
            r < self.range_um[0], low, np.interp(r, self.range_um, self.energy_keV)
        )
        return np.where(r > 0.0, out, 0.0)

    def straggling_variance_keV2(self, path_um) -> np.ndarray:
        """Bohr energy-straggling variance (keV^2) over ``path_um``."""
        electrons_per_cm2 = self.electrons_per_cm3 * np.asarray(path_um, float) * 1e-4
        return BOHR_KEV2_CM2 * self.ion.z**2 * electrons_per_cm2


def electrons_per_cm3(formula: str, density_g_cm3: float) -> float:
    """Electrons per cm3 of a material (SRIM's natural atomic weights)."""
    import lunasrim

    elements = lunasrim.material(formula, density=density_g_cm3).elements
    z_sum = sum(stoich * z for z, stoich, _ in elements)
    mass = sum(stoich * m for _, stoich, m in elements)  # g per mol of formula
    return density_g_cm3 * _codata.N_A * z_sum / mass


@cache
def srim_stopping(particle: str, formula: str, density_g_cm3: float) -> Stopping:
    """The SRIM-2013 stopping of ``particle`` in ``formula`` at ``density_g_cm3``."""
    import lunasrim

    if particle not in IONS:
        raise ValueError(
            f"particle: expected one of {sorted(IONS)}, found {particle!r}"
        )
    if not density_g_cm3 > 0:
        raise ValueError(
            f"density of {formula}: expected > 0 g/cm3, found {density_g_cm3!r}"
        )
    ion = IONS[particle]
    rows = lunasrim.stopping_table(
        ion.srim_symbol,
        formula,
        emin=E_MIN_KEV,
        emax=E_MAX_KEV,
        units="keV/um",
        density=density_g_cm3,
        mass=ion.mass_u,
    )
    e_tab = np.array([r[0] for r in rows])
    s_tab = np.array([r[1] + r[2] for r in rows])  # electronic + nuclear
    log_s = PchipInterpolator(np.log(e_tab), np.log(s_tab))
    e = np.geomspace(e_tab[0], e_tab[-1], _N_FINE)
    s = np.exp(log_s(np.log(e)))
    r0 = 2.0 * e[0] / s[0]  # S ~ sqrt(E) below the grid
    r = r0 + cumulative_trapezoid(e / s, np.log(e), initial=0.0)
    return Stopping(
        ion=ion,
        material=formula,
        density_g_cm3=float(density_g_cm3),
        energy_keV=e,
        stopping_keV_per_um=s,
        range_um=r,
        electrons_per_cm3=electrons_per_cm3(formula, density_g_cm3),
    )
