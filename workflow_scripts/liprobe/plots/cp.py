"""Figure of the CP build-up stage, drawn from the tidy tables only.

:func:`plot_cp_buildup`: one panel per site of a CP series; the region
integrals (per scan and receiver gain) against the contact time, every state
of the series in its own colour (pristine and cycled compared in one panel;
contact time on a log axis, so that the fast rise shows),
with both fitted models (classical I-S solid, non-classical I-I*-S dashed; the
model chosen by AICc drawn thicker, flagged fits dotted and thin).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from liprobe.cp.models import classical, non_classical
from liprobe.plots.style import colour, figure, label, marker

_LINE = {"classical": "-", "non_classical": "--"}
_NAME = {"classical": "I-S", "non_classical": "I-I*-S"}


def _curve(row: pd.Series, t: np.ndarray) -> np.ndarray:
    if row["model"] == "classical":
        return classical(t, row["I0"], row["T_IS_s"], row["T1rho_H_s"])
    return non_classical(
        t, row["I0"], row["T_df_s"], row["T2_s"], row["lambda"], row["T1rho_H_s"]
    )


def _empty(text: str):
    fig, ax = figure("single", 0.6)
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def plot_cp_buildup(
    buildup: pd.DataFrame,
    integrals: pd.DataFrame,
    series: str,
    members: Sequence[Mapping],
):
    """Build-up curves of every site of ``series`` with both fits per state.

    ``members``: the series' experiments as ``{"experiment", "state"}`` (the
    campaign plan), which tells the state of each integral.
    """
    sel = buildup[buildup["series"].astype(str) == series]
    state_of = {str(m["experiment"]): str(m["state"]) for m in members}
    data = integrals[integrals["experiment"].astype(str).isin(state_of)].copy()
    if sel.empty or data.empty:
        return _empty(f"no CP build-up data in series '{series}'")
    data["state"] = data["experiment"].astype(str).map(state_of)
    sites = list(dict.fromkeys(data["region"].astype(str)))
    states = list(dict.fromkeys(state_of.values()))
    ncols = min(2, len(sites))
    nrows = math.ceil(len(sites) / ncols)
    fig, axes = figure(
        "single" if ncols == 1 else "double",
        0.7,
        nrows=nrows,
        ncols=ncols,
        squeeze=False,
    )
    for k, site in enumerate(sites):
        ax = axes.flat[k]
        for j, state in enumerate(states):
            d = data[(data["region"].astype(str) == site) & (data["state"] == state)]
            d = d.sort_values("list_time_s")
            t = d["list_time_s"].to_numpy(float)
            positive = t[np.isfinite(t) & (t > 0)]
            if positive.size == 0:
                continue  # nothing to draw on a logarithmic time axis
            name = state or "(no state)"
            ax.errorbar(
                np.where(t > 0, t, np.nan) * 1e3,
                d["integral_norm"].to_numpy(float),
                yerr=d["integral_norm_err"].to_numpy(float),
                ls="none",
                marker=marker(j),
                ms=3.5,
                color=colour(j),
                label=name,
            )
            fits = sel[(sel["site"].astype(str) == site) & (sel["state"] == state)]
            tt = np.geomspace(positive.min() / 2, positive.max() * 1.5, 300)
            for _, row in fits.iterrows():
                if not np.isfinite(row.get("I0", np.nan)):
                    continue
                ok, chosen = bool(row["fit_ok"]), bool(row["chosen"])
                ax.plot(
                    tt * 1e3,
                    _curve(row, tt),
                    ls=_LINE[row["model"]] if ok else ":",
                    lw=1.8 if chosen else 0.9,
                    color=colour(j),
                    alpha=1.0 if ok else 0.6,
                    label=f"{name} {_NAME[row['model']]}"
                    + (" (AICc)" if chosen else ""),
                )
        ax.set_title(f"{series}: {site}")
        ax.set_xlabel(label("contact time", "ms"))
        ax.set_ylabel(label("integral per scan and RG", "a.u."))
        ax.set_xscale("log")
        ax.legend(fontsize="x-small", frameon=False)
    for ax in list(axes.flat)[len(sites) :]:
        ax.set_axis_off()
    return fig
