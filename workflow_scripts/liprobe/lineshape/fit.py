"""Deconvolution of a 1D spectrum into site lines plus a baseline (lmfit).

One composite lmfit model per fit window: a line per site (prefix ``s<i>_``)
of its shape, optional spinning sidebands per site tied to the centreband
(same width and eta, centre + k x MAS rate; their own areas), and a polynomial
baseline, all fitted jointly by least squares.

Errors are honest for the noise a processed spectrum really has: neighbouring
points are correlated (zero filling, apodization), so the parameter covariance
is the sandwich ``(J'J)^-1 J' C J (J'J)^-1`` with ``C`` the noise covariance
measured on line-free points of the same spectrum (:mod:`.noise`, applied by
FFT as a circulant matrix). The fit's
chi-square ``r' C^-1 r`` tests the model: beyond the ``poor_fit_p`` quantile
the row is flagged ``poor_fit`` and its errors are inflated by
``sqrt(chi2/dof)`` (never shrunk). Site areas include their sidebands;
fractions, widths in Hz and their errors follow by the delta method with the
full covariance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import lmfit
import numpy as np
import pandas as pd
from scipy import stats

from liprobe.lineshape.models import SHAPE_FUNCTIONS, SHAPES
from liprobe.lineshape.noise import NoiseModel

ERR_METHOD = (
    "sandwich covariance with the spectrum's measured noise autocorrelation "
    "(line-free points); inflated by sqrt(chi2/dof) when flagged poor_fit"
)


@dataclass(frozen=True)
class SiteStart:
    """Where a site's line starts and may go (ppm)."""

    site: str
    shift_ppm: float
    shift_min_ppm: float
    shift_max_ppm: float
    shape: str
    sidebands: tuple[int, ...] = ()


def _baseline(order: int, x0: float, scale: float):
    """A polynomial baseline in ``(x - x0) / scale`` as an lmfit-ready function."""

    def u(x):
        return (x - x0) / scale

    if order == 0:

        def baseline(x, c0):
            return c0 + 0.0 * x

    elif order == 1:

        def baseline(x, c0, c1):
            return c0 + c1 * u(x)

    elif order == 2:

        def baseline(x, c0, c1, c2):
            t = u(x)
            return c0 + c1 * t + c2 * t**2

    elif order == 3:

        def baseline(x, c0, c1, c2, c3):
            t = u(x)
            return c0 + c1 * t + c2 * t**2 + c3 * t**3

    else:
        raise ValueError(f"baseline order 0-3, not {order}")
    return baseline


def _prefix(i: int, k: int = 0) -> str:
    if k == 0:
        return f"s{i}_"
    return f"s{i}_k{'p' if k > 0 else 'm'}{abs(k)}_"


def build_model(
    sites: Sequence[SiteStart],
    *,
    baseline_order: int,
    x0: float,
    scale: float,
    mas_ppm: float | None,
    fit_mas: bool,
    fwhm_start_ppm: float | Sequence[float],
    fwhm_max_ppm: float,
    area_start: Sequence[float],
    mas_range: float = 0.5,
) -> tuple[lmfit.Model, lmfit.Parameters]:
    """The composite model and its start parameters."""
    model = lmfit.Model(_baseline(baseline_order, x0, scale), prefix="bl_")
    params = model.make_params(**{f"c{j}": 0.0 for j in range(baseline_order + 1)})
    starts = (
        [float(fwhm_start_ppm)] * len(sites)
        if np.ndim(fwhm_start_ppm) == 0
        else [float(v) for v in fwhm_start_ppm]
    )
    uses_mas = any(s.sidebands for s in sites)
    if uses_mas:
        if mas_ppm is None or not math.isfinite(mas_ppm) or mas_ppm <= 0:
            raise ValueError("sidebands need a MAS rate")
        params.add(
            "mas_ppm",
            value=mas_ppm,
            min=(1 - mas_range) * mas_ppm,
            max=(1 + mas_range) * mas_ppm,
        )
        params["mas_ppm"].vary = fit_mas
    for i, site in enumerate(sites):
        if site.shape not in SHAPES:
            raise ValueError(f"site {site.site}: shape {site.shape} not in {SHAPES}")
        func = SHAPE_FUNCTIONS[site.shape]
        p = _prefix(i)
        line = lmfit.Model(func, prefix=p)
        model = model + line
        params.add(
            f"{p}center",
            value=site.shift_ppm,
            min=site.shift_min_ppm,
            max=site.shift_max_ppm,
        )
        params.add(f"{p}fwhm", value=starts[i], min=1e-6, max=fwhm_max_ppm)
        params.add(f"{p}area", value=max(area_start[i], 1e-12), min=0.0)
        if SHAPES[site.shape]:
            params.add(f"{p}eta", value=0.5, min=0.0, max=1.0)
        for k in site.sidebands:
            if k == 0:
                continue
            q = _prefix(i, k)
            model = model + lmfit.Model(func, prefix=q)
            params.add(f"{q}center", expr=f"{p}center + ({k}) * mas_ppm")
            params.add(f"{q}fwhm", expr=f"{p}fwhm")
            params.add(f"{q}area", value=0.05 * max(area_start[i], 1e-12), min=0.0)
            if SHAPES[site.shape]:
                params.add(f"{q}eta", expr=f"{p}eta")
    return model, params


@dataclass
class LineFit:
    """Per-site results and the fit as a whole."""

    sites: pd.DataFrame
    chi2: float
    dof: int
    p_value: float
    best_fit: np.ndarray
    components: dict[str, np.ndarray]
    baseline: np.ndarray


def _jacobian(model, params, names, x, base, steps):
    """Numerical Jacobian of the model in the external parameters ``names``."""
    columns = []
    for name, step in zip(names, steps, strict=True):
        hi, lo = params.copy(), params.copy()
        value = params[name].value
        hi[name].set(value=value + step, min=-np.inf, max=np.inf)
        lo[name].set(value=value - step, min=-np.inf, max=np.inf)
        columns.append((model.eval(hi, x=x) - model.eval(lo, x=x)) / (2 * step))
    return np.column_stack(columns) if columns else np.zeros((x.size, 0))


def _derived(values: dict, sites, sf_MHz: float) -> np.ndarray:
    """Centre, FWHM (ppm), eta and total area per site, then fractions."""
    out = []
    areas = []
    for i, site in enumerate(sites):
        p = _prefix(i)
        area = values[f"{p}area"] + sum(
            values[f"{_prefix(i, k)}area"] for k in site.sidebands if k != 0
        )
        areas.append(area)
        out += [
            values[f"{p}center"],
            values[f"{p}fwhm"],
            values.get(f"{p}eta", math.nan),
            area,
        ]
    total = sum(areas)
    out += [a / total if total > 0 else math.nan for a in areas]
    return np.array(out)


def deconvolve(
    ppm: np.ndarray,
    y: np.ndarray,
    sites: Sequence[SiteStart],
    noise: NoiseModel,
    *,
    baseline_order: int,
    sf_MHz: float,
    poor_fit_p: float,
    mas_Hz: float | None = None,
    fit_mas: bool = False,
    mas_range: float = 0.5,
    fwhm_starts_ppm: Sequence[float] | None = None,
) -> LineFit:
    """Fit the sites' lines and a baseline to ``y`` on ``ppm`` (the fit window).

    ``noise``: the spectrum's noise model (:func:`.noise.noise_model`);
    ``sf_MHz``: the spectrometer frequency, for widths in Hz and the MAS rate in
    ppm; ``mas_Hz``: the spinning rate (sidebands need it; ``fit_mas`` lets it
    vary, e.g. when acqus MASR is known to be wrong, within ``mas_range`` of
    ``mas_Hz`` as a fraction); ``fwhm_starts_ppm``: start widths per site
    (default: one width from the window's span). Returns one row per site
    with ``shift_ppm``, ``fwhm_ppm``, ``fwhm_Hz``, ``eta``, ``area``,
    ``fraction``, each with ``_err``, and ``fit_ok``/``flags``.
    """
    x = np.asarray(ppm, dtype=float)
    y = np.asarray(y, dtype=float)
    order = np.argsort(x)
    x, y = x[order], y[order]
    span = float(x[-1] - x[0])
    step = float(np.median(np.diff(x)))
    heights = [max(float(np.interp(s.shift_ppm, x, y)), noise.sigma) for s in sites]
    fwhm0 = max(min(span / (4 * max(len(sites), 1)), span / 10), 4 * step)
    model, params = build_model(
        sites,
        baseline_order=baseline_order,
        x0=float(0.5 * (x[0] + x[-1])),
        scale=max(0.5 * span, step),
        mas_ppm=None if mas_Hz is None else mas_Hz / sf_MHz,
        fit_mas=fit_mas,
        mas_range=mas_range,
        fwhm_start_ppm=fwhm0 if fwhm_starts_ppm is None else fwhm_starts_ppm,
        fwhm_max_ppm=span,
        area_start=[
            h * (fwhm0 if fwhm_starts_ppm is None else w)
            for h, w in zip(heights, fwhm_starts_ppm or heights, strict=True)
        ],
    )
    result = model.fit(y, params, x=x, scale_covar=False, max_nfev=20000)
    best = result.params
    names = [n for n, p in best.items() if p.vary]
    steps = [
        max(abs(best[n].value) * 1e-6, 1e-9 * max(1.0, abs(best[n].value)), 1e-10)
        for n in names
    ]
    fitted = model.eval(best, x=x)
    J = _jacobian(model, best, names, x, fitted, steps)
    resid = y - fitted
    flags: list[str] = []
    try:
        JtJ_inv = np.linalg.inv(J.T @ J)
        cov = JtJ_inv @ (J.T @ noise.apply(J)) @ JtJ_inv
        chi2 = float(resid @ noise.solve(resid))
    except np.linalg.LinAlgError:
        cov = np.full((len(names), len(names)), np.nan)
        chi2 = math.nan
        flags.append("singular_covariance")
    dof = max(x.size - len(names), 1)
    p_value = float(stats.chi2.sf(chi2, dof)) if math.isfinite(chi2) else math.nan
    if math.isfinite(p_value) and p_value < poor_fit_p:
        flags.append(f"poor_fit(p={p_value:.2g})")
        cov = cov * (chi2 / dof)
    at_bound = [
        n
        for n in names
        if np.isfinite(best[n].min)
        and abs(best[n].value - best[n].min) <= 1e-6 * max(1.0, abs(best[n].min))
        or np.isfinite(best[n].max)
        and abs(best[n].value - best[n].max) <= 1e-6 * max(1.0, abs(best[n].max))
    ]
    # derived quantities by the delta method (numerical gradient)
    values = {n: p.value for n, p in best.items()}
    g0 = _derived(values, sites, sf_MHz)
    G = np.zeros((g0.size, len(names)))
    for j, (name, h) in enumerate(zip(names, steps, strict=True)):
        up, down = dict(values), dict(values)
        up[name] += h
        down[name] -= h
        G[:, j] = (_derived(up, sites, sf_MHz) - _derived(down, sites, sf_MHz)) / (
            2 * h
        )
    with np.errstate(invalid="ignore"):
        g_err = np.sqrt(np.clip(np.diag(G @ cov @ G.T), 0, None))
    n_sites = len(sites)
    rows = []
    for i, site in enumerate(sites):
        center, fwhm, eta, area = g0[4 * i : 4 * i + 4]
        e_center, e_fwhm, e_eta, e_area = g_err[4 * i : 4 * i + 4]
        frac, e_frac = g0[4 * n_sites + i], g_err[4 * n_sites + i]
        site_flags = list(flags)
        p = _prefix(i)
        bound = [n[len(p) :] for n in at_bound if n.startswith(p) and "_k" not in n]
        if bound:
            site_flags.append("at_bound:" + ",".join(bound))
        if e_area > 0.5 * area or not math.isfinite(e_area):
            site_flags.append("overlap_unresolved")
        rows.append(
            {
                "site": site.site,
                "shape": site.shape,
                "shift_ppm": center,
                "shift_ppm_err": e_center,
                "fwhm_ppm": fwhm,
                "fwhm_ppm_err": e_fwhm,
                "fwhm_Hz": fwhm * sf_MHz,
                "fwhm_Hz_err": e_fwhm * sf_MHz,
                "eta": eta,
                "eta_err": e_eta if SHAPES[site.shape] else math.nan,
                "area": area,
                "area_err": e_area,
                "fraction": frac,
                "fraction_err": e_frac,
                "sidebands": ",".join(str(k) for k in site.sidebands if k),
                "fit_ok": bool(result.success and not site_flags),
                "flags": ";".join(site_flags),
                "err_method": ERR_METHOD,
            }
        )
    components = {
        s.site: sum(
            model.components[j].eval(best, x=x)
            for j, comp in enumerate(model.components)
            if comp.prefix.startswith(_prefix(i))
        )
        for i, s in enumerate(sites)
    }
    baseline = model.components[0].eval(best, x=x)
    frame = pd.DataFrame(rows)
    frame["chi2"] = chi2
    frame["dof"] = dof
    frame["noise_sigma"] = noise.sigma
    frame["noise_correlation_length"] = noise.correlation_length
    if "mas_ppm" in best:
        frame["mas_Hz"] = best["mas_ppm"].value * sf_MHz
        j = names.index("mas_ppm") if "mas_ppm" in names else None
        frame["mas_Hz_err"] = (
            math.sqrt(abs(cov[j, j])) * sf_MHz if j is not None else 0.0
        )
    return LineFit(frame, chi2, dof, p_value, fitted, components, baseline)
