"""Exchange fits of EXSY peak-volume build-ups (one series = one temperature).

Two models, both fitted to all four peak volumes (AA, AB, BA, BB) at once with
lmfit (Levenberg-Marquardt), weighted by the volume uncertainties:

* ``two_site``: :func:`liprobe.exsy.models.two_site_volumes` (matrix exponential
  with R1 of both sites; detailed balance k_AB MA0 = k_BA MB0 optional);
* ``diffusion_sphere``: :func:`liprobe.exsy.models.diffusion_volumes` (Crank's
  sphere in a finite, well-stirred partner phase whose share of the Li comes
  from the fitted populations, with the user's particle radius), giving D.

Uncertainties are 1-sigma from the covariance matrix of the weighted fit with
absolute weights (the volume errors are measured; the reduced chi-square is
not used to rescale them). The four volumes of one spectrum share noise (their
baselines), so with their correlation given the residuals of each spectrum are
whitened by its volume covariance (generalised least squares). The chi-square
p-value is reported; below ``poor_fit_p`` the model does not describe the
data: the row is flagged
``poor_fit``, ``fit_ok`` is False (it feeds no Arrhenius fit) and its errors are
inflated (never shrunk) by ``sqrt(redchi)``. The columns ``err_method`` (and
``uncertainty_method``, the same text) say which. A fit that cannot be done
(too few points, no convergence, no covariance) is a row with ``fit_ok`` False
and ``flags`` text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import lmfit
import numpy as np
from scipy.stats import chi2

from liprobe.exsy.models import (
    PEAKS,
    diffusion_volumes,
    partner_ratio,
    sphere_half_time_x,
    two_site_volumes,
    with_overlap,
)

UNCERTAINTY_METHOD = "covariance of weighted least squares (absolute weights)"
CORRELATED_METHOD = (
    "covariance of generalised least squares (absolute weights; the four "
    "volumes of each spectrum with their noise correlation)"
)
# D t_half / r^2 at which Crank's sphere fraction reaches 1/2 (infinite sink).
SPHERE_X_HALF = 0.0305465
RADIUS_ERR_METHOD = (
    "; D = (D/r^2) r^2: particle_radius_um_err propagated in quadrature "
    "(D_m2_per_s_stat_err without it)"
)


def _stack(volumes: Mapping[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(volumes[p], dtype=float) for p in PEAKS])


def _clean(tm, vol, err, corr=None):
    """Mixing times with finite volumes and positive errors, sorted; the noise
    correlations (``corr[p][q]`` arrays) as a (n, 4, 4) array (identity when
    None or not finite)."""
    tm = np.asarray(tm, dtype=float)
    vol = {p: np.asarray(vol[p], dtype=float) for p in PEAKS}
    err = {p: np.asarray(err[p], dtype=float) for p in PEAKS}
    good = np.isfinite(tm)
    for p in PEAKS:
        good &= np.isfinite(vol[p]) & np.isfinite(err[p]) & (err[p] > 0)
    order = np.argsort(tm[good])
    matrix = np.broadcast_to(np.eye(4), (tm.size, 4, 4)).copy()
    if corr is not None:
        given = np.stack(
            [
                np.stack(
                    [
                        np.broadcast_to(np.asarray(corr[p][q], float), tm.shape)
                        for q in PEAKS
                    ],
                    axis=-1,
                )
                for p in PEAKS
            ],
            axis=-2,
        )
        ok = np.isfinite(given).all(axis=(1, 2))
        matrix[ok] = given[ok]
    return (
        tm[good][order],
        {p: vol[p][good][order] for p in PEAKS},
        {p: err[p][good][order] for p in PEAKS},
        int((~good).sum()),
        matrix[good][order],
    )


def _base_row(model: str, n_points: int) -> dict:
    return {
        "model": model,
        "k_AB_per_s": math.nan,
        "k_AB_per_s_err": math.nan,
        "k_BA_per_s": math.nan,
        "k_BA_per_s_err": math.nan,
        "D_m2_per_s": math.nan,
        "D_m2_per_s_err": math.nan,
        "R1A_per_s": math.nan,
        "R1A_per_s_err": math.nan,
        "R1B_per_s": math.nan,
        "R1B_per_s_err": math.nan,
        "pA": math.nan,
        "pA_err": math.nan,
        "exchange_half_time_s": math.nan,
        "eps_F1": math.nan,
        "eps_F1_err": math.nan,
        "eps_F2": math.nan,
        "eps_F2_err": math.nan,
        "overlap_fitted": False,
        "detailed_balance": False,
        "particle_radius_um": math.nan,
        "particle_radius_um_err": math.nan,
        "n_points": n_points,
        "n_params": 0,
        "chisqr": math.nan,
        "redchi": math.nan,
        "chi2_p_value": math.nan,
        "aic": math.nan,
        "bic": math.nan,
        "err_method": UNCERTAINTY_METHOD,
        "uncertainty_method": UNCERTAINTY_METHOD,
        "fit_ok": False,
        "flags": "",
    }


def _err(result, name: str) -> float:
    stderr = result.params[name].stderr
    return math.nan if stderr is None else float(stderr)


def _stats(row: dict, result) -> None:
    """Fill the fit statistics and the chi-square p-value."""
    dof = int(result.nfree)
    p = float(chi2.sf(result.chisqr, dof)) if dof > 0 else math.nan
    row.update(
        n_params=int(result.nvarys),
        chisqr=float(result.chisqr),
        redchi=float(result.redchi),
        chi2_p_value=p,
        aic=float(result.aic),
        bic=float(result.bic),
    )


def _correlation_method(row: dict, correlation) -> None:
    """``err_method`` of a fit that uses the volumes' noise correlation."""
    if correlation is not None:
        row["err_method"] = row["uncertainty_method"] = CORRELATED_METHOD


def _error_policy(row: dict, poor_fit_p: float) -> list[str]:
    """Inflate every ``*_err`` of a poor fit by ``sqrt(redchi)``; its flag.

    A fit whose chi-square p-value is below ``poor_fit_p`` does not describe
    the data within their errors: errors grow (never shrink), ``err_method``
    says so and the returned flag ``poor_fit(p=...)`` makes ``fit_ok`` False.
    """
    p = row["chi2_p_value"]
    if not (math.isfinite(p) and p < poor_fit_p):
        return []
    factor = math.sqrt(max(row["redchi"], 1.0))
    for key in list(row):
        if key.endswith("_err") and isinstance(row[key], float):
            row[key] *= factor
    text = (
        f"{row['err_method']}, inflated by sqrt(reduced chi-square) = "
        f"{factor:.3g} (poor fit: chi-square p < {poor_fit_p:g})"
    )
    row["err_method"] = row["uncertainty_method"] = text
    return [f"poor_fit(p={p:.2g})"]


def _at_bound(result, names) -> list[str]:
    out = []
    for name in names:
        par = result.params[name]
        if not par.vary:
            continue
        span = max(abs(par.value), 1e-300)
        if abs(par.value - par.min) <= 1e-6 * span or abs(par.max - par.value) <= (
            1e-6 * span
        ):
            out.append(f"{name}_at_bound")
    return out


def _add_overlap(params: lmfit.Parameters, overlap: bool) -> None:
    """The two box-leakage fractions (fitted with ``overlap``, else 0).

    They are apparent leakages: a line's tails in the neighbouring box minus
    what the baseline correction took away with them (the mean of the
    signal-free points includes the tails), so they may be negative. The
    demo's processing gives -0.0002 (F1) and +0.0013 (F2) on noise-free
    spectra: a bound at zero would sit on the true value, put about half of
    the fits on it and make the errors of the rates those of a fit with one
    parameter less. The bounds of +-0.2 only keep the minimiser in range.
    """
    params.add("eps_F1", value=0.005 if overlap else 0.0, min=-0.2, max=0.2)
    params.add("eps_F2", value=0.005 if overlap else 0.0, min=-0.2, max=0.2)
    params["eps_F1"].vary = overlap
    params["eps_F2"].vary = overlap


def _overlap_columns(row: dict, result, overlap: bool) -> None:
    row["overlap_fitted"] = bool(overlap)
    for name in ("eps_F1", "eps_F2"):
        row[name] = float(result.params[name].value)
        row[name + "_err"] = _err(result, name) if overlap else 0.0


def _initial_guess(tm, vol):
    total = sum(vol[p] for p in PEAKS)
    first = int(np.argmin(tm))
    mA = vol["AA"][first] + vol["BA"][first]
    mB = vol["BB"][first] + vol["AB"][first]
    pos = total > 0
    if pos.sum() >= 2 and np.ptp(tm[pos]) > 0:
        slope = np.polyfit(tm[pos], np.log(total[pos]), 1)[0]
        r1 = max(-slope, 1e-4 / max(tm.max(), 1e-9))
    else:
        r1 = 1.0 / max(tm.max(), 1e-9)
    return max(mA, 1e-12), max(mB, 1e-12), r1


def _scaled_problem(tm: np.ndarray, vol: dict, err: dict, corr: np.ndarray):
    """Shared set-up of the exchange fits: volumes scaled to order one.

    Returns the scale, the stacked scaled volumes ``y``, the whitening function
    of a stacked residual, the initial guess ``(MA0, MB0, R1)``, the positive
    mixing-time span ``(t_lo, t_hi)`` that bounds the rate constants and flags.
    The four volumes of one spectrum have the covariance D R D (D their
    errors, R their noise correlation ``corr``); the residuals of each
    mixing time are multiplied by the inverse of its Cholesky factor, so that
    the chi-square is r^T C^-1 r (generalised least squares) and the
    covariance of the parameters accounts for the correlation.
    """
    scale = float(max(abs(_stack(vol)).max(), 1e-300))
    y = _stack(vol) / scale
    sd = np.stack([err[p] for p in PEAKS], axis=-1) / scale  # (n, 4)
    flags = []
    try:
        chol = np.linalg.cholesky(corr * sd[:, :, None] * sd[:, None, :])
    except np.linalg.LinAlgError:
        flags.append("volume_correlation_not_positive_definite_ignored")
        chol = np.eye(4)[None] * sd[:, :, None]
    inverse = np.linalg.inv(chol)  # (n, 4, 4)
    n = tm.size

    def whiten(residual: np.ndarray) -> np.ndarray:
        per_tm = residual.reshape(4, n).T  # (n, 4): peaks of one spectrum
        return np.einsum("tij,tj->it", inverse, per_tm).ravel()

    positive_tm = tm[tm > 0]
    t_lo = positive_tm.min() if positive_tm.size else 1e-3
    return scale, y, whiten, _initial_guess(tm, vol), (t_lo, tm.max()), flags


def _best_of(residual, starts, flags: list[str]):
    """The lowest-chi-square ``leastsq`` fit over the parameter sets ``starts``.

    A start on which the minimizer raises adds a ``minimizer_error`` flag; None
    when every start failed.
    """
    best = None
    for params in starts:
        try:
            result = lmfit.minimize(
                residual, params, method="leastsq", scale_covar=False
            )
        except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
            flags.append(f"minimizer_error:{type(exc).__name__}")
            continue
        if best is None or result.chisqr < best.chisqr:
            best = result
    return best


def fit_two_site(
    tm: np.ndarray,
    volumes: Mapping[str, np.ndarray],
    errors: Mapping[str, np.ndarray],
    *,
    detailed_balance: bool,
    equal_R1: bool,
    overlap: bool,
    poor_fit_p: float,
    correlation: Mapping[str, Mapping[str, np.ndarray]] | None = None,
) -> dict:
    """Fit the two-site matrix-exponential model to the four peak build-ups.

    Parameters: k_AB, k_BA (1/s), R1A, R1B (1/s), MA0, MB0 (volume units).
    With ``detailed_balance`` k_BA = k_AB MA0 / MB0; with ``equal_R1`` R1B = R1A;
    with ``overlap`` two apparent leakage fractions eps_F1, eps_F2 (-0.2..0.2) of box
    integration are fitted too (:func:`liprobe.exsy.models.with_overlap`).
    Several starting rates spread over 1/tm_max .. 1/tm_min are tried and the
    lowest chi-square kept (the exchange rate is the only non-linear parameter
    whose start matters). Returns one row (dict) with rates, errors, populations
    pA = MA0 / (MA0 + MB0), statistics, ``fit_ok`` and ``flags`` (``poor_fit``
    below ``poor_fit_p``, see the module docstring). ``correlation[p][q]``
    (arrays over ``tm``) is the noise correlation of the volumes of peaks p
    and q of the same spectrum (``exsy_volumes`` ``volume_corr_*``); without
    it the volumes are taken as independent.
    """
    tm, vol, err, n_bad, corr = _clean(tm, volumes, errors, correlation)
    row = _base_row("two_site", int(tm.size * 4))
    _correlation_method(row, correlation)
    row["detailed_balance"] = bool(detailed_balance)
    flags = [f"{n_bad}_points_dropped_nonfinite"] if n_bad else []
    n_free = 6 - int(detailed_balance) - int(equal_R1) + 2 * int(overlap)
    if tm.size * 4 <= n_free or np.unique(tm).size < 3:
        row["flags"] = ";".join([*flags, "too_few_mixing_times"])
        return row
    scale, y, whiten, (mA, mB, r1), (t_lo, t_hi), more = _scaled_problem(
        tm, vol, err, corr
    )
    flags += more

    def residual(params):
        v = params.valuesdict()
        model = two_site_volumes(
            tm, v["k_AB"], v["k_BA"], v["R1A"], v["R1B"], v["MA0"], v["MB0"]
        )
        if overlap:
            model = with_overlap(model, v["eps_F1"], v["eps_F2"])
        return whiten(_stack(model) - y)

    def start(k0):
        params = lmfit.Parameters()
        params.add("k_AB", value=k0, min=0.0, max=1e4 / t_lo)
        params.add("MA0", value=mA / scale, min=0.0)
        params.add("MB0", value=mB / scale, min=0.0)
        if detailed_balance:
            params.add("k_BA", expr="k_AB * MA0 / MB0")
        else:
            params.add("k_BA", value=k0 * mA / mB, min=0.0, max=1e4 / t_lo)
        params.add("R1A", value=r1, min=0.0, max=1e3 / t_lo)
        if equal_R1:
            params.add("R1B", expr="R1A")
        else:
            params.add("R1B", value=r1, min=0.0, max=1e3 / t_lo)
        _add_overlap(params, overlap)
        return params

    best = _best_of(
        residual, map(start, np.geomspace(0.3 / t_hi, 3.0 / t_lo, 6)), flags
    )
    if best is None:
        row["flags"] = ";".join(flags)
        return row
    p = best.params
    mA0 = p["MA0"].value
    mB0 = p["MB0"].value
    row.update(
        k_AB_per_s=float(p["k_AB"].value),
        k_AB_per_s_err=_err(best, "k_AB"),
        k_BA_per_s=float(p["k_BA"].value),
        k_BA_per_s_err=_err(best, "k_BA"),
        R1A_per_s=float(p["R1A"].value),
        R1A_per_s_err=_err(best, "R1A"),
        R1B_per_s=float(p["R1B"].value),
        R1B_per_s_err=_err(best, "R1B"),
        pA=float(mA0 / (mA0 + mB0)) if mA0 + mB0 > 0 else math.nan,
    )
    if best.covar is not None and "MA0" in best.var_names and "MB0" in best.var_names:
        i, j = best.var_names.index("MA0"), best.var_names.index("MB0")
        s = mA0 + mB0
        grad = np.array([mB0 / s**2, -mA0 / s**2])
        cov = best.covar[np.ix_([i, j], [i, j])]
        row["pA_err"] = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
    _overlap_columns(row, best, overlap)
    k = row["k_AB_per_s"] + row["k_BA_per_s"]
    row["exchange_half_time_s"] = math.log(2) / k if k > 0 else math.inf
    _stats(row, best)
    flags += _error_policy(row, poor_fit_p)
    flags += _at_bound(best, ["k_AB", "k_BA", "R1A", "R1B"])
    if not best.success:
        flags.append("not_converged")
    if not best.errorbars:
        flags.append("no_errorbars")
    if row["exchange_half_time_s"] > t_hi:
        flags.append("exchange_slower_than_longest_mixing_time")
    if row["exchange_half_time_s"] < t_lo:
        flags.append("exchange_faster_than_shortest_mixing_time")
    row["fit_ok"] = bool(best.success and best.errorbars) and not any(
        (f.endswith("_at_bound") and f.startswith("k_")) or f.startswith("poor_fit")
        for f in flags
    )
    row["flags"] = ";".join(flags)
    return row


def fit_diffusion_sphere(
    tm: np.ndarray,
    volumes: Mapping[str, np.ndarray],
    errors: Mapping[str, np.ndarray],
    *,
    radius_um: float,
    radius_err_um: float = 0.0,
    overlap: bool,
    particle_site: str | None,
    poor_fit_p: float,
    correlation: Mapping[str, Mapping[str, np.ndarray]] | None = None,
) -> dict:
    """Fit Crank's sphere-diffusion exchange model to the four build-ups.

    Parameters: D/r^2 (1/s, fitted), pA, R1 (one for both sites) and M0, and
    with ``overlap`` the two box-leakage fractions as in :func:`fit_two_site`.
    ``particle_site`` (``"A"`` or ``"B"``) is the site whose Li sits in the
    spheres; the other is a finite, well-stirred partner phase holding
    ``partner_fraction`` of the Li (from the fitted pA), which sets Crank's
    alpha (:func:`liprobe.exsy.models.partner_ratio`); ``None`` takes an
    infinite sink. D = (D/r^2) r^2 with the given radius; ``radius_err_um``
    (1 sigma) is propagated into ``D_m2_per_s_err`` in quadrature
    (``D_m2_per_s_stat_err`` is the fit's part alone, the one that matters
    for an activation energy when all temperatures share the particles).
    Returns one row with ``D_m2_per_s`` and its errors, pA, R1 (as R1A = R1B),
    the exchange half time, statistics, ``fit_ok`` and ``flags``.
    ``correlation``: as in :func:`fit_two_site`.
    """
    tm, vol, err, n_bad, corr = _clean(tm, volumes, errors, correlation)
    row = _base_row("diffusion_sphere", int(tm.size * 4))
    _correlation_method(row, correlation)
    row["detailed_balance"] = True
    row["particle_site"] = particle_site if particle_site else "infinite_sink"
    row["partner_fraction"] = math.nan
    row["partner_fraction_err"] = math.nan
    row["crank_alpha"] = math.nan
    row["sink_model"] = (
        "Crank sphere in a well-stirred partner phase of limited volume "
        "(alpha = partner / particle Li at equilibrium, from the fitted pA)"
        if particle_site
        else "Crank sphere in an infinite, well-stirred sink"
    )
    flags = [f"{n_bad}_points_dropped_nonfinite"] if n_bad else []
    if not (radius_um is not None and np.isfinite(radius_um) and radius_um > 0):
        row["flags"] = ";".join([*flags, "particle_radius_missing"])
        return row
    radius_m = float(radius_um) * 1e-6
    r_err = float(radius_err_um) if np.isfinite(radius_err_um) else 0.0
    row["particle_radius_um"] = float(radius_um)
    if np.unique(tm).size < 3 or tm.size * 4 <= 4 + 2 * int(overlap):
        row["flags"] = ";".join([*flags, "too_few_mixing_times"])
        return row
    scale, y, whiten, (mA, mB, r1), (t_lo, t_hi), more = _scaled_problem(
        tm, vol, err, corr
    )
    flags += more

    def residual(params):
        v = params.valuesdict()
        model = diffusion_volumes(
            tm, v["D_r2"], 1.0, v["pA"], v["R1"], v["M0"], particle_site=particle_site
        )
        if overlap:
            model = with_overlap(model, v["eps_F1"], v["eps_F2"])
        return whiten(_stack(model) - y)

    def start(x0):
        params = lmfit.Parameters()
        params.add("D_r2", value=x0, min=0.0, max=1e4 / t_lo)
        params.add("pA", value=mA / (mA + mB), min=1e-6, max=1.0 - 1e-6)
        params.add("R1", value=r1, min=0.0, max=1e3 / t_lo)
        params.add("M0", value=(mA + mB) / scale, min=0.0)
        _add_overlap(params, overlap)
        return params

    x0s = np.geomspace(0.3 * SPHERE_X_HALF / t_hi, 3 * SPHERE_X_HALF / t_lo, 6)
    best = _best_of(residual, map(start, x0s), flags)
    if best is None:
        row["flags"] = ";".join(flags)
        return row
    p = best.params
    x = float(p["D_r2"].value)
    pa = float(p["pA"].value)
    row.update(
        D_over_r2_per_s=x,
        D_over_r2_per_s_err=_err(best, "D_r2"),
        D_m2_per_s=x * radius_m**2,
        D_m2_per_s_err=_err(best, "D_r2") * radius_m**2,
        R1A_per_s=float(p["R1"].value),
        R1A_per_s_err=_err(best, "R1"),
        R1B_per_s=float(p["R1"].value),
        R1B_per_s_err=_err(best, "R1"),
        pA=pa,
        pA_err=_err(best, "pA"),
    )
    if particle_site:
        alpha = partner_ratio(pa, particle_site)
        row["partner_fraction"] = alpha / (1.0 + alpha)
        row["partner_fraction_err"] = row["pA_err"]
        row["crank_alpha"] = alpha
    else:
        alpha = math.inf
    _overlap_columns(row, best, overlap)
    x_half = sphere_half_time_x(alpha)
    row["exchange_half_time_x"] = x_half
    row["exchange_half_time_s"] = x_half / x if x > 0 else math.inf
    _stats(row, best)
    flags += _error_policy(row, poor_fit_p)
    # the radius error is a systematic of the particles, added after the fit
    row["particle_radius_um_err"] = r_err
    stat = row["D_m2_per_s_err"]
    row["D_m2_per_s_stat_err"] = stat
    row["D_m2_per_s_err"] = math.hypot(stat, 2.0 * x * radius_m * r_err * 1e-6)
    row["D_m2_per_s_err_method"] = row["err_method"] + RADIUS_ERR_METHOD
    flags += _at_bound(best, ["D_r2", "pA", "R1"])
    if not best.success:
        flags.append("not_converged")
    if not best.errorbars:
        flags.append("no_errorbars")
    if row["exchange_half_time_s"] > t_hi:
        flags.append("exchange_slower_than_longest_mixing_time")
    if row["exchange_half_time_s"] < t_lo:
        flags.append("exchange_faster_than_shortest_mixing_time")
    row["fit_ok"] = bool(best.success and best.errorbars) and not any(
        f == "D_r2_at_bound" or f.startswith("poor_fit") for f in flags
    )
    row["flags"] = ";".join(flags)
    return row
