"""Full width at half maximum of each region's line in one processed spectrum.

Two methods (``linewidth.method``):

* ``half_height``: measured directly, one line per region. The baseline is the
  straight line through the mean of the outer :data:`EDGE_FRACTION` of the
  region's points on each side; the height is the vertex of a parabola through
  the points above :data:`TOP_FRACTION` of the maximum (the maximum point alone
  is biased upwards by the noise); the half-height crossings are interpolated
  linearly between the two points that straddle half the height, walking
  outwards from the top. The error comes from resampling: the measurement is
  repeated on the spectrum plus noise drawn with the spectrum's own noise power
  spectrum (measured on the line-free points: zero filling and apodization
  correlate neighbouring points), and the spread of the widths is the 1-sigma
  error.
* ``fit``: one line per region (its start at the region's maximum, its centre
  bound to the region), fitted jointly with a polynomial baseline over the span
  of all regions (:func:`liprobe.lineshape.fit.deconvolve`, sandwich errors with
  the measured noise covariance).

Widths are those of the processed spectrum: an exponential line broadening of
the processing (``lb_Hz`` of the experiment) is part of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from liprobe.lineshape.fit import SiteStart, deconvolve
from liprobe.lineshape.noise import NoiseModel, noise_model

#: fraction of a region's points at each edge whose mean fixes the baseline
EDGE_FRACTION = 0.05
#: points above this fraction of the maximum define the parabola of the top
TOP_FRACTION = 0.85
HALF_HEIGHT_ERR = (
    "resampling: the half-height measure repeated on the spectrum plus noise "
    "drawn with its measured noise power spectrum (line-free points); sd of the "
    "widths"
)


def half_height_width(ppm: np.ndarray, y: np.ndarray) -> tuple[float, float, str]:
    """FWHM (ppm) and centre (ppm) of the one line in ``y`` on ``ppm`` (a region).

    Returns ``(fwhm_ppm, center_ppm, flag)``; NaN and a flag when the line does
    not fall to half height inside the region (``line_exceeds_region``) or has
    no positive top (``no_line``).
    """
    order = np.argsort(ppm)
    x = np.asarray(ppm, dtype=float)[order]
    v = np.asarray(y, dtype=float)[order]
    n = x.size
    edge = max(3, int(round(EDGE_FRACTION * n)))
    if n < 2 * edge + 3:
        return math.nan, math.nan, "region_too_narrow"
    x_lo, x_hi = x[:edge].mean(), x[-edge:].mean()
    y_lo, y_hi = v[:edge].mean(), v[-edge:].mean()
    v = v - (y_lo + (y_hi - y_lo) * (x - x_lo) / (x_hi - x_lo))
    top = int(np.argmax(v))
    peak = v[top]
    if not peak > 0:
        return math.nan, math.nan, "no_line"
    # the contiguous run of points above TOP_FRACTION of the maximum
    lo = top
    while lo > 0 and v[lo - 1] > TOP_FRACTION * peak:
        lo -= 1
    hi = top
    while hi < n - 1 and v[hi + 1] > TOP_FRACTION * peak:
        hi += 1
    height, center = peak, x[top]
    if hi - lo >= 2:
        xs = x[lo : hi + 1] - x[top]
        a, b, c = np.polyfit(xs, v[lo : hi + 1], 2)
        if a < 0:
            vertex = -b / (2 * a)
            if xs[0] <= vertex <= xs[-1]:
                height = c - b * b / (4 * a)
                center = x[top] + vertex
    half = 0.5 * height
    right = top
    while right < n - 1 and v[right] > half:
        right += 1
    left = top
    while left > 0 and v[left] > half:
        left -= 1
    if v[right] > half or v[left] > half:
        return math.nan, center, "line_exceeds_region"
    xr = x[right - 1] + (half - v[right - 1]) * (x[right] - x[right - 1]) / (
        v[right] - v[right - 1]
    )
    xl = x[left + 1] + (half - v[left + 1]) * (x[left] - x[left + 1]) / (
        v[left] - v[left + 1]
    )
    return float(xr - xl), float(center), ""


def correlated_noise(noise: NoiseModel, n: int, draws: int, rng) -> np.ndarray:
    """``draws`` rows of ``n`` points of noise with the model's power spectrum."""
    amplitude = np.sqrt(noise.power_on(n))
    white = rng.standard_normal((draws, n))
    return np.fft.ifft(amplitude * np.fft.fft(white, axis=1), axis=1).real


def _free_points(ppm: np.ndarray, regions: pd.DataFrame) -> np.ndarray:
    free = np.ones(ppm.size, dtype=bool)
    for _, r in regions.iterrows():
        free &= ~((ppm >= float(r["ppm_min"])) & (ppm <= float(r["ppm_max"])))
    return free


def measure_spectrum(
    ppm: np.ndarray,
    y: np.ndarray,
    regions: pd.DataFrame,
    *,
    sf_MHz: float,
    method: str,
    shape: str,
    baseline_order: int,
    poor_fit_p: float,
    n_resample: int,
    rng,
) -> pd.DataFrame:
    """One row per region: ``site`` (the region), ``method``, ``shift_ppm``,
    ``fwhm_ppm(_err)``, ``fwhm_Hz(_err)``, ``err_method``, ``fit_ok``, ``flags``.

    ``method`` is ``half_height``, ``fit`` or ``auto`` (half_height for one
    region, fit for more); ``regions`` has ``region``, ``ppm_min``, ``ppm_max``.
    """
    ppm = np.asarray(ppm, dtype=float)
    y = np.asarray(y, dtype=float)
    if method == "auto":
        method = "half_height" if len(regions) == 1 else "fit"
    try:
        noise = noise_model(y, _free_points(ppm, regions))
    except ValueError:
        noise = None
    if method == "fit":
        return _fit_rows(
            ppm, y, regions, noise, sf_MHz, shape, baseline_order, poor_fit_p
        )
    rows = []
    for _, r in regions.iterrows():
        inside = (ppm >= float(r["ppm_min"])) & (ppm <= float(r["ppm_max"]))
        x, v = ppm[inside], y[inside]
        fwhm, center, flag = half_height_width(x, v)
        flags = [flag] if flag else []
        err = math.nan
        if noise is None:
            flags.append("noise_unmeasured")
        elif math.isfinite(fwhm):
            draws = correlated_noise(noise, v.size, n_resample, rng)
            widths = np.array([half_height_width(x, v + d)[0] for d in draws])
            lost = int(np.count_nonzero(~np.isfinite(widths)))
            if lost > 0.05 * n_resample:
                flags.append(f"half_height_unstable({lost}_of_{n_resample})")
            err = float(np.nanstd(widths, ddof=1))
        rows.append(
            {
                "site": str(r["region"]),
                "method": "half_height",
                "shift_ppm": center,
                "fwhm_ppm": fwhm,
                "fwhm_ppm_err": err,
                "fwhm_Hz": fwhm * sf_MHz,
                "fwhm_Hz_err": err * sf_MHz,
                "err_method": HALF_HEIGHT_ERR,
                "fit_ok": bool(math.isfinite(fwhm) and math.isfinite(err)),
                "flags": ";".join(flags),
            }
        )
    return pd.DataFrame(rows)


def _fit_rows(
    ppm: np.ndarray,
    y: np.ndarray,
    regions: pd.DataFrame,
    noise: NoiseModel | None,
    sf_MHz: float,
    shape: str,
    baseline_order: int,
    poor_fit_p: float,
) -> pd.DataFrame:
    names = [str(r) for r in regions["region"]]
    if noise is None:
        return pd.DataFrame(
            {
                "site": names,
                "method": "fit",
                "shift_ppm": math.nan,
                "fwhm_ppm": math.nan,
                "fwhm_ppm_err": math.nan,
                "fwhm_Hz": math.nan,
                "fwhm_Hz_err": math.nan,
                "err_method": "",
                "fit_ok": False,
                "flags": "noise_unmeasured",
            }
        )
    sites: Sequence[SiteStart] = []
    for _, r in regions.iterrows():
        lo, hi = float(r["ppm_min"]), float(r["ppm_max"])
        inside = (ppm >= lo) & (ppm <= hi)
        start = float(ppm[inside][np.argmax(y[inside])]) if inside.any() else lo
        sites.append(SiteStart(str(r["region"]), start, lo, hi, shape))
    lo = float(regions["ppm_min"].min())
    hi = float(regions["ppm_max"].max())
    window = (ppm >= lo) & (ppm <= hi)
    fit = deconvolve(
        ppm[window],
        y[window],
        sites,
        noise,
        baseline_order=baseline_order,
        sf_MHz=sf_MHz,
        poor_fit_p=poor_fit_p,
    )
    out = fit.sites[
        [
            "site",
            "shift_ppm",
            "fwhm_ppm",
            "fwhm_ppm_err",
            "fwhm_Hz",
            "fwhm_Hz_err",
            "err_method",
            "fit_ok",
            "flags",
        ]
    ].copy()
    out.insert(1, "method", "fit")
    return out
