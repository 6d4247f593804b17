"""Stopping powers, ranges and energy loss of NDP particles in layer materials.

Sources (never hand-typed coefficients):

* ``catima``: electronic + nuclear stopping from CATIMA through ``pycatima``
  (``pycatima.dedx`` returns MeV/(g/cm2) for a projectile whose kinetic energy is
  set per nucleon with ``Projectile.T(MeV/u)``). Compounds follow Bragg's
  additivity rule, done here explicitly: the mass stopping of a compound is the
  mass-fraction-weighted sum of the elemental mass stoppings
  (W. H. Bragg & R. Kleeman, Phil. Mag. 10 (1905) 318).
* ``srim``: a user-supplied SRIM stopping table (the text SRIM's "Stopping /
  Range Tables" writes). A table computed for a proton serves a triton by
  velocity scaling, S_t(E) = S_p(E m_p / m_t) (same Z, same velocity).

Energy loss through a path uses the range integral
R(E) = integral_{E_min}^{E} dE' / S(E') on a fine log grid: a particle with
energy E after a path L has E' = R^-1(R(E) - L) (exact for the tabulated S).

Energy straggling: Bohr's formula, Omega_B^2 = 4 pi e^4 Z1^2 N Z2 t
(N. Bohr, Mat. Fys. Medd. Dan. Vid. Selsk. 18 (1948) 8; see Chu, Mayer &
Nicolet, Backscattering Spectrometry, 1978, ch. 2), i.e. 0.2606 keV^2 per
1e18 electrons/cm2 times Z1^2.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from liprobe.constants import AVOGADRO
from liprobe.errors import InputError

#: Bohr straggling constant 4 pi e^4 in keV^2 cm^2 (e^2 = 1.439964e-10 keV cm).
BOHR_KEV2_CM2 = 4.0 * np.pi * (1.439964e-10) ** 2

SYMBOLS = (
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu "
    "Zn Ga Ge As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba "
    "La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb "
    "Bi"
).split()
Z_OF = {s: i + 1 for i, s in enumerate(SYMBOLS)}


@dataclass(frozen=True)
class Particle:
    """A charged particle of an NDP spectrum (mass in u, birth energy in keV)."""

    name: str
    mass_u: float
    z: int
    energy_keV: float


#: 6Li(n,alpha)3H and the interfering capture reactions (birth energies, keV).
PARTICLES = {
    "alpha": Particle("alpha", 4.001506, 2, 2055.0),
    "triton": Particle("triton", 3.015501, 1, 2727.0),
    "proton_N14": Particle("proton_N14", 1.007276, 1, 584.0),
    "proton_Cl35": Particle("proton_Cl35", 1.007276, 1, 598.0),
    "alpha_B10": Particle("alpha_B10", 4.001506, 2, 1472.0),
}


def parse_formula(formula: str) -> dict[int, float]:
    """Atoms per formula unit by atomic number: ``"C2H4O"`` -> {6: 2, 1: 4, 8: 1}.

    Parentheses with multipliers are allowed (``"Li7La3Zr2O12"``,
    ``"(C2H4O)10LiN(SO2CF3)2"``); counts may be decimals (``"Li0.5C6"``).
    """
    text = formula.replace(" ", "")
    pos = 0

    def number() -> float:
        nonlocal pos
        m = re.match(r"\d+(\.\d*)?", text[pos:])
        if not m:
            return 1.0
        pos += m.end()
        return float(m.group(0))

    def group() -> dict[int, float]:
        nonlocal pos
        out: dict[int, float] = {}
        while pos < len(text) and text[pos] != ")":
            if text[pos] == "(":
                pos += 1
                inner = group()
                if pos >= len(text) or text[pos] != ")":
                    raise InputError(None, "formula", "balanced parentheses", formula)
                pos += 1
                k = number()
                for z, n in inner.items():
                    out[z] = out.get(z, 0.0) + n * k
                continue
            m = re.match(r"[A-Z][a-z]?", text[pos:])
            if not m or m.group(0) not in Z_OF:
                raise InputError(None, "formula", "element symbols and counts", formula)
            pos += m.end()
            z = Z_OF[m.group(0)]
            out[z] = out.get(z, 0.0) + number()
        return out

    counts = group()
    if pos != len(text) or not counts:
        raise InputError(None, "formula", "element symbols and counts", formula)
    return counts


@cache
def _molar_mass(z: int) -> float:
    import pycatima

    return float(pycatima.get_material(z).molar_mass())


def mass_fractions(formula: str) -> dict[int, float]:
    """Mass fraction of each element in a formula."""
    counts = parse_formula(formula)
    masses = {z: n * _molar_mass(z) for z, n in counts.items()}
    total = sum(masses.values())
    return {z: m / total for z, m in masses.items()}


def electrons_per_gram(formula: str) -> float:
    """Electrons per gram of material."""
    counts = parse_formula(formula)
    mass = sum(n * _molar_mass(z) for z, n in counts.items())
    return AVOGADRO * sum(n * z for z, n in counts.items()) / mass


@lru_cache(maxsize=256)
def _catima_mass_stopping(
    particle: str, z_target: int, grid: tuple[float, ...]
) -> np.ndarray:
    import pycatima

    p = PARTICLES[particle]
    proj = pycatima.Projectile(p.mass_u, p.z)
    mat = pycatima.Material(_molar_mass(z_target), z_target)
    out = np.empty(len(grid))
    for i, e in enumerate(grid):
        proj.T(e / 1000.0 / p.mass_u)
        out[i] = pycatima.dedx(proj, mat)  # MeV / (g/cm2)
    return out


def energy_grid(e_max_keV: float = 3500.0, e_min_keV: float = 2.0, n: int = 600):
    """The log-spaced energy grid (keV) stopping tables are tabulated on."""
    return np.geomspace(e_min_keV, e_max_keV, n)


@dataclass
class StoppingTable:
    """Stopping of one particle in one material at one density.

    ``energy_keV`` grid, ``stopping_keV_per_um`` and the range integral
    ``range_um`` (from the lowest grid energy).
    """

    particle: str
    material: str
    density_g_cm3: float
    energy_keV: np.ndarray
    stopping_keV_per_um: np.ndarray
    source: str

    def __post_init__(self) -> None:
        e, s = self.energy_keV, self.stopping_keV_per_um
        inv = 1.0 / s
        r = np.concatenate([[e[0] * inv[0]], 0.5 * (inv[1:] + inv[:-1]) * np.diff(e)])
        self.range_um = np.cumsum(r)

    def stopping(self, energy_keV) -> np.ndarray:
        """S(E) in keV/um (log-log interpolation)."""
        e = np.clip(np.asarray(energy_keV, float), self.energy_keV[0], None)
        return np.exp(
            np.interp(
                np.log(e), np.log(self.energy_keV), np.log(self.stopping_keV_per_um)
            )
        )

    def range(self, energy_keV) -> np.ndarray:
        """Projected path length (um) to stop from ``energy_keV`` (straight path)."""
        return np.interp(np.asarray(energy_keV, float), self.energy_keV, self.range_um)

    def energy_after(self, energy_keV, path_um) -> np.ndarray:
        """Energy (keV) after ``path_um`` of this material; 0 once stopped."""
        r = self.range(energy_keV) - np.asarray(path_um, float)
        out = np.interp(r, self.range_um, self.energy_keV)
        return np.where(r <= self.range_um[0], 0.0, out)

    def electrons_per_um_cm2(self) -> float:
        """Electrons per cm2 in 1 um of the material."""
        return electrons_per_gram(self.material) * self.density_g_cm3 * 1e-4

    def bohr_variance_keV2(self, path_um) -> np.ndarray:
        """Bohr straggling variance (keV^2) accumulated over ``path_um``."""
        z1 = PARTICLES[self.particle].z if self.particle in PARTICLES else 1
        return BOHR_KEV2_CM2 * z1**2 * self.electrons_per_um_cm2() * np.asarray(path_um)


def catima_table(
    particle: str, formula: str, density_g_cm3: float, grid=None
) -> StoppingTable:
    """Stopping table from CATIMA with Bragg additivity over the formula's elements."""
    if particle not in PARTICLES:
        raise InputError(None, "particle", f"one of {sorted(PARTICLES)}", particle)
    if not density_g_cm3 or density_g_cm3 <= 0:
        raise InputError(None, f"density of {formula}", "> 0 g/cm3", density_g_cm3)
    grid = energy_grid() if grid is None else np.asarray(grid, float)
    key = tuple(float(v) for v in grid)
    mass_s = np.zeros(grid.size)
    for z, w in mass_fractions(formula).items():
        mass_s += w * _catima_mass_stopping(particle, z, key)
    # MeV cm2/g * g/cm3 = MeV/cm = 1e3 keV / 1e4 um
    s = mass_s * density_g_cm3 * 0.1
    return StoppingTable(particle, formula, density_g_cm3, grid, s, "catima")


def srim_table(
    particle: str, formula: str, density_g_cm3: float, tab: Mapping, grid=None
) -> StoppingTable:
    """Stopping table from a parsed SRIM table (scaled to ``density_g_cm3``).

    ``tab`` is :func:`liprobe.io.srim.read_srim`'s result. A proton table serves
    a triton (and a 4He table any alpha) by velocity scaling when the ion mass
    in the file differs from the particle's mass.
    """
    source = str(tab.get("source", "<srim>"))
    p = PARTICLES[particle]
    if tab["ion_z"] != p.z:
        raise InputError(source, "Ion", f"Z = {p.z} for {particle}", tab["ion_z"])
    grid = energy_grid() if grid is None else np.asarray(grid, float)
    e_file = grid * tab["ion_mass_u"] / p.mass_u  # same velocity
    s = np.exp(
        np.interp(
            np.log(e_file),
            np.log(tab["energy_keV"]),
            np.log(tab["stopping_keV_per_um"]),
        )
    )
    s *= density_g_cm3 / tab["density_g_cm3"]
    return StoppingTable(
        particle, formula, density_g_cm3, grid, s, f"srim:{Path(source).name}"
    )


def stopping_table(
    particle: str,
    formula: str,
    density_g_cm3: float,
    srim: Mapping | None = None,
) -> StoppingTable:
    """Stopping table from CATIMA, or from SRIM when ``srim`` (particle -> parsed
    table, :func:`liprobe.io.srim.read_srim`) holds one for the particle."""
    if srim and srim.get(particle) is not None:
        return srim_table(particle, formula, density_g_cm3, srim[particle])
    return catima_table(particle, formula, density_g_cm3)
