"""Figure of the motional-narrowing stage, drawn from the tidy tables only.

:func:`plot_narrowing`: the FWHM of each site against temperature (log axis)
with its 1-sigma error bars, the fitted Hendrickson-Bray curve, and the
Waugh-Fedin onset temperature (with its error band) and the inflection
temperature marked.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from liprobe.linewidth.arrhenius import hendrickson_bray
from liprobe.plots.style import colour, figure, label, marker


def plot_narrowing(linewidth: pd.DataFrame, arrhenius: pd.DataFrame, series: str):
    """Width against temperature of one series, both models drawn."""
    fig, ax = figure("single", 0.8)
    widths = linewidth[linewidth["series"] == series]
    fits = arrhenius[arrhenius["series"] == series]
    for i, (site, g) in enumerate(widths.groupby("site", sort=False)):
        g = g[np.isfinite(g["temperature_K"].astype(float))]
        c = colour(i)
        ax.errorbar(
            g["temperature_K"],
            g["fwhm_Hz"],
            yerr=g["fwhm_Hz_err"],
            fmt=marker(i),
            color=c,
            ms=4,
            capsize=2,
            label=f"{site} (measured)",
        )
        hb = fits[(fits["site"] == site) & (fits["model"] == "hendrickson_bray")]
        wf = fits[(fits["site"] == site) & (fits["model"] == "waugh_fedin")]
        if hb.empty or not math.isfinite(float(hb["Ea_eV"].iloc[0])):
            continue
        r = hb.iloc[0]
        t_lo = 0.8 * float(r["temperature_min_K"])
        t_hi = 1.1 * float(r["temperature_max_K"])
        T = np.linspace(t_lo, t_hi, 400)
        ax.plot(
            T,
            hendrickson_bray(T, r["A_Hz"], r["B_Hz"], r["Ea_eV"], r["D_Hz"]),
            color=c,
            lw=1.2,
            label=f"Hendrickson-Bray, Ea = {r['Ea_eV']:.3f} ± {r['Ea_eV_err']:.3f} eV",
        )
        if wf.empty or not math.isfinite(float(wf["onset_temperature_K"].iloc[0])):
            continue
        w = wf.iloc[0]
        onset, err = (
            float(w["onset_temperature_K"]),
            float(w["onset_temperature_K_err"]),
        )
        ax.axvline(onset, color=c, ls="--", lw=0.8)
        if math.isfinite(err):
            ax.axvspan(onset - err, onset + err, color=c, alpha=0.12, lw=0)
        ax.plot(
            [],
            [],
            color=c,
            ls="--",
            lw=0.8,
            label=f"Waugh-Fedin onset {onset:.0f} K: Ea = {w['Ea_eV']:.3f}"
            f" ± {w['Ea_eV_err']:.3f} eV",
        )
        infl = float(w["inflection_temperature_K"])
        if math.isfinite(infl):
            ax.axvline(infl, color=c, ls=":", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel(label("temperature", "K"))
    ax.set_ylabel(label("FWHM", "Hz"))
    ax.set_title(f"motional narrowing, series {series}", fontsize="medium")
    ax.legend(fontsize="x-small", loc="best")
    return fig
