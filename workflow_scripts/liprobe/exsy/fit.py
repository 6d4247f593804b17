"""Exchange fits of EXSY peak-volume build-ups (one series = one temperature).

Two models, both fitted to all four peak volumes (AA, AB, BA, BB) at once with
lmfit (Levenberg-Marquardt), weighted by the volume uncertainties:

* ``two_site``: :func:`liprobe.exsy.models.two_site_volumes` (matrix exponential
  with R1 of both sites; detailed balance k_AB MA0 = k_BA MB0 optional);
* ``diffusion_sphere``: :func:`liprobe.exsy.models.diffusion_volumes` (Crank's
  sphere with the user's particle radius), giving D.

Uncertainties are 1-sigma from the covariance matrix of the weighted fit, scaled
by the reduced chi-square (lmfit ``scale_covar=True``); the column
``uncertainty_method`` says so. A fit that cannot be done (too few points, no
convergence, no covariance) is a row with ``fit_ok`` False and ``flags`` text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import lmfit
import numpy as np

from liprobe.exsy.models import (
    PEAKS,
    diffusion_volumes,
    two_site_volumes,
    with_overlap,
)

UNCERTAINTY_METHOD = "covariance of weighted least squares, scaled by redchi"
# D t_half / r^2 at which Crank's sphere fraction reaches 1/2.
SPHERE_X_HALF = 0.0305465


def _stack(volumes: Mapping[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(volumes[p], dtype=float) for p in PEAKS])


def _clean(tm, vol, err):
    tm = np.asarray(tm, dtype=float)
    vol = {p: np.asarray(vol[p], dtype=float) for p in PEAKS}
    err = {p: np.asarray(err[p], dtype=float) for p in PEAKS}
    good = np.isfinite(tm)
    for p in PEAKS:
        good &= np.isfinite(vol[p]) & np.isfinite(err[p]) & (err[p] > 0)
    order = np.argsort(tm[good])
    return (
        tm[good][order],
        {p: vol[p][good][order] for p in PEAKS},
        {p: err[p][good][order] for p in PEAKS},
        int((~good).sum()),
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
        "n_points": n_points,
        "n_params": 0,
        "chisqr": math.nan,
        "redchi": math.nan,
        "aic": math.nan,
        "bic": math.nan,
        "uncertainty_method": UNCERTAINTY_METHOD,
        "fit_ok": False,
        "flags": "",
    }


def _err(result, name: str) -> float:
    stderr = result.params[name].stderr
    return math.nan if stderr is None else float(stderr)


def _stats(row: dict, result) -> list[str]:
    """Fill the fit statistics; return a flag when redchi exceeds 10 (a model
    that does not describe the data within the volume errors)."""
    row.update(
        n_params=int(result.nvarys),
        chisqr=float(result.chisqr),
        redchi=float(result.redchi),
        aic=float(result.aic),
        bic=float(result.bic),
    )
    return ["redchi_above_10"] if result.redchi > 10 else []


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
    params.add("eps_F1", value=0.005 if overlap else 0.0, min=0.0, max=0.2)
    params.add("eps_F2", value=0.005 if overlap else 0.0, min=0.0, max=0.2)
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


def _scaled_problem(tm: np.ndarray, vol: np.ndarray, err: np.ndarray):
    """Shared set-up of the exchange fits: volumes scaled to order one.

    Returns the scale, the stacked scaled volumes ``y``, their weights
    ``1 / sigma``, the initial guess ``(MA0, MB0, R1)`` and the positive
    mixing-time span ``(t_lo, t_hi)`` that bounds the rate constants.
    """
    scale = float(max(abs(_stack(vol)).max(), 1e-300))
    y = _stack(vol) / scale
    w = 1.0 / (_stack(err) / scale)
    positive_tm = tm[tm > 0]
    t_lo = positive_tm.min() if positive_tm.size else 1e-3
    return scale, y, w, _initial_guess(tm, vol), (t_lo, tm.max())


def _best_of(residual, starts, flags: list[str]):
    """The lowest-chi-square ``leastsq`` fit over the parameter sets ``starts``.

    A start on which the minimizer raises adds a ``minimizer_error`` flag; None
    when every start failed.
    """
    best = None
    for params in starts:
        try:
            result = lmfit.minimize(residual, params, method="leastsq")
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
    detailed_balance: bool = True,
    equal_R1: bool = False,
    overlap: bool = True,
) -> dict:
    """Fit the two-site matrix-exponential model to the four peak build-ups.

    Parameters: k_AB, k_BA (1/s), R1A, R1B (1/s), MA0, MB0 (volume units).
    With ``detailed_balance`` k_BA = k_AB MA0 / MB0; with ``equal_R1`` R1B = R1A;
    with ``overlap`` two leakage fractions eps_F1, eps_F2 (0..0.2) of box
    integration are fitted too (:func:`liprobe.exsy.models.with_overlap`).
    Several starting rates spread over 1/tm_max .. 1/tm_min are tried and the
    lowest chi-square kept (the exchange rate is the only non-linear parameter
    whose start matters). Returns one row (dict) with rates, errors, populations
    pA = MA0 / (MA0 + MB0), statistics, ``fit_ok`` and ``flags``.
    """
    tm, vol, err, n_bad = _clean(tm, volumes, errors)
    row = _base_row("two_site", int(tm.size * 4))
    row["detailed_balance"] = bool(detailed_balance)
    flags = [f"{n_bad}_points_dropped_nonfinite"] if n_bad else []
    n_free = 6 - int(detailed_balance) - int(equal_R1) + 2 * int(overlap)
    if tm.size * 4 <= n_free or np.unique(tm).size < 3:
        row["flags"] = ";".join([*flags, "too_few_mixing_times"])
        return row
    scale, y, w, (mA, mB, r1), (t_lo, t_hi) = _scaled_problem(tm, vol, err)

    def residual(params):
        v = params.valuesdict()
        model = two_site_volumes(
            tm, v["k_AB"], v["k_BA"], v["R1A"], v["R1B"], v["MA0"], v["MB0"]
        )
        if overlap:
            model = with_overlap(model, v["eps_F1"], v["eps_F2"])
        return (_stack(model) - y) * w

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
    flags += _stats(row, best)
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
        f.endswith("_at_bound") and f.startswith("k_") for f in flags
    )
    row["flags"] = ";".join(flags)
    return row


def fit_diffusion_sphere(
    tm: np.ndarray,
    volumes: Mapping[str, np.ndarray],
    errors: Mapping[str, np.ndarray],
    *,
    radius_um: float,
    overlap: bool = True,
) -> dict:
    """Fit Crank's sphere-diffusion exchange model to the four build-ups.

    Parameters: D/r^2 (1/s, fitted; D = (D/r^2) r^2 with the given radius and
    its error scaled alike, the radius is taken as exact), pA, R1 (one for both
    sites) and M0, and with ``overlap`` the two box-leakage fractions as in
    :func:`fit_two_site`. Returns one row with ``D_m2_per_s`` and its error, pA, R1
    (as R1A = R1B), the exchange half time (D t / r^2 = 0.0305), statistics,
    ``fit_ok`` and ``flags``.
    """
    tm, vol, err, n_bad = _clean(tm, volumes, errors)
    row = _base_row("diffusion_sphere", int(tm.size * 4))
    row["detailed_balance"] = True
    flags = [f"{n_bad}_points_dropped_nonfinite"] if n_bad else []
    if not (radius_um is not None and np.isfinite(radius_um) and radius_um > 0):
        row["flags"] = ";".join([*flags, "particle_radius_missing"])
        return row
    radius_m = float(radius_um) * 1e-6
    row["particle_radius_um"] = float(radius_um)
    if np.unique(tm).size < 3 or tm.size * 4 <= 4 + 2 * int(overlap):
        row["flags"] = ";".join([*flags, "too_few_mixing_times"])
        return row
    scale, y, w, (mA, mB, r1), (t_lo, t_hi) = _scaled_problem(tm, vol, err)

    def residual(params):
        v = params.valuesdict()
        model = diffusion_volumes(tm, v["D_r2"], 1.0, v["pA"], v["R1"], v["M0"])
        if overlap:
            model = with_overlap(model, v["eps_F1"], v["eps_F2"])
        return (_stack(model) - y) * w

    def start(x0):
        params = lmfit.Parameters()
        params.add("D_r2", value=x0, min=0.0, max=1e4 / t_lo)
        params.add("pA", value=mA / (mA + mB), min=0.0, max=1.0)
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
    d_err = _err(best, "D_r2")
    row.update(
        D_m2_per_s=float(p["D_r2"].value) * radius_m**2,
        D_m2_per_s_err=d_err * radius_m**2,
        R1A_per_s=float(p["R1"].value),
        R1A_per_s_err=_err(best, "R1"),
        R1B_per_s=float(p["R1"].value),
        R1B_per_s_err=_err(best, "R1"),
        pA=float(p["pA"].value),
        pA_err=_err(best, "pA"),
    )
    _overlap_columns(row, best, overlap)
    x = float(p["D_r2"].value)
    row["exchange_half_time_s"] = SPHERE_X_HALF / x if x > 0 else math.inf
    flags += _stats(row, best)
    flags += _at_bound(best, ["D_r2", "pA", "R1"])
    if not best.success:
        flags.append("not_converged")
    if not best.errorbars:
        flags.append("no_errorbars")
    if row["exchange_half_time_s"] > t_hi:
        flags.append("exchange_slower_than_longest_mixing_time")
    if row["exchange_half_time_s"] < t_lo:
        flags.append("exchange_faster_than_shortest_mixing_time")
    row["fit_ok"] = bool(best.success and best.errorbars) and "D_r2_at_bound" not in (
        flags
    )
    row["flags"] = ";".join(flags)
    return row
