"""Stejskal-Tanner fits of one attenuation curve I(b), with 1-sigma errors.

Models (``b`` the diffusion weighting of :mod:`.encoding`, s/m^2):

* ``mono``: I = I0 exp(-D b);
* ``two_component``: I = I0 [f exp(-D b) + (1 - f) exp(-D_2 b)], D > D_2
  (``D`` the fast component, ``fraction`` its share);
* ``stretched``: I = I0 exp(-(D b)^beta), 0 < beta <= 1 (a distribution of D).

The integral errors are known measurement errors (white-noise propagation of the
NMR stage): the fits weight by them and the covariance is used as it is
(``absolute_sigma``), never scaled by the reduced chi-square, which with a few
degrees of freedom would itself be a noisy number. The model is chosen by the
small-sample Akaike criterion AICc = chi2 + 2k + 2k(k+1)/(n-k-1) (chi2 with the
known errors); a model with n - k - 1 < 1 is not fitted.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

MODELS = ("mono", "two_component", "stretched")
N_PARAMS = {"mono": 2, "two_component": 4, "stretched": 3}
ERR_METHOD = (
    "1-sigma from the weighted least-squares covariance with the integral errors "
    "as known absolute errors (no reduced chi-square scaling)"
)


@dataclass
class PfgFit:
    """One model fitted to one curve; values NaN when the fit failed."""

    model: str
    n_points: int
    params: dict[str, float] = field(default_factory=dict)
    errors: dict[str, float] = field(default_factory=dict)
    chi2: float = math.nan
    aic: float = math.nan
    fit_ok: bool = False
    flags: list[str] = field(default_factory=list)


def _mono(x, i0, d):
    return i0 * np.exp(-d * x)


def _two(x, i0, f, d, r):
    # D_2 = r D with 0 < r < 1 keeps the components ordered
    return i0 * (f * np.exp(-d * x) + (1.0 - f) * np.exp(-r * d * x))


def _stretched(x, i0, d, beta):
    return i0 * np.exp(-((d * x) ** beta))


def aicc(chi2: float, n: int, k: int) -> float:
    """Small-sample AIC with known errors; inf when n - k - 1 < 1."""
    if n - k - 1 < 1:
        return math.inf
    return chi2 + 2 * k + 2 * k * (k + 1) / (n - k - 1)


def _start_mono(x, y):
    pos = y > 0
    if pos.sum() >= 2 and np.ptp(x[pos]) > 0:
        slope, icpt = np.polyfit(x[pos], np.log(y[pos]), 1)
        return max(math.exp(icpt), 1e-12 * max(abs(y).max(), 1e-300)), max(-slope, 1e-3)
    return float(np.max(y)), 1.0


def fit_curve(b_s_per_m2, intensity, intensity_err, model: str = "mono") -> PfgFit:
    """Fit one model to I(b) with known errors; see the module docstring.

    Parameters are returned in SI: ``I0`` (intensity unit), ``D_m2_per_s``,
    and for ``two_component`` ``fraction`` and ``D_2_m2_per_s``, for
    ``stretched`` ``beta``. Flags: ``too_few_points``, ``fit_failed``,
    ``weak_attenuation`` (D b_max < 0.3: the curve hardly decays),
    ``at_bound`` (a parameter at its bound), ``errors_not_finite``.
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    b = np.asarray(b_s_per_m2, float)
    y = np.asarray(intensity, float)
    s = np.asarray(intensity_err, float)
    ok = np.isfinite(b) & np.isfinite(y) & np.isfinite(s) & (s > 0)
    b, y, s = b[ok], y[ok], s[ok]
    k = N_PARAMS[model]
    out = PfgFit(model=model, n_points=int(b.size))
    if b.size - k - 1 < 1 or not (b.max(initial=0) > 0):
        out.flags.append("too_few_points")
        return out
    bmax = float(b.max())
    x = b / bmax  # D in units of 1/b_max: parameters of order one
    scale = float(np.max(np.abs(y))) or 1.0
    yn, sn = y / scale, s / scale
    i0, d = _start_mono(x, yn)
    if model == "mono":
        func, p0 = _mono, [i0, d]
        lower, upper = [0.0, 0.0], [np.inf, np.inf]
    elif model == "two_component":
        func, p0 = _two, [i0, 0.5, 3.0 * d, 0.1]
        lower, upper = [0.0, 0.0, 0.0, 1e-4], [np.inf, 1.0, np.inf, 1.0]
    else:
        func, p0 = _stretched, [i0, d, 0.8]
        lower, upper = [0.0, 0.0, 0.05], [np.inf, np.inf, 1.0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            popt, pcov = curve_fit(
                func,
                x,
                yn,
                p0=p0,
                sigma=sn,
                absolute_sigma=True,
                bounds=(lower, upper),
                maxfev=20000,
            )
    except (RuntimeError, ValueError):
        out.flags.append("fit_failed")
        return out
    perr = np.sqrt(np.clip(np.diag(pcov), 0, None))
    resid = (yn - func(x, *popt)) / sn
    out.chi2 = float(np.sum(resid**2))
    out.aic = aicc(out.chi2, int(b.size), k)
    if model == "mono":
        names = ["I0", "D_m2_per_s"]
        factors = [scale, 1.0 / bmax]
    elif model == "two_component":
        names = ["I0", "fraction", "D_m2_per_s", "ratio"]
        factors = [scale, 1.0, 1.0 / bmax, 1.0]
    else:
        names = ["I0", "D_m2_per_s", "beta"]
        factors = [scale, 1.0 / bmax, 1.0]
    out.params = {n: float(v * f) for n, v, f in zip(names, popt, factors, strict=True)}
    out.errors = {n: float(e * f) for n, e, f in zip(names, perr, factors, strict=True)}
    if model == "two_component":
        # D_2 = ratio x D: its error by the delta method with their covariance
        d, r = popt[2], popt[3]
        var = r**2 * pcov[2, 2] + d**2 * pcov[3, 3] + 2 * d * r * pcov[2, 3]
        out.params["D_2_m2_per_s"] = float(r * d / bmax)
        out.errors["D_2_m2_per_s"] = float(math.sqrt(max(var, 0.0)) / bmax)
    flags = []
    if not all(math.isfinite(v) for v in out.errors.values()):
        flags.append("errors_not_finite")
    span = np.asarray(upper, float) - np.asarray(lower, float)
    tol = 1e-6 * np.where(np.isfinite(span), span, 1.0)
    at_lower = np.abs(popt - np.asarray(lower)) <= tol
    at_upper = np.isfinite(upper) & (np.abs(popt - np.asarray(upper)) <= tol)
    if model == "stretched":
        at_upper[2] = False  # beta = 1 is the mono limit, a valid answer
    if at_lower.any() or at_upper.any():
        flags.append("at_bound")
    slowest = out.params["D_m2_per_s"] * (
        out.params.get("ratio", 1.0) if model == "two_component" else 1.0
    )
    if slowest * bmax < 0.3:
        flags.append("weak_attenuation")
    out.flags = flags
    out.fit_ok = not ({"errors_not_finite", "at_bound"} & set(flags)) and bool(
        out.errors.get("D_m2_per_s", math.nan) < out.params["D_m2_per_s"]
    )
    return out


def model_curve(model: str, b_s_per_m2, row) -> np.ndarray:
    """The fitted intensity at weightings b from one ``pfg_diffusion`` row
    (columns ``I0``, ``D_m2_per_s``, ``D_2_m2_per_s``, ``fraction``, ``beta``)."""
    b = np.asarray(b_s_per_m2, float)
    i0, d = float(row["I0"]), float(row["D_m2_per_s"])
    if model == "mono":
        return _mono(b, i0, d)
    if model == "two_component":
        d2 = float(row["D_2_m2_per_s"])
        return _two(b, i0, float(row["fraction"]), d, d2 / d if d > 0 else 0.0)
    if model == "stretched":
        return _stretched(b, i0, d, float(row["beta"]))
    raise ValueError(f"model must be one of {MODELS}, got {model!r}")
