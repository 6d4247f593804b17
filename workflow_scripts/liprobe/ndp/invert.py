"""Depth profiles from spectra: regularised non-negative inversion and a baseline.

Regularised inversion (Tikhonov-Phillips with non-negativity):

    x_hat(lam) = argmin_{x >= 0} || W (M x - y) ||^2 + lam^2 || L x ||^2

with W = diag(1/sigma) (Poisson standard deviations), L the first-difference
operator (penalises jumps of the density between neighbouring depth bins; an
order 0 or 2 operator is selectable), solved exactly as a non-negative least
squares problem on the augmented system [W M; lam L] x = [W y; 0]
(scipy.optimize.nnls; Lawson & Hanson, Solving Least Squares Problems, 1974).

Choice of lam: Morozov's discrepancy principle (V. A. Morozov, Soviet Math.
Dokl. 7 (1966) 414): the largest lam on a log grid whose chi^2 = ||W(Mx - y)||^2
does not exceed nu + sqrt(2 nu), the expected chi^2 plus one standard deviation
(nu = number of fitted energy bins holding counts; empty bins, e.g. between the
alpha and triton spectra, contribute almost nothing to chi^2 and would
otherwise license over-smoothing). When no lam meets it, the largest lam whose
chi^2 is within 2 sqrt(2 nu) of the smallest chi^2 on the grid is used, and the
result is flagged ``discrepancy_not_met`` when even that smallest chi^2 exceeds
nu + 3 sqrt(2 nu) (a model that cannot describe the data).

The penalty shrinks the amplitude of the solution; the chosen solution is
therefore multiplied by the single factor that minimises its chi^2 (closed-form
least squares), which keeps the depth integral (the inventory) unbiased while
keeping the regularised shape.

Uncertainties: linearised covariance of the regularised estimator,
Cov = H^-1 M^T W^2 M H^-1 with H = M^T W^2 M + lam^2 L^T L (propagated Poisson
errors; the regularisation bias is not included).

Baseline: the channel-to-depth map; each energy bin of the triton-only region
is assigned the depth whose mean exit energy it is (no deconvolution).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import nnls


def difference_operator(n: int, order: int = 1) -> np.ndarray:
    """Finite-difference regularisation operator of the given order (0, 1, 2)."""
    eye = np.eye(n)
    if order == 0:
        return eye
    return np.diff(eye, n=order, axis=0)


@dataclass
class InversionResult:
    """Solution, 1-sigma errors, chosen lambda and diagnostics."""

    x: np.ndarray
    x_err: np.ndarray
    cov: np.ndarray
    lam: float
    chi2: float
    dof: int
    flags: str = ""
    scan: list[tuple[float, float]] = field(default_factory=list)


def tikhonov_nnls(M, y, sigma, lam, L) -> np.ndarray:
    """Non-negative Tikhonov solution for one lambda (see module docstring)."""
    w = 1.0 / np.asarray(sigma, float)
    A = np.vstack([M * w[:, None], lam * L])
    b = np.concatenate([y * w, np.zeros(L.shape[0])])
    x, _ = nnls(A, b, maxiter=50 * A.shape[1])
    return x


def invert(
    M: np.ndarray,
    y: np.ndarray,
    sigma: np.ndarray,
    *,
    order: int = 1,
    lambdas: np.ndarray | None = None,
) -> InversionResult:
    """Regularised non-negative inversion with the discrepancy principle."""
    M = np.asarray(M, float)
    y = np.asarray(y, float)
    sigma = np.asarray(sigma, float)
    n = M.shape[1]
    L = difference_operator(n, order)
    w = 1.0 / sigma
    WM = M * w[:, None]
    scale = np.linalg.norm(WM) / np.sqrt(n)
    if lambdas is None:
        lambdas = scale * np.geomspace(3.0, 1e-4, 22)
    nu = int(np.count_nonzero(y > 0)) or y.size
    scan = []
    chosen = None
    results = []
    for lam in sorted(lambdas, reverse=True):
        x = tikhonov_nnls(M, y, sigma, lam, L)
        chi2 = float(np.sum(((M @ x - y) * w) ** 2))
        scan.append((float(lam), chi2))
        results.append((lam, x, chi2))
        if chi2 <= nu + np.sqrt(2.0 * nu):
            chosen = (lam, x, chi2)
            break
    flags = ""
    if chosen is None:
        # within the noise of the best attainable fit
        chi2_min = min(r[2] for r in results)
        tol = 2.0 * np.sqrt(2.0 * nu)
        chosen = next(r for r in results if r[2] <= chi2_min + tol)
        if chi2_min > nu + 3.0 * np.sqrt(2.0 * nu):
            flags = "discrepancy_not_met"
    lam, x, chi2 = chosen
    # undo the amplitude shrinkage of the penalty: one least-squares scale
    m = (M @ x) * w
    if m @ m > 0:
        alpha = float(m @ (y * w)) / float(m @ m)
        if alpha > 0:
            x = alpha * x
            chi2 = float(np.sum(((M @ x - y) * w) ** 2))
    H = WM.T @ WM + lam**2 * (L.T @ L)
    try:
        Hi = cho_solve(cho_factor(H), np.eye(n))
        cov = Hi @ (WM.T @ WM) @ Hi
    except np.linalg.LinAlgError:
        cov = np.full((n, n), np.nan)
        flags = ";".join(f for f in (flags, "singular_covariance") if f)
    err = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return InversionResult(x, err, cov, float(lam), chi2, int(nu), flags, scan)


def channel_depth_map(
    counts: np.ndarray,
    depth_of_bin_um: np.ndarray,
    depth_edges_um: np.ndarray,
) -> np.ndarray:
    """Baseline: counts per depth bin when each energy bin maps to one depth.

    ``depth_of_bin_um`` gives the depth of each energy bin's edges (n+1 values,
    from the mean exit energy of the particle); counts of a bin are spread
    uniformly over its depth interval. Returns counts per depth bin.
    """
    d = np.asarray(depth_of_bin_um, float)
    c = np.asarray(counts, float)
    edges = np.asarray(depth_edges_um, float)
    out = np.zeros(edges.size - 1)
    lo = np.minimum(d[:-1], d[1:])
    hi = np.maximum(d[:-1], d[1:])
    ok = np.isfinite(lo) & np.isfinite(hi)
    # energy bins above the surface energy map to a point: put them in its bin
    point = ok & (hi <= lo)
    k = np.clip(np.searchsorted(edges, lo[point], side="right") - 1, 0, out.size - 1)
    np.add.at(out, k, c[point])
    span = ok & (hi > lo)
    for j in range(out.size):
        a, b = edges[j], edges[j + 1]
        overlap = np.clip(np.minimum(hi[span], b) - np.maximum(lo[span], a), 0.0, None)
        out[j] += np.sum(c[span] * overlap / (hi[span] - lo[span]))
    return out
