"""Peak volumes of two-site EXSY spectra.

A site region is one or more ppm intervals (several rows of the ``regions``
sheet with the same sample and region, e.g. spinning sidebands). The four peak
boxes are the products of the two site regions: ``XY`` covers F1 in region X
and F2 in region Y. A volume is the sum of the spectrum points in its box
(arbitrary units), divided by NS x RG so that experiments of a series compare.

Uncertainty: the standard deviation of sums over boxes of the same size placed
on signal-free parts of the same spectrum (rows and columns away from every site
region), which includes the correlation between neighbouring points caused by
zero filling and apodisation; if fewer than five such boxes fit, the point noise
times sqrt(number of points) times the zero-filling factor is used and flagged.
With the zero-order baseline correction the noise of the subtracted baselines
(estimated from split-half medians of signal-free rows and columns) is added in
quadrature.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.exsy.models import PEAKS
from liprobe.exsy.process import Spectrum2D, baseline_correct

Intervals = Sequence[tuple[float, float]]

#: ``err_method`` of a volume: the empirical box noise, or its fallback
BOX_NOISE_METHOD = (
    "std of sums over same-size boxes on signal-free parts of the same spectrum "
    "(includes the zero-fill and apodization correlation)"
)
POINT_NOISE_METHOD = (
    "point noise x sqrt(points) x zero-filling factor (fewer than five free boxes)"
)
BASELINE_METHOD = "; baseline-offset noise added in quadrature"


def volume_err_method(peak: str, flags: Sequence[str], baseline: bool) -> str:
    """How the error of one peak volume was obtained (see the module docstring)."""
    base = (
        POINT_NOISE_METHOD if f"noise_from_points_{peak}" in flags else BOX_NOISE_METHOD
    )
    return base + (BASELINE_METHOD if baseline else "")


def site_regions(regions: pd.DataFrame, sample: str, source: str = "regions sheet"):
    """The two site regions of ``sample`` as ``{name: [(ppm_min, ppm_max), ...]}``.

    Site A is the region named first in the sheet, site B the second. Raises
    InputError unless there are exactly two regions with ppm_min < ppm_max.
    """
    for column in ("sample", "region", "ppm_min", "ppm_max"):
        if column not in regions.columns:
            raise InputError(source, column, "a column of the regions sheet", "absent")
    rows = regions[regions["sample"].astype(str) == str(sample)]
    names = list(dict.fromkeys(rows["region"].astype(str)))
    if len(names) != 2:
        raise InputError(
            source,
            f"region (sample {sample})",
            "exactly two regions (the two exchanging sites) for an EXSY sample",
            names,
        )
    out: dict[str, list[tuple[float, float]]] = {}
    for name in names:
        sel = rows[rows["region"].astype(str) == name]
        intervals = []
        for lo, hi in zip(sel["ppm_min"], sel["ppm_max"], strict=True):
            lo, hi = float(lo), float(hi)
            if not lo < hi:
                raise InputError(
                    source,
                    f"ppm_min/ppm_max (sample {sample}, region {name})",
                    "ppm_min < ppm_max",
                    (lo, hi),
                )
            intervals.append((lo, hi))
        out[name] = intervals
    return out


def _mask(ppm: np.ndarray, intervals: Intervals) -> np.ndarray:
    m = np.zeros(ppm.shape, dtype=bool)
    for lo, hi in intervals:
        m |= (ppm >= lo) & (ppm <= hi)
    return m


def _free_runs(free: np.ndarray, length: int) -> list[int]:
    """Non-overlapping start indices of runs of ``length`` free points."""
    starts = []
    i = 0
    n = free.size
    while i + length <= n:
        if free[i : i + length].all():
            starts.append(i)
            i += length
        else:
            i += 1
    return starts


def box_noise(
    spectrum: np.ndarray,
    free_f1: np.ndarray,
    free_f2: np.ndarray,
    n1: int,
    n2: int,
) -> tuple[float, int]:
    """Robust std (1.4826 MAD) of sums over n1 x n2 boxes on signal-free rows
    and columns, and the number of boxes used."""
    rows = _free_runs(free_f1, n1)
    cols = _free_runs(free_f2, n2)
    sums = []
    for r in rows:
        block = spectrum[r : r + n1]
        for c in cols:
            sums.append(block[:, c : c + n2].sum())
    if len(sums) < 5:
        return math.nan, len(sums)
    s = np.asarray(sums)
    mad = np.median(np.abs(s - np.median(s)))
    return float(1.4826 * mad), len(sums)


def free_masks(
    spectrum: Spectrum2D, sites: Sequence[Intervals], margin_fraction: float
) -> tuple[np.ndarray, np.ndarray]:
    """Signal-free F1 and F2 points: outside every site interval widened by
    ``margin_fraction`` of its width on both sides."""

    def free(ppm):
        busy = np.zeros(ppm.shape, dtype=bool)
        for site in sites:
            for lo, hi in site:
                pad = margin_fraction * (hi - lo)
                busy |= (ppm >= lo - pad) & (ppm <= hi + pad)
        return ~busy

    return free(spectrum.ppm_f1), free(spectrum.ppm_f2)


def _median_error_proxy(
    data: np.ndarray, free_rows: np.ndarray, free_cols: np.ndarray
) -> np.ndarray:
    """Per signal-free row, half the difference of the medians of the two halves
    of its signal-free columns: a noise sample with the variance of that row's
    full-median baseline estimate (the median of n points has about half the
    variance of the median of n/2) and the row-to-row correlation of the data."""
    cols = np.flatnonzero(free_cols)
    if cols.size < 16 or free_rows.sum() < 2:
        return np.zeros(0)
    left, right = cols[: cols.size // 2], cols[cols.size // 2 :]
    block = data[free_rows]
    return 0.5 * (
        np.median(block[:, left], axis=1) - np.median(block[:, right], axis=1)
    )


def _window_sum_std(values: np.ndarray, length: int) -> float:
    """Std of sums over windows of ``length`` consecutive values (0 if too few)."""
    if values.size < length + 2:
        return float(np.std(values) * length) if values.size > 1 else 0.0
    sums = np.convolve(values, np.ones(length), mode="valid")
    return float(np.std(sums))


def peak_volumes(
    spectrum: Spectrum2D,
    site_a: Intervals,
    site_b: Intervals,
    *,
    zero_fill_factor: float = 1.0,
    margin_fraction: float,
    baseline: bool,
) -> tuple[dict[str, float], dict[str, float], list[str]]:
    """Volumes and 1-sigma errors of the AA, AB, BA and BB boxes.

    ``margin_fraction`` widens every site interval by that fraction of its
    width when choosing signal-free rows and columns (noise estimate and, with
    ``baseline``, the zero-order baseline correction of
    :func:`liprobe.exsy.process.baseline_correct`). Returns (volumes, errors,
    flags).
    """
    flags: list[str] = []
    sites = {"A": site_a, "B": site_b}
    m1 = {k: _mask(spectrum.ppm_f1, v) for k, v in sites.items()}
    m2 = {k: _mask(spectrum.ppm_f2, v) for k, v in sites.items()}
    for k in sites:
        if not m1[k].any() or not m2[k].any():
            raise InputError(
                "regions sheet",
                f"site {k} interval",
                "ppm ranges inside the spectral window of both dimensions",
                (
                    list(sites[k]),
                    (float(spectrum.ppm_f2.min()), float(spectrum.ppm_f2.max())),
                ),
            )
    if (m2["A"] & m2["B"]).any():
        flags.append("site_regions_overlap")
    free1, free2 = free_masks(spectrum, [site_a, site_b], margin_fraction)
    raw = spectrum.data
    data = raw
    if baseline:
        corrected = baseline_correct(spectrum, free1, free2)
        flags += [f for f in corrected.flags if f not in spectrum.flags]
        data = corrected.data
        d_row = _median_error_proxy(raw, free1, free2)
        d_col = _median_error_proxy(raw.T, free2, free1)
    vols: dict[str, float] = {}
    errs: dict[str, float] = {}
    point_noise = float(np.std(raw[np.ix_(free1, free2)])) if free1.any() else math.nan
    for peak in PEAKS:
        r1 = m1[peak[0]]
        r2 = m2[peak[1]]
        vols[peak] = float(data[np.ix_(r1, r2)].sum())
        n1, n2 = int(r1.sum()), int(r2.sum())
        sigma, n_boxes = box_noise(raw, free1, free2, n1, n2)
        if not np.isfinite(sigma):
            sigma = point_noise * math.sqrt(n1 * n2) * zero_fill_factor
            if f"noise_from_points_{peak}" not in flags:
                flags.append(f"noise_from_points_{peak}")
        if baseline:
            # the baseline subtracted under the box is itself noisy: n2 columns
            # times the summed row-offset errors of n1 rows, and likewise
            sigma = math.hypot(
                sigma,
                n2 * _window_sum_std(d_row, n1),
                n1 * _window_sum_std(d_col, n2),
            )
        errs[peak] = sigma
    return vols, errs, flags
