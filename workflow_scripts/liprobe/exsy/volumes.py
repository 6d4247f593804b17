"""Peak volumes of two-site EXSY spectra.

A site region is one or more ppm intervals (several rows of the ``regions``
sheet with the same sample and region, e.g. spinning sidebands). The four peak
boxes are the products of the two site regions: ``XY`` covers F1 in region X
and F2 in region Y. A volume is the sum of the spectrum points in its box
(arbitrary units), divided by NS x RG so that experiments of a series compare.

Uncertainty: the processing (filter-delay shift, windows, zero filling, FCOR,
phases, and the zero-order baseline correction, which subtracts means of
signal-free points) is linear in the stored data, so each box volume is a
fixed weighted sum of the receiver noise: its variance, and its covariance
with the other three boxes of the same spectrum, follow exactly from the
processing's linear maps (:func:`liprobe.exsy.process.noise_covariance`) times
the variance of the receiver noise. That variance is measured on the
signal-free points of the same spectrum: each point divided by its own
standard deviation per unit receiver noise, the robust spread (1.4826 MAD) of
these is the receiver noise. The correlation that apodization and zero filling
put between neighbouring points, and the noise of the subtracted baselines,
are thereby in the error; signal-shaped artefacts (t1 noise) are not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.exsy.models import PEAKS
from liprobe.exsy.process import (
    Spectrum2D,
    baseline_correct,
    baseline_weights,
    noise_covariance,
    point_variance,
)

Intervals = Sequence[tuple[float, float]]

#: ``err_method`` of a volume
NOISE_METHOD = (
    "receiver noise propagated exactly through the linear 2D processing "
    "(filter delay, windows, zero filling, FCOR, phase{baseline}); noise level "
    "from the signal-free points of the same spectrum (1.4826 MAD)"
)
#: fewest signal-free points the noise level is measured on without a flag
MIN_NOISE_POINTS = 200


class BoxVolumes(NamedTuple):
    """Box volumes of one spectrum: ``volumes`` and ``errors`` (1 sigma) per
    peak, ``correlation[p][q]`` between the noise of the volumes of peaks p and
    q, ``noise`` the receiver-noise standard deviation per stored point and
    ``flags``."""

    volumes: dict[str, float]
    errors: dict[str, float]
    correlation: dict[str, dict[str, float]]
    noise: float
    flags: list[str]


def volume_err_method(baseline: bool) -> str:
    """How the error of a peak volume was obtained (see the module docstring)."""
    return NOISE_METHOD.format(
        baseline=", baseline means subtracted" if baseline else ""
    )


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


def free_masks(
    spectrum: Spectrum2D, sites: Sequence[Intervals], *, margin_fraction: float
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


def receiver_noise(
    spectrum: Spectrum2D,
    free_f1: np.ndarray,
    free_f2: np.ndarray,
    baseline: bool,
) -> tuple[float, int]:
    """Receiver-noise standard deviation (per real or imaginary part of a stored
    point) from the signal-free points of ``spectrum`` (baseline corrected as
    the volumes are when ``baseline``), and the number of points used.

    Every free point is divided by its standard deviation per unit receiver
    noise (:func:`liprobe.exsy.process.point_variance`, with the baseline
    subtraction in its weights); the robust spread of these ratios is the
    receiver noise. NaN when there are no free points.
    """
    rows, cols = np.flatnonzero(free_f1), np.flatnonzero(free_f2)
    if rows.size == 0 or cols.size == 0:
        return math.nan, 0
    data = spectrum.data
    if baseline:
        data = baseline_correct(spectrum, free_f1, free_f2).data
        var = point_variance(spectrum.maps, rows, cols, free_f1, free_f2)
    else:
        var = point_variance(spectrum.maps, rows, cols)
    scale = np.sqrt(var)
    ratio = (data[np.ix_(rows, cols)] / scale).ravel()
    mad = np.median(np.abs(ratio - np.median(ratio)))
    return float(1.4826 * mad), int(ratio.size)


def peak_volumes(
    spectrum: Spectrum2D,
    site_a: Intervals,
    site_b: Intervals,
    *,
    margin_fraction: float,
    baseline: bool,
) -> BoxVolumes:
    """Volumes, 1-sigma errors and noise correlations of the AA, AB, BA and BB
    boxes (see the module docstring).

    ``margin_fraction`` widens every site interval by that fraction of its
    width when choosing signal-free rows and columns (noise level and, with
    ``baseline``, the zero-order baseline correction of
    :func:`liprobe.exsy.process.baseline_correct`).
    """
    if spectrum.maps is None:
        raise ValueError("peak_volumes needs the spectrum's linear maps (process_2d)")
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
    free1, free2 = free_masks(
        spectrum, [site_a, site_b], margin_fraction=margin_fraction
    )
    data = spectrum.data
    if baseline:
        corrected = baseline_correct(spectrum, free1, free2)
        flags += [f for f in corrected.flags if f not in spectrum.flags]
        data = corrected.data

    def weights(mask, free):
        h = mask.astype(float)
        return baseline_weights(h, free) if baseline else h

    w = [(weights(m1[p[0]], free1), weights(m2[p[1]], free2)) for p in PEAKS]
    vols = {p: float(data[np.ix_(m1[p[0]], m2[p[1]])].sum()) for p in PEAKS}
    noise, n_points = receiver_noise(spectrum, free1, free2, baseline)
    if n_points < MIN_NOISE_POINTS:
        flags.append(f"noise_from_{n_points}_free_points")
    unit = noise_covariance(spectrum.maps, w)  # per unit receiver variance
    sd = np.sqrt(np.diag(unit))
    errs = {p: float(noise * sd[i]) for i, p in enumerate(PEAKS)}
    corr = {
        p: {q: float(unit[i, j] / (sd[i] * sd[j])) for j, q in enumerate(PEAKS)}
        for i, p in enumerate(PEAKS)
    }
    return BoxVolumes(vols, errs, corr, noise, flags)
