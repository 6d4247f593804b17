"""One experiment's deconvolution as the nmr_peaks table wants it: its sites
(from the sites sheet, else picked within the sample's regions), its fit window
and noise, the MAS rate and where it came from, and the fit.

The spectrum is fitted scaled to its largest absolute value inside the window
(well-conditioned numbers for the optimiser); areas, their errors and the
curves are scaled back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import signal

from liprobe.lineshape.fit import LineFit, SiteStart, deconvolve
from liprobe.lineshape.noise import noise_model

#: a fitted MAS rate stays within this fraction of its start (acqus MASR); the
#: fit window covers the sidebands that far out. A MASR worse than that needs
#: the nmr sheet's ``mas_rate_Hz``.
MAS_FIT_RANGE = 0.1


@dataclass(frozen=True)
class PeakSettings:
    """What one deconvolution needs besides the spectrum (from ``peaks:``)."""

    baseline_order: int
    poor_fit_p_value: float
    window_margin: float
    noise_guard: float
    shape: str
    pick_snr: float


def sheet_sites(rows: Sequence[Mapping]) -> list[SiteStart]:
    """Sites sheet rows of one sample (``sidebands`` already as orders)."""
    return [
        SiteStart(
            site=str(r["site"]),
            shift_ppm=float(r["shift_ppm"]),
            shift_min_ppm=float(r["shift_min_ppm"]),
            shift_max_ppm=float(r["shift_max_ppm"]),
            shape=str(r["shape"]),
            sidebands=tuple(int(k) for k in r.get("sidebands", ()) or ()),
        )
        for r in rows
    ]


def pick_sites(
    ppm: np.ndarray,
    y: np.ndarray,
    regions: pd.DataFrame,
    sigma: float,
    *,
    snr: float,
    shape: str,
) -> tuple[list[SiteStart], list[str]]:
    """Lines picked within each region: maxima of prominence ``snr x sigma``.

    A region with one line names its site after the region; with several,
    ``<region>_1``, ``<region>_2`` ... from high to low shift, each bounded by
    the region and halfway to its neighbours. Returns the sites and the
    regions where nothing rose above the threshold.
    """
    sites: list[SiteStart] = []
    empty: list[str] = []
    for name, rows in regions.groupby("region", sort=False):
        lo, hi = float(rows["ppm_min"].min()), float(rows["ppm_max"].max())
        inside = (ppm >= lo) & (ppm <= hi)
        if inside.sum() < 3:
            empty.append(str(name))
            continue
        x, v = ppm[inside], y[inside]
        found, _ = signal.find_peaks(v, prominence=snr * sigma)
        if found.size == 0:
            if float(v.max()) > snr * sigma:
                found = np.array([int(np.argmax(v))])
            else:
                empty.append(str(name))
                continue
        centres = sorted((float(x[i]) for i in found), reverse=True)
        edges = (
            [hi]
            + [0.5 * (a + b) for a, b in zip(centres, centres[1:], strict=False)]
            + [lo]
        )
        for k, c in enumerate(centres):
            label = str(name) if len(centres) == 1 else f"{name}_{k + 1}"
            sites.append(SiteStart(label, c, edges[k + 1], edges[k], shape))
    return sites, empty


def width_starts(
    x: np.ndarray, y: np.ndarray, sites: Sequence[SiteStart]
) -> list[float]:
    """Start FWHM per site (ppm) read off the spectrum: from the highest point
    within the site's bounds outward to half its height above the window's
    lowest point, or to a valley where a neighbour takes over (twice the
    nearer side); between four points and the window over twice the sites."""
    order = np.argsort(x)
    x, y = x[order], y[order]
    step = float(np.median(np.diff(x)))
    floor = float(np.min(y))
    upper = (x[-1] - x[0]) / (2 * max(len(sites), 1))
    out = []
    for s in sites:
        inside = np.flatnonzero((x >= s.shift_min_ppm) & (x <= s.shift_max_ppm))
        if inside.size == 0:
            out.append(max(4 * step, min(upper, s.shift_max_ppm - s.shift_min_ppm)))
            continue
        i0 = int(inside[np.argmax(y[inside])])
        half = floor + 0.5 * (y[i0] - floor)
        sides = []
        for direction in (-1, 1):
            i = i0
            while 0 < i < x.size - 1 and y[i] > half:
                if y[i + direction] > y[i]:  # a valley: a neighbour takes over
                    break
                i += direction
            sides.append(abs(x[i] - x[i0]))
        width = 2 * min(sides) if min(sides) > 0 else 2 * max(sides)
        out.append(float(np.clip(width, 4 * step, max(upper, 4 * step))))
    return out


def fit_window(
    sites: Sequence[SiteStart],
    regions: pd.DataFrame | None,
    mas_ppm: float | None,
    margin: float,
) -> tuple[float, float]:
    """The fit window (ppm): the sample's regions and sites' bounds (with
    their sidebands); without regions the bounds widened by ``margin`` x span."""
    lows = [s.shift_min_ppm for s in sites]
    highs = [s.shift_max_ppm for s in sites]
    for s in sites:
        if s.sidebands and mas_ppm:
            lows.append(s.shift_min_ppm + min(s.sidebands) * mas_ppm)
            highs.append(s.shift_max_ppm + max(s.sidebands) * mas_ppm)
    lo, hi = min(lows), max(highs)
    if regions is not None and len(regions):
        return min(lo, float(regions["ppm_min"].min())), max(
            hi, float(regions["ppm_max"].max())
        )
    span = max(hi - lo, 1e-6)
    return lo - margin * span, hi + margin * span


def noise_points(ppm: np.ndarray, window: tuple[float, float], guard: float):
    """Points farther than ``guard`` window widths from the window."""
    lo, hi = window
    gap = guard * (hi - lo)
    return (ppm < lo - gap) | (ppm > hi + gap)


@dataclass
class ExperimentFit:
    """The per-site frame, the window and the curves of one deconvolution."""

    sites: pd.DataFrame
    window: tuple[float, float]
    curves: pd.DataFrame
    fit: LineFit


def deconvolve_spectrum(
    ppm: np.ndarray,
    y: np.ndarray,
    sites: Sequence[SiteStart],
    regions: pd.DataFrame | None,
    settings: PeakSettings,
    *,
    sf_MHz: float,
    mas_Hz: float | None,
    fit_mas: bool,
) -> ExperimentFit:
    """Deconvolve one processed spectrum (``ppm``, real ``y``) into ``sites``.

    Raises ValueError when it cannot be done (too few line-free points for
    the noise, sidebands without a MAS rate).
    """
    uses_mas = any(s.sidebands for s in sites)
    mas_ppm = mas_Hz / sf_MHz if uses_mas and mas_Hz else None
    if uses_mas and not (mas_ppm and math.isfinite(mas_ppm) and mas_ppm > 0):
        raise ValueError(
            "sidebands need a MAS rate: give mas_rate_Hz in the nmr sheet "
            "(acqus MASR is 0 or missing)"
        )
    window = fit_window(
        sites,
        regions,
        (1 + MAS_FIT_RANGE) * mas_ppm if mas_ppm else None,
        settings.window_margin,
    )
    inside = (ppm >= window[0]) & (ppm <= window[1])
    if inside.sum() < 10:
        raise ValueError(
            f"the fit window {window[0]:.4g} to {window[1]:.4g} ppm holds "
            f"{int(inside.sum())} spectrum points (need at least 10)"
        )
    scale = float(np.max(np.abs(y[inside]))) or 1.0
    ys = y / scale
    noise = noise_model(ys, noise_points(ppm, window, settings.noise_guard))
    fit = deconvolve(
        ppm[inside],
        ys[inside],
        sites,
        noise,
        baseline_order=settings.baseline_order,
        sf_MHz=sf_MHz,
        poor_fit_p=settings.poor_fit_p_value,
        mas_Hz=mas_Hz if uses_mas else None,
        fit_mas=fit_mas,
        mas_range=MAS_FIT_RANGE,
        fwhm_starts_ppm=width_starts(ppm[inside], ys[inside], sites),
    )
    frame = fit.sites.copy()
    for column in ("area", "area_err"):
        frame[column] = frame[column] * scale
    frame["noise_sigma"] = frame["noise_sigma"] * scale
    frame["window_min_ppm"], frame["window_max_ppm"] = window
    x = np.sort(ppm[inside])
    order = np.argsort(ppm[inside])
    curves = {
        "ppm": x,
        "data": y[inside][order],
        "fit": fit.best_fit * scale,
        "baseline": fit.baseline * scale,
    }
    long = [
        pd.DataFrame({"ppm": x, "curve": name, "value": np.asarray(v, float)})
        for name, v in curves.items()
        if name != "ppm"
    ]
    long += [
        pd.DataFrame({"ppm": x, "curve": f"site:{name}", "value": v * scale})
        for name, v in fit.components.items()
    ]
    return ExperimentFit(frame, window, pd.concat(long, ignore_index=True), fit)


def failed_rows(sites: Sequence[str], shapes: Sequence[str], reason: str):
    """Flagged rows (NaN values, ``fit_ok`` False) of a deconvolution that failed."""
    nan = math.nan
    return pd.DataFrame(
        [
            {
                "site": site,
                "shape": shape,
                **{
                    f"{q}{e}": nan
                    for q in (
                        "shift_ppm",
                        "fwhm_ppm",
                        "fwhm_Hz",
                        "eta",
                        "area",
                        "fraction",
                    )
                    for e in ("", "_err")
                },
                "sidebands": "",
                "fit_ok": False,
                "flags": reason,
            }
            for site, shape in zip(sites, shapes, strict=True)
        ]
    )
