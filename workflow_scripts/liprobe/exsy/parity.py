"""Parity of liprobe's 2D processing with TopSpin's own ``2rr``."""

from __future__ import annotations

import math

import numpy as np

from liprobe.exsy.process import Spectrum2D


def pearson_2d(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two equally shaped arrays (NaN if one is flat)."""
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.size != b.size or a.size < 2 or np.std(a) == 0 or np.std(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def exsy_topspin_parity(
    spectrum2d: Spectrum2D, reference: tuple[np.ndarray, np.ndarray] | None
) -> dict:
    """Pearson r between a processed 2D spectrum and TopSpin's ``2rr``.

    ``reference`` is TopSpin's ``(ppm_f2, 2rr rows)`` as read by
    :func:`liprobe.io.bruker.read_processed` (None when the folder has none).
    Returns ``pearson_r`` (NaN when there is no 2rr or the shapes differ),
    ``n_points``, ``max_ppm_offset`` (largest F2 axis difference) and ``flags``.
    """
    out = {"pearson_r": math.nan, "n_points": 0, "max_ppm_offset": math.nan}
    ref = reference
    if ref is None:
        return {**out, "flags": "no_topspin_2rr"}
    ppm, data = ref
    ours = spectrum2d.data
    if data.shape[1] != ours.shape[1]:
        return {**out, "flags": f"si_differs_{data.shape[1]}_vs_{ours.shape[1]}"}
    rows = min(data.shape[0], ours.shape[0])
    if data.shape[0] != ours.shape[0]:
        flag = f"rows_differ_{data.shape[0]}_vs_{ours.shape[0]}"
        return {**out, "flags": flag}
    return {
        "pearson_r": pearson_2d(ours[:rows], data[:rows]),
        "n_points": int(rows * ours.shape[1]),
        "max_ppm_offset": float(np.max(np.abs(ppm - spectrum2d.ppm_f2))),
        "flags": "",
    }
