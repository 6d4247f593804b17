"""Peak volumes of EXSY spectra of two or more sites.

A site region is one or more ppm intervals (several rows of the ``regions``
sheet with the same sample and region, e.g. spinning sidebands). The peak
boxes are the products of the site regions (four for two sites, N^2 for N):
``XY`` covers F1 in region X and F2 in region Y. A volume is the sum of the
spectrum points in its box (arbitrary units), divided by NS x RG so that
experiments of a series compare.

Uncertainty: the processing (filter-delay shift, windows, zero filling, FCOR,
phases, and the zero-order baseline correction, which subtracts means of
signal-free points) is linear in the stored data, so each box volume is a
fixed weighted sum of the receiver noise: its variance, and its covariance
with the other three boxes of the same spectrum, follow exactly from the
processing's linear maps (:func:`liprobe.exsy.process.noise_covariance`) times
the variance of the receiver noise. That variance is measured on the
signal-free points of each spectrum: each point divided by its own standard
deviation per unit receiver noise, the robust spread (1.4826 MAD) of these is
the receiver noise, worth the degrees of freedom :func:`noise_dof` gives. The
correlation that apodization and zero filling put between neighbouring points,
and the noise of the subtracted baselines, are thereby in the error;
signal-shaped artefacts (t1 noise) are not.

Pooling (:func:`pool_receiver_noise`): the spectra of one series are acquired
with the same parameters, so their receiver noise per sqrt(NS) x RG is one
quantity. One spectrum's signal-free points are worth only a few hundred
independent points (about ten F1 rows), so its own level scatters by about
4 %; the series' errors use the level pooled over its spectra (variances
weighted by their degrees of freedom), scaled back by each spectrum's
sqrt(NS) x RG. A spectrum whose own level lies above that of the others
beyond the ``p_value`` point keeps its own (larger) level and a flag.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from liprobe.errors import InputError
from liprobe.exsy.process import (
    Spectrum2D,
    baseline_correct,
    baseline_weights,
    noise_covariance,
    point_correlations,
    point_variance,
)

Intervals = Sequence[tuple[float, float]]
#: site letters of the peak names (site A is the region named first)
SITE_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

#: ``err_method`` of a volume
NOISE_METHOD = (
    "receiver noise propagated exactly through the linear 2D processing "
    "(filter delay, windows, zero filling, FCOR, phase{baseline}); noise level "
    "from the signal-free points of {source} (1.4826 MAD)"
)
NOISE_SOURCE_OWN = "the same spectrum"
NOISE_SOURCE_POOLED = (
    "the series' spectra (variances per sqrt(NS) x RG pooled by their degrees "
    "of freedom)"
)
#: Hermite orders summed in :func:`noise_dof` (the rest enters as a remainder)
MAD_HERMITE_ORDERS = 400
#: the 1.4826 MAD of n independent Gaussian values has the variance
#: MAD_VARIANCE_FACTOR sigma^2 / n (the standard deviation sigma^2 / 2n)
MAD_VARIANCE_FACTOR = 1.3605
#: fewest signal-free points the noise level is measured on without a flag
MIN_NOISE_POINTS = 200


class BoxVolumes(NamedTuple):
    """Box volumes of one spectrum: ``volumes`` and ``errors`` (1 sigma) per
    peak, ``correlation[p][q]`` between the noise of the volumes of peaks p and
    q, ``noise`` the receiver-noise standard deviation per stored point and
    ``flags``; ``noise_dof`` the degrees of freedom of ``noise``
    (:func:`noise_dof`)."""

    volumes: dict[str, float]
    errors: dict[str, float]
    correlation: dict[str, dict[str, float]]
    noise: float
    flags: list[str]
    noise_dof: float = math.nan


def volume_err_method(baseline: bool, pooled: bool = False) -> str:
    """How the error of a peak volume was obtained (see the module docstring):
    with the noise level of the spectrum itself or pooled over its series."""
    return NOISE_METHOD.format(
        baseline=", baseline means subtracted" if baseline else "",
        source=NOISE_SOURCE_POOLED if pooled else NOISE_SOURCE_OWN,
    )


def _mad_hermite_weights() -> np.ndarray:
    """Weights c_k (k = 2, 4, ...) of the covariance of the MAD's influence
    function for two standard normal values with correlation rho,
    sum_k c_k rho^k.

    The noise level s = 1.4826 MAD has the influence function (per unit noise)
    g(x) = 1.4826 (1/2 - 1{|x| <= q}) / (2 phi(q)), q = 0.6745 the median of
    |x|. Expanded in Hermite polynomials He_k, its coefficients follow from
    phi He_k = -(phi He_(k-1))': a_k = 1.4826 He_(k-1)(q) / k! for even
    k >= 2, and Cov(g(X), g(Y)) = sum_k a_k^2 k! rho^k, so
    c_k = 1.4826^2 h_(k-1)(q)^2 / k with h_n = He_n / sqrt(n!). At rho = 1 the
    sum is the MAD's asymptotic variance factor 1.3605 (c_2 = 1/2, as for the
    standard deviation).
    """
    q = float(stats.norm.isf(0.25))
    h = [1.0, q]  # normalised Hermite h_0, h_1 at q
    for n in range(1, MAD_HERMITE_ORDERS):
        h.append((q * h[n] - math.sqrt(n) * h[n - 1]) / math.sqrt(n + 1))
    k = np.arange(2, MAD_HERMITE_ORDERS + 1, 2)
    return np.array([1.4826**2 * h[n - 1] ** 2 / n for n in k])


def noise_dof(r1: np.ndarray, r2: np.ndarray) -> float:
    """Degrees of freedom of the 1.4826 MAD noise level of Gaussian points
    whose correlation is ``r1[i1, j1] * r2[i2, j2]``
    (:func:`liprobe.exsy.process.point_correlations`).

    Its variance per unit noise is (1/n^2) sum_ij Cov(g(x_i), g(x_j)) with g
    the influence function of :func:`_mad_hermite_weights`, i.e.
    (1/n^2) sum_k c_k (sum r1^k)(sum r2^k) (element-wise powers); the
    returned nu gives the same relative scatter as a chi-square variance
    estimate, 1 / (2 nu). Independent points: nu = n / 2.72.
    """
    weights = _mad_hermite_weights()
    n = r1.shape[0] * r2.shape[0]
    r1_sq, r2_sq = r1 * r1, r2 * r2
    p1, p2 = r1_sq, r2_sq
    total = 0.0
    for weight in weights:
        total += weight * float(p1.sum()) * float(p2.sum())
        p1, p2 = p1 * r1_sq, p2 * r2_sq
    # the orders beyond: their weights on the next order's sums (exact on the
    # diagonal, an upper bound elsewhere)
    rest = MAD_VARIANCE_FACTOR - float(weights.sum())
    total += max(rest, 0.0) * float(p1.sum()) * float(p2.sum())
    return n**2 / (2.0 * total)


class PooledNoise(NamedTuple):
    """Receiver noise of the spectra of one series (:func:`pool_receiver_noise`).

    ``noise`` and ``dof`` per spectrum are the level its errors use and that
    level's degrees of freedom; ``pooled`` per spectrum whether it is the
    series' pooled level; ``unit`` the pooled level per sqrt(NS) x RG and
    ``unit_dof`` its degrees of freedom; ``flags`` per spectrum."""

    noise: np.ndarray
    dof: np.ndarray
    pooled: np.ndarray
    unit: float
    unit_dof: float
    flags: list[list[str]]


def pool_receiver_noise(
    noise: Sequence[float],
    dof: Sequence[float],
    ns: Sequence[float],
    rg: Sequence[float],
    *,
    p_value: float,
) -> PooledNoise:
    """Pool the receiver-noise levels of the spectra of one series.

    Stored data are the sum of NS scans after a receiver gain RG, so the
    receiver noise per stored point is proportional to sqrt(NS) x RG. The
    variances per unit sqrt(NS) x RG are averaged with the weights ``dof``
    (the pooled variance estimate; its degrees of freedom add up). Each
    spectrum is compared with the pool of the others: when its own level lies
    above theirs beyond the one-sided ``p_value`` point (log ratio against the
    Gaussian approximation of both estimates' scatter, 1 / (2 nu) each), it
    keeps its own level (the errors are not shrunk by a pool it does not
    belong to) and the flag ``noise_above_series_level``. Spectra without a
    finite level or positive dof keep their own value and are not pooled.
    """
    noise = np.asarray(noise, dtype=float)
    dof = np.asarray(dof, dtype=float)
    scale = np.sqrt(np.asarray(ns, dtype=float)) * np.asarray(rg, dtype=float)
    if not (noise.shape == dof.shape == scale.shape):
        raise ValueError("noise, dof, ns and rg need one value per spectrum")
    unit = noise / scale
    usable = np.isfinite(unit) & (unit > 0) & np.isfinite(dof) & (dof > 0)
    flags: list[list[str]] = [[] for _ in noise]
    limit = float(stats.norm.isf(p_value))
    for i in np.flatnonzero(usable):
        others = usable.copy()
        others[i] = False
        if not others.any():
            continue
        nu = dof[others].sum()
        level = math.sqrt((dof[others] * unit[others] ** 2).sum() / nu)
        z = math.log(unit[i] / level) / math.sqrt(0.5 / dof[i] + 0.5 / nu)
        if z > limit:
            flags[i].append("noise_above_series_level")
    pooled = usable & np.array(["noise_above_series_level" not in f for f in flags])
    if pooled.sum() < 2:
        pooled[:] = False
    out_noise, out_dof = noise.copy(), dof.copy()
    unit_level, unit_dof = math.nan, math.nan
    if pooled.any():
        unit_dof = float(dof[pooled].sum())
        unit_level = math.sqrt(
            float((dof[pooled] * unit[pooled] ** 2).sum()) / unit_dof
        )
        out_noise[pooled] = unit_level * scale[pooled]
        out_dof[pooled] = unit_dof
    return PooledNoise(out_noise, out_dof, pooled, unit_level, unit_dof, flags)


def site_regions(regions: pd.DataFrame, sample: str, source: str = "regions sheet"):
    """The site regions of ``sample`` as ``{name: [(ppm_min, ppm_max), ...]}``.

    Site A is the region named first in the sheet, site B the second, and so
    on. Raises InputError unless there are two or more regions (at most
    :data:`SITE_LETTERS`) with ppm_min < ppm_max.
    """
    for column in ("sample", "region", "ppm_min", "ppm_max"):
        if column not in regions.columns:
            raise InputError(source, column, "a column of the regions sheet", "absent")
    rows = regions[regions["sample"].astype(str) == str(sample)]
    names = list(dict.fromkeys(rows["region"].astype(str)))
    if not 2 <= len(names) <= len(SITE_LETTERS):
        raise InputError(
            source,
            f"region (sample {sample})",
            f"two to {len(SITE_LETTERS)} regions (the exchanging sites) for an "
            "EXSY sample",
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
) -> tuple[float, int, float]:
    """Receiver-noise standard deviation (per real or imaginary part of a stored
    point) from the signal-free points of ``spectrum`` (baseline corrected as
    the volumes are when ``baseline``), the number of points used and the
    estimate's degrees of freedom (:func:`noise_dof` of the points'
    :func:`liprobe.exsy.process.point_correlations`).

    Every free point is divided by its standard deviation per unit receiver
    noise (:func:`liprobe.exsy.process.point_variance`, with the baseline
    subtraction in its weights); the robust spread of these ratios is the
    receiver noise. NaN when there are no free points.
    """
    rows, cols = np.flatnonzero(free_f1), np.flatnonzero(free_f2)
    if rows.size == 0 or cols.size == 0:
        return math.nan, 0, math.nan
    data = spectrum.data
    masks = (free_f1, free_f2) if baseline else (None, None)
    if baseline:
        data = baseline_correct(spectrum, free_f1, free_f2).data
    var = point_variance(spectrum.maps, rows, cols, *masks)
    scale = np.sqrt(var)
    ratio = (data[np.ix_(rows, cols)] / scale).ravel()
    mad = np.median(np.abs(ratio - np.median(ratio)))
    dof = noise_dof(*point_correlations(spectrum.maps, rows, cols, *masks))
    return float(1.4826 * mad), int(ratio.size), dof


def peak_volumes(
    spectrum: Spectrum2D,
    site_a: Intervals,
    site_b: Intervals,
    *,
    margin_fraction: float,
    baseline: bool,
) -> BoxVolumes:
    """Volumes, 1-sigma errors and noise correlations of the AA, AB, BA and BB
    boxes (see the module docstring): :func:`site_volumes` of two sites."""
    return site_volumes(
        spectrum, [site_a, site_b], margin_fraction=margin_fraction, baseline=baseline
    )


def site_volumes(
    spectrum: Spectrum2D,
    sites: Sequence[Intervals],
    *,
    margin_fraction: float,
    baseline: bool,
) -> BoxVolumes:
    """Volumes, 1-sigma errors and noise correlations of the N^2 boxes of N
    sites (see the module docstring), named by :func:`peak_names` (``XY``:
    F1 in site X, F2 in site Y; the sites are A, B, C, ... in order).

    ``margin_fraction`` widens every site interval by that fraction of its
    width when choosing signal-free rows and columns (noise level and, with
    ``baseline``, the zero-order baseline correction of
    :func:`liprobe.exsy.process.baseline_correct`).
    """
    if spectrum.maps is None:
        raise ValueError("peak_volumes needs the spectrum's linear maps (process_2d)")
    flags: list[str] = []
    sites = {SITE_LETTERS[i]: site for i, site in enumerate(sites)}
    peaks = peak_names(len(sites))
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
    letters = list(sites)
    if any(
        (m2[a] & m2[b]).any() for i, a in enumerate(letters) for b in letters[i + 1 :]
    ):
        flags.append("site_regions_overlap")
    free1, free2 = free_masks(
        spectrum, list(sites.values()), margin_fraction=margin_fraction
    )
    data = spectrum.data
    if baseline:
        corrected = baseline_correct(spectrum, free1, free2)
        flags += [f for f in corrected.flags if f not in spectrum.flags]
        data = corrected.data

    def weights(mask, free):
        h = mask.astype(float)
        return baseline_weights(h, free) if baseline else h

    w = [(weights(m1[p[0]], free1), weights(m2[p[1]], free2)) for p in peaks]
    vols = {p: float(data[np.ix_(m1[p[0]], m2[p[1]])].sum()) for p in peaks}
    noise, n_points, dof = receiver_noise(spectrum, free1, free2, baseline)
    if n_points < MIN_NOISE_POINTS:
        flags.append(f"noise_from_{n_points}_free_points")
    unit = noise_covariance(spectrum.maps, w)  # per unit receiver variance
    sd = np.sqrt(np.diag(unit))
    errs = {p: float(noise * sd[i]) for i, p in enumerate(peaks)}
    corr = {
        p: {q: float(unit[i, j] / (sd[i] * sd[j])) for j, q in enumerate(peaks)}
        for i, p in enumerate(peaks)
    }
    return BoxVolumes(vols, errs, corr, noise, flags, dof)


def peak_names(n_sites: int) -> list[str]:
    """The N^2 peak names ``XY`` (F1 site X, F2 site Y) of ``n_sites`` sites
    lettered A, B, C, ... in row-major order (two sites: AA, AB, BA, BB)."""
    if not 2 <= n_sites <= len(SITE_LETTERS):
        raise ValueError(f"2 to {len(SITE_LETTERS)} sites, not {n_sites}")
    letters = SITE_LETTERS[:n_sites]
    return [x + y for x in letters for y in letters]
