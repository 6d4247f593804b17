"""Exchange models for EXSY peak volumes.

Every model is a plain function whose keyword arguments are its parameters
(lmfit style); the formula and its source are in each docstring.

Peak naming: peak ``XY`` sits at F1 = site X and F2 = site Y, i.e. magnetisation
labelled on site X during t1 and detected on site Y after the mixing time.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from liprobe.constants import KB_EV

PEAKS = ("AA", "AB", "BA", "BB")
#: D t / r^2 below which the sphere fraction uses its short-time limit
X_SHORT = 1e-6


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


def crank_roots(alpha: float, n_terms: int = 200) -> np.ndarray:
    """The first ``n_terms`` non-zero roots of ``tan q = 3 q / (3 + alpha q^2)``.

    Root n lies in (n pi, (n + 1/2) pi): there ``g(q) = (3 + alpha q^2) sin q -
    3 q cos q`` changes sign; it is found by bisection (vectorised over n). For
    ``alpha = inf`` (infinite sink) the roots are n pi. Results are cached per
    (alpha, n_terms): a fit asks for the same alpha many times.
    """
    out = _crank_roots(float(alpha), int(n_terms))
    return out.copy()


@lru_cache(maxsize=256)
def _crank_roots(alpha: float, n_terms: int) -> np.ndarray:
    n = np.arange(1, n_terms + 1, dtype=float)
    if not np.isfinite(alpha):
        return n * np.pi
    lo, hi = n * np.pi, (n + 0.5) * np.pi

    def g(q):
        return (3.0 + alpha * q * q) * np.sin(q) - 3.0 * q * np.cos(q)

    g_lo = g(lo)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        g_mid = g(mid)
        same = np.sign(g_mid) == np.sign(g_lo)
        lo = np.where(same, mid, lo)
        g_lo = np.where(same, g_mid, g_lo)
        hi = np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def sphere_exchanged_fraction(
    t: np.ndarray,
    D: float,
    radius_m: float,
    n_terms: int = 200,
    alpha: float = np.inf,
) -> np.ndarray:
    """Fraction of the final exchange reached by diffusion out of (or into) spheres.

    Crank, The Mathematics of Diffusion, 2nd ed. (1975), sect. 6.3.4, a sphere
    of radius r in a well-stirred partner phase of limited volume:

        F(t) = 1 - sum_n 6 alpha (alpha + 1) exp(-D q_n^2 t / r^2)
                         / (9 + 9 alpha + q_n^2 alpha^2)

    with q_n the non-zero roots of tan q_n = 3 q_n / (3 + alpha q_n^2)
    (:func:`crank_roots`) and alpha the ratio of the Li amount in the partner
    phase to that in the spheres at equilibrium (the sphere keeps 1/(1 + alpha)
    of a label it started with). For alpha -> inf (infinite sink) q_n -> n pi
    and F = 1 - (6 / pi^2) sum (1 / n^2) exp(-D n^2 pi^2 t / r^2) (Crank
    eq. 6.20).
    ``D`` in m^2/s, ``radius_m`` in m, ``t`` in s. The series is summed to
    ``n_terms`` or as many terms as the smallest D t / r^2 needs (exp(-q^2 x)
    below e^-40); below D t / r^2 = 1e-6 the short-time limit, in which the
    early flux does not see the partner's finite size,
    F = (1 + 1/alpha) (6 sqrt(D t / (pi r^2)) - 3 D t / r^2) (Crank eq. 6.21,
    leading terms, over the final exchanged fraction) is used instead.
    """
    t = np.asarray(t, dtype=float)
    x = np.clip(D * t / radius_m**2, 0.0, None)
    positive = x[x >= X_SHORT]
    if positive.size:
        n_terms = max(n_terms, int(np.sqrt(40.0 / positive.min()) / np.pi) + 2)
    q = crank_roots(alpha, n_terms)
    if np.isfinite(alpha):
        coef = 6.0 * alpha * (alpha + 1.0) / (9.0 + 9.0 * alpha + q**2 * alpha**2)
        final = alpha / (1.0 + alpha)
    else:
        coef = 6.0 / q**2
        final = 1.0
    series = np.exp(-np.multiply.outer(x, q**2)) * coef
    full = 1.0 - series.sum(axis=-1)
    short = (6.0 * np.sqrt(x / np.pi) - 3.0 * x) / final
    return np.where(x < X_SHORT, short, full)


def partner_ratio(pA: float, particle_site: str) -> float:
    """Crank's alpha from the equilibrium populations: Li in the partner phase
    over Li in the particles (``pB / pA`` when site A is the particle)."""
    pB = 1.0 - pA
    num, den = (pB, pA) if particle_site == "A" else (pA, pB)
    return float(num / den) if den > 0 else np.inf


def sphere_half_time_x(alpha: float) -> float:
    """``D t_half / r^2`` at which :func:`sphere_exchanged_fraction` is 1/2
    (0.0305 for the infinite sink), by bisection on a log scale."""
    lo, hi = 1e-6, 10.0
    for _ in range(80):
        mid = np.sqrt(lo * hi)
        f = float(sphere_exchanged_fraction(np.array(mid), 1.0, 1.0, alpha=alpha))
        lo, hi = (mid, hi) if f < 0.5 else (lo, mid)
    return float(np.sqrt(lo * hi))


def diffusion_volumes(
    tm: np.ndarray,
    D: float,
    radius_m: float,
    pA: float,
    R1: float,
    M0: float,
    *,
    particle_site: str | None,
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
    sphere solution. ``particle_site`` names the site whose Li sits in the
    spheres (``"A"`` or ``"B"``); the other site is the finite, well-stirred
    partner phase and alpha = :func:`partner_ratio`. ``None`` takes the partner
    as an infinite sink (alpha = inf).
    """
    tm = np.asarray(tm, dtype=float)
    pB = 1.0 - pA
    alpha = np.inf if particle_site is None else partner_ratio(pA, particle_site)
    F = sphere_exchanged_fraction(tm, D, radius_m, alpha=alpha)
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
    overlapping cross peaks), with one leakage fraction per dimension. After
    a baseline correction from signal-free points the fractions are apparent
    ones and may be negative.
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
