"""Depth profiles from spectra: bounded regularised inversion and a baseline.

Bounded Tikhonov-Phillips inversion of one slice for a given strength lam:

    x_hat(lam) = argmin_{0 <= x <= x_max} || W (M x - y) ||^2 + lam^2 || L x ||^2

with L the first-difference operator (penalises jumps of the density between
neighbouring depth bins; order 0 or 2 selectable) and x_max the largest
density the stack's sample material can hold. Solved exactly on the augmented
system [W M; lam L] x = [W y; 0] by bounded-variable least squares
(scipy.optimize.lsq_linear, method "bvls"; P. B. Stark & R. L. Parker,
Comput. Stat. 10 (1995) 129). No rescaling follows the inversion: the
solution is the estimate whose covariance is reported.

Count conservation: the solution is constrained to reproduce the slice's
fitted counts, sum_i (M x)_i = sum_i y_i (background subtracted), an equality
constraint of the quadratic programme. With the bound, a penalised fit
otherwise lowers a plateau that sits on the bound rather than pay the penalty
for extending its front, which biases a deposit's areal content low by about
1 / counts; with the constraint its expectation is the true content whatever
the strength, and its linearised error is that of the counts (the constraint
is part of the estimator and of its covariance, not a rescaling afterwards).
A slice whose net counts are <= 0 gets x = 0.

Variance model (Poisson): W = diag(1 / sqrt(v)) with v the variance expected
from the model itself, v_i = max(mu_i, 1) + v_bg,i, where mu_i is the fitted
model counts plus the subtracted background and v_bg,i the variance of the
background estimate. The weights come from a pilot solution for the choice of
strength, then are iterated at the chosen strength until they settle
(iteratively reweighted least squares). For a model linear in x the fixed
point of least squares with weights 1 / mu(x_previous) solves the Poisson
likelihood equations sum_i (y_i - mu_i) / mu_i dmu_i/dx_j = 0 (plus the
penalty and the bounds): the penalised Poisson maximum-likelihood estimate,
without the downward bias of sigma = sqrt(y) weights at low counts. The floor
of 1 count keeps bins far outside the spectrum from gaining infinite weight.

One strength per run (:func:`invert_run`): every slice is solved on a common
grid of lam, and lam is chosen from the summed chi-square of the run by the
discrepancy principle with effective degrees of freedom (V. A. Morozov, Soviet
Math. Dokl. 7 (1966) 414; G. Wahba, Spline Models for Observational Data,
1990, ch. 4): the largest lam with chi2 <= dof + sqrt(2 dof), chi2 =
sum_k chi2_k and dof = sum_k (nu_k - tr A_k) (the expected chi-square of the
fit plus one standard deviation),
where nu_k = sum_i E[(y_i - mu_i)^2] / v_i is the expected chi-square of the
slice's bins (about the number of bins holding counts) and A_k the influence
(hat) matrix restricted to the bins not on a bound. When no lam meets it (the
forward model does not describe the data to the noise level), the strength
that minimises the run's generalised cross-validation
GCV = N chi2 / (N - tr A)^2 is used (method ``gcv_fallback``), and the run is
flagged ``discrepancy_not_met`` when even the smallest summed chi-square
exceeds the effective degrees of freedom by 3 sqrt(2 dof) (a model that cannot
describe the data). A common strength gives every slice the same
resolution, so the heat map is free of slice-to-slice stripes.

Uncertainties: linearised covariance of the bounded regularised estimator.
Bins on a bound stay there under small changes of the data (the active set is
locally constant), so the estimator's derivative J = dx/dy is zero for them;
the variance of the counts is the model's Poisson variance mu_i + v_bg,i
(the floor of the weights is not a claim about it);
for the free bins F it follows from the KKT system
[[H_F, c_F], [c_F', 0]] [x_F; nu] = [M_F' W^2 y - ...; sum y] with
H_F = M_F' W^2 M_F + lam^2 L_F' L_F and c the column sums of M (without
conservation, J = H_F^-1 M_F' W^2). Cov = J diag(mu + v_bg) J', zero rows and columns
for bins on a bound (propagated Poisson errors; the unconstrained covariance
would overstate the error of a deposit whose bins sit on the bound, where the
bound itself carries information). The regularisation bias is not included:
it is shown by the averaging kernel A = J M, whose row j says which
depths bin j averages; its equivalent width (sum_i A_ji)^2 / sum_i A_ji^2
bins is the depth resolution written beside the profiles (NaN on a bound).
Bins on the upper bound are counted and flagged (``at_bound``).

Baseline: the channel-to-depth map; each energy bin of the triton-only region
is assigned the depth whose mean exit energy it is (no deconvolution).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import nnls

#: A bin within this fraction of a bound's scale counts as on the bound.
BOUND_TOL = 1e-6


def difference_operator(n: int, order: int) -> np.ndarray:
    """Finite-difference regularisation operator of the given order (0, 1, 2)."""
    eye = np.eye(n)
    if order == 0:
        return eye
    return np.diff(eye, n=order, axis=0)


@dataclass
class InversionResult:
    """Solution, 1-sigma errors, strength and diagnostics of one slice."""

    x: np.ndarray
    x_err: np.ndarray
    cov: np.ndarray
    lam: float
    chi2: float
    dof: float
    effective_dof: float
    kernel: np.ndarray
    at_bound: np.ndarray
    flags: str = ""
    method: str = "discrepancy"
    scan: list[tuple[float, float]] = field(default_factory=list)
    #: the run's summed chi2 and effective dof at the chosen strength (pilot
    #: weights), the figures the strength was chosen on
    run_chi2: float = float("nan")
    run_effective_dof: float = float("nan")
    #: 1-sigma error of sum(x) (see :func:`_finish`)
    sum_err: float = float("nan")

    @property
    def resolution_bins(self) -> np.ndarray:
        """Equivalent width of each averaging-kernel row, in bins."""
        a = self.kernel
        s2 = np.sum(a**2, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(s2 > 0, np.sum(a, axis=1) ** 2 / s2, np.nan)


@dataclass
class SliceData:
    """One slice's fit problem: counts model M x + b, data y."""

    M: np.ndarray
    y: np.ndarray
    background: np.ndarray
    background_var: np.ndarray

    def variance(self, x: np.ndarray | None) -> np.ndarray:
        """Poisson variance of the counts expected from the model (or data)."""
        if x is None:
            mu = self.y + self.background
        else:
            mu = self.M @ x + self.background
        return np.maximum(mu, 1.0) + self.background_var


def tikhonov_nnls(M, y, sigma, lam, L) -> np.ndarray:
    """Non-negative Tikhonov solution with data weights 1/sigma (no upper
    bound); used where only the misfit matters (calibration refinement)."""
    w = 1.0 / np.asarray(sigma, float)
    A = np.vstack([M * w[:, None], lam * L])
    b = np.concatenate([y * w, np.zeros(L.shape[0])])
    x, _ = nnls(A, b, maxiter=50 * A.shape[1])
    return x


def _kkt_solve(H, rhs, c=None, s=None):
    """Solve H X = rhs, or with one equality c'X = s (Schur complement):
    X = H^-1 rhs - nu H^-1 c, nu = (c'H^-1 rhs - s) / (c'H^-1 c).

    ``rhs`` may have several columns (then ``s`` is a row of the same width).
    """
    try:
        fac = cho_factor(H)

        def solve(b):
            return cho_solve(fac, b)
    except np.linalg.LinAlgError:

        def solve(b):
            return np.linalg.lstsq(H, b, rcond=None)[0]

    x = solve(rhs)
    if c is None:
        return x, 0.0
    hc = solve(c)
    nu = (c @ x - s) / (c @ hc)
    x = x - (hc[:, None] * nu if x.ndim == 2 else hc * nu)
    return x, nu


def box_qp(H, g, upper, x0=None, c=None, s=None, max_iter=2000) -> np.ndarray:
    """argmin 1/2 x'Hx - g'x subject to 0 <= x <= upper (and c'x = s).

    Primal active-set method (J. Nocedal & S. J. Wright, Numerical
    Optimization, 2nd ed., 2006, section 16.5): solve the equality problem on
    the free variables, step back to the first bound crossed, release the bound
    variable whose multiplier has the wrong sign, until the KKT conditions
    hold. ``x0`` warm-starts from a feasible nearby solution (the previous
    strength). Without ``x0`` the start is 0, or with the equality the
    uniform x meeting it (which must lie inside the bounds).
    """
    n = g.size
    u = np.broadcast_to(np.asarray(upper, float), (n,))
    if x0 is not None:
        x = np.clip(np.asarray(x0, float), 0.0, u)
    elif c is None:
        x = np.zeros(n)
    else:
        x = np.minimum(np.full(n, s / c.sum()), u)
    lo = x <= 0.0
    hi = (x >= u) & ~lo
    tol = 1e-9 * max(float(np.abs(g).max()), 1e-300)
    for _ in range(max_iter):
        free = ~(lo | hi)
        xt = np.where(lo, 0.0, np.where(hi, u, x))
        nu = 0.0
        if free.any():
            rhs = g[free] - H[np.ix_(free, ~free)] @ xt[~free]
            cf = None if c is None else c[free]
            sf = None if c is None else s - c[~free] @ xt[~free]
            xt[free], nu = _kkt_solve(H[np.ix_(free, free)], rhs, cf, sf)
        out = free & ((xt < 0.0) | (xt > u))
        if out.any():
            d = xt - x
            with np.errstate(divide="ignore", invalid="ignore"):
                a = np.where(d < 0, -x / d, np.where(d > 0, (u - x) / d, np.inf))
            a = np.where(out, np.clip(a, 0.0, 1.0), np.inf)
            j = int(np.argmin(a))
            x = np.clip(x + a[j] * d, 0.0, u)
            if d[j] < 0:
                lo[j] = True
                x[j] = 0.0
            else:
                hi[j] = True
                x[j] = u[j]
            continue
        x = xt
        grad = H @ x - g + (0.0 if c is None else nu * c)
        viol = np.where(lo, -grad, 0.0) + np.where(hi, grad, 0.0)
        j = int(np.argmax(viol))
        if viol[j] <= tol:
            return x
        lo[j] = hi[j] = False
    raise RuntimeError("box_qp: no convergence")


class _Slice:
    """Normal equations of one slice at fixed weights (and the count total)."""

    def __init__(self, d: SliceData, w: np.ndarray, L: np.ndarray, conserve: bool):
        self.d, self.w = d, w
        WM = d.M * w[:, None]
        self.G = WM.T @ WM
        self.g = WM.T @ (d.y * w)
        self.LtL = L.T @ L
        self.c = self.s = None
        if conserve:
            self.c = d.M.sum(axis=0)
            self.s = float(d.y.sum())

    def solve(self, lam, upper, x0=None) -> np.ndarray:
        H = self.G + lam**2 * self.LtL
        if self.c is None:
            return box_qp(H, self.g, upper, x0)
        u = np.broadcast_to(np.asarray(upper, float), self.g.shape)
        cap = float(self.c @ np.where(np.isfinite(u), u, np.inf))
        if self.s <= 0.0:  # no net counts: nothing to conserve
            return np.zeros(self.g.size)
        s = min(self.s, cap * (1.0 - 1e-9))
        if x0 is not None and abs(self.c @ x0 - s) > 1e-9 * s:
            x0 = None
        return box_qp(H, self.g, upper, x0, self.c, s)


def bounded_tikhonov(
    M, y, w, lam, L, upper, x0=None, conserve: bool = False
) -> np.ndarray:
    """Bounded Tikhonov solution for one lambda (see module docstring)."""
    d = SliceData(M, y, np.zeros_like(y), np.zeros_like(y))
    return _Slice(d, w, L, conserve).solve(lam, upper, x0)


def _on_bound(x: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ref = np.where(np.isfinite(upper), upper, max(float(np.max(x, initial=0)), 1.0))
    tol = BOUND_TOL * np.maximum(ref, 1.0)
    return x <= tol, x >= upper - tol


def _jacobian(d: SliceData, w, lam, L, free, conserve) -> np.ndarray:
    """d x_free / d y of the estimator with its active set held (n_free x n_y)."""
    WM = (d.M * w[:, None])[:, free]
    Lf = L[:, free]
    H = WM.T @ WM + lam**2 * (Lf.T @ Lf)
    B = WM.T * w[None, :]
    if conserve and d.y.sum() > 0:
        c = d.M[:, free].sum(axis=0)
        return _kkt_solve(H, B, c, np.ones(d.y.size))[0]
    return _kkt_solve(H, B)[0]


def _stats(d: SliceData, x, w, lam, L, upper, conserve) -> tuple[float, float, float]:
    """chi2, expected chi2 nu and trace of the influence matrix (free bins)."""
    r = (d.M @ x - d.y) * w
    chi2 = float(r @ r)
    mu = d.M @ x + d.background
    nu = float(np.sum((np.maximum(mu, 0.0) + d.background_var) * w**2))
    lo, hi = _on_bound(x, upper)
    free = ~(lo | hi)
    if not free.any():
        return chi2, nu, 0.0
    J = _jacobian(d, w, lam, L, free, conserve)
    return chi2, nu, float(np.trace(J @ d.M[:, free]))


def _finish(
    d: SliceData, x, w, lam, L, upper, method, flags, conserve
) -> InversionResult:
    n = d.M.shape[1]
    chi2, nu, tr = _stats(d, x, w, lam, L, upper, conserve)
    lo, hi = _on_bound(x, upper)
    free = ~(lo | hi)
    cov = np.zeros((n, n))
    kernel = np.zeros((n, n))
    if free.any():
        J = _jacobian(d, w, lam, L, free, conserve)
        # the counts' Poisson variance expected from the model (the floor of
        # the fit weights is no variance claim)
        var_y = np.maximum(d.M @ x + d.background, 0.0) + d.background_var
        cov[np.ix_(free, free)] = (J * var_y[None, :]) @ J.T
        kernel[free] = J @ d.M
    err = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    at_bound = hi & (upper > 0)
    sum_err = float(np.sqrt(max(cov.sum(), 0.0)))
    if sum_err == 0.0:
        # no free bin (e.g. no net counts: x = 0): the linearisation says
        # nothing; one standard deviation of the fitted counts at the best
        # efficiency per unit x is the error of sum(x)
        c_max = float(d.M.sum(axis=0).max())
        var_s = float(np.sum(1.0 / w**2))
        sum_err = np.sqrt(var_s) / c_max if c_max > 0 else np.nan
    res = InversionResult(
        x, err, cov, float(lam), chi2, nu, nu - tr, kernel, at_bound, flags, method
    )
    res.sum_err = sum_err
    return res


def _meets(chi2: float, dof: float) -> bool:
    """Discrepancy: chi2 within one standard deviation above its expectation."""
    return chi2 <= dof + np.sqrt(2.0 * max(dof, 1.0))


def lambda_grid(data: list[SliceData], n: int = 14) -> np.ndarray:
    """Common strengths for a run, scaled to the median weighted response."""
    norms = [
        np.linalg.norm(d.M / np.sqrt(d.variance(None))[:, None]) / np.sqrt(d.M.shape[1])
        for d in data
        if d.M.size
    ]
    scale = float(np.median(norms)) if norms else 1.0
    return scale * np.geomspace(3.0, 1e-4, n)


def invert_run(
    data: list[SliceData],
    upper: np.ndarray,
    *,
    order: int,
    criterion: str,
    lambdas: np.ndarray | None = None,
    n_refine: int = 4,
    n_irls: int = 20,
    conserve: bool = True,
) -> list[InversionResult]:
    """Bounded inversion of every slice of a run with one strength.

    ``criterion``: ``discrepancy`` (summed chi-square against the summed
    effective degrees of freedom; GCV when it cannot be met, flagged) or
    ``gcv`` (the run's generalised cross-validation minimum). Returns one
    :class:`InversionResult` per slice (``method`` records the rule used).
    ``conserve``: the model reproduces each slice's fitted counts (module doc).
    """
    if not data:
        return []
    n = data[0].M.shape[1]
    upper = np.broadcast_to(np.asarray(upper, float), (n,)).copy()
    L = difference_operator(n, order)
    lams = np.sort(lambda_grid(data) if lambdas is None else np.asarray(lambdas))[::-1]
    # pilot weights from the data, then from a pilot model at a middle strength
    pilot_lam = float(np.sqrt(lams[0] * lams[-1]))
    weights = []
    for d in data:
        w0 = 1.0 / np.sqrt(d.variance(None))
        x0 = _Slice(d, w0, L, conserve).solve(pilot_lam, upper)
        weights.append(1.0 / np.sqrt(d.variance(x0)))

    probs = [_Slice(d, w, L, conserve) for d, w in zip(data, weights, strict=True)]
    warm: dict[float, list] = {}

    def evaluate(lam):
        xs, chi2, dof, n_pts = [], 0.0, 0.0, 0.0
        near = min(warm, key=lambda k: abs(np.log(k / lam))) if warm else None
        for i, (d, w, pr) in enumerate(zip(data, weights, probs, strict=True)):
            x = pr.solve(lam, upper, None if near is None else warm[near][i])
            c, nu, tr = _stats(d, x, w, lam, L, upper, conserve)
            xs.append(x)
            chi2 += c
            dof += nu - tr
            n_pts += nu
        warm[float(lam)] = xs
        gcv = n_pts * chi2 / max(dof, 1e-9) ** 2  # N chi2 / (N - tr A)^2
        return xs, chi2, dof, gcv

    scan = {}
    for lam in lams:
        scan[float(lam)] = evaluate(lam)
        if criterion == "discrepancy":
            _, chi2, dof, _ = scan[float(lam)]
            if _meets(chi2, dof):
                break
    method, flags = criterion, ""
    ok = [lam for lam, v in scan.items() if _meets(v[1], v[2])]
    if criterion == "discrepancy" and ok:
        # refine between the chosen grid point and the one above it
        lo = max(ok)
        above = [lam for lam in scan if lam > lo]
        hi = min(above) if above else lo
        for _ in range(n_refine if above else 0):
            mid = float(np.sqrt(lo * hi))
            scan[mid] = evaluate(mid)
            if _meets(scan[mid][1], scan[mid][2]):
                lo = mid
            else:
                hi = mid
        lam = lo
    else:
        if criterion == "discrepancy":
            for lam in lams:  # the whole grid is needed for GCV
                if float(lam) not in scan:
                    scan[float(lam)] = evaluate(lam)
            method = "gcv_fallback"
            best = min(scan.values(), key=lambda v: v[1])
            if best[1] > best[2] + 3.0 * np.sqrt(2.0 * max(best[2], 1.0)):
                flags = "discrepancy_not_met"
        lam = min(scan, key=lambda k: scan[k][3])
    xs = scan[lam][0]
    trail = [(k, v[1]) for k, v in sorted(scan.items(), reverse=True)]
    out = []
    for d, x in zip(data, xs, strict=True):
        # reweight at the chosen strength until the weights settle (IRLS)
        x1 = x
        for _ in range(n_irls):
            w1 = 1.0 / np.sqrt(d.variance(x1))
            x_new = _Slice(d, w1, L, conserve).solve(lam, upper, x1)
            done = np.max(np.abs(x_new - x1)) <= 1e-7 * max(np.max(x_new), 1e-300)
            x1 = x_new
            if done:
                break
        res = _finish(d, x1, w1, lam, L, upper, method, flags, conserve)
        res.scan = trail
        res.run_chi2, res.run_effective_dof = scan[lam][1], scan[lam][2]
        out.append(res)
    return out


def invert(
    M: np.ndarray,
    y: np.ndarray,
    *,
    upper=np.inf,
    background: np.ndarray | None = None,
    background_var: np.ndarray | None = None,
    order: int,
    criterion: str,
    lambdas: np.ndarray | None = None,
    conserve: bool = True,
) -> InversionResult:
    """One slice on its own (a run of one slice; see :func:`invert_run`).

    ``y``: background-subtracted counts; ``background``: the subtracted
    expected background counts and ``background_var`` the variance of that
    estimate (both zero when not given).
    """
    y = np.asarray(y, float)
    zero = np.zeros_like(y)
    bg = zero if background is None else np.asarray(background, float)
    bv = zero if background_var is None else np.asarray(background_var, float)
    d = SliceData(np.asarray(M, float), y, bg, bv)
    return invert_run(
        [d], upper, order=order, criterion=criterion, lambdas=lambdas, conserve=conserve
    )[0]


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
