"""Tidy (long) frames from reduction objects, for tables and figures."""

from __future__ import annotations

import numpy as np
import pandas as pd


def spectra_frame(spectra, fid, max_points: int = 4096) -> pd.DataFrame:
    """Processed spectra as a long frame: increment, list_time_s, ppm, intensity.

    Spectra longer than ``max_points`` are decimated by taking every n-th point
    (the frame feeds figures; integrals are computed on the full spectra).
    """
    data = np.atleast_2d(spectra.data)
    ppm = np.asarray(spectra.ppm)
    step = max(1, int(np.ceil(ppm.size / max_points)))
    ppm = ppm[::step]
    data = data[:, ::step]
    times = fid.list_time_s
    if times is None:
        times = np.full(data.shape[0], np.nan)
    n_rows, n_pts = data.shape
    return pd.DataFrame(
        {
            "increment": np.repeat(np.arange(n_rows), n_pts),
            "list_time_s": np.repeat(np.asarray(times, dtype=float)[:n_rows], n_pts),
            "ppm": np.tile(ppm, n_rows),
            "intensity": data.ravel(),
        }
    )
