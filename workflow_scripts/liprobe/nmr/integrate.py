"""Region integrals, peak heights, TopSpin parity and the experiment record.

Integral of a region: the sum of the real spectrum over the points inside any of
its ppm intervals times the point spacing in ppm (rectangle rule; units:
spectrum intensity x ppm).

Uncertainty (column ``err_method``): processing is linear in the FID, so an
integral (or a height) is ``Re(sum_n a_n s_n)`` with weights ``a_n`` set by the
DC-offset correction, the first-point factor, the apodization window, zero
filling, the Fourier transform, the digital-filter and phase ramps and the
region's points. For complex white noise of variance ``sigma^2`` per component
in every FID point, ``var = sigma^2 sum_n |a_n|^2`` exactly, whatever the zero
filling and line broadening (they correlate neighbouring spectrum points; a
sum over ``n`` points is then not ``sqrt(n)`` times the point noise). ``sigma``
is measured on the raw spectrum of the same row (no apodization, no zero fill,
the same phases), whose points are independent: the detrended variance of
signal-free windows, the median over windows (robust to a window holding an
unlisted line) divided by the median of its chi-square distribution. The
optional polynomial baseline correction is not propagated (``err_method``
says so when it is on).

``integral_norm = integral / (NS x RG)`` (per scan and unit receiver gain) makes
experiments of one series comparable; its error is scaled alike.

Peak height (option ``nmr.height``). The reference point of a region is its
point of largest absolute value on the row with the largest absolute integral.
``row_peak`` follows that line on every row: from the reference point it climbs
to the nearest local maximum of the row's value (of minus the value when the row
is negative there), inside the region; this is how TopSpin's relaxation module
picks its peak point per row for the ``intensity`` fit (the per-row ppm column
of ``ct1t2.txt`` moves by a point or two, never to another line).
``row_maximum`` takes the point of largest absolute value inside the region on
every row (another line of the region may win on some rows); ``fixed_point``
reads every row at the reference point. ``height_err`` by the same propagation
for a single point; the gain of one point does not depend on where it lies (the
Fourier weights of one point all have modulus one), so one number serves every
row. On rows where the line does not stand out of the noise, a picked maximum
is biased away from zero; the error is that of one point.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import chi2

from liprobe.errors import InputError
from liprobe.nmr.processing import Spectra, exponential_window, process

if TYPE_CHECKING:
    from liprobe.nmr.acquisition import FidSeries

N_NOISE_WINDOWS = 32

#: how a region's height is read on each row (config ``nmr.height``)
HEIGHT_METHODS = ("row_peak", "row_maximum", "fixed_point")

ERR_METHOD = (
    "white FID noise, variance from signal-free windows of the raw spectrum (no "
    "apodization, no zero fill), propagated exactly through DC offset, "
    "apodization, zero filling, FT and phase"
)

INTEGRAL_COLUMNS = [
    "increment",
    "list_time_s",
    "region",
    "integral",
    "integral_err",
    "integral_norm",
    "integral_norm_err",
    "height",
    "height_err",
]


def region_masks(
    ppm: np.ndarray, regions: pd.DataFrame, source: str = "regions sheet"
) -> dict[str, np.ndarray]:
    """Boolean point masks per region; rows with the same ``region`` are unioned.

    ``regions`` needs columns ``region``, ``ppm_min``, ``ppm_max`` (limits in
    either order). Raises :class:`InputError` naming ``source`` (where the
    regions came from) when a column is missing, a limit is not a number, or a
    region holds no spectrum point.
    """
    for col in ("region", "ppm_min", "ppm_max"):
        if col not in regions.columns:
            raise InputError(
                source, col, "columns region, ppm_min, ppm_max", list(regions)
            )
    masks: dict[str, np.ndarray] = {}
    for i, row in enumerate(regions.itertuples(index=False), start=1):
        try:
            a, b = float(row.ppm_min), float(row.ppm_max)
        except (TypeError, ValueError) as exc:
            raise InputError(
                source, "ppm_min/ppm_max", "numbers", (row.ppm_min, row.ppm_max), i
            ) from exc
        if not (math.isfinite(a) and math.isfinite(b)):
            raise InputError(source, "ppm_min/ppm_max", "finite numbers", (a, b), row=i)
        lo, hi = min(a, b), max(a, b)
        name = str(row.region)
        mask = (ppm >= lo) & (ppm <= hi)
        masks[name] = masks.get(name, np.zeros(ppm.shape, bool)) | mask
    for name, mask in masks.items():
        if not mask.any():
            raise InputError(
                source,
                f"region {name}",
                f"an interval inside the spectrum ({ppm.min():.4g} to "
                f"{ppm.max():.4g} ppm)",
                "no spectrum point",
            )
    return masks


def noise_windows(
    ppm: np.ndarray, exclude: np.ndarray, noise_ppm: tuple | None = None
) -> list[np.ndarray]:
    """Point indices of the signal-free windows used for the noise estimate.

    With ``noise_ppm = (a, b)`` the one window of the points between ``a`` and
    ``b`` ppm (at least 8). Otherwise the spectrum is cut into 32 equal windows
    and every window that touches no region (``exclude``) and is not one of the
    two outermost (digital-filter roll-off) is used; when none is left, the
    points outside the regions form one window.
    """
    if noise_ppm is not None:
        lo, hi = sorted(float(v) for v in noise_ppm)
        idx = np.flatnonzero((ppm >= lo) & (ppm <= hi))
        if idx.size < 8:
            raise InputError(
                "config",
                "noise_ppm",
                "a signal-free ppm interval of at least 8 points of the spectrum "
                "without zero filling",
                noise_ppm,
            )
        return [idx]
    si = ppm.size
    edges = np.linspace(0, si, N_NOISE_WINDOWS + 1).astype(int)
    out = []
    for w in range(1, N_NOISE_WINDOWS - 1):
        lo, hi = edges[w], edges[w + 1]
        if hi - lo >= 8 and not exclude[lo:hi].any():
            out.append(np.arange(lo, hi))
    if not out:
        free = np.flatnonzero(~exclude)
        if free.size < 8:
            raise InputError(
                "regions",
                "ppm_min/ppm_max",
                "at least 8 spectrum points outside every region for the noise",
                f"{free.size} points",
            )
        out = [free]
    return out


def noise_variance(data: np.ndarray, windows: list[np.ndarray]) -> np.ndarray:
    """Per-row variance of independent spectrum points from signal-free windows.

    In each window a straight line is removed (residual sum of squares over
    ``m - 2`` degrees of freedom); the median over windows is divided by the
    median of chi-square(m - 2) / (m - 2), which makes it an unbiased estimate
    for pure noise while a window with an unlisted line cannot drag it up.
    """
    data = np.atleast_2d(data)
    variances, dofs = [], []
    for idx in windows:
        seg = data[:, idx]
        x = np.arange(idx.size) - (idx.size - 1) / 2
        coef = np.polyfit(x, seg.T, 1)
        resid = seg - (coef[0][:, None] * x + coef[1][:, None])
        dof = idx.size - 2
        variances.append(np.sum(resid**2, axis=1) / dof)
        dofs.append(dof)
    if len(variances) == 1:
        return variances[0]
    dof = int(np.median(dofs))
    return np.median(np.stack(variances), axis=0) / (chi2.median(dof) / dof)


def noise_gain(
    mask: np.ndarray,
    *,
    n_raw: int,
    n_used: int,
    lb_Hz: float,
    sw_Hz: float,
    group_delay_points: float,
    phase1_deg: float,
    dc_offset: bool,
    first_point: float,
) -> float:
    """``sum_n |a_n|^2``: variance of the sum of the real spectrum over ``mask``
    per unit variance of each component of white FID noise.

    Follows :func:`liprobe.nmr.processing.process` step by step, backwards:
    the spectrum point ``k`` (after the swap of halves) is
    ``sum_n s_n exp(2 pi i n (k - SI//2) / SI)`` times the group-delay and
    phase ramps; ``a_n`` collects it over the masked points and is multiplied
    by the window, the first-point factor and the DC-offset correction (the
    mean of the last quarter subtracted from every point). The zero-order
    phase is a common factor and drops out.
    """
    si = mask.size
    k = np.arange(si)
    ramp = np.exp(
        -2j * math.pi * group_delay_points * k / si
        - 1j * np.deg2rad(phase1_deg) * k / si
    )
    c = np.fft.ifft(mask * ramp) * si  # c_n = sum_k u_k exp(+2 pi i n k / SI)
    n = np.arange(min(n_used, si))
    a = c[: n.size] * np.exp(-2j * math.pi * n * (si // 2) / si)
    if lb_Hz != 0.0:
        a = a * exponential_window(n_used, lb_Hz, sw_Hz)[: n.size]
    t0 = int(round(group_delay_points))
    if first_point != 1.0 and t0 < min(n.size, n_raw):
        a[t0] *= first_point
    full = np.zeros(n_raw, dtype=complex)
    full[: n.size] = a
    if dc_offset:
        tail = max(n_raw // 4, 1)
        full[-tail:] -= a.sum() / tail
    return float(np.sum(np.abs(full) ** 2))


def _gain(mask: np.ndarray, spectra: Spectra, fid: FidSeries, lb_Hz: float) -> float:
    return noise_gain(
        mask.astype(float),
        n_raw=np.atleast_2d(fid.data).shape[1],
        n_used=spectra.points_used,
        lb_Hz=lb_Hz,
        sw_Hz=fid.sw_Hz,
        group_delay_points=spectra.group_delay_points,
        phase1_deg=spectra.phase1_deg,
        dc_offset=spectra.dc_offset,
        first_point=float(spectra.options.first_point),
    )


def fid_noise(
    spectra: Spectra,
    fid: FidSeries,
    regions: pd.DataFrame,
    noise_ppm: tuple | None = None,
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Per-row variance of each component of the FID noise, from the raw spectrum.

    The raw spectrum is the same FID processed with the same phases but no
    apodization and no zero filling, so its points are independent; its
    signal-free windows (:func:`noise_windows`, regions excluded) give the
    point variance (:func:`noise_variance`), divided by the gain of one point
    (:func:`noise_gain`). Returns the variances, the windows and the raw ppm axis.
    """
    raw = process(
        fid,
        dataclasses.replace(
            spectra.options,
            lb_Hz=0.0,
            si=spectra.points_used,
            phase=(spectra.phase0_deg, spectra.phase1_deg),
            baseline=False,
        ),
    )
    exclude = np.zeros(raw.ppm.shape, bool)
    for row in regions.itertuples(index=False):
        lo, hi = sorted((float(row.ppm_min), float(row.ppm_max)))
        exclude |= (raw.ppm >= lo) & (raw.ppm <= hi)
    windows = noise_windows(raw.ppm, exclude, noise_ppm)
    point = np.zeros(raw.ppm.size)
    point[windows[0][windows[0].size // 2]] = 1.0
    gain = _gain(point, raw, fid, 0.0)
    return noise_variance(raw.data, windows) / gain, windows, raw.ppm


def _climb(row: np.ndarray, start: int, lo: int, hi: int, mask: np.ndarray) -> int:
    """Index of the local maximum of ``sign * row`` reached uphill from ``start``
    (``sign`` that of ``row[start]``), staying within ``lo..hi`` and ``mask``."""
    sign = 1.0 if row[start] >= 0 else -1.0
    p = start
    while True:
        best = p
        for q in (p - 1, p + 1):
            if lo <= q <= hi and mask[q] and sign * row[q] > sign * row[best]:
                best = q
        if best == p:
            return p
        p = best


def integrate_regions(
    spectra: Spectra,
    fid: FidSeries,
    regions: pd.DataFrame,
    noise_ppm: tuple | None = None,
    source: str = "regions sheet",
    height: str | None = None,
) -> pd.DataFrame:
    """Integrals and heights of every region on every row, with 1-sigma errors.

    Returns one row per increment x region with columns ``increment`` (0-based
    row of the ser file), ``list_time_s``, ``loop_count`` (the ``vclist``
    entry, e.g. the echo count of a CPMG train; NaN for other lists),
    ``region``, ``integral``,
    ``integral_err``, ``integral_norm``, ``integral_norm_err``, ``height``,
    ``height_err``, plus ``peak_ppm`` (the height point of the row),
    ``height_method``, ``n_points``, ``noise_ppm_min``/``noise_ppm_max`` (the
    span of the noise windows), ``n_noise_windows`` and ``err_method``.
    ``height`` (``row_maximum`` or ``fixed_point``) defaults to the
    processing options' ``height``. See the module docstring for definitions.
    """
    if noise_ppm is None:
        noise_ppm = spectra.options.noise_ppm if spectra.options else None
    if height is None:
        height = spectra.options.height if spectra.options else None
    if height not in HEIGHT_METHODS:
        raise ValueError(f"height must be one of {HEIGHT_METHODS}, got {height!r}")
    masks = region_masks(spectra.ppm, regions, source)
    var, windows, raw_ppm = fid_noise(spectra, fid, regions, noise_ppm)
    spacing = abs(float(spectra.ppm[1] - spectra.ppm[0]))
    rows = spectra.data.shape[0]
    times = fid.list_time_s
    if times is None or len(times) != rows:
        times = np.full(rows, np.nan)
    counts = np.full(rows, np.nan)
    if fid.list_name == "vclist" and fid.list_values is not None:
        values = np.asarray(fid.list_values, dtype=float)[:rows]
        counts[: values.size] = values
    norm = float(fid.ns) * float(fid.rg)
    if not (math.isfinite(norm) and norm > 0):
        norm = math.nan
    nppm = raw_ppm[np.concatenate(windows)]
    method = ERR_METHOD + (
        "; the polynomial baseline fit is not propagated" if spectra.baseline else ""
    )
    frames = []
    for name, mask in masks.items():
        n = int(mask.sum())
        integral = spectra.data[:, mask].sum(axis=1) * spacing
        err = np.sqrt(var * _gain(mask, spectra, fid, spectra.lb_Hz)) * spacing
        ref = int(np.argmax(np.abs(integral)))
        idx_in = np.flatnonzero(mask)
        peak = int(idx_in[np.argmax(np.abs(spectra.data[ref, mask]))])
        point = np.zeros(mask.size)
        point[peak] = 1.0
        height_err = np.sqrt(var * _gain(point, spectra, fid, spectra.lb_Hz))
        if height == "row_maximum":
            peaks = idx_in[np.argmax(np.abs(spectra.data[:, mask]), axis=1)]
        elif height == "row_peak":
            peaks = np.array(
                [_climb(row, peak, idx_in[0], idx_in[-1], mask) for row in spectra.data]
            )
        else:
            peaks = np.full(rows, peak)
        frames.append(
            pd.DataFrame(
                {
                    "increment": np.arange(rows),
                    "list_time_s": np.asarray(times, dtype=float),
                    "region": name,
                    "integral": integral,
                    "integral_err": err,
                    "integral_norm": integral / norm,
                    "integral_norm_err": err / norm,
                    "height": spectra.data[np.arange(rows), peaks],
                    "height_err": height_err,
                    "peak_ppm": spectra.ppm[peaks].astype(float),
                    "height_method": height,
                    "loop_count": counts,
                    "n_points": n,
                    "noise_ppm_min": float(nppm.min()),
                    "noise_ppm_max": float(nppm.max()),
                    "n_noise_windows": len(windows),
                    "err_method": method,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def topspin_parity(
    spectra: Spectra,
    reference: tuple[np.ndarray, np.ndarray] | None,
    td1: int,
    ppm_range: tuple[float, float] | None = None,
) -> float:
    """Smallest Pearson r, over acquired rows, between our spectra and TopSpin's.

    ``reference`` is TopSpin's ``(ppm, 1r/2rr rows)``
    (:func:`liprobe.io.bruker.read_processed`), compared row by row over the
    first ``td1`` rows; when the two ppm axes differ, ours is interpolated onto
    TopSpin's over the common range. ``ppm_range`` (either order) restricts the
    comparison to TopSpin's points within it, e.g. the signal region of a
    spectrum whose baseline roll far from the signal depends on a first-order
    phase set by hand. NaN when there is no reference.
    """
    if reference is None:
        return math.nan
    ppm_ref, data_ref = reference
    if ppm_range is not None:
        lo, hi = sorted(float(v) for v in ppm_range)
        keep = (ppm_ref >= lo) & (ppm_ref <= hi)
        ppm_ref, data_ref = ppm_ref[keep], data_ref[..., keep]
        inside = (spectra.ppm >= lo) & (spectra.ppm <= hi)
        spectra = dataclasses.replace(
            spectra, ppm=spectra.ppm[inside], data=spectra.data[:, inside]
        )
    rows = min(spectra.data.shape[0], data_ref.shape[0], td1)
    same_axis = ppm_ref.shape == spectra.ppm.shape and np.allclose(
        ppm_ref, spectra.ppm, rtol=0, atol=1e-9
    )
    rs = []
    for r in range(rows):
        if same_axis:
            ours, theirs = spectra.data[r], data_ref[r]
        else:
            lo = max(ppm_ref.min(), spectra.ppm.min())
            hi = min(ppm_ref.max(), spectra.ppm.max())
            sel = (ppm_ref >= lo) & (ppm_ref <= hi)
            if sel.sum() < 3:
                return math.nan
            ours = np.interp(ppm_ref[sel], spectra.ppm[::-1], spectra.data[r][::-1])
            theirs = data_ref[r][sel]
        rs.append(float(np.corrcoef(ours, theirs)[0, 1]))
    return float(np.min(rs)) if rs else math.nan


def experiment_record(fid: FidSeries, spectra: Spectra | None = None) -> dict:
    """One row of the ``nmr_experiments`` table (without experiment/sample/path).

    Keys: pulse_program, kind, nucleus (None when unknown), larmor_MHz,
    temperature_K, n_increments, ns, rg, masr_Hz, td, sw_Hz, list_name,
    list_time_min_s, list_time_max_s, is_2d, fnmode, mixing_time_s,
    group_delay_points, ppm_axis_source, phase0_deg, phase1_deg, lb_Hz, si,
    flags (sorted unique flags of reading and processing, ';'-joined),
    topspin_unsupported (the procs parameters and audit-trail commands of
    TopSpin's processing that were not reproduced, ';'-joined; empty when all
    were).
    """
    flags = list(fid.flags) + (list(spectra.flags) if spectra is not None else [])
    times = fid.list_time_s
    finite = times is not None and np.isfinite(times).any()
    return {
        "pulse_program": fid.pulse_program,
        "kind": fid.kind,
        "nucleus": fid.nucleus or None,
        "larmor_MHz": float(fid.larmor_MHz),
        "temperature_K": float(fid.temperature_K),
        "n_increments": int(fid.td1),
        "ns": int(fid.ns),
        "rg": float(fid.rg),
        "masr_Hz": float(fid.masr_Hz),
        "td": int(fid.td),
        "sw_Hz": float(fid.sw_Hz),
        "list_name": fid.list_name,
        "list_time_min_s": float(np.nanmin(times)) if finite else math.nan,
        "list_time_max_s": float(np.nanmax(times)) if finite else math.nan,
        "is_2d": bool(fid.is_2d),
        "fnmode": int(fid.fnmode),
        "mixing_time_s": float(fid.mixing_time_s),
        "group_delay_points": float(fid.group_delay_points),
        "ppm_axis_source": spectra.ppm_axis_source if spectra is not None else None,
        "phase0_deg": spectra.phase0_deg if spectra is not None else math.nan,
        "phase1_deg": spectra.phase1_deg if spectra is not None else math.nan,
        "lb_Hz": spectra.lb_Hz if spectra is not None else math.nan,
        "si": int(spectra.si) if spectra is not None else 0,
        "flags": ";".join(sorted(dict.fromkeys(flags))),
        "topspin_unsupported": ";".join(spectra.unsupported)
        if spectra is not None
        else "",
    }
