"""Figures of the PFG diffusion stage, drawn from the tidy tables only.

* :func:`plot_attenuation`: I/I0 (I0 of the selected model) against the
  diffusion weighting b on a log axis, one panel per region, one colour per
  experiment (temperature), with the mono-exponential fit (dashed) and the
  model AICc selected (solid);
* :func:`plot_pfg_arrhenius`: D (mono) against 1000/T on a log axis with
  the Arrhenius line and Ea in eV.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from liprobe.pfg.arrhenius import KB_EV_PER_K
from liprobe.pfg.fit import model_curve
from liprobe.plots.style import colour, figure, label, marker


def _series_rows(frame: pd.DataFrame, series: str) -> pd.DataFrame:
    key = [
        s if isinstance(s, str) and s else str(smp)
        for s, smp in zip(frame["series"], frame["sample"], strict=True)
    ]
    return frame[np.asarray(key) == series]


def _empty(text: str):
    fig, ax = figure("single", 0.6)
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def plot_attenuation(diffusion: pd.DataFrame, attenuation: pd.DataFrame, series: str):
    """Attenuation curves of one series with their fits (see module docstring)."""
    fits = _series_rows(diffusion, series)
    if not len(fits):
        return _empty(f"no PFG fits for series {series}")
    regions = list(dict.fromkeys(fits["region"]))
    fig, axes = figure("double", 0.45, ncols=len(regions), squeeze=False)
    experiments = list(
        fits.drop_duplicates("experiment").sort_values("temperature_K")["experiment"]
    )
    for ax, region in zip(axes[0], regions, strict=False):
        for k, experiment in enumerate(experiments):
            rows = fits[(fits["experiment"] == experiment) & (fits["region"] == region)]
            pts = attenuation[
                (attenuation["experiment"] == experiment)
                & (attenuation["region"] == region)
            ].sort_values("b_s_per_m2")
            mono = rows[rows["model"] == "mono"]
            if not len(mono) or not len(pts):
                continue
            best = rows[rows["selected"].astype(bool)]
            # normalised by the I0 of the selected model (else the mono one)
            i0 = float((best if len(best) else mono)["I0"].iloc[0])
            if not (math.isfinite(i0) and i0 > 0):
                continue
            t = float(mono["temperature_K"].iloc[0])
            ax.errorbar(
                pts["b_s_per_m2"],
                pts["integral"] / i0,
                yerr=pts["integral_err"] / i0,
                fmt=marker(k),
                color=colour(k),
                ms=3,
                label=f"{experiment} ({t:.0f} K)" if math.isfinite(t) else experiment,
            )
            b = np.linspace(0, float(pts["b_s_per_m2"].max()), 200)
            ax.plot(
                b,
                model_curve("mono", b, mono.iloc[0]) / i0,
                "--",
                lw=0.8,
                color=colour(k),
            )
            if len(best) and best["model"].iloc[0] != "mono":
                r = best.iloc[0]
                ax.plot(
                    b, model_curve(r["model"], b, r) / i0, "-", lw=0.8, color=colour(k)
                )
        ax.set_yscale("log")
        ax.set_xlabel(label("b", "s/m$^2$"))
        ax.set_ylabel("I / I$_0$")
        ax.set_title(f"{series}: {region}")
        ax.legend(fontsize="x-small")
    return fig


def plot_pfg_arrhenius(diffusion: pd.DataFrame, arrhenius: pd.DataFrame, series: str):
    """D against 1000/T with the Arrhenius line (see module docstring)."""
    fits = _series_rows(diffusion, series)
    fits = fits[(fits["model"] == "mono") & fits["fit_ok"].astype(bool)]
    if not len(fits):
        return _empty(f"no PFG diffusion coefficients for series {series}")
    fig, ax = figure("single", 0.75)
    arr = arrhenius[arrhenius["series"] == series]
    for k, (region, g) in enumerate(fits.groupby("region", sort=False)):
        x = 1000.0 / g["temperature_K"].to_numpy(float)
        ax.errorbar(
            x,
            g["D_m2_per_s"],
            yerr=g["D_m2_per_s_err"],
            fmt=marker(k),
            color=colour(k),
            ms=4,
            label=str(region),
        )
        row = arr[arr["region"] == region]
        if len(row) and math.isfinite(float(row["Ea_eV"].iloc[0])):
            r = row.iloc[0]
            t = np.linspace(g["temperature_K"].min(), g["temperature_K"].max(), 50)
            d = r["D0_m2_per_s"] * np.exp(-r["Ea_eV"] / (KB_EV_PER_K * t))
            ax.plot(
                1000.0 / t,
                d,
                "-",
                color=colour(k),
                lw=0.8,
                label=f"Ea = {r['Ea_eV']:.3f} ± {r['Ea_eV_err']:.3f} eV",
            )
    ax.set_yscale("log")
    ax.set_xlabel(label("1000 / T", "1/K"))
    ax.set_ylabel(label("D (PFG, mono)", "m$^2$/s"))
    ax.set_title(str(series))
    ax.legend(fontsize="x-small")
    return fig
