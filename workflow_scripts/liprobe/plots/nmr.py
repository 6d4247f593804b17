"""Figures of processed NMR spectra."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402

from liprobe.plots.style import PALETTE, figure, label  # noqa: E402

# Columns of a drawn trace (a panel is at most ~1000 pixels wide at 300 dpi).
ENVELOPE_BINS = 600


def plot_series_spectra(
    spectra: pd.DataFrame, regions: pd.DataFrame, title: str = ""
) -> plt.Figure:
    """The stacked spectra of every experiment of a series, one panel each.

    ``spectra`` and ``regions`` carry an ``experiment`` column (the series'
    tables); panels follow the experiments' order in the tables.
    """
    experiments = list(dict.fromkeys(spectra["experiment"]))
    n = max(1, len(experiments))
    ncols = 1 if n == 1 else (2 if n <= 4 else 3)
    nrows = -(-n // ncols)
    width = "single" if ncols == 1 else "double"
    fig, axes = figure(width, 0.9, nrows=nrows, ncols=ncols, squeeze=False)
    flat = list(axes.ravel())
    for ax, experiment in zip(flat[: len(experiments)], experiments, strict=True):
        draw_stacked_spectra(
            fig,
            ax,
            spectra[spectra["experiment"] == experiment],
            regions[regions["experiment"] == experiment],
            title=str(experiment),
        )
    for k, ax in enumerate(flat[:n]):
        if k % ncols:
            ax.set_ylabel("")  # the first column carries the label
    for ax in flat[n:]:
        ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def envelope(x: np.ndarray, y: np.ndarray, n_bins: int = ENVELOPE_BINS):
    """A trace reduced for drawing: per bin of consecutive points its minimum
    and maximum, in their order (what a raster of ``n_bins`` columns shows;
    peaks and noise extremes are kept). Short traces come back unchanged."""
    n = len(x) // n_bins
    if n < 3:
        return x, y
    m = n * n_bins
    xs, ys = x[:m].reshape(n_bins, n), y[:m].reshape(n_bins, n)
    i_min, i_max = ys.argmin(axis=1), ys.argmax(axis=1)
    first = np.minimum(i_min, i_max)
    second = np.maximum(i_min, i_max)
    idx = np.stack([first, second], axis=1)
    out_x = np.take_along_axis(xs, idx, axis=1).ravel()
    out_y = np.take_along_axis(ys, idx, axis=1).ravel()
    return np.concatenate([out_x, x[m:]]), np.concatenate([out_y, y[m:]])


def draw_stacked_spectra(
    fig: plt.Figure,
    ax: plt.Axes,
    spectra: pd.DataFrame,
    regions: pd.DataFrame,
    title: str = "",
) -> None:
    """Stacked processed spectra (one trace per increment) with regions shaded.

    ``spectra``: long frame with increment, list_time_s, ppm, intensity.
    ``regions``: region, ppm_min, ppm_max (several rows per region allowed).
    """
    increments = sorted(spectra["increment"].unique())
    peak = float(np.nanmax(np.abs(spectra["intensity"]))) or 1.0
    offset = 0.6 * peak
    cmap = plt.get_cmap("viridis")
    times = (
        spectra.groupby("increment")["list_time_s"].first()
        if "list_time_s" in spectra
        else pd.Series(dtype=float)
    )
    positive = times[np.isfinite(times) & (times > 0)] if len(times) else times
    norm = None
    if len(positive) >= 2 and positive.max() > positive.min():
        norm = LogNorm(vmin=float(positive.min()), vmax=float(positive.max()))
    lo, hi = float(spectra["ppm"].min()), float(spectra["ppm"].max())
    if len(regions):
        span = regions["ppm_max"].max() - regions["ppm_min"].min()
        lo = max(lo, regions["ppm_min"].min() - 0.5 * span)
        hi = min(hi, regions["ppm_max"].max() + 0.5 * span)
    shown = spectra[(spectra["ppm"] >= lo) & (spectra["ppm"] <= hi)]
    for k, (inc, rows) in enumerate(shown.groupby("increment", sort=True)):
        t = float(times.get(inc, np.nan)) if len(times) else np.nan
        if norm is not None and np.isfinite(t) and t > 0:
            colour = cmap(norm(t))
        else:
            colour = cmap(k / max(1, len(increments) - 1))
        x, y = envelope(rows["ppm"].to_numpy(), rows["intensity"].to_numpy())
        ax.plot(x, y + k * offset, lw=0.6, color=colour)
    if norm is not None:
        bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.02)
        bar.set_label(label("list time", "s"))
    names = list(dict.fromkeys(regions["region"]))
    for j, name in enumerate(names):
        intervals = regions[regions["region"] == name]
        for k, (_, r) in enumerate(intervals.iterrows()):
            ax.axvspan(
                r["ppm_min"],
                r["ppm_max"],
                color=PALETTE[j % len(PALETTE)],
                alpha=0.15,
                label=name if k == 0 else None,
            )
    ax.set_xlim(hi, lo)  # high ppm on the left
    ax.set_xlabel(label("δ", "ppm"))
    ax.set_ylabel(label("intensity (offset per increment)", "a.u."))
    ax.set_yticks([])
    if names and len(names) <= 8:
        # headroom above the last trace for the legend
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, top + 1.2 * offset)
        ax.legend(fontsize=6, frameon=False, loc="upper left", ncols=min(4, len(names)))
    if title:
        ax.set_title(title, fontsize=8)
