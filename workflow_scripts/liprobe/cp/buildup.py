"""Fitting CP build-up curves: both models per site, the choice by AICc.

Data: the region integrals of one CP series (one sample series and state),
normalised per scan and receiver gain (``integral_norm``), against the contact
time. Weights are the integrals' measured errors (``integral_norm_err``,
propagated from the FID noise by the NMR stage): they are absolute, so the
covariance is not rescaled by the reduced chi-square (with a handful of
contact times that ratio is itself noise). The chi-square p-value is reported;
below ``poor_fit_p_value`` the model does not describe the data: the row is
flagged ``poor_fit``, ``fit_ok`` is False and its errors are inflated (never
shrunk) by ``sqrt(redchi)``. Without usable integral errors the fit is
unweighted and the covariance is scaled by the residual variance
(``err_method`` says which).

The classical model is fitted with ``T1rho_H`` and ``ratio = T_IS / T1rho_H``
(``0 < ratio < 1``) as free parameters, so ``T_IS < T1rho_H`` holds by
construction; ``T_IS`` and its error follow from the covariance (lmfit's
constraint expressions propagate it). Start values come from a grid over the
time constants with the amplitude solved linearly (weighted least squares).

Model choice: with known measurement errors the Akaike criterion is
``AIC = chi^2 + 2k``; the table also gives the small-sample correction
``AICc = AIC + 2k(k + 1) / (n - k - 1)`` (Hurvich & Tsai, Biometrika 76 (1989)
297), and ``chosen`` marks the model of lowest AICc among the fits that are
``fit_ok``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import lmfit
import numpy as np
from scipy.stats import chi2

from liprobe.cp.models import CLASSICAL_RATIO, MODEL_NAMES, classical, non_classical

#: relative distance to a bound under which a parameter counts as "at the bound"
BOUND_TOL = 1e-3
#: a time constant whose relative error exceeds this is not resolved by the data
RESOLVED_REL_ERR = 0.5
#: bounds of the time constants, as multiples of the shortest and longest
#: contact time of the series
TIME_BOUNDS = {"low": 0.02, "high": 1000.0}
#: largest ratio T_IS / T1rho_H of the classical fit (strictly below 1)
MAX_RATIO = 0.999

ROW_COLUMNS = [
    "model",
    "n_points",
    "n_params",
    "I0",
    "I0_err",
    "T_IS_s",
    "T_IS_s_err",
    "T1rho_H_s",
    "T1rho_H_s_err",
    "T_df_s",
    "T_df_s_err",
    "T2_s",
    "T2_s_err",
    "lambda",
    "lambda_err",
    "chisqr",
    "redchi",
    "chi2_p_value",
    "aic",
    "aicc",
    "fit_ok",
    "flags",
    "err_method",
]

#: table column -> lmfit parameter of each model
_REPORTED = {
    "classical": {"I0": "I0", "T_IS_s": "T_IS", "T1rho_H_s": "T1rho_H"},
    "non_classical": {
        "I0": "I0",
        "T_IS_s": "T2",
        "T1rho_H_s": "T1rho_H",
        "T_df_s": "T_df",
        "T2_s": "T2",
        "lambda": "lam",
    },
}
_N_PARAMS = {"classical": 3, "non_classical": 5}


def err_method_text(weighted: bool) -> str:
    """How the 1-sigma errors of a row were obtained."""
    if weighted:
        return (
            "covariance (absolute weights, not scaled by the reduced chi-square); "
            "weighted by integral_norm_err"
        )
    return "covariance scaled by the residual variance; unweighted (no errors)"


def _linear_amplitude(shape: np.ndarray, y: np.ndarray, w: np.ndarray):
    """Weighted least-squares amplitude of ``shape`` and the chi-square, per row."""
    a = np.sum(w**2 * shape * y, axis=-1) / np.maximum(
        np.sum(w**2 * shape**2, axis=-1), 1e-300
    )
    chi = np.sum((w * (y - a[..., None] * shape)) ** 2, axis=-1)
    return a, chi


def _classical_start(t, y, w, lo, hi) -> dict:
    taus = np.geomspace(lo, hi, 40)
    best = (math.inf, None)
    for T1 in taus:
        tis = taus[taus < MAX_RATIO * T1]
        if tis.size == 0:
            continue
        shapes = np.stack([classical(t, 1.0, ti, T1) for ti in tis])
        amp, chi = _linear_amplitude(shapes, y[None, :], w[None, :])
        k = int(np.argmin(chi))
        if chi[k] < best[0]:
            best = (chi[k], {"I0": amp[k], "T_IS": tis[k], "T1rho_H": T1})
    return best[1]


def _non_classical_start(t, y, w, lo, hi, T1rho_H: float) -> dict:
    grid = np.geomspace(lo, hi, 16)
    best = (math.inf, None)
    for lam in (0.2, 0.5, 0.8):
        for T2 in grid:
            shapes = np.stack(
                [non_classical(t, 1.0, Tdf, T2, lam, T1rho_H) for Tdf in grid]
            )
            amp, chi = _linear_amplitude(shapes, y[None, :], w[None, :])
            k = int(np.argmin(chi))
            if chi[k] < best[0]:
                best = (
                    chi[k],
                    {"I0": amp[k], "T_df": grid[k], "T2": T2, "lam": lam},
                )
    return {**best[1], "T1rho_H": T1rho_H}


def _params(model: str, start: dict, lo: float, hi: float) -> lmfit.Parameters:
    p = lmfit.Parameters()
    p.add("I0", value=float(start["I0"]))
    p.add("T1rho_H", value=float(np.clip(start["T1rho_H"], lo, hi)), min=lo, max=hi)
    if model == "classical":
        ratio = float(np.clip(start["T_IS"] / start["T1rho_H"], 1e-4, 0.99 * MAX_RATIO))
        p.add(CLASSICAL_RATIO, value=ratio, min=lo / hi, max=MAX_RATIO)
        p.add("T_IS", expr=f"{CLASSICAL_RATIO} * T1rho_H")
    else:
        p.add("T_df", value=float(np.clip(start["T_df"], lo, hi)), min=lo, max=hi)
        p.add("T2", value=float(np.clip(start["T2"], lo, hi)), min=lo, max=hi)
        p.add("lam", value=float(start["lam"]), min=0.0, max=1.0)
    return p


def _at_bound(params: lmfit.Parameters) -> list[str]:
    """``at_bound(<name>)`` for every free parameter within :data:`BOUND_TOL`
    of a bound (relative to the bound; to the range for a bound at zero)."""
    out = []
    for name, par in params.items():
        if par.expr is not None or not par.vary:
            continue
        for bound in (par.min, par.max):
            if not np.isfinite(bound):
                continue
            scale = abs(bound) if bound != 0 else abs(par.max - par.min)
            if abs(par.value - bound) <= BOUND_TOL * scale:
                out.append(f"at_bound({name})")
                break
    return out


def _empty_row(model: str, n: int, flags: list[str], weighted: bool) -> dict:
    row = {c: math.nan for c in ROW_COLUMNS}
    row.update(
        model=model,
        n_points=int(n),
        n_params=_N_PARAMS[model],
        fit_ok=False,
        flags=";".join(flags),
        err_method=err_method_text(weighted),
    )
    return row


def fit_model(
    model: str,
    t: np.ndarray,
    y: np.ndarray,
    err: np.ndarray | None,
    *,
    poor_fit_p_value: float,
    start_T1rho_H: float | None = None,
) -> dict:
    """Fit one model to one build-up curve; one table row (:data:`ROW_COLUMNS`).

    ``t`` contact times (s), ``y`` intensities, ``err`` their 1-sigma errors
    (None or unusable: unweighted). ``start_T1rho_H`` seeds the non-classical
    fit (the classical fit's value); without it the classical start is used.
    """
    if model not in MODEL_NAMES:
        raise ValueError(f"unknown CP model {model!r}; choose from {MODEL_NAMES}")
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    e = None if err is None else np.asarray(err, float)
    weighted = (
        e is not None and e.shape == y.shape and bool(np.all(np.isfinite(e) & (e > 0)))
    )
    w = 1.0 / e if weighted else np.ones_like(y)
    n, k = len(t), _N_PARAMS[model]
    if n < k + 2:
        return _empty_row(model, n, [f"too_few_contact_times(n={n},k={k})"], weighted)
    positive = t[t > 0]
    if positive.size == 0:
        return _empty_row(model, n, ["no_positive_contact_time"], weighted)
    lo, hi = TIME_BOUNDS["low"] * positive.min(), TIME_BOUNDS["high"] * t.max()
    start = _classical_start(t, y, w, lo, hi)
    if model == "non_classical":
        T1 = start["T1rho_H"] if start_T1rho_H is None else start_T1rho_H
        start = _non_classical_start(t, y, w, lo, hi, float(np.clip(T1, lo, hi)))
    func = classical if model == "classical" else non_classical
    params = _params(model, start, lo, hi)
    try:
        result = lmfit.Model(func).fit(
            y, params, t=t, weights=w, scale_covar=not weighted, nan_policy="raise"
        )
    except (ValueError, RuntimeError, FloatingPointError) as exc:
        message = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        return _empty_row(model, n, [f"fit_failed({message})"], weighted)
    flags: list[str] = []
    row = _empty_row(model, n, [], weighted)
    for column, name in _REPORTED[model].items():
        par = result.params[name]
        row[column] = float(par.value)
        stderr = par.stderr
        row[f"{column}_err"] = (
            float(stderr) if stderr is not None and np.isfinite(stderr) else math.nan
        )
    chisqr = float(result.chisqr)
    dof = n - k
    row.update(
        chisqr=chisqr,
        redchi=chisqr / dof if dof > 0 else math.nan,
        aic=chisqr + 2 * k
        if weighted
        else n * math.log(max(chisqr, 1e-300) / n) + 2 * k,
    )
    row["aicc"] = (
        row["aic"] + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else math.inf
    )
    p_value = float(chi2.sf(chisqr, dof)) if weighted and dof > 0 else math.nan
    row["chi2_p_value"] = p_value
    ok = bool(result.success)
    if not result.success:
        flags.append("fit_not_converged")
    errors = [row[f"{c}_err"] for c in _REPORTED[model]]
    if not all(np.isfinite(errors)):
        flags.append("no_covariance")
        ok = False
    bounds = _at_bound(result.params)
    if bounds:
        flags += bounds
        ok = False
    if weighted and math.isfinite(p_value) and p_value < poor_fit_p_value:
        factor = math.sqrt(max(row["redchi"], 1.0))
        for column in _REPORTED[model]:
            row[f"{column}_err"] *= factor
        flags.append(f"poor_fit(p={p_value:.2g})")
        row["err_method"] += (
            f"; inflated by sqrt(reduced chi-square) = {factor:.3g} "
            f"(poor fit: chi-square p < {poor_fit_p_value:g})"
        )
        ok = False
    tis, tis_err = row["T_IS_s"], row["T_IS_s_err"]
    if not (np.isfinite(tis_err) and tis_err <= RESOLVED_REL_ERR * abs(tis)) or (
        tis < positive.min()
    ):
        flags.append("T_IS_not_resolved")
    T1, T1_err = row["T1rho_H_s"], row["T1rho_H_s_err"]
    peak = _peak_time(model, result.params)
    if t.max() <= peak or not (
        np.isfinite(T1_err) and T1_err <= RESOLVED_REL_ERR * abs(T1)
    ):
        flags.append("contact_times_too_short_for_decay")
    row["fit_ok"] = ok
    row["flags"] = ";".join(flags)
    return row


def _peak_time(model: str, params: lmfit.Parameters) -> float:
    """Contact time of the build-up maximum of a fitted curve (s)."""
    if model == "classical":
        tis, T1 = float(params["T_IS"].value), float(params["T1rho_H"].value)
        if abs(T1 - tis) <= 1e-12 * T1:
            return T1
        return math.log(T1 / tis) * tis * T1 / (T1 - tis)
    grid = np.geomspace(1e-3, 10.0, 400) * float(params["T1rho_H"].value)
    values = non_classical(
        grid, 1.0, *(float(params[n].value) for n in ("T_df", "T2", "lam", "T1rho_H"))
    )
    return float(grid[int(np.argmax(values))])


def fit_buildup(
    t: Sequence[float],
    y: Sequence[float],
    err: Sequence[float] | None,
    *,
    models: Sequence[str],
    poor_fit_p_value: float,
) -> list[dict]:
    """Fit every model in ``models`` (names of :data:`MODEL_NAMES`) to one
    curve; rows with ``chosen`` set.

    The classical fit runs first (its ``T1rho_H`` seeds the non-classical
    one). ``chosen`` is True on the row of lowest ``aicc`` among the rows
    that are ``fit_ok`` (no row is chosen when none is).
    """
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    order = np.argsort(t, kind="stable")
    t, y = t[order], y[order]
    e = None if err is None else np.asarray(err, float)[order]
    rows: list[dict] = []
    T1 = None
    for model in MODEL_NAMES:
        if model not in models:
            continue
        row = fit_model(
            model, t, y, e, poor_fit_p_value=poor_fit_p_value, start_T1rho_H=T1
        )
        if model == "classical" and np.isfinite(row["T1rho_H_s"]):
            T1 = float(row["T1rho_H_s"])
        rows.append(row)
    candidates = [r for r in rows if r["fit_ok"] and np.isfinite(r["aicc"])]
    best = min(candidates, key=lambda r: r["aicc"]) if candidates else None
    for row in rows:
        row["chosen"] = row is best
    return rows
