"""Exchange rates per ordered site pair: ln k against 1000/T with the
Arrhenius lines (2D EXSY and 1D selective inversion side by side), and the
1D selective-inversion recoveries with the N-site fit. They read tidy tables,
never raw files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from liprobe.exsy.models import KB_EV
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
