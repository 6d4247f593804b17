"""Joint deconvolution of a series of 1D spectra (contact times, cycles,
states): one shift, width and eta per site shared by every spectrum, areas
and baselines free per spectrum (lmfit, one parameter set over the stacked
residuals).

Errors as in :mod:`.fit`: the sandwich covariance with each spectrum's own
measured noise covariance (block diagonal: spectra are independent), the
summed chi-square testing the model (``poor_fit`` inflates by
``sqrt(chi2/dof)``), derived areas and fractions by the delta method.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import lmfit
import numpy as np
import pandas as pd
from scipy import stats

from liprobe.lineshape.fit import ERR_METHOD, SiteStart, _baseline
from liprobe.lineshape.models import SHAPE_FUNCTIONS, SHAPES
from liprobe.lineshape.noise import noise_model
from liprobe.lineshape.peaks import (
    MAS_FIT_RANGE,
    PeakSettings,
    fit_window,
    noise_points,
    width_starts,
)


def _order(k: int) -> str:
    """Parameter-name tag of sideband order ``k`` (kp1, km2; no minus sign)."""
    return f"k{'p' if k > 0 else 'm'}{abs(k)}"


def _site_line(values: dict, j: int, i: int, site: SiteStart, x: np.ndarray):
    """Site ``i`` of spectrum ``j``: centreband plus sidebands."""
    func = SHAPE_FUNCTIONS[site.shape]
    shape = {"fwhm": values[f"s{i}_fwhm"]}
    if SHAPES[site.shape]:
        shape["eta"] = values[f"s{i}_eta"]
    out = func(
        x, center=values[f"s{i}_center"], area=values[f"e{j}_s{i}_area"], **shape
    )
    for k in site.sidebands:
        out = out + func(
            x,
            center=values[f"s{i}_center"] + k * values["mas_ppm"],
            area=values[f"e{j}_s{i}_{_order(k)}_area"],
            **shape,
        )
    return out


def _model(values, sites, xs, baselines):
    out = []
    for j, x in enumerate(xs):
        order, func = baselines[j]
        y = func(x, **{f"c{m}": values[f"e{j}_c{m}"] for m in range(order + 1)})
        for i, site in enumerate(sites):
            y = y + _site_line(values, j, i, site, x)
        out.append(y)
    return out


def _areas(values, sites, n):
    """Per spectrum: site areas (with sidebands)."""
    return [
        [
            values[f"e{j}_s{i}_area"]
            + sum(values[f"e{j}_s{i}_{_order(k)}_area"] for k in s.sidebands)
            for i, s in enumerate(sites)
        ]
        for j in range(n)
    ]


def _derived(values, sites, n):
    out = []
    for i, _ in enumerate(sites):
        out += [
            values[f"s{i}_center"],
            values[f"s{i}_fwhm"],
            values.get(f"s{i}_eta", 0.0),
        ]
    for areas in _areas(values, sites, n):
        total = sum(areas)
        out += areas
        out += [a / total if total > 0 else math.nan for a in areas]
    return np.array(out)


def deconvolve_series(
    spectra: Sequence[tuple[np.ndarray, np.ndarray]],
    sites: Sequence[SiteStart],
    regions: pd.DataFrame | None,
    settings: PeakSettings,
    *,
    sf_MHz: float,
    mas_Hz: float | None,
    fit_mas: bool,
) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Fit ``spectra`` (``(ppm, y)`` pairs) jointly; one frame of site rows and
    one frame of curves per spectrum, columns as :func:`.fit.deconvolve`."""
    uses_mas = any(s.sidebands for s in sites)
    mas_ppm = mas_Hz / sf_MHz if uses_mas and mas_Hz else None
    if uses_mas and not mas_ppm:
        raise ValueError("sidebands need a MAS rate (nmr sheet mas_rate_Hz)")
    window = fit_window(
        sites,
        regions,
        (1 + MAS_FIT_RANGE) * mas_ppm if mas_ppm else None,
        settings.window_margin,
    )
    xs, ys, noises, scales, baselines = [], [], [], [], []
    for ppm, y in spectra:
        inside = (ppm >= window[0]) & (ppm <= window[1])
        order = np.argsort(ppm[inside])
        scale = float(np.max(np.abs(y[inside]))) or 1.0
        noises.append(
            noise_model(y / scale, noise_points(ppm, window, settings.noise_guard))
        )
        x = ppm[inside][order]
        xs.append(x)
        ys.append(y[inside][order] / scale)
        scales.append(scale)
        span = float(x[-1] - x[0])
        baselines.append(
            (
                settings.baseline_order,
                _baseline(
                    settings.baseline_order,
                    float(0.5 * (x[0] + x[-1])),
                    max(0.5 * span, 1e-9),
                ),
            )
        )
    span = window[1] - window[0]
    # start widths from the spectrum of the series with the least noise
    best_j = int(np.argmin([n.sigma for n in noises]))
    widths = width_starts(xs[best_j], ys[best_j], sites)
    params = lmfit.Parameters()
    if uses_mas:
        params.add(
            "mas_ppm",
            value=mas_ppm,
            min=(1 - MAS_FIT_RANGE) * mas_ppm,
            max=(1 + MAS_FIT_RANGE) * mas_ppm,
            vary=fit_mas,
        )
    for i, s in enumerate(sites):
        if s.shape not in SHAPES:
            raise ValueError(f"site {s.site}: shape {s.shape} not in {list(SHAPES)}")
        params.add(
            f"s{i}_center", value=s.shift_ppm, min=s.shift_min_ppm, max=s.shift_max_ppm
        )
        params.add(f"s{i}_fwhm", value=widths[i], min=1e-6, max=span)
        if SHAPES[s.shape]:
            params.add(f"s{i}_eta", value=0.5, min=0.0, max=1.0)
    for j, (x, y) in enumerate(zip(xs, ys, strict=True)):
        for m in range(settings.baseline_order + 1):
            params.add(f"e{j}_c{m}", value=0.0)
        for i, s in enumerate(sites):
            h = max(float(np.interp(s.shift_ppm, x, y)), noises[j].sigma)
            params.add(f"e{j}_s{i}_area", value=h * widths[i], min=0.0)
            for k in s.sidebands:
                params.add(
                    f"e{j}_s{i}_{_order(k)}_area", value=0.05 * h * widths[i], min=0.0
                )

    def residual(p):
        values = p.valuesdict()
        return np.concatenate(
            [
                y - m
                for y, m in zip(ys, _model(values, sites, xs, baselines), strict=True)
            ]
        )

    result = lmfit.minimize(residual, params, method="leastsq", max_nfev=40000)
    best = result.params
    names = [n for n, q in best.items() if q.vary]
    values = best.valuesdict()
    steps = [max(abs(values[n]) * 1e-6, 1e-10) for n in names]
    fitted = _model(values, sites, xs, baselines)
    cols = []
    for n, h in zip(names, steps, strict=True):
        up, down = dict(values), dict(values)
        up[n] += h
        down[n] -= h
        cols.append(
            np.concatenate(_model(up, sites, xs, baselines))
            - np.concatenate(_model(down, sites, xs, baselines))
        )
    J = np.column_stack(cols) / np.array(steps)[None, :] / 2
    # block-diagonal noise covariance: each spectrum's own
    bounds = np.cumsum([0] + [x.size for x in xs])
    CJ = np.vstack(
        [noises[j].apply(J[bounds[j] : bounds[j + 1]]) for j in range(len(xs))]
    )
    flags: list[str] = []
    try:
        inv = np.linalg.inv(J.T @ J)
        cov = inv @ (J.T @ CJ) @ inv
        chi2 = float(
            sum(
                (y - f) @ noises[j].solve(y - f)
                for j, (y, f) in enumerate(zip(ys, fitted, strict=True))
            )
        )
    except np.linalg.LinAlgError:
        cov = np.full((len(names), len(names)), np.nan)
        chi2 = math.nan
        flags.append("singular_covariance")
    dof = max(int(bounds[-1]) - len(names), 1)
    p_value = float(stats.chi2.sf(chi2, dof)) if math.isfinite(chi2) else math.nan
    if math.isfinite(p_value) and p_value < settings.poor_fit_p_value:
        flags.append(f"poor_fit(p={p_value:.2g})")
        cov = cov * (chi2 / dof)
    g0 = _derived(values, sites, len(xs))
    G = np.zeros((g0.size, len(names)))
    for c, (n, h) in enumerate(zip(names, steps, strict=True)):
        up, down = dict(values), dict(values)
        up[n] += h
        down[n] -= h
        G[:, c] = (_derived(up, sites, len(xs)) - _derived(down, sites, len(xs))) / (
            2 * h
        )
    with np.errstate(invalid="ignore"):
        err = np.sqrt(np.clip(np.diag(G @ cov @ G.T), 0, None))
    at_bound = {
        n
        for n in names
        if abs(values[n] - best[n].min) <= 1e-6 * max(1.0, abs(best[n].min))
        or abs(values[n] - best[n].max) <= 1e-6 * max(1.0, abs(best[n].max))
    }
    n_sites = len(sites)
    mas_row = {}
    if uses_mas:
        mas_err = (
            math.sqrt(abs(cov[names.index("mas_ppm"), names.index("mas_ppm")]))
            if "mas_ppm" in names
            else 0.0
        )
        mas_row = {"mas_Hz": values["mas_ppm"] * sf_MHz, "mas_Hz_err": mas_err * sf_MHz}
    frames, curves = [], []
    for j, x in enumerate(xs):
        rows = []
        base = 3 * n_sites + 2 * n_sites * j
        for i, s in enumerate(sites):
            centre, fwhm, eta = g0[3 * i : 3 * i + 3]
            e_centre, e_fwhm, e_eta = err[3 * i : 3 * i + 3]
            area, e_area = g0[base + i], err[base + i]
            frac, e_frac = g0[base + n_sites + i], err[base + n_sites + i]
            site_flags = list(flags)
            bound = sorted(
                n.split("_", 1)[1] for n in at_bound if n.startswith(f"s{i}_")
            )
            if bound:
                site_flags.append("at_bound:" + ",".join(bound))
            if not math.isfinite(e_area) or e_area > 0.5 * area:
                site_flags.append("overlap_unresolved")
            rows.append(
                {
                    "site": s.site,
                    "shape": s.shape,
                    "shift_ppm": centre,
                    "shift_ppm_err": e_centre,
                    "fwhm_ppm": fwhm,
                    "fwhm_ppm_err": e_fwhm,
                    "fwhm_Hz": fwhm * sf_MHz,
                    "fwhm_Hz_err": e_fwhm * sf_MHz,
                    "eta": eta if SHAPES[s.shape] else math.nan,
                    "eta_err": e_eta if SHAPES[s.shape] else math.nan,
                    "area": area * scales[j],
                    "area_err": e_area * scales[j],
                    "fraction": frac,
                    "fraction_err": e_frac,
                    "sidebands": ",".join(str(k) for k in s.sidebands),
                    "fit_ok": bool(result.success and not site_flags),
                    "flags": ";".join(site_flags),
                    "err_method": ERR_METHOD + "; series fitted jointly",
                    "chi2": chi2,
                    "dof": dof,
                    "noise_sigma": noises[j].sigma * scales[j],
                    "noise_correlation_length": noises[j].correlation_length,
                    "window_min_ppm": window[0],
                    "window_max_ppm": window[1],
                    **mas_row,
                }
            )
        frames.append(pd.DataFrame(rows))
        order, func = baselines[j]
        baseline = func(x, **{f"c{m}": values[f"e{j}_c{m}"] for m in range(order + 1)})
        parts = [
            pd.DataFrame({"ppm": x, "curve": "data", "value": ys[j] * scales[j]}),
            pd.DataFrame({"ppm": x, "curve": "fit", "value": fitted[j] * scales[j]}),
            pd.DataFrame(
                {"ppm": x, "curve": "baseline", "value": baseline * scales[j]}
            ),
        ]
        parts += [
            pd.DataFrame(
                {
                    "ppm": x,
                    "curve": f"site:{s.site}",
                    "value": _site_line(values, j, i, s, x) * scales[j],
                }
            )
            for i, s in enumerate(sites)
        ]
        curves.append(pd.concat(parts, ignore_index=True))
    return frames, curves
