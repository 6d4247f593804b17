"""Exchange rates per ordered site pair: ln k against 1000/T with the
Arrhenius lines (2D EXSY and 1D selective inversion side by side), and the
1D selective-inversion recoveries with the N-site fit. They read tidy tables,
never raw files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from liprobe.exsy.models import KB_EV
from liprobe.exsy.nsite import selective_recovery
from liprobe.plots.style import colour, figure, label, marker, save_figure

#: marker fill per measurement: 2D filled, 1D open
_FILL = {"exsy_2d": "full", "selective_exchange": "none"}


def _digits(err: float) -> int:
    if math.isfinite(err) and err > 0:
        return max(3, 1 - int(math.floor(math.log10(err))))
    return 3


def plot_rates(
    rates: pd.DataFrame, arrhenius: pd.DataFrame, *, title: str, paths: list[str]
) -> None:
    """ln k per ordered pair against 1000/T (1-sigma bars, filled: 2D EXSY,
    open: 1D selective inversion) with each pair's fitted Arrhenius line and
    Ea in the legend."""
    fig, ax = figure("single", aspect=0.9)
    ok = rates[rates["fit_ok"].astype(bool) & (rates["k_per_s"] > 0)]
    pairs = list(dict.fromkeys(zip(ok["site_from"], ok["site_to"], strict=True)))
    for i, (a, b) in enumerate(pairs):
        sel = ok[(ok["site_from"] == a) & (ok["site_to"] == b)]
        for method, grp in sel.groupby("method", sort=True):
            x = 1000.0 / grp["temperature_K"]
            y = np.log(grp["k_per_s"])
            line = arrhenius[
                (arrhenius["site_from"] == a)
                & (arrhenius["site_to"] == b)
                & (arrhenius["method"] == method)
                & arrhenius["Ea_eV"].notna()
            ]
            text = f"{a} -> {b}"
            if method != "exsy_2d":
                text += " (1D)"
            if not line.empty:
                r = line.iloc[0]
                d = _digits(r["Ea_eV_err"])
                text += f": Ea = {r['Ea_eV']:.{d}f} ± {r['Ea_eV_err']:.{d}f} eV"
                xx = np.linspace(x.min(), x.max(), 20)
                ax.plot(
                    xx,
                    r["ln_prefactor"] - r["Ea_eV"] * xx / (1000 * KB_EV),
                    color=colour(i),
                    lw=0.8,
                )
            ax.errorbar(
                x,
                y,
                yerr=grp["k_per_s_err"] / grp["k_per_s"],
                fmt=marker(i),
                color=colour(i),
                fillstyle=_FILL.get(str(method), "full"),
                ms=3,
                ls="none",
                label=text,
            )
    ax.set_xlabel(label("1000 / T", "1/K"))
    ax.set_ylabel("ln(k / s$^{-1}$)")
    ax.set_title(title)
    if pairs:
        ax.legend(fontsize=5)
    save_figure(fig, *paths)


def selective_curve(
    series_rates: pd.DataFrame, sites: list[str], inverted_site: str, t: np.ndarray
) -> np.ndarray | None:
    """Site magnetisations ``M[t, i]`` of the fitted N-site model of one
    selective-inversion series (its ``exsy_rates`` rows), or None when the
    rows lack what the curve needs."""
    n = len(sites)
    k = np.zeros((n, n))
    R1 = np.full(n, math.nan)
    M = np.full(n, math.nan)
    for _, r in series_rates.iterrows():
        if r["site_from"] not in sites or r["site_to"] not in sites:
            return None
        i, j = sites.index(r["site_from"]), sites.index(r["site_to"])
        k[i, j] = r["k_per_s"]
        R1[i] = r["R1_from_per_s"]
        M[i] = r["M_eq_from"]
    column = f"inversion_{inverted_site}"
    if column not in series_rates or not np.isfinite(np.r_[k.ravel(), R1, M]).all():
        return None
    M0 = M.copy()
    s = sites.index(inverted_site)
    M0[s] = float(series_rates[column].iloc[0]) * M[s]
    return selective_recovery(t, k, R1, M, M0)


def plot_selective(
    points: pd.DataFrame,
    series_rates: pd.DataFrame,
    sites: list[str],
    *,
    title: str,
    paths: list[str],
) -> None:
    """Site integrals (per NS x RG, 1-sigma bars) after selective inversion
    against the mixing time, one colour per site and marker per inverted site,
    with the fitted N-site curves."""
    fig, ax = figure("single", aspect=0.8)
    for m, (inverted, grp) in enumerate(points.groupby("inverted_site", sort=True)):
        t_pos = grp["mixing_time_s"][grp["mixing_time_s"] > 0]
        tt = np.geomspace(t_pos.min(), grp["mixing_time_s"].max(), 200)
        curve = selective_curve(series_rates, sites, str(inverted), tt)
        for i, site in enumerate(sites):
            sel = grp[grp["region"] == site].sort_values("mixing_time_s")
            ax.errorbar(
                sel["mixing_time_s"],
                sel["integral_norm"],
                yerr=sel["integral_norm_err"],
                fmt=marker(m),
                color=colour(i),
                ms=3,
                ls="none",
                label=f"{site} ({inverted} inverted)",
            )
            if curve is not None:
                ax.plot(tt, curve[:, i], color=colour(i), lw=0.8)
    ax.axhline(0.0, color=colour(7), lw=0.4)
    ax.set_xscale("log")
    ax.set_xlabel(label("mixing time", "s"))
    ax.set_ylabel("integral / (NS x RG)")
    ax.set_title(title)
    ax.legend(fontsize=5)
    save_figure(fig, *paths)
