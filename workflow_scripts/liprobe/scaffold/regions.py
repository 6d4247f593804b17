"""Draft integration regions of a sample, for the user to review.

TopSpin's own regions (``pdata/1/intrng``) when the folder has them; otherwise
peaks picked on the first processed spectrum (TopSpin's ``1r``/``2rr`` when
present, else liprobe's processing of the raw data), each region running out to
where its line has fallen to a fraction of its height.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.signal import find_peaks

from liprobe.errors import LiprobeError
from liprobe.io.bruker import read_intrng, read_processed
from liprobe.nmr.acquisition import read_experiment
from liprobe.nmr.processing import process
from liprobe.options import Options, ScaffoldOptions

REGION_COLUMNS = ["region", "ppm_min", "ppm_max", "note"]
#: the outer fraction of a spectrum row at each end taken as line-free baseline
EDGE_FRACTION = 0.125
#: line broadening (in units of 1/AQ) applied before picking peaks on raw data
TRUNCATION_LB_PER_AQ = 1.5


def robust_noise(values: np.ndarray) -> float:
    """Noise standard deviation of a spectrum row from its two outer parts.

    The outer :data:`EDGE_FRACTION` of the points at each end rarely holds a line;
    the median absolute deviation there (times 1.4826) is the noise. Point to
    point differences would understate it: zero filling and apodization make
    neighbouring points correlated.
    """
    y = np.asarray(values, dtype=float)
    n = max(8, int(y.size * EDGE_FRACTION))
    edges = np.concatenate([y[:n], y[-n:]])
    return float(1.4826 * np.median(np.abs(edges - np.median(edges))))


def pick_regions(
    ppm: np.ndarray, spectrum: np.ndarray, options: ScaffoldOptions
) -> pd.DataFrame:
    """Regions around the peaks of one real spectrum row (ppm descending or not).

    A peak rises ``peak_snr`` noise standard deviations above zero; its region
    runs to where the line falls to ``region_height_fraction`` of its height
    or into the noise, cut halfway to a neighbouring peak. At most
    ``max_peaks``, tallest first, returned in ppm order with names ``r01``...
    """
    y = np.asarray(spectrum, dtype=float)
    x = np.asarray(ppm, dtype=float)
    noise = robust_noise(y)
    if not np.isfinite(noise) or noise <= 0:
        return pd.DataFrame(columns=REGION_COLUMNS)
    threshold = options.peak_snr * noise
    peaks, props = find_peaks(y, height=threshold, prominence=threshold)
    if peaks.size == 0:
        return pd.DataFrame(columns=REGION_COLUMNS)
    tallest = np.argsort(props["peak_heights"])[::-1][: options.max_peaks]
    peaks = np.sort(peaks[tallest])
    rows = []
    for i, peak in enumerate(peaks):
        # out to where the line falls to the fraction of its height, or into
        # the noise (two standard deviations), whichever comes first
        level = max(options.region_height_fraction * y[peak], 2.0 * noise)
        below = np.flatnonzero(y < level)
        lo = below[below < peak].max() if np.any(below < peak) else 0
        hi = below[below > peak].min() if np.any(below > peak) else y.size - 1
        if i > 0:
            lo = max(lo, 0.5 * (peaks[i - 1] + peak))
        if i + 1 < peaks.size:
            hi = min(hi, 0.5 * (peaks[i + 1] + peak))
        a, b = np.interp([lo, hi], np.arange(x.size), x)
        rows.append(
            {
                "ppm_min": round(float(min(a, b)), 3),
                "ppm_max": round(float(max(a, b)), 3),
                "peak_ppm": float(x[peak]),
                "snr": float(y[peak] / noise),
            }
        )
    rows.sort(key=lambda r: r["peak_ppm"])
    frame = pd.DataFrame(rows)
    frame.insert(0, "region", [f"r{i + 1:02d}" for i in range(len(frame))])
    frame["note"] = [
        f"picked peak at {r.peak_ppm:.2f} ppm (S/N {r.snr:.0f}): review"
        for r in frame.itertuples()
    ]
    return frame[REGION_COLUMNS]


def _first_spectrum(path: Path, kind: str, options: Options) -> tuple:
    """``(ppm, row, source)``: the strongest row of TopSpin's processed data,
    else of liprobe's processing of the raw rows."""
    processed = read_processed(path)
    if processed is not None:
        ppm, data = processed
        source = "TopSpin's processed spectrum"
    else:
        fid = read_experiment(
            path,
            1,
            {"kind": "1d" if kind == "exsy" else kind},
            mixing_delay_index=options.exsy.mixing_delay_index,
            plausible_temperature_K=options.nmr.plausible_temperature_K,
        )
        # for picking only: enough exponential broadening that the wiggles of a
        # truncated FID (sidelobes up to 22 % of a line) die out by its end
        # (exp(-pi LB AQ) < 1 %), so they are not taken for lines
        aq_s = fid.data.shape[1] / fid.sw_Hz
        lb_Hz = max(options.nmr.lb_Hz or 0.0, TRUNCATION_LB_PER_AQ / aq_s)
        spectra = process(fid, dataclasses.replace(options.nmr, lb_Hz=lb_Hz))
        ppm, data = spectra.ppm, spectra.data
        source = "liprobe's processing of the raw data"
    data = np.atleast_2d(data)
    strongest = int(np.argmax(np.max(np.abs(data), axis=1)))
    row = data[strongest]
    if np.max(row) < -np.min(row):  # inversion recovery: the row is negative
        row = -row
    return ppm, row, source


def draft_regions(path: Path, kind: str, options: Options) -> tuple[pd.DataFrame, str]:
    """Regions for the sample of the experiment in ``path`` and where they came
    from. An unreadable folder gives no regions and says why."""
    try:
        intrng = read_intrng(path)
    except LiprobeError as exc:
        intrng = None
        problem = f"intrng unreadable ({exc}); "
    else:
        problem = ""
    if intrng is not None:
        frame = intrng.copy()
        frame["note"] = f"TopSpin intrng of {path}"
        return frame[REGION_COLUMNS], f"TopSpin intrng of {path}"
    try:
        ppm, row, source = _first_spectrum(path, kind, options)
    except LiprobeError as exc:
        return pd.DataFrame(columns=REGION_COLUMNS), f"{problem}none: {exc}"
    frame = pick_regions(ppm, row, options.scaffold)
    return frame, f"{problem}peaks picked on {source} of {path}"
