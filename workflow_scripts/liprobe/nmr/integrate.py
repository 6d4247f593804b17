"""Region integrals, peak heights, TopSpin parity and the experiment record.

Integral of a region: the sum of the real spectrum over the points inside any of
its ppm intervals times the point spacing in ppm (rectangle rule; units:
spectrum intensity x ppm). Its 1-sigma uncertainty assumes independent noise
of standard deviation ``sigma`` per point, measured in a signal-free window of
the same row: ``integral_err = sigma x sqrt(n) x spacing`` (``n`` points in
the region). Zero filling and apodization correlate neighbouring points, so this
is a lower bound when ``SI`` exceeds the acquired points.

``integral_norm = integral / (NS x RG)`` (per scan and unit receiver gain) makes
experiments of one series comparable; its error is scaled alike.

Peak height: the spectrum value at one fixed point per region, the point of
largest absolute value inside the region on the row with the largest absolute
integral (as TopSpin's relaxation module does for its ``intensity`` fit);
``height_err = sigma``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.nmr.processing import Spectra

if TYPE_CHECKING:
    from liprobe.nmr.acquisition import FidSeries

N_NOISE_WINDOWS = 32

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


def noise_window(
    spectra: Spectra, exclude: np.ndarray, noise_ppm: tuple | None = None
) -> np.ndarray:
    """Mask of the signal-free points used for the noise estimate.

    With ``noise_ppm = (a, b)`` the points between ``a`` and ``b`` ppm. Otherwise
    the spectrum is cut into 32 equal windows; windows touching a region or the
    outer 1/32 at either edge are skipped, and the one whose median (over rows)
    standard deviation after removing a straight line is smallest is used.
    """
    ppm = spectra.ppm
    if noise_ppm is not None:
        lo, hi = sorted(float(v) for v in noise_ppm)
        mask = (ppm >= lo) & (ppm <= hi)
        if mask.sum() < 8:
            raise InputError(
                "config",
                "noise_ppm",
                "a signal-free ppm interval of at least 8 spectrum points",
                noise_ppm,
            )
        return mask
    si = ppm.size
    edges = np.linspace(0, si, N_NOISE_WINDOWS + 1).astype(int)
    best, best_std = None, math.inf
    x = None
    for w in range(1, N_NOISE_WINDOWS - 1):
        lo, hi = edges[w], edges[w + 1]
        if hi - lo < 8 or exclude[lo:hi].any():
            continue
        seg = spectra.data[:, lo:hi]
        x = np.arange(hi - lo)
        coef = np.polyfit(x, seg.T, 1)
        resid = seg - (coef[0][:, None] * x + coef[1][:, None])
        s = float(np.median(resid.std(axis=1)))
        if s < best_std:
            best, best_std = (lo, hi), s
    mask = np.zeros(si, bool)
    if best is None:
        # every window touches a region: fall back to the points outside them
        mask[~exclude] = True
        return mask
    mask[best[0] : best[1]] = True
    return mask


def _row_noise(data: np.ndarray, mask: np.ndarray) -> np.ndarray:
    seg = data[:, mask]
    x = np.arange(seg.shape[1])
    coef = np.polyfit(x, seg.T, 1)
    resid = seg - (coef[0][:, None] * x + coef[1][:, None])
    return resid.std(axis=1, ddof=1)


def integrate_regions(
    spectra: Spectra,
    fid: FidSeries,
    regions: pd.DataFrame,
    noise_ppm: tuple | None = None,
    source: str = "regions sheet",
) -> pd.DataFrame:
    """Integrals and heights of every region on every row, with 1-sigma errors.

    Returns one row per increment x region with columns ``increment`` (0-based
    row of the ser file), ``list_time_s``, ``region``, ``integral``,
    ``integral_err``, ``integral_norm``, ``integral_norm_err``, ``height``,
    ``height_err``, plus ``peak_ppm`` (the height point), ``n_points`` and
    ``noise_ppm_min``/``noise_ppm_max`` (the noise window). See the module
    docstring for definitions.
    """
    if noise_ppm is None:
        noise_ppm = spectra.options.noise_ppm if spectra.options else None
    masks = region_masks(spectra.ppm, regions, source)
    exclude = np.zeros(spectra.ppm.shape, bool)
    for m in masks.values():
        exclude |= m
    nmask = noise_window(spectra, exclude, noise_ppm)
    sigma = _row_noise(spectra.data, nmask)
    spacing = abs(float(spectra.ppm[1] - spectra.ppm[0]))
    rows = spectra.data.shape[0]
    times = fid.list_time_s
    if times is None or len(times) != rows:
        times = np.full(rows, np.nan)
    norm = float(fid.ns) * float(fid.rg)
    if not (math.isfinite(norm) and norm > 0):
        norm = math.nan
    nppm = spectra.ppm[nmask]
    frames = []
    for name, mask in masks.items():
        n = int(mask.sum())
        integral = spectra.data[:, mask].sum(axis=1) * spacing
        err = sigma * math.sqrt(n) * spacing
        ref = int(np.argmax(np.abs(integral)))
        idx_in = np.flatnonzero(mask)
        peak = int(idx_in[np.argmax(np.abs(spectra.data[ref, mask]))])
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
                    "height": spectra.data[:, peak],
                    "height_err": sigma,
                    "peak_ppm": float(spectra.ppm[peak]),
                    "n_points": n,
                    "noise_ppm_min": float(nppm.min()),
                    "noise_ppm_max": float(nppm.max()),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def topspin_parity(
    spectra: Spectra, reference: tuple[np.ndarray, np.ndarray] | None, td1: int
) -> float:
    """Smallest Pearson r, over acquired rows, between our spectra and TopSpin's.

    ``reference`` is TopSpin's ``(ppm, 1r/2rr rows)``
    (:func:`liprobe.io.bruker.read_processed`), compared row by row over the
    first ``td1`` rows; when the two ppm axes differ, ours is interpolated onto
    TopSpin's over the common range. NaN when there is no reference.
    """
    if reference is None:
        return math.nan
    ppm_ref, data_ref = reference
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
    flags (sorted unique flags of reading and processing, ';'-joined).
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
    }
