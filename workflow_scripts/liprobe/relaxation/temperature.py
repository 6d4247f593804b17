"""Temperature dependence of relaxation rates: BPP and Arrhenius analysis.

Models (plain functions of the parameters, temperature ``T`` in K first):

* correlation time ``tau_c = tau0 exp(Ea / (kB T))``;
* spectral density ``J(w) = 2 tau_c / (1 + (w tau_c)^beta)``: ``beta = 2`` is
  Bloembergen, Purcell & Pound, Phys. Rev. 73 (1948) 679; ``1 < beta < 2`` the
  asymmetric form for correlated motion (Kuechler, Heitjans et al., Solid State
  Ionics 70/71 (1994) 434; Epp, Gun, Reiter & Wilkening, J. Phys. Chem. Lett.
  4 (2013) 2118);
* ``R1 = C [J(w0) + 4 J(2 w0)]`` and
  ``R1rho = C [1.5 J(2 w1) + 2.5 J(w0) + J(2 w0)]`` (Abragam 1961, ch. VIII;
  Look & Lowe, J. Chem. Phys. 44 (1966) 2995), ``w0 = 2 pi larmor``,
  ``w1 = 2 pi spin-lock frequency``;
* flanks: ``R = A exp(+Ea/(kB T))`` (high-temperature side) and
  ``R = A exp(-Ea_app/(kB T))`` (low-temperature side, ``Ea_app = (beta-1) Ea``);
* jump rate ``1 / tau_c``: the BPP correlation time read as the mean residence
  time between jumps (an assumption: tau_c is the correlation time of the
  fluctuating interaction, equal to the residence time only when every jump
  decorrelates it);
* ``D = f a^2 / (2 d tau_c)`` (Einstein-Smoluchowski, ``d`` the dimensionality,
  ``a`` the jump distance, ``f`` the tracer correlation factor, 1 for
  uncorrelated jumps); Nernst-Einstein ``sigma = N q^2 D / (kB T H_R)`` with the
  Haven ratio ``H_R = D_tracer / D_sigma``. Every assumption is a column beside
  the numbers (``jump_rate_definition``, ``jump_distance_nm``,
  ``dimensionality``, ``correlation_factor``, ``haven_ratio``,
  ``li_density_per_cm3``).

All fits minimise ``sum(((ln R_model - ln R) / (sigma_R / R))^2)`` (relative
errors of the rates from the relaxation fits). The rate errors are measured, so
1-sigma errors come from the covariance with absolute weights: with 2-7 degrees
of freedom the reduced chi-square is itself noise and scaling by it would shrink
errors as often as grow them. When the chi-square p-value is below
``poor_fit_p`` the points scatter more than their errors allow: the errors are
inflated (never shrunk) by ``sqrt(redchi)`` and the row is flagged
``scatter_exceeds_errors`` (column ``err_method`` says which). Without rate
errors the covariance is scaled by the residual variance.
"""

from __future__ import annotations

import math

import lmfit
import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.stats import chi2

from liprobe.constants import E_CHARGE_C, KB_EV
from liprobe.options import RelaxationOptions

KB_J = 1.380649e-23  # J/K


def correlation_time(T, Ea_eV, log10_tau0_s):
    """``tau_c = tau0 exp(Ea/(kB T))`` in s (Arrhenius law of the jump rate)."""
    return 10.0**log10_tau0_s * np.exp(Ea_eV / (KB_EV * np.asarray(T, float)))


def spectral_density(omega, tau_c, beta):
    """``J(w) = 2 tau_c / (1 + (w tau_c)^beta)`` (BPP for beta = 2)."""
    return 2.0 * tau_c / (1.0 + (omega * tau_c) ** beta)


def r1_bpp(T, log10_C, Ea_eV, log10_tau0_s, beta, larmor_MHz):
    """Spin-lattice rate ``R1 = C [J(w0) + 4 J(2 w0)]`` in 1/s (BPP 1948)."""
    tc = correlation_time(T, Ea_eV, log10_tau0_s)
    w0 = 2 * math.pi * larmor_MHz * 1e6
    return 10.0**log10_C * (
        spectral_density(w0, tc, beta) + 4 * spectral_density(2 * w0, tc, beta)
    )


def r1rho_bpp(T, log10_C, Ea_eV, log10_tau0_s, beta, larmor_MHz, spinlock_kHz):
    """Rotating-frame rate ``C [1.5 J(2 w1) + 2.5 J(w0) + J(2 w0)]`` (Look & Lowe)."""
    tc = correlation_time(T, Ea_eV, log10_tau0_s)
    w0 = 2 * math.pi * larmor_MHz * 1e6
    w1 = 2 * math.pi * spinlock_kHz * 1e3
    return 10.0**log10_C * (
        1.5 * spectral_density(2 * w1, tc, beta)
        + 2.5 * spectral_density(w0, tc, beta)
        + spectral_density(2 * w0, tc, beta)
    )


def arrhenius_rate(T, log10_A, Ea_eV, sign=1.0):
    """Flank law ``R = A exp(sign * Ea/(kB T))``: sign +1 high-T, -1 low-T flank."""
    return 10.0**log10_A * np.exp(sign * Ea_eV / (KB_EV * np.asarray(T, float)))


def calibrate_temperature(
    T_set, mas_kHz, *, offset_K, slope, mas_coefficient_K_per_kHz2
):
    """Sample temperature from set point and MAS rate.

    ``T = offset_K + slope * T_set + c * MAS_kHz^2``: frictional heating grows
    with the square of the spinning rate (Brus, Solid State Nucl. Magn. Reson. 16
    (2000) 151; calibrate c with Pb(NO3)2 or KBr). A NaN MAS rate counts as 0.
    """
    mas = np.nan_to_num(np.asarray(mas_kHz, float), nan=0.0)
    return (
        offset_K
        + slope * np.asarray(T_set, float)
        + mas_coefficient_K_per_kHz2 * mas**2
    )


def _rate_model(kind: str):
    return r1rho_bpp if kind == "t1rho" else r1_bpp


def _rate_terms(kind: str, extra: dict) -> list[tuple[float, float]]:
    """(weight, angular frequency) of each spectral-density term of the rate."""
    w0 = 2 * math.pi * extra["larmor_MHz"] * 1e6
    if kind == "t1rho":
        w1 = 2 * math.pi * extra["spinlock_kHz"] * 1e3
        return [(1.5, 2 * w1), (2.5, w0), (1.0, 2 * w0)]
    return [(1.0, w0), (4.0, 2 * w0)]


def flank_asymptotes(T, kind: str, vals: dict, extra: dict):
    """The two Arrhenius asymptotes of a BPP rate curve, in 1/s.

    With ``J(w) = 2 tau_c / (1 + (w tau_c)^beta)``: for ``w tau_c << 1``
    (high temperature) ``J -> 2 tau_c``, so ``R -> C sum_i c_i 2 tau_c``; for
    ``w tau_c >> 1`` (low temperature) ``J -> 2 tau_c^(1 - beta) w^-beta``.
    ``vals`` holds ``log10_C``, ``Ea_eV``, ``log10_tau0_s`` and ``beta``.
    Returns ``(high_T, low_T)`` arrays; the model rate is below both.
    """
    tc = correlation_time(T, vals["Ea_eV"], vals["log10_tau0_s"])
    C = 10.0 ** vals["log10_C"]
    beta = vals["beta"]
    terms = _rate_terms(kind, extra)
    high = C * sum(c for c, _ in terms) * 2 * tc
    low = C * sum(c * 2 * tc ** (1 - beta) * w ** (-beta) for c, w in terms)
    return high, low


def _fit_log(func, T, R, Rerr, params, extra):
    w = np.where(np.isfinite(Rerr) & (Rerr > 0), R / Rerr, np.nan)
    if not np.all(np.isfinite(w)):
        w = np.ones_like(R)
        weighted = False
    else:
        weighted = True

    def resid(p):
        vals = {k: p[k].value for k in p}
        model = func(T, **vals, **extra)
        return (np.log(np.clip(model, 1e-300, None)) - np.log(R)) * w

    mini = lmfit.Minimizer(resid, params, scale_covar=not weighted)
    res = mini.minimize(method="leastsq")
    return res, weighted


def _honest_errors(res, weighted: bool, poor_fit_p: float) -> tuple[float, list, str]:
    """Chi-square p-value, flags and ``err_method`` of a fit over temperature.

    With absolute weights and a p-value below ``poor_fit_p`` the covariance and
    every parameter error of ``res`` are inflated in place by ``sqrt(redchi)``.
    """
    dof = int(res.nfree)
    p = math.nan
    if weighted and dof > 0 and np.isfinite(res.chisqr):
        p = float(chi2.sf(res.chisqr, dof))
    if not weighted:
        text = "covariance scaled by the residual variance; unweighted (no errors)"
        few = [f"errors_from_few_residuals(dof={dof})"] if 0 < dof < 10 else []
        return p, few, text + "; residuals in ln R"
    text = "covariance (absolute weights); weighted by relative rate errors"
    flags = []
    if np.isfinite(p) and p < poor_fit_p:
        factor = math.sqrt(max(float(res.redchi), 1.0))
        if res.covar is not None:
            res.covar = res.covar * factor**2
        for name in res.var_names:
            if res.params[name].stderr is not None:
                res.params[name].stderr *= factor
        flags.append(f"scatter_exceeds_errors(p={p:.2g})")
        text += (
            f"; inflated by sqrt(reduced chi-square) = {factor:.3g} "
            f"(chi-square p < {poor_fit_p:g})"
        )
    return p, flags, text + "; residuals in ln R"


def _bpp_start(func, T, R, w, beta, extra):
    """Grid start: Ea x log10 tau0, with log10 C solved in closed form."""
    best = (np.inf, None)
    lnR = np.log(R)
    for Ea in np.linspace(0.05, 1.2, 24):
        for lt in np.linspace(-17, -8, 37):
            shape = func(T, 0.0, Ea, lt, beta, **extra)
            d = lnR - np.log(shape)
            lc = np.sum(w**2 * d) / np.sum(w**2)
            s = float(np.sum((w * (d - lc)) ** 2))
            if s < best[0]:
                best = (s, (lc / math.log(10), Ea, lt))
    return best[1]


def _propagate(fun, res, names):
    """1-sigma error of a scalar fun(params dict) by the delta method."""
    if res.covar is None:
        return np.nan
    vals = {k: res.params[k].value for k in res.params}
    grads = []
    for n in res.var_names:
        h = 1e-6 * max(abs(vals[n]), 1e-3)
        up, dn = dict(vals), dict(vals)
        up[n] += h
        dn[n] -= h
        grads.append((fun(up) - fun(dn)) / (2 * h))
    g = np.array(grads)
    var = float(g @ res.covar @ g)
    return math.sqrt(var) if var >= 0 else np.nan


def rate_maximum_temperature(func, vals: dict, extra: dict, T_lo=20.0, T_hi=3000.0):
    """Temperature of the rate maximum, found numerically (grid + bounded search)."""
    grid = np.geomspace(T_lo, T_hi, 400)
    r = func(grid, **vals, **extra)
    i = int(np.argmax(r))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    out = minimize_scalar(
        lambda x: -float(func(x, **vals, **extra)),
        bounds=(a, b),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return float(out.x)


def transport_at(
    Ea_eV,
    log10_tau0_s,
    T_K,
    jump_distance_nm,
    dimensionality,
    li_density_per_cm3,
    haven_ratio,
    correlation_factor,
):
    """Jump rate (1/s), D (m^2/s) and sigma (S/cm) at ``T_K`` from BPP parameters.

    Jump rate ``1 / tau_c``; ``D = f a^2 / (2 d tau_c)``; ``sigma = N q^2 D /
    (kB T H_R)`` (see the module docstring for the assumptions).
    """
    tau = correlation_time(T_K, Ea_eV, log10_tau0_s)
    rate = 1.0 / tau
    a = jump_distance_nm * 1e-9
    D = correlation_factor * a**2 / (2 * dimensionality * tau)
    N = li_density_per_cm3 * 1e6
    sigma = N * E_CHARGE_C**2 * D / (KB_J * T_K) / haven_ratio / 100.0
    return rate, D, sigma


def fit_bpp(
    T,
    R,
    R_err,
    kind: str,
    larmor_MHz: float,
    spinlock_kHz: float | None = None,
    *,
    beta: float | None = None,
    beta_bounds: tuple[float, float],
    poor_fit_p: float,
) -> dict:
    """Fit the BPP model to rates ``R`` (1/s) at temperatures ``T`` (K).

    ``beta=None`` frees the exponent within ``beta_bounds``; a number fixes it
    (2 for classic BPP). ``kind`` ``t1rho`` selects the rotating-frame model.
    Returns fitted values, errors, covariance-derived quantities and flags.
    """
    T = np.asarray(T, float)
    R = np.asarray(R, float)
    R_err = np.asarray(R_err, float)
    func = _rate_model(kind)
    extra = {"larmor_MHz": float(larmor_MHz)}
    if kind == "t1rho":
        extra["spinlock_kHz"] = float(spinlock_kHz)
    n_free = 3 if beta is not None else 4
    out = {"n_points": len(T), "fit_ok": False, "flags": "", "beta": np.nan}
    if len(T) < n_free + 1:
        out["flags"] = f"too_few_temperatures(n={len(T)},need={n_free + 1})"
        return out
    w = np.where(np.isfinite(R_err) & (R_err > 0), R / R_err, 1.0)
    lc, Ea0, lt0 = _bpp_start(func, T, R, w, 2.0 if beta is None else beta, extra)
    p = lmfit.Parameters()
    p.add("log10_C", value=lc)
    p.add("Ea_eV", value=Ea0, min=0.0, max=3.0)
    p.add("log10_tau0_s", value=lt0, min=-20.0, max=-5.0)
    if beta is None:
        p.add("beta", value=1.8, min=beta_bounds[0], max=beta_bounds[1])
    else:
        p.add("beta", value=beta, vary=False)
    res, weighted = _fit_log(func, T, R, R_err, p, extra)
    p_value, inflated, err_method = _honest_errors(res, weighted, poor_fit_p)
    vals = {k: res.params[k].value for k in res.params}
    errs = {
        k: (res.params[k].stderr if res.params[k].stderr is not None else np.nan)
        for k in res.params
    }
    flags = list(inflated)
    ok = bool(res.success)
    if not res.success:
        flags.append("no_convergence")
    for k in res.var_names:
        par = res.params[k]
        span = par.max - par.min
        if (
            abs(par.value - par.min) < 1e-4 * span
            or abs(par.max - par.value) < 1e-4 * span
        ):
            flags.append(f"at_bound:{k}")
            if k != "beta":
                ok = False
    if res.covar is None:
        flags.append("no_uncertainties")
        ok = False
    Tmax = rate_maximum_temperature(func, vals, extra)
    Tmax_err = _propagate(
        lambda v: rate_maximum_temperature(func, v, extra, 0.8 * Tmax, 1.25 * Tmax),
        res,
        None,
    )
    if not (T.min() <= Tmax <= T.max()):
        flags.append("rate_maximum_outside_data")
    out.update(
        fit_ok=ok,
        flags=";".join(flags),
        Ea_eV=vals["Ea_eV"],
        Ea_eV_err=errs["Ea_eV"],
        log10_tau0_s=vals["log10_tau0_s"],
        log10_tau0_s_err=errs["log10_tau0_s"],
        tau0_s=10 ** vals["log10_tau0_s"],
        tau0_s_err=10 ** vals["log10_tau0_s"] * math.log(10) * errs["log10_tau0_s"],
        log10_C=vals["log10_C"],
        log10_C_err=errs["log10_C"],
        beta=vals["beta"],
        beta_err=errs["beta"] if beta is None else 0.0,
        rate_max_temperature_K=Tmax,
        rate_max_temperature_K_err=Tmax_err,
        chisqr=float(res.chisqr),
        redchi=float(res.redchi),
        chi2_p_value=p_value,
        aic=float(res.aic),
        bic=float(res.bic),
        err_method=err_method,
        _result=res,
        _func=func,
        _extra=extra,
    )
    return out


def fit_flank(T, R, R_err, side: str, *, poor_fit_p: float) -> dict:
    """Arrhenius fit of one flank (``side`` ``high_T`` or ``low_T``).

    Reports ``Ea_eV`` as the magnitude of the slope of ln R against 1/(kB T):
    the activation energy on the high-temperature flank, the apparent
    ``(beta - 1) Ea`` on the low-temperature flank.
    """
    T = np.asarray(T, float)
    R = np.asarray(R, float)
    R_err = np.asarray(R_err, float)
    out = {"n_points": len(T), "fit_ok": False, "flags": ""}
    # with measured rate errors the slope error needs no residuals: two points
    # are a line with an honest error (and no scatter test, flagged below)
    weighted = bool(len(T)) and bool(np.all(np.isfinite(R_err) & (R_err > 0)))
    need = 2 if weighted else 3
    if len(T) < need:
        out["flags"] = f"too_few_temperatures_on_flank(n={len(T)},need={need})"
        return out
    sign = 1.0 if side == "high_T" else -1.0
    x = 1 / (KB_EV * T)
    slope, icpt = np.polyfit(x, np.log(R), 1)
    p = lmfit.Parameters()
    p.add("log10_A", value=icpt / math.log(10))
    p.add("Ea_eV", value=max(sign * slope, 1e-3))
    res, weighted = _fit_log(arrhenius_rate, T, R, R_err, p, {"sign": sign})
    p_value, flags, err_method = _honest_errors(res, weighted, poor_fit_p)
    if len(T) == 2:
        flags.append("two_points_no_scatter_test")
    e = res.params["Ea_eV"].stderr
    if not res.success:
        flags.append("no_convergence")
    ok = bool(res.success) and e is not None
    if e is None:
        flags.append("no_uncertainties")
    if res.params["Ea_eV"].value < 0:
        flags.append("wrong_sign_slope")
        ok = False
    out.update(
        fit_ok=ok,
        flags=";".join(flags),
        Ea_eV=res.params["Ea_eV"].value,
        Ea_eV_err=np.nan if e is None else float(e),
        log10_A=res.params["log10_A"].value,
        log10_A_err=res.params["log10_A"].stderr or np.nan,
        chisqr=float(res.chisqr),
        redchi=float(res.redchi),
        chi2_p_value=p_value,
        aic=float(res.aic),
        bic=float(res.bic),
        err_method=err_method,
        T_min_K=float(T.min()),
        T_max_K=float(T.max()),
    )
    return out


def analyse_series(
    T,
    R,
    R_err,
    kind: str,
    larmor_MHz: float,
    spinlock_kHz: float | None = None,
    *,
    reference_temperature_K: float,
    jump_distance_nm: float,
    dimensionality: int,
    li_density_per_cm3: float,
    haven_ratio: float,
    correlation_factor: float,
    beta_bounds: tuple[float, float],
    flank_margin_K: float,
    flank_asymptote_fraction: float,
    poor_fit_p: float,
) -> list[dict]:
    """BPP (free beta and beta = 2) and both Arrhenius flanks for one rate series.

    The flanks split at the rate maximum of the free-beta BPP fit (of the
    beta = 2 fit when that one failed). A flank takes the points where that
    fitted BPP curve is within ``flank_asymptote_fraction`` of the flank's
    asymptote (:func:`flank_asymptotes`: ``|R_bpp / R_asymptote - 1|`` at most
    the fraction), so no point where neither limit holds biases the slope;
    points within ``flank_margin_K`` of the split are left out as well. When
    both BPP fits failed the split is the largest measured rate and only the
    margin applies (flag ``flank_points_without_bpp``). Columns
    ``flank_selection`` and ``flank_asymptote_fraction`` state the choice.
    Transport quantities (jump
    rate, D, sigma) with delta-method errors come from the BPP rows at
    ``reference_temperature_K``, with their assumptions in columns beside them.
    Errors with absolute weights, inflated only when the points scatter beyond
    their errors (``poor_fit_p``; see the module docstring).
    """
    T = np.asarray(T, float)
    R = np.asarray(R, float)
    R_err = np.asarray(R_err, float)
    order = np.argsort(T)
    T, R, R_err = T[order], R[order], R_err[order]
    rows = []
    split = None
    curve = None
    for name, beta in (("bpp", None), ("bpp_beta2", 2.0)):
        r = fit_bpp(
            T,
            R,
            R_err,
            kind,
            larmor_MHz,
            spinlock_kHz,
            beta=beta,
            beta_bounds=beta_bounds,
            poor_fit_p=poor_fit_p,
        )
        res = r.pop("_result", None)
        r.pop("_func", None)
        r.pop("_extra", None)
        r["model"] = name
        if res is not None and np.isfinite(r.get("Ea_eV", np.nan)):
            if split is None and r["fit_ok"]:
                split = r["rate_max_temperature_K"]
                curve = (name, {k: res.params[k].value for k in res.params})

            def tr(v, i):
                return transport_at(
                    v["Ea_eV"],
                    v["log10_tau0_s"],
                    reference_temperature_K,
                    jump_distance_nm,
                    dimensionality,
                    li_density_per_cm3,
                    haven_ratio,
                    correlation_factor,
                )[i]

            vals = {k: res.params[k].value for k in res.params}
            for i, col in enumerate(
                ("jump_rate_per_s", "D_m2_per_s", "sigma_S_per_cm")
            ):
                r[col] = tr(vals, i)
                r[col + "_err"] = _propagate(lambda v, i=i: tr(v, i), res, None)
            r.update(
                jump_rate_definition=JUMP_RATE_DEFINITION,
                jump_distance_nm=float(jump_distance_nm),
                dimensionality=int(dimensionality),
                correlation_factor=float(correlation_factor),
                haven_ratio=float(haven_ratio),
                li_density_per_cm3=float(li_density_per_cm3),
            )
        rows.append(r)
    if split is None:
        split = float(T[np.argmax(R)]) if len(T) else np.nan
    frac = float(flank_asymptote_fraction)
    if curve is not None:
        extra = {"larmor_MHz": float(larmor_MHz)}
        if kind == "t1rho":
            extra["spinlock_kHz"] = float(spinlock_kHz)
        model = _rate_model(kind)(T, **curve[1], **extra)
        high, low = flank_asymptotes(T, kind, curve[1], extra)
        near = {"high_T": np.abs(model / high - 1), "low_T": np.abs(model / low - 1)}
        how = f"{curve[0]} curve within {frac:g} of the flank asymptote" + (
            f", more than {flank_margin_K:g} K from the maximum"
            if flank_margin_K
            else ""
        )
    else:
        near = {"high_T": np.zeros_like(T), "low_T": np.zeros_like(T)}
        how = f"no BPP fit: more than {flank_margin_K:g} K from the largest rate"
    for side in ("high_T", "low_T"):
        if side == "high_T":
            sel = T > split + flank_margin_K
        else:
            sel = T < split - flank_margin_K
        sel &= near[side] <= frac
        r = fit_flank(T[sel], R[sel], R_err[sel], side, poor_fit_p=poor_fit_p)
        if curve is None:
            r["flags"] = ";".join(
                f for f in (r["flags"], "flank_points_without_bpp") if f
            )
        r["model"] = f"arrhenius_{side}"
        r["split_temperature_K"] = split
        r["flank_selection"] = how
        r["flank_asymptote_fraction"] = frac
        rows.append(r)
    for r in rows:
        r["reference_temperature_K"] = reference_temperature_K
        r["n_temperatures"] = len(T)
    return rows


JUMP_RATE_DEFINITION = (
    "1/tau_c: the BPP correlation time taken as the mean residence time between "
    "jumps; D = f a^2 / (2 d tau_c); sigma = N q^2 D / (kB T H_R)"
)

ARRHENIUS_COLUMNS = [
    "series",
    "region",
    "quantity",
    "kind",
    "model",
    "fit_model",
    "Ea_eV",
    "Ea_eV_err",
    "tau0_s",
    "tau0_s_err",
    "beta",
    "beta_err",
    "reference_temperature_K",
    "jump_rate_per_s",
    "jump_rate_per_s_err",
    "D_m2_per_s",
    "D_m2_per_s_err",
    "sigma_S_per_cm",
    "sigma_S_per_cm_err",
    "fit_ok",
    "flags",
]


def arrhenius_table(fits: pd.DataFrame, options: RelaxationOptions) -> pd.DataFrame:
    """The ``relaxation_arrhenius`` table from a ``relaxation_fits`` table.

    Uses the selected model of each experiment x region x quantity with
    ``fit_ok`` True, groups by series, region, quantity and rate kind (R1 from
    ``t1_sr``/``t1_ir``, R1rho from ``t1rho``; ``t2`` is not analysed) and runs
    :func:`analyse_series` with the options' reference temperature, jump
    distance, dimensionality, the Li number density of ``options.material``, the
    Haven ratio, correlation factor, beta bounds, flank margin and asymptote
    fraction and poor-fit
    p-value; ``options.spinlock_kHz`` is the default when the fits carry none.
    Rows with ``fit_ok`` False (poor fits among them) are left out and counted
    in ``n_fits_excluded`` and ``flags``; so are the experiments that could not
    be read (rows flagged ``input_error``), in every analysis of their series.
    """
    o = options
    kw = {
        "reference_temperature_K": float(o.reference_temperature_K),
        "jump_distance_nm": float(o.jump_distance_nm),
        "dimensionality": int(o.dimensionality),
        "li_density_per_cm3": float(o.material.li_per_cm3),
        "haven_ratio": float(o.haven_ratio),
        "beta_bounds": tuple(o.beta_bounds),
        "flank_margin_K": float(o.flank_margin_K),
        "flank_asymptote_fraction": float(o.flank_asymptote_fraction),
        "correlation_factor": float(o.correlation_factor),
        "poor_fit_p": float(o.poor_fit_p_value),
    }
    rows = []
    f = fits[fits["kind"].isin(["t1_sr", "t1_ir", "t1rho"])].copy()
    if "selected" in f:
        f = f[f["selected"].astype(bool)]
    f["rate_kind"] = np.where(f["kind"] == "t1rho", "t1rho", "t1")
    # experiments that could not be read (one row each, no region): counted as
    # excluded in every analysis of their series and rate kind
    unread_rows = pd.Series(False, index=f.index)
    if {"flags", "experiment"} <= set(f.columns):
        unread_rows = f["flags"].astype(str).eq("input_error")
    unread = (
        f[unread_rows].groupby(["series", "rate_kind"])["experiment"].nunique()
        if unread_rows.any()
        else {}
    )
    f = f[~unread_rows]
    for (series, region, quantity, rkind), g in f.groupby(
        ["series", "region", "quantity", "rate_kind"], sort=True
    ):
        base = {
            "series": series,
            "region": region,
            "quantity": quantity,
            "kind": "R1rho" if rkind == "t1rho" else "R1",
            "fit_model": ",".join(sorted(g["model"].unique())),
        }
        good = g[
            g["fit_ok"].astype(bool)
            & np.isfinite(g["temperature_K"])
            & np.isfinite(g["time_constant_s"])
        ]
        n_unread = int(unread.get((series, rkind), 0))
        base["n_fits_excluded"] = len(g) - len(good) + n_unread
        excluded = ";".join(
            text
            for text in (
                f"{len(g) - len(good)}_fits_not_ok_excluded"
                if len(g) > len(good)
                else "",
                f"{n_unread}_unreadable_experiments_excluded" if n_unread else "",
            )
            if text
        )
        larmor = good["larmor_MHz"].dropna().unique() if "larmor_MHz" in good else []
        flag = ""
        spin = None
        if rkind == "t1rho":
            sl = (
                good["spinlock_kHz"].dropna().unique() if "spinlock_kHz" in good else []
            )
            if len(sl) == 0 and o.spinlock_kHz is not None:
                sl = [float(o.spinlock_kHz)]
            if len(sl) != 1:
                flag = f"spinlock_kHz_not_unique_or_missing({list(sl)})"
            else:
                spin = float(sl[0])
        if len(larmor) != 1:
            flag = f"larmor_MHz_not_unique_or_missing({list(larmor)})"
        if flag:
            flag = ";".join(f for f in (flag, excluded) if f)
            for m in ("bpp", "bpp_beta2", "arrhenius_high_T", "arrhenius_low_T"):
                rows.append(
                    {
                        **base,
                        "model": m,
                        "fit_ok": False,
                        "flags": flag,
                        "n_temperatures": len(good),
                        **{"reference_temperature_K": kw["reference_temperature_K"]},
                    }
                )
            continue
        tau = good["time_constant_s"].to_numpy(float)
        tau_err = good["time_constant_s_err"].to_numpy(float)
        R = 1 / tau
        R_err = tau_err / tau**2
        res = analyse_series(
            good["temperature_K"].to_numpy(float),
            R,
            R_err,
            rkind,
            float(larmor[0]),
            spin,
            **kw,
        )
        for r in res:
            if excluded:
                r["flags"] = ";".join(f for f in (r.get("flags", ""), excluded) if f)
            rows.append(
                {
                    **base,
                    **r,
                    "larmor_MHz": float(larmor[0]),
                    "spinlock_kHz": spin if spin is not None else np.nan,
                }
            )
    out = pd.DataFrame(rows)
    for c in ARRHENIUS_COLUMNS:
        if c not in out:
            out[c] = (
                np.nan
                if c not in ("fit_ok", "flags")
                else (False if c == "fit_ok" else "")
            )
    if len(out):
        out["fit_ok"] = out["fit_ok"].astype(bool)
        out["flags"] = out["flags"].fillna("").astype(str)
    rest = [c for c in out.columns if c not in ARRHENIUS_COLUMNS]
    return out[ARRHENIUS_COLUMNS + rest].reset_index(drop=True)
