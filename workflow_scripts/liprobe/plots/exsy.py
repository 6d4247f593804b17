"""EXSY figures: 2D contour with peak boxes, cross-peak build-up with fits,
Arrhenius plot with Ea. They read tidy tables (and a saved spectrum), never
raw files."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from liprobe.exsy.models import (
    KB_EV,
    PEAKS,
    diffusion_volumes,
    two_site_volumes,
    with_overlap,
)
from liprobe.plots.style import colour, figure, label, marker, save_figure


def plot_contour(
    data: np.ndarray,
    ppm_f1: np.ndarray,
    ppm_f2: np.ndarray,
    sites: Mapping[str, list[tuple[float, float]]],
    *,
    title: str,
    paths: list[str],
    n_levels: int = 12,
) -> None:
    """Positive contours (geometric levels from 3 % of the maximum) of a 2D
    spectrum around the sites, with the peak boxes (four for two sites, N^2
    for N: AA, AB, ..., the sites lettered in order) drawn and named."""
    fig, ax = figure("single", aspect=1.0)
    lo = min(v[0] for iv in sites.values() for v in iv)
    hi = max(v[1] for iv in sites.values() for v in iv)
    pad = 0.6 * (hi - lo)
    s2 = (ppm_f2 >= lo - pad) & (ppm_f2 <= hi + pad)
    s1 = (ppm_f1 >= lo - pad) & (ppm_f1 <= hi + pad)
    sub = data[np.ix_(s1, s2)]
    top = float(np.max(sub)) if sub.size else 1.0
    levels = top * np.geomspace(0.03, 0.95, n_levels)
    ax.contour(
        ppm_f2[s2], ppm_f1[s1], sub, levels=levels, colors=colour(0), linewidths=0.5
    )
    names = list(sites)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: len(names)]
    for peak in (x + y for x in letters for y in letters):
        f1 = sites[names[letters.index(peak[0])]]
        f2 = sites[names[letters.index(peak[1])]]
        for a1, b1 in f1:
            for a2, b2 in f2:
                ax.add_patch(
                    Rectangle(
                        (a2, a1),
                        b2 - a2,
                        b1 - a1,
                        fill=False,
                        lw=0.7,
                        ls="--" if peak[0] != peak[1] else "-",
                        ec=colour(1),
                    )
                )
                # name inside the box, at its upper-left corner (axes inverted)
                ax.annotate(
                    peak,
                    (b2, a1),
                    xytext=(2, -2),
                    textcoords="offset points",
                    fontsize=6,
                    color=colour(1),
                    ha="left",
                    va="top",
                )
    ax.set_xlim(hi + pad, lo - pad)
    ax.set_ylim(hi + pad, lo - pad)
    ax.set_xlabel(label("F2 shift", "ppm"))
    ax.set_ylabel(label("F1 shift", "ppm"))
    ax.set_title(title)
    save_figure(fig, *paths)


def cross_fraction(volumes: pd.DataFrame) -> pd.DataFrame:
    """Per experiment: (AB + BA) / (AA + AB + BA + BB) with its 1-sigma error."""
    wide = volumes.pivot_table(
        index=["series", "temperature_K", "experiment", "mixing_time_s"],
        columns="peak",
        values="volume",
    )
    err = volumes.pivot_table(
        index=["series", "temperature_K", "experiment", "mixing_time_s"],
        columns="peak",
        values="volume_err",
    )
    total = wide[list(PEAKS)].sum(axis=1)
    cross = wide["AB"] + wide["BA"]
    diag = wide["AA"] + wide["BB"]
    frac = cross / total
    # d frac / d cross = diag / total^2, d frac / d diag = -cross / total^2
    var = (diag**2) * (err["AB"] ** 2 + err["BA"] ** 2) + (cross**2) * (
        err["AA"] ** 2 + err["BB"] ** 2
    )
    out = pd.DataFrame({"cross_fraction": frac, "cross_fraction_err": np.sqrt(var)})
    out["cross_fraction_err"] /= total**2
    return out.reset_index()


def _model_fraction(row: pd.Series, tm: np.ndarray) -> np.ndarray:
    e1 = row.get("eps_F1", 0.0)
    e2 = row.get("eps_F2", 0.0)
    e1 = 0.0 if not np.isfinite(e1) else e1
    e2 = 0.0 if not np.isfinite(e2) else e2
    if row["model"] == "diffusion_sphere":
        site = row["particle_site"]  # the fit's sink model
        v = diffusion_volumes(
            tm,
            row["D_m2_per_s"],
            row["particle_radius_um"] * 1e-6,
            row["pA"],
            row["R1A_per_s"],
            1.0,
            particle_site=site if site in ("A", "B") else None,
        )
    else:
        pa = row["pA"]
        v = two_site_volumes(
            tm,
            row["k_AB_per_s"],
            row["k_BA_per_s"],
            row["R1A_per_s"],
            row["R1B_per_s"],
            pa,
            1.0 - pa,
        )
    v = with_overlap(v, e1, e2)
    total = sum(v[p] for p in PEAKS)
    return (v["AB"] + v["BA"]) / total


def plot_buildup(
    volumes: pd.DataFrame, fits: pd.DataFrame, *, title: str, paths: list[str]
) -> None:
    """Cross-peak fraction vs mixing time per temperature, with the fitted
    diffusion (solid) and two-site (dashed) curves."""
    fig, ax = figure("single", aspect=0.8)
    frac = cross_fraction(volumes)
    for i, (series, grp) in enumerate(frac.groupby("series", sort=False)):
        grp = grp.sort_values("mixing_time_s")
        T = grp["temperature_K"].mean()
        ax.errorbar(
            grp["mixing_time_s"],
            grp["cross_fraction"],
            yerr=grp["cross_fraction_err"],
            fmt=marker(i),
            color=colour(i),
            ms=3,
            ls="none",
            label=f"{T:.0f} K",
        )
        tmin = grp["mixing_time_s"][grp["mixing_time_s"] > 0].min()
        tm = np.geomspace(tmin, grp["mixing_time_s"].max(), 200)
        for _, row in fits[fits["series"] == series].iterrows():
            if not bool(row["fit_ok"]):
                continue
            ls = "-" if row["model"] == "diffusion_sphere" else "--"
            ax.plot(tm, _model_fraction(row, tm), ls=ls, color=colour(i), lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel(label("mixing time", "s"))
    ax.set_ylabel("cross-peak fraction (AB + BA) / total")
    ax.set_title(title)
    ax.legend(title="solid: diffusion, dashed: two-site", fontsize=6, title_fontsize=6)
    save_figure(fig, *paths)


def plot_arrhenius(
    fits: pd.DataFrame, arrhenius: pd.DataFrame, *, title: str, paths: list[str]
) -> None:
    """ln D (diffusion model) and ln k_AB (two-site) vs 1000/T with the fitted
    lines and Ea (with 1-sigma error) annotated."""
    fig, axes = figure("single", aspect=0.65, nrows=2, ncols=1, sharex=True)
    specs = [
        ("D", "diffusion_sphere", "D_m2_per_s", "ln(D / m$^2$ s$^{-1}$)"),
        ("k_AB", "two_site", "k_AB_per_s", "ln(k$_{AB}$ / s$^{-1}$)"),
    ]
    for ax, (qty, model, column, ylab) in zip(axes, specs, strict=True):
        sel = fits[(fits["model"] == model) & fits["fit_ok"].astype(bool)]
        sel = sel[sel[column] > 0]
        if not sel.empty:
            x = 1000.0 / sel["temperature_K"]
            y = np.log(sel[column])
            yerr = sel[column + "_err"] / sel[column]
            ax.errorbar(
                x, y, yerr=yerr, fmt=marker(0), color=colour(0), ms=3, ls="none"
            )
            arr = arrhenius[arrhenius["quantity"] == qty]
            if not arr.empty and np.isfinite(arr["Ea_eV"].iloc[0]):
                r = arr.iloc[0]
                xx = np.linspace(x.min(), x.max(), 50)
                ax.plot(
                    xx,
                    r["ln_prefactor"] - r["Ea_eV"] * xx / (1000 * KB_EV),
                    color=colour(7),
                    lw=0.8,
                )
                err = r["Ea_eV_err"]
                digits = 3
                if math.isfinite(err) and err > 0:
                    digits = max(3, 1 - int(math.floor(math.log10(err))))
                err_text = f" ± {err:.{digits}f}" if math.isfinite(err) else ""
                ax.text(
                    0.95,
                    0.9,
                    f"Ea = {r['Ea_eV']:.{digits}f}{err_text} eV",
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                )
        ax.set_ylabel(ylab)
    axes[-1].set_xlabel(label("1000 / T", "1/K"))
    axes[0].set_title(title)
    save_figure(fig, *paths)
