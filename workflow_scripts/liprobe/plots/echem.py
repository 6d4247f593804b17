"""Figures of the operando Li accounting (after Liu, Ganapathy & Wagemaker,
Acc. Chem. Res. 55 (2022) 333, Figure 4c,d).

* :func:`plot_inventory` - plated Li from NDP and charge passed from the cycler
  on one axis (both in mAh/cm2, Li mass on a twin axis) above the voltage
  trace, against time;
* :func:`plot_efficiency` - Li efficiency (NDP) and Coulombic efficiency
  (cycler) per cycle, one panel per run, side by side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liprobe.plots.style import colour, figure, label, marker

#: grams of Li per mAh (6.941 g/mol * 3.6 C / 96485.33 C/mol = 0.259 mg)
LI_G_PER_MAH = 6.941 * 3.6 / 96485.33212


def _hours(times, t0) -> np.ndarray:
    return (pd.to_datetime(times, utc=True) - t0).dt.total_seconds().to_numpy() / 3600


def plot_inventory(inventory: pd.DataFrame, trace: pd.DataFrame, run: str):
    """Li inventory (NDP) and net plated charge (cycler) above the voltage.

    ``inventory``: rows of the ``li_inventory`` table of ``run``; ``trace``:
    the run's cycler trace (``t_utc``, ``voltage_V``,
    ``net_plated_mAh_per_cm2``). Time zero is the start of the cycler record.
    """
    fig, (ax, axv) = figure(
        "onehalf", aspect=0.4, nrows=2, sharex=True, height_ratios=[2, 1]
    )
    t0 = pd.Timestamp(pd.to_datetime(trace["t_utc"], utc=True).iloc[0])
    th = _hours(trace["t_utc"], t0)
    ax.plot(
        th,
        trace["net_plated_mAh_per_cm2"],
        color=colour(7),
        lw=0.8,
        label="charge passed (cycler)",
    )
    inv = inventory[inventory["run"] == run] if "run" in inventory else inventory
    if len(inv):
        ax.errorbar(
            _hours(inv["t_mid_utc"], t0),
            inv["li_mAh_per_cm2"],
            yerr=inv.get("li_mAh_per_cm2_err"),
            fmt=marker(0),
            ms=2.5,
            color=colour(0),
            ecolor=colour(0),
            elinewidth=0.5,
            label="plated Li (NDP)",
        )
    ax.set_ylabel(label("Li", "mAh cm$^{-2}$"))
    ax.legend(loc="upper left")
    ax.set_title(run)
    ax.tick_params(axis="y", right=False)  # the mass axis has its own ticks
    mass = ax.secondary_yaxis(
        "right",
        functions=(
            lambda q: q * LI_G_PER_MAH * 1e6,
            lambda m: m / LI_G_PER_MAH / 1e6,
        ),
    )
    mass.set_ylabel(label("Li mass", "µg cm$^{-2}$"))
    axv.plot(th, trace["voltage_V"], color=colour(1), lw=0.6)
    axv.set_ylabel(label("U", "V"))
    axv.set_xlabel(label("time", "h"))
    return fig


def plot_efficiency(efficiency: pd.DataFrame):
    """Li efficiency and CE per cycle, one panel per run, side by side."""
    runs = list(dict.fromkeys(efficiency["run"])) if len(efficiency) else [""]
    fig, axes = figure(
        "double" if len(runs) > 1 else "single",
        aspect=0.75,
        ncols=len(runs),
        sharey=True,
        squeeze=False,
    )
    for ax, run in zip(axes[0], runs, strict=True):
        g = efficiency[efficiency["run"] == run].sort_values("cycle")
        ok = g[np.isfinite(g["li_efficiency"])]
        method = str(g["method"].iloc[0]) if "method" in g and len(g) else "ndp"
        ax.errorbar(
            ok["cycle"],
            ok["li_efficiency"],
            yerr=ok["li_efficiency_err"],
            fmt=marker(0) + "-",
            color=colour(0),
            label=f"Li efficiency ({method.upper()})",
        )
        ce = g[np.isfinite(g["coulombic_efficiency"])]
        ax.plot(
            ce["cycle"],
            ce["coulombic_efficiency"],
            marker(1) + "--",
            color=colour(1),
            label="Coulombic efficiency",
        )
        ax.set_title(str(run))
        ax.set_xlabel("cycle")
        if len(g):
            ax.set_xticks(g["cycle"].to_numpy())
        ax.set_ylim(0, 1.1)
    axes[0][0].set_ylabel("efficiency")
    axes[0][0].legend(loc="lower right")
    return fig
