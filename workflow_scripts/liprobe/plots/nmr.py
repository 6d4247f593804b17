"""Figures of processed NMR spectra."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def plot_stacked_spectra(
    spectra: pd.DataFrame, regions: pd.DataFrame, title: str = ""
) -> plt.Figure:
    """Stacked processed spectra (one trace per increment) with regions shaded.

    ``spectra``: long frame with increment, list_time_s, ppm, intensity.
    ``regions``: region, ppm_min, ppm_max (several rows per region allowed).
    """
    fig, ax = plt.subplots(figsize=(3.5, 3.2), layout="constrained")
    increments = sorted(spectra["increment"].unique())
    peak = float(np.nanmax(np.abs(spectra["intensity"]))) or 1.0
    offset = 0.6 * peak
    cmap = plt.get_cmap("viridis")
    for k, inc in enumerate(increments):
        rows = spectra[spectra["increment"] == inc]
        colour = cmap(k / max(1, len(increments) - 1))
        ax.plot(rows["ppm"], rows["intensity"] + k * offset, lw=0.6, color=colour)
    names = list(dict.fromkeys(regions["region"]))
    shades = plt.get_cmap("tab10")
    for j, name in enumerate(names):
        intervals = regions[regions["region"] == name]
        for k, (_, r) in enumerate(intervals.iterrows()):
            ax.axvspan(
                r["ppm_min"],
                r["ppm_max"],
                color=shades(j % 10),
                alpha=0.15,
                label=name if k == 0 else None,
            )
    lo, hi = float(spectra["ppm"].min()), float(spectra["ppm"].max())
    if len(regions):
        span = regions["ppm_max"].max() - regions["ppm_min"].min()
        lo = max(lo, regions["ppm_min"].min() - 0.5 * span)
        hi = min(hi, regions["ppm_max"].max() + 0.5 * span)
    ax.set_xlim(hi, lo)  # high ppm on the left
    ax.set_xlabel("chemical shift / ppm")
    ax.set_ylabel("intensity / a.u. (stacked by increment)")
    ax.set_yticks([])
    if names and len(names) <= 8:
        ax.legend(fontsize=6, frameon=False, loc="upper right")
    if title:
        ax.set_title(title, fontsize=8)
    return fig
