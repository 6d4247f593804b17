"""Fitting relaxation curves: lmfit reference path and a vectorised fast path.

Both paths minimise the weighted sum of squares ``sum(((y - f(t)) / sigma)^2)``
with ``sigma`` the integral uncertainty (unweighted when it is missing), start
from the same variable-projection guess (a grid over the time constant with the
linear amplitudes solved exactly) and report 1-sigma errors from the
covariance matrix ``(J^T W J)^-1`` (the column ``err_method`` says how):

* weighted fits use absolute weights: the integral errors are measured, so the
  covariance is not rescaled by the reduced chi-square (with a few degrees of
  freedom that ratio is itself noise and shrinks errors as often as it grows
  them). The chi-square p-value is reported (``chi2_p_value``); below
  ``poor_fit_p`` the model does not describe the data: the row is flagged
  ``poor_fit``, ``fit_ok`` is False and every error is inflated (never shrunk)
  by ``sqrt(redchi)``;
* unweighted fits (no integral errors) can only take the noise from the
  residuals: the covariance is scaled by the residual variance;
* ``scale_covar=True`` restores the old scaling by the reduced chi-square
  (both ways), for comparison only.

Optional bootstrap errors resample residuals (``n_bootstrap`` refits).
"""

from __future__ import annotations

import math

import lmfit
import numpy as np
from scipy.stats import chi2

from liprobe.relaxation.models import MODELS, ModelSpec, mean_time

#: relative distance to a bound under which a parameter counts as "at the bound"
BOUND_TOL = 1e-4


def _scales(t: np.ndarray, y: np.ndarray) -> dict[str, float]:
    pos = t[t > 0]
    tmin = float(pos.min()) if pos.size else 1e-6
    return {
        "tmin": tmin,
        "tmax": float(max(t.max(), tmin)),
        "ymax": float(np.max(np.abs(y))) or 1.0,
    }


def _resolve(bound, scales: dict[str, float]) -> float:
    if isinstance(bound, tuple):
        return scales[bound[0]] * bound[1]
    return float(bound)


def resolved_bounds(spec: ModelSpec, t: np.ndarray, y: np.ndarray) -> dict:
    """Numeric (min, max) bounds of each free parameter for this data set."""
    sc = _scales(t, y)
    out = {}
    for p in spec.free:
        lo, hi = spec.bounds.get(p, (-np.inf, np.inf))
        out[p] = (_resolve(lo, sc), _resolve(hi, sc))
    return out


def _basis(spec: ModelSpec, t: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Mono-exponential basis ``exp(-t/tau)``, shape (len(tau), len(t))."""
    return np.exp(-np.clip(t, 0, None)[None, :] / tau[:, None])


def initial_guess(
    spec: ModelSpec, t: np.ndarray, y: np.ndarray, w: np.ndarray | None = None
) -> dict[str, float]:
    """Variable-projection start: grid over tau, amplitudes by linear least squares.

    For each trial time constant (40 log-spaced values from a tenth of the
    shortest to ten times the longest list time) the model with b = 1 is linear
    in its amplitudes; the trial with the smallest weighted residual wins.
    """
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    w = np.ones_like(y) if w is None else np.asarray(w, float)
    sc = _scales(t, y)
    taus = np.geomspace(sc["tmin"] / 10, sc["tmax"] * 10, 40)
    E = _basis(spec, t, taus)
    with_offset = spec.family != "decay" or "c" not in spec.fixed
    best = (np.inf, None, None)
    for k, tau in enumerate(taus):
        cols = [E[k]]
        if with_offset:
            cols.insert(0, np.ones_like(t))
        A = np.stack(cols, axis=1) * w[:, None]
        coef, *_ = np.linalg.lstsq(A, y * w, rcond=None)
        r = float(np.sum((A @ coef - y * w) ** 2))
        if r < best[0]:
            best = (r, tau, coef)
    _, tau, coef = best
    g: dict[str, float] = {}
    if spec.family == "t1_sr":
        I0, amp = coef  # y = I0 - I0 a E
        I0 = I0 if abs(I0) > 0 else sc["ymax"]
        g.update(I0=I0, a=float(np.clip(-amp / I0, 0.05, 1.95)))
    elif spec.family == "t1_ir":
        g.update(I0=coef[0], P=coef[1])
    else:
        if with_offset:
            g.update(I0=coef[1], c=coef[0])
        else:
            g.update(I0=coef[0])
    tau_name = spec.tau
    g[tau_name] = float(tau)
    if "b" in spec.params:
        g["b"] = 1.0
    if "f" in spec.params:
        g["f"] = 0.5
        other = [p for p in spec.params if p.endswith("b") and p != "b"][0]
        g[tau_name] = float(tau) / 3
        g[other] = float(tau) * 3
    for p, v in spec.fixed.items():
        g[p] = v
    bounds = resolved_bounds(spec, t, y)
    for p, (lo, hi) in bounds.items():
        if p in g and np.isfinite(lo) and np.isfinite(hi):
            if p.startswith("T"):  # time constants: multiplicative margin
                g[p] = float(np.clip(g[p], lo * 1.01, hi / 1.01))
            else:
                span = hi - lo
                g[p] = float(np.clip(g[p], lo + 1e-3 * span, hi - 1e-3 * span))
    return g


def _weights(y: np.ndarray, yerr) -> tuple[np.ndarray | None, bool]:
    if yerr is None:
        return None, False
    e = np.asarray(yerr, float)
    if e.shape != y.shape or not np.all(np.isfinite(e)) or np.any(e <= 0):
        return None, False
    return 1.0 / e, True


BOOTSTRAP_TEXT = "; bootstrap (residual resampling, n={n}) in *_boot_err"


def err_method_text(weighted: bool, scale_covar: bool) -> str:
    """Human-readable statement of how the 1-sigma errors were obtained."""
    if not weighted:
        return "covariance scaled by the residual variance; unweighted (no errors)"
    if scale_covar:
        return "covariance scaled by reduced chi-square; weighted by integral_err"
    return "covariance (absolute weights); weighted by integral_err"


def apply_error_policy(
    row: dict,
    *,
    weighted: bool,
    scale_covar: bool,
    poor_fit_p: float,
    p_value: float | None = None,
) -> dict:
    """Chi-square p-value, ``poor_fit`` flag and honest inflation of one result row.

    For weighted fits with absolute weights: ``chi2_p_value`` = P(chi-square
    with n - k degrees of freedom >= the fit's chi-square); when it is below
    ``poor_fit_p`` every ``*_err`` of the row is multiplied by
    ``max(1, sqrt(redchi))``, the row gets the flag ``poor_fit(p=...)``,
    ``fit_ok`` False, and ``err_method`` says so. Unweighted fits (errors from
    the residual variance) with fewer than 10 degrees of freedom are flagged
    ``errors_from_few_residuals``. ``p_value`` may be passed
    when already computed (vectorised). Returns the row (modified).
    """
    dof = int(row["n_points"]) - int(row["n_params"])
    chisqr = float(row.get("chisqr", math.nan))
    p = math.nan
    if weighted and dof > 0 and math.isfinite(chisqr):
        p = float(chi2.sf(chisqr, dof)) if p_value is None else float(p_value)
    row["chi2_p_value"] = p
    method = err_method_text(weighted, scale_covar)
    if not weighted and 0 < dof < 10 and math.isfinite(chisqr):
        # the residual variance of a few points is itself uncertain
        flags = [f for f in str(row["flags"]).split(";") if f]
        row["flags"] = ";".join([*flags, f"errors_from_few_residuals(dof={dof})"])
    if weighted and not scale_covar and math.isfinite(p) and p < poor_fit_p:
        factor = math.sqrt(max(float(row["redchi"]), 1.0))
        for key in list(row):
            if key.endswith("_err") and isinstance(row[key], float | np.floating):
                row[key] = float(row[key]) * factor
        flags = [f for f in str(row["flags"]).split(";") if f]
        row["flags"] = ";".join([*flags, f"poor_fit(p={p:.2g})"])
        row["fit_ok"] = False
        method += (
            f"; inflated by sqrt(reduced chi-square) = {factor:.3g} "
            f"(poor fit: chi-square p < {poor_fit_p:g})"
        )
    row["err_method"] = method
    return row


def _empty_result(spec: ModelSpec, n: int, flags: list[str], method: str) -> dict:
    out = {
        "model": spec.name,
        "n_points": n,
        "n_params": len(spec.free),
        "fit_ok": False,
        "flags": ";".join(flags),
        "err_method": method,
        "time_constant_s": np.nan,
        "time_constant_s_err": np.nan,
        "beta": np.nan,
        "beta_err": np.nan,
        "mean_time_s": np.nan,
        "mean_time_s_err": np.nan,
        "chisqr": np.nan,
        "redchi": np.nan,
        "chi2_p_value": np.nan,
        "aic": np.nan,
        "bic": np.nan,
        "success": False,
        "message": ";".join(flags),
    }
    for p in spec.params:
        out[f"p_{p}"] = np.nan
        out[f"p_{p}_err"] = np.nan
    return out


def _finish(
    spec: ModelSpec,
    t: np.ndarray,
    values: dict,
    errors: dict,
    cov_tb: float,
    stats: dict,
    bounds: dict,
    method: str,
    success: bool,
    message: str,
    covariance: dict | None = None,
) -> dict:
    """Assemble the result row and its flags from fitted values.

    ``covariance`` (``{a: {b: cov}}`` over the free parameters, optional)
    enters the error of a two-component mean time."""
    n = len(t)
    flags: list[str] = []
    fit_ok = bool(success)
    if not success:
        flags.append("no_convergence")
    tau = values[spec.tau]
    tau_err = errors.get(spec.tau, np.nan)
    for p, (lo, hi) in bounds.items():
        v = values[p]
        span = (hi - lo) if np.isfinite(hi - lo) else max(abs(v), 1.0)
        if spec.tau == p or p.startswith("T"):
            at = abs(math.log(v / lo)) < 1e-3 or abs(math.log(hi / v)) < 1e-3
        else:
            at = abs(v - lo) < BOUND_TOL * span or abs(hi - v) < BOUND_TOL * span
        if at:
            flags.append(f"at_bound:{p}")
            if p.startswith("T"):
                fit_ok = False
    free_errs = [errors.get(p, np.nan) for p in spec.free]
    at_b = {f.split(":")[1] for f in flags if f.startswith("at_bound:")}
    if not all(
        np.isfinite(e)
        for p, e in zip(spec.free, free_errs, strict=True)
        if p not in at_b
    ):
        flags.append("no_uncertainties")
        fit_ok = False
    if np.isfinite(tau_err) and tau_err > abs(tau):
        flags.append(f"undetermined:{spec.tau}")
        fit_ok = False
    if tau > t.max():
        flags.append("time_constant_beyond_list")
    b = values.get("b", 1.0)
    b_err = errors.get("b", np.nan) if "b" in spec.free else 0.0
    if "b" in spec.params:
        mt = float(mean_time(tau, b))
        # delta method on <T> = (T/b) Gamma(1/b)
        from scipy.special import digamma

        dT = mt / tau
        db = -mt / b - mt * digamma(1.0 / b) / b**2
        var = dT**2 * tau_err**2 + (db**2 * b_err**2 if np.isfinite(b_err) else 0.0)
        var += 2 * dT * db * cov_tb if np.isfinite(cov_tb) else 0.0
        mt_err = math.sqrt(var) if var >= 0 else np.nan
    elif "f" in spec.params:
        # two components: <T> = integral of the normalised curve = f T + (1-f) Tb;
        # delta method with the covariance of (T, Tb, f) when there is one
        other = _second_tau(spec)
        f, tb = values["f"], values[other]
        mt = float(f * tau + (1 - f) * tb)
        names = (spec.tau, other, "f")
        grad = np.array([f, 1 - f, tau - tb])
        if covariance is not None and all(n in covariance for n in names):
            cov = np.array([[covariance[a][b] for b in names] for a in names])
            var = float(grad @ cov @ grad)
            mt_err = math.sqrt(var) if var >= 0 else np.nan
        else:
            errs = np.array([errors.get(n, np.nan) for n in names])
            mt_err = float(math.sqrt(np.sum((grad * errs) ** 2)))
        b, b_err = np.nan, np.nan
    else:
        mt, mt_err = np.nan, np.nan
        b, b_err = np.nan, np.nan
    out = {
        "model": spec.name,
        "n_points": n,
        "n_params": len(spec.free),
        "fit_ok": fit_ok,
        "flags": ";".join(flags),
        "err_method": method,
        "time_constant_s": float(tau),
        "time_constant_s_err": float(tau_err),
        "beta": float(b),
        "beta_err": float(b_err),
        "mean_time_s": mt,
        "mean_time_s_err": mt_err,
        "success": bool(success),
        "message": str(message),
    }
    out.update(stats)
    for p in spec.params:
        out[f"p_{p}"] = float(values[p])
        out[f"p_{p}_err"] = float(errors.get(p, 0.0 if p in spec.fixed else np.nan))
    return out


def _second_tau(spec: ModelSpec) -> str:
    """Name of the second time constant of a two-component model."""
    return [p for p in spec.params if p.startswith("T") and p != spec.tau][0]


def _order_components(
    spec: ModelSpec, values: dict, errors: dict, covariance: dict | None = None
) -> None:
    """Put the shorter time constant first (``f`` becomes its fraction); the
    covariance (``{a: {b: cov}}``) follows: the two time constants swap names
    and ``1 - f`` flips the sign of every covariance with ``f``."""
    if "f" not in spec.params:
        return
    other = _second_tau(spec)
    if values[spec.tau] > values[other]:
        values[spec.tau], values[other] = values[other], values[spec.tau]
        errors[spec.tau], errors[other] = errors.get(other), errors.get(spec.tau)
        values["f"] = 1.0 - values["f"]
        if covariance is not None:
            rename = {spec.tau: other, other: spec.tau}
            swapped = {
                rename.get(a, a): {rename.get(b, b): v for b, v in row.items()}
                for a, row in covariance.items()
            }
            for a, row in swapped.items():
                for b in row:
                    if (a == "f") != (b == "f"):
                        row[b] = -row[b]
            covariance.clear()
            covariance.update(swapped)


def _info_criteria(chisqr: float, n: int, k: int) -> dict:
    chi = max(chisqr, 1e-300)
    return {
        "chisqr": float(chisqr),
        "redchi": float(chisqr / (n - k)) if n > k else np.nan,
        "aic": float(n * math.log(chi / n) + 2 * k),
        "bic": float(n * math.log(chi / n) + math.log(n) * k),
    }


def fit_curve(
    t,
    y,
    yerr=None,
    model: str = "ir",
    *,
    scale_covar: bool,
    poor_fit_p: float,
    n_bootstrap: int,
    engine: str,
    seed: int = 0,
) -> dict:
    """Fit one relaxation curve with a named model from :data:`MODELS`.

    Returns a flat dict: ``time_constant_s`` (+ ``_err``), ``beta`` (+ ``_err``),
    ``mean_time_s`` (+ ``_err``, for stretched models), every parameter as
    ``p_<name>`` / ``p_<name>_err``, ``chisqr``, ``redchi``, ``aic``, ``bic``
    (``n ln(chi2/n) + 2k`` and ``+ k ln n``), ``chi2_p_value``, ``n_points``,
    ``fit_ok``, ``flags`` (``too_few_points``, ``no_convergence``,
    ``at_bound:<p>``, ``time_constant_beyond_list``, ``no_uncertainties``,
    ``poor_fit``) and ``err_method`` (see the module docstring for the error
    policy and ``poor_fit_p``).
    Non-finite points are dropped first. ``engine`` is ``"lmfit"`` (reference)
    or ``"fast"`` (the vectorised solver of :func:`fit_curves_fast`; models it
    does not cover, the two-component ones, use lmfit).
    """
    spec = MODELS[model]
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    e = None if yerr is None else np.asarray(yerr, float)
    keep = np.isfinite(t) & np.isfinite(y)
    if e is not None and np.all(np.isfinite(e[keep])):
        e = e[keep]
    elif e is not None:
        e = None
    t, y = t[keep], y[keep]
    w, weighted = _weights(y, e)
    method = err_method_text(weighted, scale_covar)
    k = len(spec.free)
    if len(t) < k + 1:
        return _empty_result(
            spec, len(t), [f"too_few_points(n={len(t)},need={k + 1})"], method
        )
    if engine == "fast" and spec.func.__name__ in _FAST_FUNCS:
        res = fit_curves_fast(
            t,
            y[None, :],
            None if e is None else e[None, :],
            model,
            scale_covar=scale_covar,
            poor_fit_p=poor_fit_p,
        )
        row = {c: res[c][0] for c in res}
    else:
        row = _fit_lmfit(spec, t, y, w, method, scale_covar or not weighted)
        apply_error_policy(
            row, weighted=weighted, scale_covar=scale_covar, poor_fit_p=poor_fit_p
        )
    if n_bootstrap and row["fit_ok"]:
        row.update(
            _bootstrap(spec, t, y, e, row, n_bootstrap, seed, scale_covar, poor_fit_p)
        )
        row["err_method"] += BOOTSTRAP_TEXT.format(n=n_bootstrap)
    return row


def _fit_lmfit(spec, t, y, w, method, scale_covar) -> dict:
    guess = initial_guess(spec, t, y, w)
    bounds = resolved_bounds(spec, t, y)
    lm = lmfit.Model(spec.func, independent_vars=["t"])
    params = lm.make_params(**{p: guess[p] for p in spec.params})
    for p in spec.params:
        if p in spec.fixed:
            params[p].set(value=spec.fixed[p], vary=False)
        else:
            lo, hi = bounds[p]
            params[p].set(min=lo, max=hi)
    try:
        res = lm.fit(
            y,
            params,
            t=t,
            weights=w,
            scale_covar=scale_covar,
            fit_kws={"xtol": 1e-10, "ftol": 1e-10},
        )
    except (ValueError, FloatingPointError) as exc:
        return _empty_result(spec, len(t), [f"no_convergence({exc})"], method)
    values = {p: res.params[p].value for p in spec.params}
    errors = {}
    for p in spec.free:
        se = res.params[p].stderr
        errors[p] = float(se) if se is not None else np.nan
    covariance = None
    if res.covar is not None:
        names = list(res.var_names)
        covariance = {
            a: {b: float(res.covar[i, j]) for j, b in enumerate(names)}
            for i, a in enumerate(names)
        }
    _order_components(spec, values, errors, covariance)
    cov_tb = np.nan
    if res.covar is not None and "b" in res.var_names and spec.tau in res.var_names:
        i, j = res.var_names.index(spec.tau), res.var_names.index("b")
        cov_tb = float(res.covar[i, j])
    stats = _info_criteria(float(res.chisqr), len(t), len(spec.free))
    return _finish(
        spec,
        t,
        values,
        errors,
        cov_tb,
        stats,
        bounds,
        method,
        bool(res.success),
        res.message,
        covariance,
    )


def _bootstrap(spec, t, y, e, row, n_boot, seed, scale_covar, poor_fit_p) -> dict:
    """Residual bootstrap of the time constant and beta (fast solver refits;
    only their values are used, so the error settings do not matter)."""
    rng = np.random.default_rng(seed)
    fitted = spec.func(t, **{p: row[f"p_{p}"] for p in spec.params})
    resid = y - fitted
    if e is not None:
        scaled = resid / e
        draws = rng.choice(scaled, size=(n_boot, len(y)), replace=True) * e
    else:
        draws = rng.choice(resid, size=(n_boot, len(y)), replace=True)
    Y = fitted[None, :] + draws
    E = None if e is None else np.broadcast_to(e, Y.shape)
    if spec.func.__name__ in _FAST_FUNCS:
        res = fit_curves_fast(
            t, Y, E, spec.name, scale_covar=scale_covar, poor_fit_p=poor_fit_p
        )
        taus, betas = res["time_constant_s"], res["beta"]
    else:
        outs = [
            _fit_lmfit(spec, t, yy, None if e is None else 1 / e, "", True) for yy in Y
        ]
        taus = np.array([o["time_constant_s"] for o in outs])
        betas = np.array([o["beta"] for o in outs])
    ok = np.isfinite(taus)
    return {
        "time_constant_s_boot_err": float(np.std(taus[ok], ddof=1)),
        "beta_boot_err": float(np.std(betas[ok], ddof=1))
        if "b" in spec.free
        else np.nan,
        "n_bootstrap": int(n_boot),
    }


# --------------------------------------------------------------------------
# Fast path: batched Levenberg-Marquardt with analytic Jacobians
# --------------------------------------------------------------------------

_FAST_FUNCS = {"saturation_recovery", "inversion_recovery", "decay"}


def _stretch_parts(t, tau, b):
    """E = exp(-(t/tau)^b) and its derivatives d/dtau, d/db (broadcast (m, n))."""
    x = np.clip(t, 0, None) / tau[:, None]
    u = x ** b[:, None]
    E = np.exp(-u)
    dE_dtau = E * b[:, None] * u / tau[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        lx = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), 0.0)
    dE_db = -E * u * lx
    return E, dE_dtau, dE_db


def _model_and_jac(fname: str, t: np.ndarray, P: np.ndarray):
    """Model values (m, n) and Jacobian (m, n, 4) over all four parameters."""
    if fname == "saturation_recovery":
        I0, a, T1, b = P.T
        E, dT, db = _stretch_parts(t, T1, b)
        f = I0[:, None] * (1 - a[:, None] * E)
        J = np.stack(
            [
                1 - a[:, None] * E,
                -I0[:, None] * E,
                -(I0 * a)[:, None] * dT,
                -(I0 * a)[:, None] * db,
            ],
            axis=-1,
        )
    elif fname == "inversion_recovery":
        I0, Pp, T1, b = P.T
        E, dT, db = _stretch_parts(t, T1, b)
        f = I0[:, None] + Pp[:, None] * E
        J = np.stack([np.ones_like(E), E, Pp[:, None] * dT, Pp[:, None] * db], axis=-1)
    else:  # decay(t, I0, T, b, c)
        I0, T, b, c = P.T
        E, dT, db = _stretch_parts(t, T, b)
        f = I0[:, None] * E + c[:, None]
        J = np.stack([E, I0[:, None] * dT, I0[:, None] * db, np.ones_like(E)], axis=-1)
    return f, J


def _initial_guess_batch(spec: ModelSpec, t, Y, W) -> np.ndarray:
    """:func:`initial_guess` for many curves at once (same grid, same choice)."""
    m, n = Y.shape
    sc = _scales(t, Y[0])
    taus = np.geomspace(sc["tmin"] / 10, sc["tmax"] * 10, 40)
    E = _basis(spec, t, taus)  # (k, n)
    with_offset = spec.family != "decay" or "c" not in spec.fixed
    yw = Y * W
    best_r = np.full(m, np.inf)
    best_tau = np.zeros(m)
    best_coef = np.zeros((m, 2))
    for k, tau in enumerate(taus):
        e = E[k][None, :] * W
        if with_offset:
            o = W
            a11 = np.sum(o * o, 1)
            a12 = np.sum(o * e, 1)
            a22 = np.sum(e * e, 1)
            b1 = np.sum(o * yw, 1)
            b2 = np.sum(e * yw, 1)
            det = a11 * a22 - a12 * a12
            with np.errstate(divide="ignore", invalid="ignore"):
                c1 = (a22 * b1 - a12 * b2) / det
                c2 = (a11 * b2 - a12 * b1) / det
            r = np.sum((c1[:, None] * o + c2[:, None] * e - yw) ** 2, 1)
            coef = np.stack([c1, c2], 1)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                c1 = np.sum(e * yw, 1) / np.sum(e * e, 1)
            r = np.sum((c1[:, None] * e - yw) ** 2, 1)
            coef = np.stack([c1, np.zeros(m)], 1)
        better = r < best_r
        best_r[better] = r[better]
        best_tau[better] = tau
        best_coef[better] = coef[better]
    names = spec.params
    P = np.zeros((m, 4))
    for p, v in spec.fixed.items():
        P[:, names.index(p)] = v
    if spec.family == "t1_sr":
        I0 = np.where(np.abs(best_coef[:, 0]) > 0, best_coef[:, 0], sc["ymax"])
        P[:, 0] = I0
        P[:, 1] = np.clip(-best_coef[:, 1] / I0, 0.05, 1.95)
    elif spec.family == "t1_ir":
        P[:, 0], P[:, 1] = best_coef[:, 0], best_coef[:, 1]
    elif with_offset:
        P[:, 0], P[:, names.index("c")] = best_coef[:, 1], best_coef[:, 0]
    else:
        P[:, 0] = best_coef[:, 0]
    ti = names.index(spec.tau)
    P[:, ti] = best_tau
    if "b" in spec.free:
        P[:, names.index("b")] = 1.0
    for p, (lo, hi) in resolved_bounds(spec, t, Y[0]).items():
        j = names.index(p)
        if np.isfinite(lo) and np.isfinite(hi):
            if p.startswith("T"):
                P[:, j] = np.clip(P[:, j], lo * 1.01, hi / 1.01)
            else:
                span = hi - lo
                P[:, j] = np.clip(P[:, j], lo + 1e-3 * span, hi - 1e-3 * span)
    return P


def fit_curves_fast(
    t,
    Y,
    Yerr=None,
    model: str = "ir",
    *,
    scale_covar: bool,
    poor_fit_p: float,
    max_iter: int = 200,
) -> dict[str, np.ndarray]:
    """Fit many curves sharing one list time axis at once (vectorised LM).

    ``t`` has shape (n,), ``Y`` and ``Yerr`` (m, n). Same objective, start,
    bounds, flags and error formula as :func:`fit_curve` with lmfit, so the two
    agree to solver tolerance away from bounds; the Jacobian is analytic.
    Bounds are enforced by projection of each step, and the error policy is
    that of :func:`apply_error_policy`. Supports the one-component
    models (``sr*``, ``ir*``, ``decay*``). Returns a dict of column arrays.
    """
    spec = MODELS[model]
    fname = spec.func.__name__
    if fname not in _FAST_FUNCS:
        raise ValueError(f"fast path does not support model {model!r}")
    t = np.asarray(t, float)
    Y = np.atleast_2d(np.asarray(Y, float))
    m, n = Y.shape
    if Yerr is None:
        W = np.ones_like(Y)
        weighted = False
    else:
        W = 1.0 / np.broadcast_to(np.asarray(Yerr, float), Y.shape)
        weighted = True
    names = spec.params
    free_idx = np.array([names.index(p) for p in spec.free])
    k = len(free_idx)
    # starts and bounds (bounds depend on the list times only)
    P = _initial_guess_batch(spec, t, Y, W)
    lo = np.full((m, 4), -np.inf)
    hi = np.full((m, 4), np.inf)
    for p, (a, b_) in resolved_bounds(spec, t, Y[0]).items():
        j = names.index(p)
        lo[:, j], hi[:, j] = a, b_
    lam = np.full(m, 1e-3)
    f, J = _model_and_jac(fname, t, P)
    r = (Y - f) * W
    chi = np.sum(r * r, axis=1)
    active = np.ones(m, bool)
    converged = np.zeros(m, bool)
    eye = np.eye(k)
    for _ in range(max_iter):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        Jw = J[idx][:, :, free_idx] * W[idx][:, :, None]
        A = np.einsum("mni,mnj->mij", Jw, Jw)
        g = np.einsum("mni,mn->mi", Jw, r[idx])
        diag = np.einsum("mii->mi", A)
        Ad = A + lam[idx, None, None] * (diag[:, :, None] * eye)
        try:
            step = np.linalg.solve(Ad, g[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = np.einsum("mij,mj->mi", np.linalg.pinv(Ad), g)
        Pn = P[idx].copy()
        Pn[:, free_idx] += step
        Pn = np.clip(Pn, lo[idx], hi[idx])
        fn, Jn = _model_and_jac(fname, t, Pn)
        rn = (Y[idx] - fn) * W[idx]
        chin = np.sum(rn * rn, axis=1)
        better = chin <= chi[idx]
        gi = idx[better]
        rel = (chi[gi] - chin[better]) / np.maximum(chi[gi], 1e-300)
        P[gi], f[gi], J[gi], r[gi], chi[gi] = (
            Pn[better],
            fn[better],
            Jn[better],
            rn[better],
            chin[better],
        )
        lam[gi] = np.maximum(lam[gi] / 10, 1e-12)
        bi = idx[~better]
        lam[bi] *= 10
        small = (
            np.max(
                np.abs(step[better]) / (np.abs(Pn[better][:, free_idx]) + 1e-30),
                axis=1,
                initial=0,
            )
            < 1e-10
        )
        done_g = gi[(rel < 1e-12) | small]
        converged[done_g] = True
        active[done_g] = False
        stuck = bi[lam[bi] > 1e12]
        converged[stuck] = True  # no downhill step left: at a minimum
        active[stuck] = False
    Jw = J[:, :, free_idx] * W[:, :, None]
    A = np.einsum("mni,mnj->mij", Jw, Jw)
    cov = np.full_like(A, np.nan)
    cond = np.linalg.cond(A)
    okc = np.isfinite(cond) & (cond < 1e15)
    if okc.any():
        cov[okc] = np.linalg.inv(A[okc])
    redchi = chi / max(n - k, 1)
    if scale_covar or not weighted:
        cov = cov * redchi[:, None, None]
    errs = np.sqrt(np.clip(np.einsum("mii->mi", cov), 0, None))
    errs[~okc] = np.nan
    method = err_method_text(weighted, scale_covar)
    p_values = chi2.sf(chi, max(n - k, 1))
    rows: list[dict] = []
    ti = list(spec.free).index(spec.tau)
    bi_ = list(spec.free).index("b") if "b" in spec.free else None
    for i in range(m):
        values = dict(zip(names, P[i], strict=True))
        errors = {p: errs[i, j] for j, p in enumerate(spec.free)}
        cov_tb = cov[i, ti, bi_] if bi_ is not None else np.nan
        stats = _info_criteria(chi[i], n, k)
        bounds = {p: (lo[i, names.index(p)], hi[i, names.index(p)]) for p in spec.free}
        row = _finish(
            spec,
            t,
            values,
            errors,
            cov_tb,
            stats,
            bounds,
            method,
            bool(converged[i]),
            "converged" if converged[i] else "maximum iterations reached",
        )
        rows.append(
            apply_error_policy(
                row,
                weighted=weighted,
                scale_covar=scale_covar,
                poor_fit_p=poor_fit_p,
                p_value=p_values[i],
            )
        )
    return {c: np.array([row[c] for row in rows]) for c in rows[0]}
