"""Figures of the operando 7Li NMR inventory beside the NDP one.

* :func:`plot_inventories` - per cell, on one time axis: the metal Li from NMR
  (plated + microstructure), its SEI line, the NDP inventory of the same cell
  and the cycler's net plated charge (all in Li per cm2), with the Coulombic
  efficiency of each cycle on a twin axis;
* :func:`plot_efficiency_methods` - Li efficiency by NMR and by NDP against
  the Coulombic efficiency of the same cycles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liprobe.constants import LI_PER_MAH
from liprobe.plots.style import colour, figure, label, marker


def _hours(times, t0) -> np.ndarray:
    return (pd.to_datetime(times, utc=True) - t0).dt.total_seconds().to_numpy() / 3600


def plot_inventories(inventory: pd.DataFrame, efficiency: pd.DataFrame):
    """One panel per cell measured by operando NMR (see the module doc).

    Time zero is the start of the cell's first NMR spectrum."""
    nmr = inventory[inventory["method"] == "nmr"]
    cells = list(dict.fromkeys(nmr["cell"])) or [""]
    fig, axes = figure(
        "double", aspect=0.3 * len(cells), nrows=len(cells), squeeze=False
    )
    for ax, cell in zip(axes[:, 0], cells, strict=True):
        g = nmr[nmr["cell"] == cell].sort_values("t_mid_utc")
        t0 = pd.Timestamp(pd.to_datetime(g["t_start_utc"], utc=True).min())
        th = _hours(g["t_mid_utc"], t0)
        ax.errorbar(
            th,
            g["li_per_cm2"],
            yerr=g["li_per_cm2_err"],
            fmt=marker(0),
            color=colour(0),
            label="metal Li (NMR: plated + microstructure)",
        )
        if "sei_li_per_cm2" in g:
            ax.errorbar(
                th,
                g["sei_li_per_cm2"] - g["sei_li_per_cm2"].iloc[0],
                yerr=g["sei_li_per_cm2_err"],
                fmt=marker(2),
                color=colour(2),
                label="SEI line growth (NMR)",
            )
        ndp = inventory[(inventory["method"] == "ndp") & (inventory["cell"] == cell)]
        if len(ndp):
            ax.errorbar(
                _hours(ndp["t_mid_utc"], t0),
                ndp["li_per_cm2"],
                yerr=ndp["li_per_cm2_err"],
                fmt=marker(1),
                color=colour(1),
                ms=3,
                label="Li inventory (NDP)",
            )
        ok = np.isfinite(g["charge_mAh_per_cm2"])
        ax.plot(
            th[ok],
            g.loc[ok, "charge_mAh_per_cm2"] * LI_PER_MAH,
            "-",
            color="0.5",
            label="net plated charge (cycler)",
        )
        ax.set_ylabel(label("Li", "cm$^{-2}$"))
        ax.set_title(str(cell))
        eff = efficiency[
            (efficiency["method"] == "nmr") & (efficiency["cell"] == cell)
        ].sort_values("cycle")
        if len(eff):
            twin = ax.twinx()
            # each cycle's CE at its last spectrum
            cyc = pd.to_numeric(g["cycle"], errors="coerce").to_numpy(float)
            ends = [
                th[cyc == c].max() if (cyc == c).any() else np.nan for c in eff["cycle"]
            ]
            twin.plot(
                ends, eff["coulombic_efficiency"], "s--", color=colour(3), label="CE"
            )
            twin.set_ylim(0, 1.1)
            twin.set_ylabel("Coulombic efficiency")
    axes[-1, 0].set_xlabel(label("time", "h"))
    axes[0, 0].legend(loc="upper left", fontsize="small")
    return fig


def plot_efficiency_methods(efficiency: pd.DataFrame):
    """Li efficiency by each method against the CE of the same cycle."""
    fig, axes = figure("single", aspect=0.9, squeeze=False)
    ax = axes[0, 0]
    methods = sorted(set(efficiency["method"])) if len(efficiency) else []
    for i, method in enumerate(methods):
        g = efficiency[efficiency["method"] == method]
        ok = g[np.isfinite(g["li_efficiency"])]
        for j, cell in enumerate(dict.fromkeys(ok["cell"])):
            c = ok[ok["cell"] == cell]
            ax.errorbar(
                c["coulombic_efficiency"],
                c["li_efficiency"],
                yerr=c["li_efficiency_err"],
                fmt=marker(j),
                color=colour(i),
                mfc="none" if method == "ndp" else colour(i),
                label=f"{cell} ({method.upper()})",
            )
    ax.plot([0, 1.05], [0, 1.05], ":", color="0.5", label="Li efficiency = CE")
    ax.set_xlabel("Coulombic efficiency")
    ax.set_ylabel("Li efficiency")
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.1)
    ax.legend(loc="upper left", fontsize="small")
    return fig
