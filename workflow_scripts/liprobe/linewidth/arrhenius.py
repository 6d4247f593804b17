"""Line width against temperature: the Hendrickson-Bray fit and the
Waugh-Fedin estimate from the onset of narrowing (SCIENCE.md section 8).

Hendrickson & Bray (1973):
``dnu(T) = A / [1 + (A/B - 1) exp(-Ea / kB T)] + D``; the width tends to the
rigid-lattice width ``A + D`` at low temperature and to the narrowed width
``B + D`` at high temperature. It is fitted here as ``A``, ``D``, ``Ea`` and
``ln C`` with ``C = A/B - 1`` (the narrowed excess ``B`` is often tiny next to
``A``, which makes ``B`` itself a badly scaled parameter), weighted by the
widths' 1-sigma errors, by least squares (scipy). Errors: the covariance
``(J'J)^-1`` of the weighted residuals, taken as absolute (never scaled by the
reduced chi-square: with a few degrees of freedom that scale is itself
uncertain by tens of percent); the chi-square p-value flags a poor fit.
The form is empirical: on its narrowing flank the excess width is
``B exp(Ea / kB T)``, proportional to the correlation time as for any jump
model, but through the crossover a jump model's width (Anderson-Kubo) falls
more steeply than this form, so widths measured across the crossover bias the
fitted Ea upwards (by about a quarter for a Gaussian-Markov model); its Ea is
that of the jumps when the widths sample the rigid plateau and the narrowing
flank.

Waugh & Fedin's empirical rule ``Ea [eV] = 1.617e-3 T_onset [K]`` rests on the
onset of narrowing, defined operationally as the temperature where the fitted
curve has fallen ``onset_fraction`` (10 %) of the way from the rigid-lattice to
the narrowed width. Its error combines (in quadrature) the spread of the onset
over resampled data sets (every width drawn within its error, the fit
repeated) and, when the measurements do not pin the curve near the onset, the
difference between the onset on the fitted curve and on a shape-preserving
interpolation of the measured widths (PCHIP of ln width against 1/T): between
two distant measurements the onset depends on the shape assumed for the curve.
The inflection temperature (steepest fall of the fitted width against T) is
reported beside it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.interpolate import PchipInterpolator

from liprobe.constants import KB_EV

#: Waugh & Fedin (1963): Ea [eV] per onset temperature [K]
WAUGH_FEDIN_EV_PER_K = 1.617e-3
MODELS = ("hendrickson_bray", "waugh_fedin")
HB_ERR = (
    "covariance (J'J)^-1 of the residuals weighted by the widths' 1-sigma "
    "errors, absolute (no reduced-chi-square scaling); derived widths by the "
    "delta method"
)
WF_ERR = (
    "onset: sd over resampled widths (each drawn within its error, the "
    "Hendrickson-Bray fit repeated), combined in quadrature with the "
    "difference between the onset on the fitted curve and on a PCHIP "
    "interpolation of the measured widths; Ea = 1.617e-3 eV/K x onset"
)


def hendrickson_bray(T, A, B, Ea_eV, D):
    """Hendrickson-Bray width at temperature ``T`` (K), in the unit of A, B, D."""
    T = np.asarray(T, dtype=float)
    return A / (1.0 + (A / B - 1.0) * np.exp(-Ea_eV / (KB_EV * T))) + D


def _model(p, T):
    A, D, Ea, lnC = p
    return A / (1.0 + np.exp(lnC - Ea / (KB_EV * T))) + D


def onset_temperature(A, B, Ea_eV, fraction) -> float:
    """Temperature (K) where the HB width has fallen ``fraction`` of the way from
    ``A + D`` to ``B + D`` (closed form; NaN when the curve does not narrow)."""
    if not (A > B > 0 and Ea_eV > 0):
        return math.nan
    C = A / B - 1.0
    target = A - fraction * (A - B)  # width above D
    x = (A / target - 1.0) / C  # exp(-Ea / kT)
    if not 0 < x < 1:
        return math.nan
    return float(-Ea_eV / (KB_EV * math.log(x)))


def inflection_temperature(A, B, Ea_eV, D, t_lo, t_hi) -> float:
    """Temperature (K) of the steepest fall of the HB width against T, searched
    on a fine grid between ``t_lo`` and ``t_hi`` (NaN at an end of the grid)."""
    T = np.linspace(t_lo, t_hi, 4001)
    slope = np.gradient(hendrickson_bray(T, A, B, Ea_eV, D), T)
    i = int(np.argmin(slope))
    if i in (0, T.size - 1):
        return math.nan
    return float(T[i])


def _starts(T, w):
    """Start values (A, D, Ea, lnC) for a few activation energies."""
    order = np.argsort(T)
    T, w = T[order], w[order]
    D0 = max(0.5 * float(w.min()), 1e-9)
    A0 = max(float(w.max()) - D0, 1e-9)
    for Ea in (0.1, 0.3, 0.6, 1.0):
        # put the half-way point at the temperature where w crosses the middle
        mid = D0 + 0.5 * A0
        below = np.flatnonzero(w < mid)
        T_mid = float(T[below[0]]) if below.size else float(T[-1])
        yield np.array([A0, D0, Ea, Ea / (KB_EV * T_mid)])


def fit_hendrickson_bray(T, w, w_err, start=None) -> dict:
    """Fit HB to widths ``w`` (with 1-sigma ``w_err``) at temperatures ``T``.

    ``start``: parameters (A, D, Ea, lnC) to start from instead of the few
    default starts (the resampling starts from the data's best fit).

    Returns ``A, B, Ea_eV, D`` with ``_err``, ``rigid_width`` (A + D),
    ``narrowed_width`` (B + D) with errors, ``params`` (A, D, Ea, lnC), ``cov``,
    ``chi2``, ``dof``, ``p_value``, ``success`` and ``flags``.
    """
    T = np.asarray(T, dtype=float)
    w = np.asarray(w, dtype=float)
    s = np.asarray(w_err, dtype=float)
    flags: list[str] = []
    n = T.size
    nan = {
        k: math.nan
        for k in (
            "A",
            "A_err",
            "B",
            "B_err",
            "Ea_eV",
            "Ea_eV_err",
            "D",
            "D_err",
            "rigid_width",
            "rigid_width_err",
            "narrowed_width",
            "narrowed_width_err",
            "chi2",
            "p_value",
        )
    }
    if n < 5:
        return {**nan, "dof": n - 4, "success": False, "flags": "too_few_points"}
    lower = [0.0, 0.0, 0.0, -50.0]
    upper = [np.inf, np.inf, 10.0, 200.0]
    best = None
    for p0 in _starts(T, w) if start is None else [np.asarray(start, float)]:
        try:
            r = optimize.least_squares(
                lambda p: (_model(p, T) - w) / s,
                p0,
                bounds=(lower, upper),
                x_scale="jac",
                max_nfev=20000,
            )
        except ValueError:
            continue
        if best is None or r.cost < best.cost:
            best = r
    if best is None:
        return {**nan, "dof": n - 4, "success": False, "flags": "fit_failed"}
    p = best.x
    J = best.jac
    try:
        cov = np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:
        cov = np.full((4, 4), np.nan)
        flags.append("singular_covariance")
    chi2 = float(2.0 * best.cost)
    dof = n - 4
    p_value = float(stats.chi2.sf(chi2, dof)) if dof > 0 else math.nan
    names = ("A", "D", "Ea", "lnC")
    at_bound = [
        names[i]
        for i in range(4)
        for bound in (lower[i], upper[i])
        if math.isfinite(bound) and abs(p[i] - bound) <= 1e-6 * max(1.0, abs(bound))
    ]
    if at_bound:
        flags.append("at_bound:" + ",".join(at_bound))
    A, D, Ea, lnC = p
    B = A / (1.0 + math.exp(lnC))

    def derived(q):
        a, d, _, lc = q
        b = a / (1.0 + math.exp(lc))
        return np.array([b, a + d, b + d])

    G = np.zeros((3, 4))
    for j in range(4):
        h = max(abs(p[j]) * 1e-6, 1e-9)
        up, down = p.copy(), p.copy()
        up[j] += h
        down[j] -= h
        G[:, j] = (derived(up) - derived(down)) / (2 * h)
    with np.errstate(invalid="ignore"):
        e = np.sqrt(np.clip(np.diag(cov), 0, None))
        g = np.sqrt(np.clip(np.diag(G @ cov @ G.T), 0, None))
    return {
        "A": A,
        "A_err": e[0],
        "B": B,
        "B_err": g[0],
        "Ea_eV": Ea,
        "Ea_eV_err": e[2],
        "D": D,
        "D_err": e[1],
        "rigid_width": A + D,
        "rigid_width_err": g[1],
        "narrowed_width": B + D,
        "narrowed_width_err": g[2],
        "params": p,
        "cov": cov,
        "chi2": chi2,
        "dof": dof,
        "p_value": p_value,
        "success": bool(best.success) and np.all(np.isfinite(e)),
        "flags": ";".join(flags),
    }


def _data_onset(T, w, rigid, narrowed, fraction) -> float:
    """Onset on a PCHIP interpolation of ln(width) against 1/T (NaN when the
    measured widths do not cross the onset level)."""
    keep = np.isfinite(T) & np.isfinite(w) & (T > 0)
    # one point per temperature (repeated temperatures averaged in ln width),
    # so that the interpolation runs over strictly increasing 1/T
    x, inverse = np.unique(1.0 / T[keep], return_inverse=True)
    ln_w = np.log(np.clip(w[keep], 1e-300, None))
    y = np.bincount(inverse, weights=ln_w) / np.bincount(inverse)
    level = math.log(rigid - fraction * (rigid - narrowed))
    if x.size < 2 or not (y.min() < level < y.max()):
        return math.nan
    curve = PchipInterpolator(x, y)
    grid = np.linspace(x[0], x[-1], 20001)
    values = curve(grid)
    above = np.flatnonzero(values >= level)
    if above.size == 0 or above[0] == 0:
        return math.nan
    i = above[0]
    x_on = grid[i - 1] + (level - values[i - 1]) * (grid[i] - grid[i - 1]) / (
        values[i] - values[i - 1]
    )
    return float(1.0 / x_on)


def waugh_fedin(T, w, w_err, hb: dict, *, fraction, n_resample, rng) -> dict:
    """The onset temperature (and its error) and the Waugh-Fedin Ea."""
    T = np.asarray(T, dtype=float)
    w = np.asarray(w, dtype=float)
    s = np.asarray(w_err, dtype=float)
    flags: list[str] = []
    if not np.isfinite(hb.get("Ea_eV", math.nan)):
        return {
            "onset_temperature_K": math.nan,
            "onset_temperature_K_err": math.nan,
            "inflection_temperature_K": math.nan,
            "Ea_eV": math.nan,
            "Ea_eV_err": math.nan,
            "flags": "hendrickson_bray_failed",
        }
    A, B, Ea, D = hb["A"], hb["B"], hb["Ea_eV"], hb["D"]
    onset = onset_temperature(A, B, Ea, fraction)
    inflection = inflection_temperature(A, B, Ea, D, 0.25 * T.min(), 4.0 * T.max())
    onsets = []
    for _ in range(n_resample):
        draw = w + s * rng.standard_normal(w.size)
        fit = fit_hendrickson_bray(T, draw, s, start=hb["params"])
        onsets.append(onset_temperature(fit["A"], fit["B"], fit["Ea_eV"], fraction))
    onsets = np.asarray(onsets)
    lost = int(np.count_nonzero(~np.isfinite(onsets)))
    if lost > 0.05 * n_resample:
        flags.append(f"onset_unstable({lost}_of_{n_resample})")
    spread = float(np.nanstd(onsets, ddof=1)) if lost < n_resample - 1 else math.nan
    data_onset = _data_onset(T, w, hb["rigid_width"], hb["narrowed_width"], fraction)
    shape = abs(onset - data_onset) if math.isfinite(data_onset) else math.nan
    if not math.isfinite(data_onset):
        flags.append("onset_not_crossed_by_data")
        shape = 0.0
    elif shape > spread:
        flags.append("onset_shape_dependent")
    if not (T.min() <= onset <= T.max()):
        flags.append("onset_outside_measured_range")
    err = math.hypot(spread, shape)
    return {
        "onset_temperature_K": onset,
        "onset_temperature_K_err": err,
        "inflection_temperature_K": inflection,
        "Ea_eV": WAUGH_FEDIN_EV_PER_K * onset,
        "Ea_eV_err": WAUGH_FEDIN_EV_PER_K * err,
        "flags": ";".join(flags),
    }


def linewidth_arrhenius(
    linewidth: pd.DataFrame, *, fraction, n_resample, poor_fit_p, seed
) -> pd.DataFrame:
    """The ``linewidth_arrhenius`` table: per series and site, a
    ``hendrickson_bray`` row and a ``waugh_fedin`` row.

    Rows of ``linewidth`` with a NaN temperature, width or width error, or a
    width error that is not positive, are left out (counted in ``n_points``'s
    complement ``n_excluded``).
    """
    rows = []
    rng = np.random.default_rng(seed)
    for (series, site), g in linewidth.groupby(["series", "site"], sort=False):
        T = pd.to_numeric(g["temperature_K"], errors="coerce").to_numpy(float)
        w = pd.to_numeric(g["fwhm_Hz"], errors="coerce").to_numpy(float)
        s = pd.to_numeric(g["fwhm_Hz_err"], errors="coerce").to_numpy(float)
        keep = np.isfinite(T) & np.isfinite(w) & np.isfinite(s) & (s > 0)
        T, w, s = T[keep], w[keep], s[keep]
        hb = fit_hendrickson_bray(T, w, s)
        flags = [f for f in str(hb["flags"]).split(";") if f]
        if math.isfinite(hb["p_value"]) and hb["p_value"] < poor_fit_p:
            flags.append(f"poor_fit(p={hb['p_value']:.2g})")
        excluded = int(np.count_nonzero(~keep))
        if excluded:
            flags.append(f"points_excluded({excluded})")
        base = {
            "series": series,
            "site": site,
            "n_points": int(T.size),
            "n_excluded": excluded,
            "temperature_min_K": float(T.min()) if T.size else math.nan,
            "temperature_max_K": float(T.max()) if T.size else math.nan,
            "rigid_width_Hz": hb["rigid_width"],
            "rigid_width_Hz_err": hb["rigid_width_err"],
            "narrowed_width_Hz": hb["narrowed_width"],
            "narrowed_width_Hz_err": hb["narrowed_width_err"],
            "A_Hz": hb["A"],
            "A_Hz_err": hb["A_err"],
            "B_Hz": hb["B"],
            "B_Hz_err": hb["B_err"],
            "D_Hz": hb["D"],
            "D_Hz_err": hb["D_err"],
        }
        wf = waugh_fedin(T, w, s, hb, fraction=fraction, n_resample=n_resample, rng=rng)
        hb_ok = bool(hb["success"]) and not flags
        rows.append(
            {
                **base,
                "model": "hendrickson_bray",
                "Ea_eV": hb["Ea_eV"],
                "Ea_eV_err": hb["Ea_eV_err"],
                "onset_temperature_K": wf["onset_temperature_K"],
                "onset_temperature_K_err": wf["onset_temperature_K_err"],
                "inflection_temperature_K": wf["inflection_temperature_K"],
                "chi2": hb["chi2"],
                "dof": hb["dof"],
                "p_value": hb["p_value"],
                "err_method": HB_ERR,
                "fit_ok": hb_ok,
                "flags": ";".join(flags),
            }
        )
        wf_flags = [f for f in wf["flags"].split(";") if f]
        rows.append(
            {
                **base,
                "model": "waugh_fedin",
                "Ea_eV": wf["Ea_eV"],
                "Ea_eV_err": wf["Ea_eV_err"],
                "onset_temperature_K": wf["onset_temperature_K"],
                "onset_temperature_K_err": wf["onset_temperature_K_err"],
                "inflection_temperature_K": wf["inflection_temperature_K"],
                "chi2": math.nan,
                "dof": hb["dof"],
                "p_value": math.nan,
                "err_method": WF_ERR,
                "fit_ok": bool(
                    hb_ok
                    and math.isfinite(wf["Ea_eV"])
                    and math.isfinite(wf["Ea_eV_err"])
                    and not any(f.startswith("onset_unstable") for f in wf_flags)
                ),
                "flags": ";".join(flags + wf_flags),
            }
        )
    columns = [
        "series",
        "site",
        "model",
        "Ea_eV",
        "Ea_eV_err",
        "onset_temperature_K",
        "onset_temperature_K_err",
        "inflection_temperature_K",
    ]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    return frame[columns + [c for c in frame.columns if c not in columns]]
