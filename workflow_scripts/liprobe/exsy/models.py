"""Exchange models for EXSY peak volumes.

Every model is a plain function whose keyword arguments are its parameters
(lmfit style); the formula and its source are in each docstring.

Peak naming: peak ``XY`` sits at F1 = site X and F2 = site Y, i.e. magnetisation
labelled on site X during t1 and detected on site Y after the mixing time.
"""

from __future__ import annotations

import numpy as np

PEAKS = ("AA", "AB", "BA", "BB")


def two_site_volumes(
    tm: np.ndarray,
    k_AB: float,
    k_BA: float,
    R1A: float,
    R1B: float,
    MA0: float,
    MB0: float,
) -> dict[str, np.ndarray]:
    """Peak volumes of two-site exchange with longitudinal relaxation.

    Bloch-McConnell equations for the z magnetisation during the mixing time
    (Jeener, Meier, Bachmann & Ernst, J. Chem. Phys. 71 (1979) 4546; Perrin &
    Dwyer, Chem. Rev. 90 (1990) 935):

        dM/dt = -L M,   L = [[R1A + k_AB, -k_BA], [-k_AB, R1B + k_BA]]
        I(tm) = expm(-L tm) diag(MA0, MB0)

    ``I[j, i]`` is the magnetisation found on site j at the end of the mixing
    time when it started on site i, so ``AB`` (from A to B) is ``I[1, 0]``.
    The 2x2 exponential is evaluated in closed form (eigenvalues of L), which is
    exact and vectorised over ``tm``.

    Returns a mapping ``peak -> volume`` (arrays shaped like ``tm``).
    """
    tm = np.asarray(tm, dtype=float)
    a11 = R1A + k_AB
    a22 = R1B + k_BA
    a12 = -k_BA
    a21 = -k_AB
    half_tr = 0.5 * (a11 + a22)
    disc = np.sqrt(max(0.25 * (a11 - a22) ** 2 + a12 * a21, 0.0))
    lam1 = half_tr + disc
    lam2 = half_tr - disc
    e1 = np.exp(-lam1 * tm)
    e2 = np.exp(-lam2 * tm)
    if disc > 1e-12 * max(abs(half_tr), 1e-300):
        # Sylvester's formula: f(L) = [f(l1)(L - l2) - f(l2)(L - l1)] / (l1 - l2)
        c1 = e1 / (lam1 - lam2)
        c2 = e2 / (lam1 - lam2)
        p11 = c1 * (a11 - lam2) - c2 * (a11 - lam1)
        p22 = c1 * (a22 - lam2) - c2 * (a22 - lam1)
        p12 = (c1 - c2) * a12
        p21 = (c1 - c2) * a21
    else:  # degenerate eigenvalues: f(L) = e^{-l t} [1 - t (L - l)]
        p11 = e1 * (1.0 - tm * (a11 - half_tr))
        p22 = e1 * (1.0 - tm * (a22 - half_tr))
        p12 = -e1 * tm * a12
        p21 = -e1 * tm * a21
    return {"AA": p11 * MA0, "AB": p21 * MA0, "BA": p12 * MB0, "BB": p22 * MB0}


def normalised_cross_ratio(tm: np.ndarray, k_AB: float, k_BA: float) -> np.ndarray:
    """I_AB / I_AA for two-site exchange with equal R1 of both sites.

    I_AB / I_AA = k_AB (1 - e^{-k tm}) / (k_BA + k_AB e^{-k tm}), k = k_AB + k_BA
    (Perrin & Dwyer, Chem. Rev. 90 (1990) 935; relaxation cancels in the ratio).
    """
    tm = np.asarray(tm, dtype=float)
    k = k_AB + k_BA
    e = np.exp(-k * tm)
    return k_AB * (1.0 - e) / (k_BA + k_AB * e)


def sphere_exchanged_fraction(
    t: np.ndarray, D: float, radius_m: float, n_terms: int = 200
) -> np.ndarray:
    """Fraction exchanged by diffusion into (or out of) a sphere of radius r.

    Crank, The Mathematics of Diffusion, 2nd ed. (1975), eq. 6.20:

        F(t) = 1 - (6 / pi^2) sum_{n>=1} (1 / n^2) exp(-D n^2 pi^2 t / r^2)

    ``D`` in m^2/s, ``radius_m`` in m, ``t`` in s. The series is summed to
    ``n_terms``; for D t / r^2 < 1e-3 the short-time limit
    F = 6 sqrt(D t / (pi r^2)) - 3 D t / r^2 (Crank eq. 6.21, leading terms),
    which the truncated series cannot resolve, is used instead.
    """
    t = np.asarray(t, dtype=float)
    x = np.clip(D * t / radius_m**2, 0.0, None)
    n = np.arange(1, n_terms + 1, dtype=float)
    series = np.exp(-np.multiply.outer(x, n**2) * np.pi**2) / n**2
    full = 1.0 - (6.0 / np.pi**2) * series.sum(axis=-1)
    short = 6.0 * np.sqrt(x / np.pi) - 3.0 * x
    return np.where(x < 1e-3, short, full)


def diffusion_volumes(
    tm: np.ndarray,
    D: float,
    radius_m: float,
    pA: float,
    R1: float,
    M0: float,
) -> dict[str, np.ndarray]:
    """EXSY peak volumes when exchange is limited by diffusion through spheres.

    With F(tm) the Crank sphere fraction (:func:`sphere_exchanged_fraction`),
    populations pA and pB = 1 - pA and one R1 for both sites, magnetisation
    starting on A is found on B with probability pB F (and on B from A with
    pA F), which keeps detailed balance:

        I_AA = M0 pA (1 - pB F) e^{-R1 tm}     I_AB = M0 pA pB F e^{-R1 tm}
        I_BB = M0 pB (1 - pA F) e^{-R1 tm}     I_BA = M0 pA pB F e^{-R1 tm}

    so the normalised cross-peak fraction (I_AB + I_BA) / (sum) / (2 pA pB)
    equals F, the diffusion-limited exchange analysis of the seed review
    (Liu, Ganapathy & Wagemaker, Acc. Chem. Res. 55 (2022) 333) with Crank's
    sphere solution.
    """
    tm = np.asarray(tm, dtype=float)
    pB = 1.0 - pA
    F = sphere_exchanged_fraction(tm, D, radius_m)
    decay = M0 * np.exp(-R1 * tm)
    return {
        "AA": pA * (1.0 - pB * F) * decay,
        "AB": pA * pB * F * decay,
        "BA": pA * pB * F * decay,
        "BB": pB * (1.0 - pA * F) * decay,
    }


def with_overlap(
    volumes: dict[str, np.ndarray], eps_F1: float, eps_F2: float
) -> dict[str, np.ndarray]:
    """Box volumes seen when each peak spills a fraction into the neighbouring box.

    With L_d = [[1, eps_d], [eps_d, 1]] for dimension d, the observed volume
    matrix is V_obs = L_F1 V L_F2^T (V[X, Y]: F1 site X, F2 site Y): the tails of
    a line in F2 put eps_F2 of a peak's volume into the box of the other site in
    the same row, eps_F1 likewise in the same column. This is the linear
    overlap correction of box integration (Ernst, Bodenhausen & Wokaun,
    Principles of NMR in One and Two Dimensions (1987), sect. 9.7: volumes of
    overlapping cross peaks), with one leakage fraction per dimension.
    """
    e1, e2 = eps_F1, eps_F2
    aa, ab, ba, bb = (volumes[p] for p in PEAKS)
    return {
        "AA": aa + e2 * ab + e1 * ba + e1 * e2 * bb,
        "AB": ab + e2 * aa + e1 * bb + e1 * e2 * ba,
        "BA": ba + e1 * aa + e2 * bb + e1 * e2 * ab,
        "BB": bb + e1 * ab + e2 * ba + e1 * e2 * aa,
    }


def arrhenius(T: np.ndarray, ln_A: float, Ea_eV: float) -> np.ndarray:
    """ln y = ln A - Ea / (kB T) (Arrhenius), kB in eV/K (CODATA 2018)."""
    return ln_A - Ea_eV / (KB_EV * np.asarray(T, dtype=float))


KB_EV = 8.617333262e-5
