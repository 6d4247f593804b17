"""Paper figures of the interface and dynamics NMR methods, from the tidy tables.

* :func:`fig_interface` - in the layout of Fig. 2 (d, g) of Liu, Ganapathy &
  Wagemaker (hybrid electrolytes): (a) the 6Li fraction per site, pristine
  and cycled, as grouped bars with 1-sigma errors (``isotope_exchange``);
  (b) 1H-6Li CP build-up (region integrals against contact time) with the
  model AICc chose per site and state (``cp_buildup``, ``nmr_integrals``);
* :func:`fig_dynamics` - (a) static line width against temperature with the
  Hendrickson-Bray curve and the Waugh-Fedin onset (``linewidth``,
  ``linewidth_arrhenius``); (b) PFG D against 1000/T with its Arrhenius lines
  (``pfg_diffusion``, ``pfg_arrhenius``); (c) exchange rate constants per
  ordered site pair against 1000/T with their Arrhenius lines (N-site pairs
  and the two-site k_AB / k_BA; ``exsy_rates``, ``exsy_arrhenius``).

A panel whose table is absent (None) or has no usable rows says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from liprobe.constants import KB_EV
from liprobe.linewidth.arrhenius import hendrickson_bray
from liprobe.plots.cp import _NAME as _MODEL_NAME
from liprobe.plots.cp import _curve as cp_curve
from liprobe.plots.paper import _ea_text, _empty, _minor_log_label, panel_letter
from liprobe.plots.style import colour, figure, label, marker

#: the two-site Arrhenius quantities drawn as pair lines (with the N-site "k")
_PAIR_QUANTITIES = ("k", "k_AB", "k_BA")


def _ok(frame: pd.DataFrame) -> pd.Series:
    return frame["fit_ok"].fillna(False).astype(bool)


def _states(values) -> list[str]:
    """States in display order: pristine first, then the others sorted."""
    return sorted({str(s) for s in values}, key=lambda s: (s != "pristine", s))


def exchange_bars(ax, exchange: pd.DataFrame | None) -> None:
    """Preferred 6Li fraction per site (ticks), one bar per state, 1-sigma
    error bars; the tick names the sample below when there are several."""
    rows = (
        exchange[exchange["preferred"].fillna(False).astype(bool)]
        if exchange is not None and len(exchange)
        else None
    )
    if rows is None or rows.empty:
        _empty(ax, "no $^6$Li/$^7$Li isotope exchange table")
        return
    keys = list(dict.fromkeys(zip(rows["sample"], rows["site"], strict=True)))
    several = len({s for s, _ in keys}) > 1
    names = [f"{site}\n{s}" if several else str(site) for s, site in keys]
    states = _states(rows["state"])
    width = 0.8 / len(states)
    indexed = rows.set_index(["sample", "site", "state"])
    for k, state in enumerate(states):
        at = [(s, site, state) for s, site in keys]
        sel = indexed.reindex(at)
        ax.bar(
            np.arange(len(keys)) + (k - (len(states) - 1) / 2) * width,
            sel["li6_fraction"].to_numpy(float),
            width,
            yerr=sel["li6_fraction_err"].to_numpy(float),
            color=colour(k),
            capsize=2,
            error_kw={"elinewidth": 0.7},
            label=state or "(no state)",
        )
    ax.set_xticks(np.arange(len(keys)), names)
    ax.set_ylabel(r"$^6$Li fraction")
    ax.legend(fontsize=6.5, frameon=False)


def cp_curves(
    ax,
    buildup: pd.DataFrame | None,
    integrals: pd.DataFrame | None,
    cp_series: Mapping[str, Sequence[Mapping]],
) -> None:
    """Integrals against contact time per series, site and state (colour per
    site, filled solid: first state, open dashed: the others) with the model
    AICc chose for that site and state (named in the legend: I-S or I-I*-S)."""
    if buildup is None or integrals is None or buildup.empty or not cp_series:
        _empty(ax, "no CP build-up table")
        return
    drawn = 0
    for name, members in cp_series.items():
        state_of = {str(m["experiment"]): str(m["state"]) for m in members}
        data = integrals[integrals["experiment"].astype(str).isin(state_of)]
        data = data.assign(state=data["experiment"].astype(str).map(state_of))
        fits = buildup[buildup["series"].astype(str) == name]
        states = _states(state_of.values())
        for i, site in enumerate(dict.fromkeys(data["region"].astype(str))):
            for j, state in enumerate(states):
                d = data[
                    (data["region"].astype(str) == site) & (data["state"] == state)
                ]
                d = d.sort_values("list_time_s")
                t = d["list_time_s"].to_numpy(float)
                if not np.isfinite(t).any():
                    continue
                chosen = fits[
                    (fits["site"].astype(str) == site)
                    & (fits["state"].astype(str) == state)
                    & fits["chosen"].fillna(False).astype(bool)
                ]
                text = f"{site}, {state}" if state else site
                if len(cp_series) > 1:
                    text = f"{name}: {text}"
                if len(chosen):
                    text += f" ({_MODEL_NAME[chosen['model'].iloc[0]]})"
                ax.errorbar(
                    t * 1e3,
                    d["integral_norm"].to_numpy(float),
                    yerr=d["integral_norm_err"].to_numpy(float),
                    ls="none",
                    marker=marker(i),
                    ms=3,
                    mfc=colour(i) if j == 0 else "white",
                    color=colour(i),
                    label=text,
                )
                drawn += 1
                if chosen.empty:
                    continue
                tt = np.linspace(0.0, np.nanmax(t) * 1.05, 300)
                ax.plot(
                    tt * 1e3,
                    cp_curve(chosen.iloc[0], tt),
                    ls="-" if j == 0 else "--",
                    lw=0.9,
                    color=colour(i),
                )
    if not drawn:
        _empty(ax, "no CP build-up integrals")
        return
    ax.set_xlabel(label("contact time", "ms"))
    ax.set_ylabel(label("integral per scan and RG", "a.u."))
    ax.legend(fontsize=6, frameon=False, ncols=2)


def fig_interface(
    exchange: pd.DataFrame | None,
    buildup: pd.DataFrame | None,
    integrals: pd.DataFrame | None,
    cp_series: Mapping[str, Sequence[Mapping]] | None = None,
):
    """(a) 6Li fraction per site and state, (b) CP build-up with the AICc fit.

    ``cp_series`` is the campaign's CP plan: series name -> its experiments as
    ``{"experiment", "state"}``, which tells the state of each integral.
    Build-up models: classical I-S, T_IS < T1rho_H, and non-classical
    I-I*-S (Kolodziejski & Klinowski, Chem. Rev. 102 (2002) 613).
    """
    fig, axes = figure("double", 0.75, ncols=2, squeeze=False)
    ax_a, ax_b = axes[0]
    exchange_bars(ax_a, exchange)
    cp_curves(ax_b, buildup, integrals, cp_series or {})
    for ax, letter in zip((ax_a, ax_b), "ab", strict=True):
        panel_letter(ax, letter)
    return fig


def _inverse_temperature_axis(ax, quantity: str, unit: str) -> None:
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(FuncFormatter(_minor_log_label))
    ax.set_xlabel(label("1000 / T", "K$^{-1}$"))
    ax.set_ylabel(label(quantity, unit))


def linewidth_panel(ax, widths: pd.DataFrame | None, fits: pd.DataFrame | None):
    """FWHM against T per series and site, Hendrickson-Bray curve, onset
    (dashed) with its 1-sigma band."""
    if widths is None or widths.empty:
        _empty(ax, "no line-width table")
        return
    fits = fits if fits is not None else pd.DataFrame(columns=["series", "site"])
    groups = list(widths.groupby(["series", "site"], sort=False))
    for i, ((series, site), g) in enumerate(groups):
        g = g[np.isfinite(g["temperature_K"].to_numpy(float))]
        ax.errorbar(
            g["temperature_K"],
            g["fwhm_Hz"],
            yerr=g["fwhm_Hz_err"],
            ls="none",
            marker=marker(i),
            ms=3,
            color=colour(i),
            label=f"{series}: {site}" if len(groups) > 1 else str(site),
        )
        mine = fits[(fits["series"] == series) & (fits["site"] == site)]
        hb = mine[mine["model"] == "hendrickson_bray"]
        if len(hb) and math.isfinite(float(hb["Ea_eV"].iloc[0])):
            r = hb.iloc[0]
            T = np.linspace(0.9 * r["temperature_min_K"], r["temperature_max_K"], 300)
            ax.plot(
                T,
                hendrickson_bray(T, r["A_Hz"], r["B_Hz"], r["Ea_eV"], r["D_Hz"]),
                color=colour(i),
                lw=0.9,
                label=f"HB: {_ea_text(r['Ea_eV'], r['Ea_eV_err'])}",
            )
        wf = mine[mine["model"] == "waugh_fedin"]
        if len(wf) and math.isfinite(float(wf["onset_temperature_K"].iloc[0])):
            onset = float(wf["onset_temperature_K"].iloc[0])
            err = float(wf["onset_temperature_K_err"].iloc[0])
            ax.axvline(onset, color=colour(i), ls="--", lw=0.7)
            if math.isfinite(err):
                ax.axvspan(onset - err, onset + err, color=colour(i), alpha=0.12, lw=0)
            ax.plot(
                [], [], color=colour(i), ls="--", lw=0.7, label=f"onset {onset:.0f} K"
            )
    ax.set_yscale("log")
    ax.set_xlabel(label("T", "K"))
    ax.set_ylabel(label("FWHM", "Hz"))
    ax.legend(fontsize=5.5, frameon=False, loc="lower left")


def pfg_panel(ax, diffusion: pd.DataFrame | None, arrhenius: pd.DataFrame | None):
    """Mono-exponential D per series and region against 1000/T with the
    Arrhenius line D0 exp(-Ea / kB T)."""
    rows = None
    if diffusion is not None and len(diffusion):
        rows = diffusion[(diffusion["model"] == "mono") & _ok(diffusion)]
    if rows is None or rows.empty:
        _empty(ax, "no PFG diffusion table")
        return
    # the series key of the PFG tables: the sheet's series, else the sample
    key = [
        s if isinstance(s, str) and s else str(smp)
        for s, smp in zip(rows["series"], rows["sample"], strict=True)
    ]
    rows = rows.assign(series=key)
    arrhenius = arrhenius if arrhenius is not None else pd.DataFrame(columns=["series"])
    groups = list(rows.groupby(["series", "region"], sort=False))
    for i, ((series, region), g) in enumerate(groups):
        T = g["temperature_K"].to_numpy(float)
        text = f"{series}: {region}" if len(groups) > 1 else str(region)
        line = arrhenius[
            (arrhenius["series"] == series) & (arrhenius["region"] == region)
        ]
        if len(line) and math.isfinite(float(line["Ea_eV"].iloc[0])):
            r = line.iloc[0]
            TT = np.linspace(T.min(), T.max(), 50)
            D = r["D0_m2_per_s"] * np.exp(-r["Ea_eV"] / (KB_EV * TT))
            ax.plot(1000.0 / TT, D, color=colour(i), lw=0.9)
            text += f", {_ea_text(r['Ea_eV'], r['Ea_eV_err'])}"
        ax.errorbar(
            1000.0 / T,
            g["D_m2_per_s"],
            yerr=g["D_m2_per_s_err"],
            ls="none",
            marker=marker(i),
            ms=3,
            color=colour(i),
            label=text,
        )
    _inverse_temperature_axis(ax, "D", "m$^2$ s$^{-1}$")
    ax.legend(fontsize=5.5, frameon=False)


def exchange_rate_panel(ax, rates: pd.DataFrame | None, arrhenius: pd.DataFrame | None):
    """k per sample, method and ordered site pair against 1000/T (filled: 2D
    EXSY, open: 1D selective inversion) with the pair's Arrhenius line."""
    ok = None
    if rates is not None and len(rates):
        ok = rates[_ok(rates) & (rates["k_per_s"] > 0)]
    if ok is None or ok.empty:
        _empty(ax, "no exchange rate table")
        return
    lines = pd.DataFrame(columns=["sample", "method", "site_from", "site_to"])
    if arrhenius is not None and len(arrhenius):
        lines = arrhenius[
            arrhenius["quantity"].isin(_PAIR_QUANTITIES)
            & arrhenius["site_from"].notna()
        ]
    keys = ["sample", "method", "site_from", "site_to"]
    groups = list(ok.groupby(keys, sort=True))
    several = ok["sample"].nunique() > 1
    for i, ((sample, method, a, b), g) in enumerate(groups):
        x = 1000.0 / g["temperature_K"].to_numpy(float)
        text = f"{a} → {b}" + (" (1D)" if method != "exsy_2d" else "")
        if several:
            text = f"{sample}: {text}"
        line = lines[
            (lines["sample"] == sample)
            & (lines["method"] == method)
            & (lines["site_from"] == a)
            & (lines["site_to"] == b)
        ]
        if len(line) and math.isfinite(float(line["Ea_eV"].iloc[0])):
            r = line.iloc[0]
            xx = np.linspace(x.min(), x.max(), 50)
            k = np.exp(r["ln_prefactor"] - r["Ea_eV"] * xx / (1000.0 * KB_EV))
            ax.plot(xx, k, color=colour(i), lw=0.9)
            text += f", {_ea_text(r['Ea_eV'], r['Ea_eV_err'])}"
        ax.errorbar(
            x,
            g["k_per_s"],
            yerr=g["k_per_s_err"],
            ls="none",
            marker=marker(i),
            ms=3,
            color=colour(i),
            mfc=colour(i) if method == "exsy_2d" else "white",
            label=text,
        )
    _inverse_temperature_axis(ax, "k", "s$^{-1}$")
    ax.legend(fontsize=5, frameon=False)


def fig_dynamics(
    linewidth: pd.DataFrame | None = None,
    linewidth_arrhenius: pd.DataFrame | None = None,
    diffusion: pd.DataFrame | None = None,
    diffusion_arrhenius: pd.DataFrame | None = None,
    rates: pd.DataFrame | None = None,
    rates_arrhenius: pd.DataFrame | None = None,
):
    """(a) motional narrowing, (b) PFG D, (c) exchange rates per site pair.

    Hendrickson-Bray: Hendrickson & Bray, J. Magn. Reson. 9 (1973) 341;
    onset after Waugh & Fedin, Sov. Phys. Solid State 4 (1963) 1633.
    """
    fig, axes = figure("double", 1.0, ncols=3, squeeze=False)
    ax_a, ax_b, ax_c = axes[0]
    linewidth_panel(ax_a, linewidth, linewidth_arrhenius)
    pfg_panel(ax_b, diffusion, diffusion_arrhenius)
    exchange_rate_panel(ax_c, rates, rates_arrhenius)
    for ax, letter in zip((ax_a, ax_b, ax_c), "abc", strict=True):
        panel_letter(ax, letter)
    return fig
