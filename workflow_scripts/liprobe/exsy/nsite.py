"""Exchange among N sites: the kinetic matrix, 2D EXSY volumes and 1D
selective-inversion recoveries, and their fits.

Model (Bloch-McConnell equations of the z magnetisation without transverse
terms; Perrin & Dwyer, Chem. Rev. 90 (1990) 935, eq. 9; Bain, Prog. NMR
Spectrosc. 43 (2003) 63):

    dM/dt = -L (M - M_eq),   L = R + K,   R = diag(R1_i),
    K_ii = sum_j k_ij,   K_ji = -k_ij (i != j)

with ``k_ij`` the rate constant (1/s) of the transfer from site i to site j.
The solution M(t) = M_eq + expm(-L t) (M(0) - M_eq) gives

* 2D EXSY: the peak volume with F1 at site x (where the magnetisation was
  labelled) and F2 at site y (where it is detected) after the mixing time tm,
  I_xy(tm) = [expm(-L tm)]_yx M_eq,x;
* 1D selective inversion of site s: M(0) = M_eq except M_s(0) (a fitted
  value, -M_eq,s for a perfect inversion), and the integrals M_i(t).

Detailed balance p_i k_ij = p_j k_ji (p_i proportional to M_eq,i) is optional.
The matrix exponential is :func:`scipy.linalg.expm`.

Errors: 1 sigma from the covariance matrix of the weighted least-squares fit
with absolute weights (the volume and integral errors are measured; the
reduced chi-square is not used to rescale them), the noise correlation of the
N^2 volumes of one spectrum included (generalised least squares), as in
:mod:`liprobe.exsy.fit`; a fit whose chi-square p-value is below
``poor_fit_p`` gets errors inflated by sqrt(reduced chi-square), the flag
``poor_fit`` and ``fit_ok`` False.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import lmfit
import numpy as np
from scipy.linalg import expm

from liprobe.exsy.fit import _at_bound, _best_of, _err, _error_policy, _stats

UNCERTAINTY_METHOD = "covariance of weighted least squares (absolute weights)"
CORRELATED_METHOD = (
    "covariance of generalised least squares (absolute weights; the N^2 "
    "volumes of each spectrum with their noise correlation)"
)
#: model name of the N-site fits in ``exsy_rates``
MODEL = "n_site"


def kinetic_matrix(k: np.ndarray, R1: np.ndarray) -> np.ndarray:
    """L = R + K of the module docstring from ``k[i, j]`` (i -> j, zero
    diagonal ignored) and ``R1[i]``."""
    k = np.array(k, dtype=float)
    np.fill_diagonal(k, 0.0)
    return np.diag(np.asarray(R1, dtype=float) + k.sum(axis=1)) - k.T


def propagators(tm: np.ndarray, L: np.ndarray) -> np.ndarray:
    """expm(-L t) for every t of ``tm``: shape (len(tm), N, N).

    One eigendecomposition L = V diag(l) V^-1 serves every t
    (expm(-L t) = V diag(exp(-l t)) V^-1, exact for a diagonalisable L, which
    L = R + K is: with detailed balance it is similar to a symmetric
    matrix); when the eigenvectors are ill-conditioned (near-degenerate
    defective L) :func:`scipy.linalg.expm` is evaluated per t instead. The
    fits call this thousands of times, and the eigendecomposition is about a
    hundred times faster than ``expm`` of every matrix.
    """
    tm = np.asarray(tm, dtype=float)
    try:
        values, vectors = np.linalg.eig(-L)
        inverse = np.linalg.inv(vectors)
        ok = np.linalg.cond(vectors) < 1e8
    except np.linalg.LinAlgError:
        ok = False
    if not ok:
        return expm(-tm[:, None, None] * L[None, :, :])
    grow = np.exp(np.multiply.outer(tm, values))  # (t, N)
    out = (vectors[None, :, :] * grow[:, None, :]) @ inverse
    return out.real


def exchange_volumes(
    tm: np.ndarray, k: np.ndarray, R1: np.ndarray, M_eq: np.ndarray
) -> np.ndarray:
    """2D EXSY peak volumes ``V[t, x, y]`` (F1 site x, F2 site y) at the mixing
    times ``tm``: [expm(-L tm)]_yx M_eq,x."""
    P = propagators(tm, kinetic_matrix(k, R1))
    return np.transpose(P, (0, 2, 1)) * np.asarray(M_eq, dtype=float)[None, :, None]


def selective_recovery(
    t: np.ndarray, k: np.ndarray, R1: np.ndarray, M_eq: np.ndarray, M0: np.ndarray
) -> np.ndarray:
    """Site magnetisations ``M[t, i]`` after the mixing times ``t`` from the
    start ``M0``: M_eq + expm(-L t) (M0 - M_eq)."""
    M_eq = np.asarray(M_eq, dtype=float)
    P = propagators(t, kinetic_matrix(k, R1))
    return M_eq[None, :] + P @ (np.asarray(M0, dtype=float) - M_eq)


def _pairs(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(n) if i != j]


def _rate_params(
    params: lmfit.Parameters,
    n: int,
    k0: float,
    k_max: float,
    M: np.ndarray,
    detailed_balance: bool,
) -> None:
    """Rate parameters ``k_i_j``: all free, or with detailed balance the
    i < j ones free and k_j_i = k_i_j M_i / M_j."""
    for i, j in _pairs(n):
        if detailed_balance and i > j:
            params.add(f"k_{i}_{j}", expr=f"k_{j}_{i} * M_{j} / M_{i}")
        else:
            ratio = 1.0 if detailed_balance else math.sqrt(M[i] / max(M[j], 1e-12))
            params.add(f"k_{i}_{j}", value=k0 * min(ratio, 10.0), min=0.0, max=k_max)


def _values(v: dict, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = np.zeros((n, n))
    for i, j in _pairs(n):
        k[i, j] = v[f"k_{i}_{j}"]
    R1 = np.array([v[f"R1_{i}"] for i in range(n)])
    M = np.array([v[f"M_{i}"] for i in range(n)])
    return k, R1, M


def _fix_relaxation_at_bound(residual, best, n: int, t_hi: float, flags: list[str]):
    """A fit without error bars because an R1 sits at its bound (below
    1e-3 / t_max, i.e. zero: relaxation too slow for the mixing times to tell)
    is refitted with that R1 fixed at 0; the rates' errors are then
    conditional on it (flag ``R1_<i>_fixed_at_bound``). Other fits come back
    unchanged."""
    if best is None or best.errorbars:
        return best
    at_bound = [
        f"R1_{i}" for i in range(n) if best.params[f"R1_{i}"].value < 1e-3 / t_hi
    ]
    if not at_bound:
        return best
    params = best.params.copy()
    for name in at_bound:
        params[name].set(value=0.0, vary=False)
    try:
        refit = lmfit.minimize(residual, params, method="leastsq", scale_covar=False)
    except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
        flags.append(f"minimizer_error:{type(exc).__name__}")
        return best
    flags += [f"{name}_fixed_at_bound" for name in at_bound]
    return refit


def _population_errors(result, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Populations p_i = M_i / sum M and their errors (delta method)."""
    M = np.array([result.params[f"M_{i}"].value for i in range(n)])
    total = M.sum()
    p = M / total if total > 0 else np.full(n, math.nan)
    err = np.full(n, math.nan)
    names = [f"M_{i}" for i in range(n)]
    if result.covar is not None and all(x in result.var_names for x in names):
        idx = [result.var_names.index(x) for x in names]
        cov = result.covar[np.ix_(idx, idx)]
        for i in range(n):
            grad = -M[i] / total**2 * np.ones(n)
            grad[i] += 1.0 / total
            err[i] = math.sqrt(max(grad @ cov @ grad, 0.0))
    return p, err


def _result(
    result,
    sites: Sequence[str],
    n_points: int,
    flags: list[str],
    *,
    method: str,
    detailed_balance: bool,
    poor_fit_p: float,
    t_span: tuple[float, float],
    scale: float = 1.0,
) -> dict:
    """The fit summary (statistics, flags) and its per-pair and per-site rows
    (``M_eq`` in the data's units: the fit's scaled value times ``scale``)."""
    n = len(sites)
    row = {
        "model": MODEL,
        "n_sites": n,
        "detailed_balance": bool(detailed_balance),
        "n_points": int(n_points),
        "err_method": method,
        "uncertainty_method": method,
        "fit_ok": False,
        "flags": "",
    }
    pairs = []
    site_rows = []
    if result is None:
        row["flags"] = ";".join(flags)
        return {"summary": row, "pairs": pairs, "sites": site_rows}
    for i, j in _pairs(n):
        name = f"k_{i}_{j}"
        pairs.append(
            {
                "site_from": sites[i],
                "site_to": sites[j],
                "k_per_s": float(result.params[name].value),
                "k_per_s_err": _err(result, name),
            }
        )
    p, p_err = _population_errors(result, n)
    for i in range(n):
        site_rows.append(
            {
                "site": sites[i],
                "R1_per_s": float(result.params[f"R1_{i}"].value),
                "R1_per_s_err": _err(result, f"R1_{i}"),
                "population": float(p[i]),
                "population_err": float(p_err[i]),
                "M_eq": float(result.params[f"M_{i}"].value) * scale,
            }
        )
    _stats(row, result)
    # the error policy works on the row's *_err floats: put the pair and site
    # errors through it together
    errs = {f"pair{m}_err": float(r["k_per_s_err"]) for m, r in enumerate(pairs)}
    errs.update(
        {f"R1site{m}_err": float(r["R1_per_s_err"]) for m, r in enumerate(site_rows)}
    )
    row.update(errs)
    flags += _error_policy(row, poor_fit_p)
    for m, r in enumerate(pairs):
        r["k_per_s_err"] = row.pop(f"pair{m}_err")
    poor = any(f.startswith("poor_fit") for f in flags)
    factor = math.sqrt(max(row["redchi"], 1.0)) if poor else 1.0
    for m, r in enumerate(site_rows):
        r["R1_per_s_err"] = row.pop(f"R1site{m}_err")
        r["population_err"] *= factor
    at_bound = _at_bound(result, [f"k_{i}_{j}" for i, j in _pairs(n)])
    for r, (i, j) in zip(pairs, _pairs(n), strict=True):
        bound = f"k_{i}_{j}_at_bound" in at_bound
        r["flags"] = "k_at_bound" if bound else ""
    flags += [
        f"k_{sites[i]}_{sites[j]}_at_bound"
        for i, j in _pairs(n)
        if f"k_{i}_{j}_at_bound" in at_bound
    ]
    if not result.success:
        flags.append("not_converged")
    if not result.errorbars:
        flags.append("no_errorbars")
    t_lo, t_hi = t_span
    for r in pairs:
        if r["k_per_s"] > 0 and math.log(2) / r["k_per_s"] > 10 * t_hi:
            r["flags"] = ";".join(f for f in [r["flags"], "slower_than_mixing"] if f)
    row["fit_ok"] = bool(result.success and result.errorbars) and not any(
        f.startswith("poor_fit") for f in flags
    )
    row["flags"] = ";".join(flags)
    for r in pairs:
        r["fit_ok"] = row["fit_ok"] and "k_at_bound" not in r["flags"]
    return {"summary": row, "pairs": pairs, "sites": site_rows}


def fit_exchange_2d(
    tm: np.ndarray,
    volumes: np.ndarray,
    errors: np.ndarray,
    sites: Sequence[str],
    *,
    detailed_balance: bool,
    poor_fit_p: float,
    correlation: np.ndarray | None = None,
) -> dict:
    """Fit the N-site model to all N^2 peak volumes of a 2D EXSY series.

    ``volumes[t, x, y]`` and ``errors[t, x, y]``: the volume (and its 1-sigma
    error) with F1 at site x and F2 at site y at mixing time ``tm[t]``;
    ``correlation[t]`` (N^2 x N^2, peaks in row-major (x, y) order): the noise
    correlation of the volumes of one spectrum, identity when None. Parameters:
    k_ij (all ordered pairs, or with ``detailed_balance`` the pairs i < j),
    R1_i and M_eq,i. Several starting rates spread over 1/tm_max .. 1/tm_min
    are tried; the lowest chi-square is kept.

    Returns ``{"summary": dict, "pairs": [dict per ordered pair], "sites":
    [dict per site]}``; ``summary`` holds the statistics, ``err_method``,
    ``fit_ok`` and ``flags``.
    """
    tm = np.asarray(tm, dtype=float)
    vol = np.asarray(volumes, dtype=float)
    err = np.asarray(errors, dtype=float)
    n = len(sites)
    if vol.shape != (tm.size, n, n) or err.shape != vol.shape:
        raise ValueError(
            f"volumes {vol.shape} and errors {err.shape} must be "
            f"({tm.size}, {n}, {n}) for {n} sites and {tm.size} mixing times"
        )
    good = np.isfinite(tm) & np.isfinite(vol).all(axis=(1, 2))
    good &= (np.isfinite(err) & (err > 0)).all(axis=(1, 2))
    flags = [f"{int((~good).sum())}_points_dropped_nonfinite"] if (~good).any() else []
    corr = np.broadcast_to(np.eye(n * n), (tm.size, n * n, n * n)).copy()
    method = UNCERTAINTY_METHOD
    if correlation is not None:
        given = np.asarray(correlation, dtype=float)
        ok = np.isfinite(given).all(axis=(1, 2))
        corr[ok] = given[ok]
        method = CORRELATED_METHOD
    order = np.argsort(tm[good])
    tm, vol, err, corr = (a[good][order] for a in (tm, vol, err, corr))
    n_free = n * (n - 1) // (2 if detailed_balance else 1) + 2 * n
    if vol.size <= n_free or np.unique(tm).size < 3:
        flags.append("too_few_mixing_times")
        return _result(
            None,
            sites,
            vol.size,
            flags,
            method=method,
            detailed_balance=detailed_balance,
            poor_fit_p=poor_fit_p,
            t_span=(0, 0),
        )
    scale = float(max(np.abs(vol).max(), 1e-300))
    y = vol.reshape(tm.size, -1) / scale
    sd = err.reshape(tm.size, -1) / scale
    try:
        chol = np.linalg.cholesky(corr * sd[:, :, None] * sd[:, None, :])
    except np.linalg.LinAlgError:
        flags.append("volume_correlation_not_positive_definite_ignored")
        chol = np.eye(n * n)[None] * sd[:, :, None]
    inverse = np.linalg.inv(chol)
    positive = tm[tm > 0]
    t_lo = float(positive.min()) if positive.size else 1e-3
    t_hi = float(tm.max())
    first = vol[0] / scale
    M_start = np.clip(first.sum(axis=1), 1e-6, None)  # everything labelled on x
    total = (vol.sum(axis=(1, 2))) / scale
    r1 = 1.0 / max(t_hi, 1e-9)
    if (total > 0).sum() >= 2 and np.ptp(tm) > 0:
        slope = np.polyfit(tm[total > 0], np.log(total[total > 0]), 1)[0]
        r1 = max(-slope, 1e-4 / max(t_hi, 1e-9))

    def residual(params):
        k, R1, M = _values(params.valuesdict(), n)
        model = exchange_volumes(tm, k, R1, M).reshape(tm.size, -1)
        return np.einsum("tij,tj->ti", inverse, model - y).ravel()

    def start(k0):
        params = lmfit.Parameters()
        for i in range(n):
            params.add(f"M_{i}", value=float(M_start[i]), min=0.0)
        for i in range(n):
            params.add(f"R1_{i}", value=r1, min=0.0, max=1e3 / t_lo)
        _rate_params(params, n, k0, 1e4 / t_lo, M_start, detailed_balance)
        return params

    best = _best_of(
        residual, map(start, np.geomspace(0.3 / t_hi, 3.0 / t_lo, 6)), flags
    )
    best = _fix_relaxation_at_bound(residual, best, n, t_hi, flags)
    return _result(
        best,
        sites,
        vol.size,
        flags,
        method=method,
        detailed_balance=detailed_balance,
        poor_fit_p=poor_fit_p,
        t_span=(t_lo, t_hi),
        scale=scale,
    )


def fit_selective(
    t: np.ndarray,
    integrals: np.ndarray,
    errors: np.ndarray,
    inverted: Sequence[int],
    sites: Sequence[str],
    *,
    detailed_balance: bool,
    poor_fit_p: float,
) -> dict:
    """Fit the N-site model to 1D selective-inversion recoveries.

    ``integrals[m, i]`` (and 1-sigma ``errors``): the integral of site i after
    the mixing time ``t[m]`` in the experiment that inverted site
    ``inverted[m]`` (a series may hold several experiments, each inverting one
    site). Parameters: the rates and R1_i as in :func:`fit_exchange_2d`,
    M_eq,i and, per inverted site s, its start value M0_s (the other sites
    start at equilibrium). The integrals are taken as independent.

    Returns the same structure as :func:`fit_exchange_2d`; ``summary`` also
    holds ``inversion_<site>`` = M0_s / M_eq,s (-1 for a perfect inversion).
    """
    t = np.asarray(t, dtype=float)
    data = np.asarray(integrals, dtype=float)
    err = np.asarray(errors, dtype=float)
    inv = np.asarray(inverted, dtype=int)
    n = len(sites)
    if data.shape != (t.size, n) or err.shape != data.shape or inv.shape != t.shape:
        raise ValueError(
            f"integrals {data.shape}, errors {err.shape} and inverted {inv.shape} "
            f"must be ({t.size}, {n}), ({t.size}, {n}) and ({t.size},)"
        )
    good = np.isfinite(t) & np.isfinite(data).all(axis=1)
    good &= (np.isfinite(err) & (err > 0)).all(axis=1)
    flags = [f"{int((~good).sum())}_points_dropped_nonfinite"] if (~good).any() else []
    t, data, err, inv = t[good], data[good], err[good], inv[good]
    inverted_sites = sorted(set(inv.tolist()))
    n_free = n * (n - 1) // (2 if detailed_balance else 1) + 2 * n + len(inverted_sites)
    if data.size <= n_free or np.unique(t).size < 3:
        flags.append("too_few_mixing_times")
        return _result(
            None,
            sites,
            data.size,
            flags,
            method=UNCERTAINTY_METHOD,
            detailed_balance=detailed_balance,
            poor_fit_p=poor_fit_p,
            t_span=(0, 0),
        )
    scale = float(max(np.abs(data).max(), 1e-300))
    y = data / scale
    w = scale / err
    positive = t[t > 0]
    t_lo = float(positive.min()) if positive.size else 1e-3
    t_hi = float(t.max())
    last = np.argmax(t)
    M_start = np.clip(np.abs(y[last]), 1e-6, None)
    first = np.argmin(t)
    blocks = {s: np.flatnonzero(inv == s) for s in inverted_sites}

    def residual(params):
        v = params.valuesdict()
        k, R1, M = _values(v, n)
        out = np.empty_like(y)
        for s, idx in blocks.items():
            M0 = M.copy()
            M0[s] = v[f"M0_{s}"]
            out[idx] = selective_recovery(t[idx], k, R1, M, M0)
        return ((out - y) * w).ravel()

    def start(k0):
        params = lmfit.Parameters()
        for i in range(n):
            params.add(f"M_{i}", value=float(M_start[i]), min=0.0)
        for i in range(n):
            params.add(f"R1_{i}", value=1.0 / t_hi, min=0.0, max=1e3 / t_lo)
        for s in inverted_sites:
            params.add(f"M0_{s}", value=float(min(y[first, s], 0.0) or -M_start[s]))
        _rate_params(params, n, k0, 1e4 / t_lo, M_start, detailed_balance)
        return params

    best = _best_of(
        residual, map(start, np.geomspace(0.3 / t_hi, 3.0 / t_lo, 6)), flags
    )
    best = _fix_relaxation_at_bound(residual, best, n, t_hi, flags)
    out = _result(
        best,
        sites,
        data.size,
        flags,
        method=UNCERTAINTY_METHOD,
        detailed_balance=detailed_balance,
        poor_fit_p=poor_fit_p,
        t_span=(t_lo, t_hi),
        scale=scale,
    )
    if best is not None:
        for s in inverted_sites:
            m_eq = best.params[f"M_{s}"].value
            ratio = best.params[f"M0_{s}"].value / m_eq if m_eq > 0 else math.nan
            out["summary"][f"inversion_{sites[s]}"] = float(ratio)
    return out
