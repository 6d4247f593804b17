"""Figures of the deconvolution: a spectrum with its fitted sites, and the 6Li
fraction per site and state."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from liprobe.plots.style import colour, figure, label  # noqa: E402


def _zoom(peaks: pd.DataFrame, x: np.ndarray) -> tuple[float, float]:
    """The centrebands' range: the sites' shifts +- 4 FWHM (the whole window
    when the fit gave no shifts)."""
    ok = peaks[np.isfinite(peaks["shift_ppm"]) & np.isfinite(peaks["fwhm_ppm"])]
    if ok.empty:
        return float(x.min()), float(x.max())
    lo = float((ok["shift_ppm"] - 4 * ok["fwhm_ppm"]).min())
    hi = float((ok["shift_ppm"] + 4 * ok["fwhm_ppm"]).max())
    return max(lo, float(x.min())), min(hi, float(x.max()))


def plot_fit(curves: pd.DataFrame, peaks: pd.DataFrame, title: str = "") -> plt.Figure:
    """The whole fit window (top: data and fitted sum, sidebands included),
    the centrebands enlarged with each site's line shaded above the baseline
    (middle) and the residual there (bottom); ppm decreasing to the right.
    ``curves`` and ``peaks`` are one experiment's rows."""
    fig, (full, ax, res) = figure(
        "single", 0.4, nrows=3, gridspec_kw={"height_ratios": [1.2, 3, 1]}
    )
    wide = curves.pivot_table(index="ppm", columns="curve", values="value")
    if wide.empty:
        ax.text(0.5, 0.5, "fit failed: see flags", transform=ax.transAxes, ha="center")
        for a in (full, res):
            a.set_axis_off()
        fig.suptitle(title, fontsize=9)
        return fig
    x = wide.index.to_numpy(float)
    base = wide["baseline"].to_numpy(float)
    full.plot(x, wide["data"], color="0.3", lw=0.6)
    full.plot(x, wide["fit"], color="k", lw=0.6, ls="--")
    full.set_xlim(x.max(), x.min())
    full.set_xlabel(label(r"$\delta$", "ppm"), fontsize=7)
    full.tick_params(labelsize=6)
    lo, hi = _zoom(peaks, x)
    near = (x >= lo) & (x <= hi)
    ax.plot(x[near], wide["data"][near], color="0.3", lw=0.8, label="data")
    sites = [c for c in wide.columns if str(c).startswith("site:")]
    for i, name in enumerate(sites):
        site = str(name)[5:]
        row = peaks[peaks["site"] == site]
        text = site
        if len(row) and np.isfinite(row["fraction"].iloc[0]):
            r = row.iloc[0]
            text = (
                f"{site}: {r.shift_ppm:.2f} ppm, "
                f"{100 * r.fraction:.3g} +- {100 * r.fraction_err:.2g} %"
            )
        ax.fill_between(
            x[near],
            base[near],
            (base + wide[name].to_numpy(float))[near],
            color=colour(i),
            alpha=0.35,
            lw=0,
            label=text,
        )
    ax.plot(x[near], wide["fit"][near], color="k", lw=0.8, ls="--", label="fit (sum)")
    ax.plot(x[near], base[near], color="0.5", lw=0.6, ls=":", label="baseline")
    ax.set_ylabel(label("intensity", None))
    ax.legend(fontsize=5.5, frameon=False, loc="upper left")
    ax.set_xlim(hi, lo)
    ax.tick_params(labelbottom=False)
    res.plot(x[near], (wide["data"] - wide["fit"])[near], color="0.3", lw=0.6)
    res.axhline(0.0, color="0.6", lw=0.5)
    res.set_ylabel("residual")
    res.set_xlabel(label(r"$\delta$", "ppm"))
    res.set_xlim(hi, lo)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def plot_exchange(table: pd.DataFrame) -> plt.Figure:
    """Bars of the preferred 6Li fraction per site, one bar per state, with
    1-sigma errors; a panel per sample."""
    rows = table[table["preferred"].astype(bool)]
    samples = list(dict.fromkeys(rows["sample"])) or [""]
    fig, axes = figure("single", 0.8, nrows=len(samples), squeeze=False)
    for ax, sample in zip(axes[:, 0], samples, strict=True):
        g = rows[rows["sample"] == sample]
        sites = list(dict.fromkeys(g["site"]))
        states = sorted(set(g["state"]), key=lambda s: (s != "pristine", s))
        width = 0.8 / max(len(states), 1)
        for k, state in enumerate(states):
            s = g[g["state"] == state].set_index("site").reindex(sites)
            pos = np.arange(len(sites)) + (k - (len(states) - 1) / 2) * width
            ax.bar(
                pos,
                s["li6_fraction"],
                width,
                yerr=s["li6_fraction_err"],
                color=colour(k),
                capsize=2,
                label=state,
            )
        ax.set_xticks(np.arange(len(sites)), sites)
        ax.set_ylabel(label(r"$^6$Li fraction", None))
        ax.set_title(str(sample), fontsize=8)
        ax.legend(fontsize=6, frameon=False)
    return fig
