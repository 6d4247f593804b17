"""The paper figure set: the layout of the seed figures, from the tidy tables.

Every function takes tables (pandas DataFrames read from ``results/tables`` or
tidy intermediates) and returns a matplotlib figure in the liprobe journal
style (:mod:`liprobe.plots.style`): Okabe-Ito colours, 8 pt fonts, single
(3.5 in) or double (7.2 in) column width, a unit on every axis and bold panel
letters. :func:`save_paper_figure` writes PNG, PDF and SVG with fixed metadata
so the same tables give byte-identical vector files.

* :func:`fig_slr_arrhenius` - SLR rates R1 (and R1rho) against 1000/T on a log
  axis with the BPP fit and the flank slopes in eV, one panel per series;
* :func:`fig_exsy` - (a) 2D EXSY spectrum, (b) cross-peak build-up with the
  exchange fits, (c) Arrhenius plot of D with its Ea;
* :func:`fig_ndp_profiles` - Li density against depth at the end of each
  plating (solid) and stripping (dashed) step, one panel per cell;
* :func:`fig_inventory` - plated Li (NDP) and net plated charge (cycler)
  against time, one panel per cell;
* :func:`fig_efficiency` - Li efficiency and Coulombic efficiency per cycle.

Figures 6 and 7 (interface and dynamics methods) are in
:mod:`liprobe.plots.paper_methods`.

After Liu, Ganapathy & Wagemaker, Acc. Chem. Res. 55 (2022) 333 (EXSY and NDP
figures) for the layout.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from liprobe.constants import KB_EV
from liprobe.exsy.models import PEAKS
from liprobe.plots.exsy import _model_fraction, cross_fraction
from liprobe.plots.ndp import density_band, step_end_slices
from liprobe.plots.relaxation import bpp_curve
from liprobe.plots.save import save_figure
from liprobe.plots.style import colour, figure, label, marker
from liprobe.relaxation.temperature import arrhenius_rate

#: density of Li metal, Li atoms per cm^3 (0.534 g/cm^3 / 6.941 g/mol * N_A)

#: the figures of the paper target: file stem -> what it shows
PAPER_FIGURES = {
    "fig1_slr_arrhenius": "SLR rates against 1000/T with BPP fits and flank Ea",
    "fig2_exsy": "EXSY 2D spectrum, cross-peak build-up and Arrhenius of D",
    "fig3_ndp_profiles": "Li density against depth at the step ends, per cell",
    "fig4_inventory": "plated Li (NDP) and charge (cycler) against time, per cell",
    "fig5_efficiency": "Li efficiency against Coulombic efficiency per cycle",
    "fig6_interface": "6Li fraction per site and state, CP build-up with AICc fits",
    "fig7_dynamics": "line width against T, PFG D and exchange rates per site pair"
    " against 1000/T with their Arrhenius lines",
}


def panel_letter(ax, letter: str) -> None:
    """Bold panel letter ``(a)`` in the upper left corner, outside the data."""
    ax.text(
        -0.02,
        1.02,
        f"({letter})",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontweight="bold",
    )


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _grid(n: int, width: str = "double", aspect: float = 0.8, max_cols: int = 3):
    ncols = max(1, min(max_cols, n))
    nrows = max(1, math.ceil(n / ncols))
    fig, axes = figure(width, aspect, nrows=nrows, ncols=ncols, squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_axis_off()
    return fig, flat[: max(n, 1)]


def _inverse(x):
    x = np.asarray(x, float)
    with np.errstate(divide="ignore"):
        return np.where(x != 0, 1000.0 / np.where(x != 0, x, 1.0), np.inf)


# ---------------------------------------------------------------------------
# Figure 1: SLR Arrhenius with BPP fit
# ---------------------------------------------------------------------------


def _slr_panel(ax, fits: pd.DataFrame, arrhenius: pd.DataFrame, series: str) -> None:
    sel = fits[
        (fits["series"].astype(str) == series)
        & (fits["quantity"] == "integral")
        & fits["kind"].isin(["t1_sr", "t1_ir", "t1rho"])
    ]
    if "selected" in sel:
        sel = sel[sel["selected"].fillna(False).astype(bool)]
    sel = sel[sel["fit_ok"].fillna(False).astype(bool)]
    if sel["temperature_K"].nunique() < 2:
        _empty(ax, f"{series}: fewer than two temperatures")
        return
    arr = arrhenius[
        (arrhenius["series"].astype(str) == series)
        & (arrhenius["quantity"] == "integral")
    ]
    rate_kind = np.where(sel["kind"] == "t1rho", "R1rho", "R1")
    flank_text = []
    for j, ((region, rk), g) in enumerate(
        sel.assign(rk=rate_kind).groupby(["region", "rk"], sort=True)
    ):
        T = g["temperature_K"].to_numpy(float)
        ax.errorbar(
            1000.0 / T,
            g["rate_per_s"].to_numpy(float),
            yerr=g["rate_per_s_err"].to_numpy(float),
            ls="none",
            marker=marker(j),
            mfc="white",
            color=colour(j),
            label=f"{region} {'R1ρ' if rk == 'R1rho' else 'R1'}",
        )
        a = arr[(arr["region"] == region) & (arr["kind"] == rk)]
        ok = a[a["fit_ok"].fillna(False).astype(bool)]
        bpp = ok[ok["model"] == "bpp"]
        if len(bpp):
            r = bpp.iloc[0]
            TT = np.linspace(T.min() * 0.97, T.max() * 1.03, 300)
            RR = bpp_curve(r, TT, rk)
            ax.plot(1000.0 / TT, RR, color=colour(j), lw=0.9)
            flank_text.append(
                (
                    colour(j),
                    f"BPP: {_ea_text(r['Ea_eV'], r['Ea_eV_err'])}, β = {r['beta']:.2f}",
                )
            )
        for side, sign in (("high_T", 1.0), ("low_T", -1.0)):
            row = ok[ok["model"] == f"arrhenius_{side}"]
            if row.empty:
                continue
            r = row.iloc[0]
            Tf = np.linspace(r["T_min_K"], r["T_max_K"], 50)
            Rf = arrhenius_rate(Tf, r["log10_A"], r["Ea_eV"], sign)
            ax.plot(1000.0 / Tf, Rf, color="0.35", lw=0.7, ls=":")
            flank = "high T" if sign > 0 else "low T"
            flank_text.append(
                (colour(j), f"{flank}: {_ea_text(r['Ea_eV'], r['Ea_eV_err'])}")
            )
    ax.set_yscale("log")
    ax.set_xlabel(label("1000 / T", "K$^{-1}$"))
    ax.set_ylabel(label("relaxation rate", "s$^{-1}$"))
    ax.tick_params(axis="x", top=False)  # the temperature axis has its own ticks
    top = ax.secondary_xaxis("top", functions=(_inverse, _inverse))
    top.set_xlabel(label("T", "K"))
    for k, (c, text) in enumerate(flank_text[:4]):
        ax.text(
            0.03,
            0.04 + 0.08 * k,
            text,
            color=c,
            transform=ax.transAxes,
            fontsize=6.5,
            ha="left",
            va="bottom",
        )
    ax.legend(
        loc="upper right",
        fontsize=6.5,
        handlelength=1.2,
        title=series,
        title_fontsize=6.5,
    )


def _ea_text(value, err) -> str:
    value = float(value)
    err = float(err) if err is not None else math.nan
    if math.isfinite(err) and err > 0:
        digits = max(2, 1 - int(math.floor(math.log10(err))))
        return f"Ea = {value:.{digits}f} ± {err:.{digits}f} eV"
    return f"Ea = {value:.3f} eV"


def fig_slr_arrhenius(fits: pd.DataFrame, arrhenius: pd.DataFrame):
    """SLR rates against 1000/T (log axis), BPP fit (solid), flank lines (dotted).

    One panel per relaxation series that has T1 / T1rho fits at two or more
    temperatures; the flank activation energies (eV, 1 sigma) are written in
    the colour of their region. BPP: R1 = C [J(w0) + 4 J(2 w0)] with
    J(w) = 2 tau_c / (1 + (w tau_c)^beta) (Bloembergen, Purcell & Pound,
    Phys. Rev. 73 (1948) 679).
    """
    slr = fits[fits["kind"].isin(["t1_sr", "t1_ir", "t1rho"])]
    series = list(dict.fromkeys(slr["series"].astype(str)))
    if len(series) <= 1:
        fig, ax = figure("single", 0.85)
        axes = [ax]
    else:
        fig, axes = _grid(len(series), aspect=0.9)
    if not series:
        _empty(axes[0], "no spin-lattice relaxation series")
    for k, (ax, s) in enumerate(zip(axes, series, strict=False)):
        _slr_panel(ax, fits, arrhenius, s)
        if len(series) > 1:
            panel_letter(ax, "abcdefghijkl"[k % 12])
    return fig


# ---------------------------------------------------------------------------
# Figure 2: EXSY
# ---------------------------------------------------------------------------


def exsy_spectrum_choice(
    fits: pd.DataFrame, spectra: pd.DataFrame, sample: str | None = None
) -> tuple[str, str]:
    """The series whose 2D spectrum the paper shows, and the panel title.

    The highest temperature of ``sample`` (default: the first sample in
    ``fits``) among the series with a spectrum: exchange is strongest there.
    """
    have = set(spectra["series"].astype(str))
    f = fits[fits["series"].astype(str).isin(have)]
    if sample is None and len(f) and "sample" in f:
        sample = str(f["sample"].iloc[0])
    if sample is not None and "sample" in f:
        f = f[f["sample"].astype(str) == sample]
    if f.empty:
        series = sorted(have)[0]
        return series, series
    temps = f.groupby("series")["temperature_K"].mean().sort_values()
    series = str(temps.index[-1])
    tm = spectra.loc[spectra["series"].astype(str) == series, "mixing_time_s"]
    title = f"{temps.iloc[-1]:.0f} K"
    if len(tm):
        tm_s = float(tm.iloc[0])
        title += (
            f", t$_m$ = {tm_s:g} s" if tm_s >= 1 else f", t$_m$ = {tm_s * 1e3:.3g} ms"
        )
    return series, title


def _contour_panel(ax, spectrum: pd.DataFrame, sites: pd.DataFrame, title: str):
    grid = spectrum.pivot_table(index="f1_ppm", columns="f2_ppm", values="intensity")
    z = grid.to_numpy(float)
    top = float(np.nanmax(z)) if z.size else 1.0
    levels = top * np.geomspace(0.03, 0.95, 10)
    ax.contour(
        grid.columns.to_numpy(float),
        grid.index.to_numpy(float),
        z,
        levels=levels,
        colors=colour(0),
        linewidths=0.5,
    )
    names = list(dict.fromkeys(sites["site"]))
    for peak in PEAKS:
        rows_f1 = sites[sites["site"] == names[0 if peak[0] == "A" else 1]]
        rows_f2 = sites[sites["site"] == names[0 if peak[1] == "A" else 1]]
        for _, r1 in rows_f1.iterrows():
            for _, r2 in rows_f2.iterrows():
                ax.add_patch(
                    Rectangle(
                        (r2["ppm_min"], r1["ppm_min"]),
                        r2["ppm_max"] - r2["ppm_min"],
                        r1["ppm_max"] - r1["ppm_min"],
                        fill=False,
                        lw=0.6,
                        ls="--" if peak[0] != peak[1] else "-",
                        ec=colour(1),
                    )
                )
                # inside the box, upper-left corner (both axes inverted)
                ax.annotate(
                    peak,
                    (r2["ppm_max"], r1["ppm_min"]),
                    xytext=(1.5, -1.5),
                    textcoords="offset points",
                    fontsize=6,
                    color=colour(1),
                    ha="left",
                    va="top",
                )
    f1 = grid.index.to_numpy(float)
    f2 = grid.columns.to_numpy(float)
    ax.set_xlim(f2.max(), f2.min())
    ax.set_ylim(f1.max(), f1.min())
    ax.set_xlabel(label("δ(F2)", "ppm"))
    ax.set_ylabel(label("δ(F1)", "ppm"))
    ax.set_title(title, pad=2, fontsize=7)
    ax.set_aspect("equal", adjustable="box")


def _buildup_panel(ax, volumes: pd.DataFrame, fits: pd.DataFrame) -> None:
    frac = cross_fraction(volumes)
    order = frac.groupby("series")["temperature_K"].mean().sort_values()
    for i, series in enumerate(order.index):
        grp = frac[frac["series"] == series].sort_values("mixing_time_s")
        ax.errorbar(
            grp["mixing_time_s"],
            grp["cross_fraction"],
            yerr=grp["cross_fraction_err"],
            marker=marker(i),
            color=colour(i),
            ls="none",
            mfc="white",
            label=f"{order[series]:.0f} K",
        )
        positive = grp["mixing_time_s"][grp["mixing_time_s"] > 0]
        if positive.empty:
            continue
        tm = np.geomspace(positive.min() / 1.5, grp["mixing_time_s"].max() * 1.5, 200)
        for _, row in fits[fits["series"] == series].iterrows():
            if not bool(row["fit_ok"]):
                continue
            ls = "-" if row["model"] == "diffusion_sphere" else "--"
            ax.plot(tm, _model_fraction(row, tm), ls=ls, color=colour(i), lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel(label("mixing time", "s"))
    ax.set_ylabel("cross-peak fraction")
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        Line2D([], [], color="0.3", ls="-", lw=0.8),
        Line2D([], [], color="0.3", ls="--", lw=0.8),
    ]
    labels += ["diffusion", "two-site"]
    ax.legend(handles, labels, loc="upper left", fontsize=6, handlelength=1.6)


def _minor_log_label(value: float, _pos=None) -> str:
    """Label the minor log ticks 2 and 5 of each decade (narrow D ranges)."""
    if value <= 0:
        return ""
    exponent = math.floor(math.log10(value))
    mantissa = round(value / 10.0**exponent)
    if mantissa in (2, 5):
        return f"${mantissa}\\times10^{{{exponent}}}$"
    return ""


def _arrhenius_d_panel(ax, fits: pd.DataFrame, arrhenius: pd.DataFrame) -> None:
    sel = fits[
        (fits["model"] == "diffusion_sphere")
        & fits["fit_ok"].fillna(False).astype(bool)
        & (fits["D_m2_per_s"] > 0)
    ]
    if sel.empty:
        _empty(ax, "no diffusion-model fits")
        return
    x = 1000.0 / sel["temperature_K"].to_numpy(float)
    D = sel["D_m2_per_s"].to_numpy(float)
    De = sel["D_m2_per_s_err"].to_numpy(float)
    ax.errorbar(x, D, yerr=De, marker=marker(0), color=colour(0), ls="none")
    arr = arrhenius[arrhenius["quantity"] == "D"]
    if len(arr) and np.isfinite(arr["Ea_eV"].iloc[0]):
        r = arr.iloc[0]
        xx = np.linspace(x.min() - 0.05, x.max() + 0.05, 50)
        yy = np.exp(r["ln_prefactor"] - r["Ea_eV"] * xx / (1000.0 * KB_EV))
        ax.plot(xx, yy, color=colour(7), lw=0.8)
        ax.text(
            0.95,
            0.93,
            _ea_text(r["Ea_eV"], r["Ea_eV_err"]),
            transform=ax.transAxes,
            ha="right",
            va="top",
        )
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(FuncFormatter(_minor_log_label))
    ax.set_xlabel(label("1000 / T", "K$^{-1}$"))
    ax.set_ylabel(label("D", "m$^2$ s$^{-1}$"))
    ax.tick_params(axis="x", top=False)  # the temperature axis has its own ticks
    top = ax.secondary_xaxis("top", functions=(_inverse, _inverse))
    top.set_xlabel(label("T", "K"))


def fig_exsy(
    volumes: pd.DataFrame,
    fits: pd.DataFrame,
    arrhenius: pd.DataFrame,
    spectrum: pd.DataFrame | None = None,
    sites: pd.DataFrame | None = None,
    *,
    sample: str | None = None,
    spectrum_title: str = "",
):
    """(a) 2D spectrum, (b) build-up with exchange fits, (c) Arrhenius of D.

    ``sample`` selects one EXSY sample (default: the first in ``fits``). The
    build-up shows the cross-peak fraction (AB + BA) / (AA + AB + BA + BB)
    with the two-site model (dashed,
    Jeener et al., J. Chem. Phys. 71 (1979) 4546) and the diffusion-limited
    sphere model (solid, Crank, The Mathematics of Diffusion, 1975); the
    Arrhenius line is ln D = ln D0 - Ea / (kB T) with Ea and its 1-sigma error.
    """
    if sample is None and len(fits):
        sample = str(fits["sample"].iloc[0])
    if sample is not None and "sample" in fits:
        fits = fits[fits["sample"].astype(str) == sample]
        volumes = volumes[volumes["sample"].astype(str) == sample]
        arrhenius = arrhenius[arrhenius["sample"].astype(str) == sample]
    fig, axes = figure(
        "double", aspect=1.0, ncols=3, width_ratios=[1.0, 1.15, 1.15], squeeze=False
    )
    ax_c, ax_b, ax_a = axes[0]
    if spectrum is not None and sites is not None and len(spectrum):
        _contour_panel(ax_c, spectrum, sites, spectrum_title)
    else:
        _empty(ax_c, "no 2D spectrum")
    if len(volumes):
        _buildup_panel(ax_b, volumes, fits)
    else:
        _empty(ax_b, "no EXSY volumes")
    _arrhenius_d_panel(ax_a, fits, arrhenius)
    for ax, letter in zip((ax_c, ax_b, ax_a), "abc", strict=True):
        panel_letter(ax, letter)
    if sample:
        fig.suptitle(sample, fontsize=8)
    return fig


# ---------------------------------------------------------------------------
# Figures 3-5: NDP and accounting
# ---------------------------------------------------------------------------


def _ndp_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The NDP runs' rows: li_inventory and efficiency also hold operando NMR
    rows (``method`` nmr); the paper's inventory and efficiency figures are
    the NDP ones."""
    if "method" not in frame.columns:
        return frame
    return frame[frame["method"] == "ndp"]


def _runs(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["run"].astype(str))) if len(frame) else []


def fig_ndp_profiles(
    profiles: pd.DataFrame,
    cycles: pd.DataFrame | None = None,
    cells: dict[str, str] | None = None,
):
    """Li density / Li metal against depth at the end of every step, per cell.

    Solid: end of plating, dashed: end of stripping; one colour per cycle.
    Shaded bands are the 1-sigma Poisson errors. ``cycles`` is the ``cycles``
    table (all runs); without it six evenly spread slices are drawn.
    ``cells`` maps a run to its cell name for the panel titles.
    """
    runs = _runs(profiles)
    fig, axes = _grid(len(runs), aspect=0.5, max_cols=2)
    if not runs:
        _empty(axes[0], "no NDP runs")
        return fig
    top = float(np.nanpercentile(profiles["li_density_rel"], 99.5))
    filled = profiles.loc[profiles["li_density_rel"] > 0.02 * max(top, 1e-9)]
    right = float(profiles["depth_um"].max())
    if len(filled):
        right = min(right, 1.25 * float(filled["depth_um"].max()) + 0.5)
    legend: tuple[list, list] = ([], [])
    for k, (ax, run) in enumerate(zip(axes, runs, strict=False)):
        df = profiles[profiles["run"].astype(str) == run]
        cyc = None
        if cycles is not None and len(cycles):
            cyc = cycles[cycles["run"].astype(str) == run]
        picks = step_end_slices(profiles, run, cyc if cyc is not None else None)
        cycle_numbers = []
        for _, p in picks.iterrows():
            parts = str(p["label"]).split()
            step = parts[0]
            cycle = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            ci = cycle if cycle is not None else len(cycle_numbers)
            if ci not in cycle_numbers:
                cycle_numbers.append(ci)
            c = colour(cycle_numbers.index(ci))
            d = df[df["slice"] == p["slice"]].sort_values("depth_um")
            ls = "--" if step == "strip" else "-"
            ax.step(d["depth_um"], d["li_density_rel"], where="mid", color=c, ls=ls)
            err = density_band(d)
            ax.fill_between(
                d["depth_um"],
                d["li_density_rel"] - err,
                d["li_density_rel"] + err,
                step="mid",
                color=c,
                alpha=0.18,
                linewidth=0,
            )
        ax.set_xlim(0.0, right)
        ax.set_ylim(-0.05, max(1.15, 1.15 * top))
        ax.set_xlabel(label("depth", "µm"))
        ax.set_ylabel("Li density / Li metal")
        name = (cells or {}).get(run, run)
        ax.set_title(name if name == run else f"{name} ({run})", pad=2)
        handles = [
            Line2D([], [], color=colour(i), lw=1.0) for i in range(len(cycle_numbers))
        ]
        labels = [f"cycle {c}" for c in cycle_numbers]
        if cyc is not None and len(cyc):
            handles += [
                Line2D([], [], color="0.3", ls="-"),
                Line2D([], [], color="0.3", ls="--"),
            ]
            labels += ["end of plating", "end of stripping"]
        if len(labels) > len(legend[1]):
            legend = (handles, labels)
        panel_letter(ax, "abcdefgh"[k % 8])
    if legend[0]:
        fig.legend(
            *legend,
            loc="outside lower center",
            ncols=min(8, len(legend[0])),
            fontsize=6.5,
        )
    return fig


def fig_inventory(inventory: pd.DataFrame, cells: dict[str, str] | None = None):
    """Plated Li from NDP (markers, 1 sigma) and net plated charge (line).

    Both in mAh/cm^2 against hours since the first slice of the run; the Li
    mass (µg/cm^2, 0.259 mg per mAh) is on the right axis. One panel per cell,
    shared y axis.
    """
    from liprobe.plots.echem import LI_G_PER_MAH

    inventory = _ndp_rows(inventory)
    runs = _runs(inventory)
    fig, axes = _grid(len(runs), aspect=0.45, max_cols=2)
    if not runs:
        _empty(axes[0], "no Li inventory")
        return fig
    ymax = float(
        np.nanmax(
            np.concatenate(
                [
                    inventory["li_mAh_per_cm2"].to_numpy(float),
                    inventory["charge_mAh_per_cm2"].to_numpy(float),
                ]
            )
        )
    )
    ymin = float(
        np.nanmin(
            np.concatenate(
                [
                    inventory["li_mAh_per_cm2"].to_numpy(float),
                    inventory["charge_mAh_per_cm2"].to_numpy(float),
                    [0.0],
                ]
            )
        )
    )
    for k, (ax, run) in enumerate(zip(axes, runs, strict=False)):
        g = inventory[inventory["run"].astype(str) == run].sort_values("t_mid_utc")
        t0 = pd.Timestamp(g["t_mid_utc"].min())
        th = (g["t_mid_utc"] - t0).dt.total_seconds().to_numpy() / 3600.0
        ax.plot(
            th,
            g["charge_mAh_per_cm2"],
            color=colour(7),
            lw=0.9,
            label="charge (cycler)",
        )
        ax.errorbar(
            th,
            g["li_mAh_per_cm2"],
            yerr=g["li_mAh_per_cm2_err"],
            marker=marker(0),
            ms=2.5,
            ls="none",
            color=colour(0),
            elinewidth=0.5,
            label="plated Li (NDP)",
        )
        ax.set_ylim(ymin - 0.05 * (ymax - ymin), ymax + 0.12 * (ymax - ymin))
        ax.set_xlabel(label("time", "h"))
        ax.set_ylabel(label("Li", "mAh cm$^{-2}$"))
        ax.tick_params(axis="y", right=False)  # the mass axis has its own ticks
        mass = ax.secondary_yaxis(
            "right",
            functions=(
                lambda q: q * LI_G_PER_MAH * 1e6,
                lambda m: m / LI_G_PER_MAH / 1e6,
            ),
        )
        mass.set_ylabel(label("Li mass", "µg cm$^{-2}$"))
        name = (cells or {}).get(run, run)
        ax.set_title(name if name == run else f"{name} ({run})", pad=2)
        ax.legend(loc="upper left", fontsize=6)
        panel_letter(ax, "abcdefgh"[k % 8])
    return fig


def fig_efficiency(efficiency: pd.DataFrame, cells: dict[str, str] | None = None):
    """Li efficiency (NDP, filled, 1 sigma) and Coulombic efficiency (open) per
    cycle; one colour per cell. Efficiencies are fractions (0-1)."""
    fig, ax = figure("single", 0.8)
    efficiency = _ndp_rows(efficiency)
    runs = _runs(efficiency)
    if not runs:
        _empty(ax, "no efficiency table rows")
        return fig
    n = len(runs)
    for i, run in enumerate(runs):
        g = efficiency[efficiency["run"].astype(str) == run].sort_values("cycle")
        shift = (i - (n - 1) / 2) * 0.08
        name = (cells or {}).get(run, run)
        ok = g[np.isfinite(g["li_efficiency"].to_numpy(float))]
        ax.errorbar(
            ok["cycle"] + shift,
            ok["li_efficiency"],
            yerr=ok["li_efficiency_err"],
            marker=marker(i),
            color=colour(i),
            ls="-",
            label=f"{name}: Li eff.",
        )
        ce = g[np.isfinite(g["coulombic_efficiency"].to_numpy(float))]
        ax.plot(
            ce["cycle"] + shift,
            ce["coulombic_efficiency"],
            marker=marker(i),
            mfc="white",
            color=colour(i),
            ls=":",
            label=f"{name}: CE",
        )
    cycles = sorted(set(efficiency["cycle"].astype(int)))
    ax.set_xticks(cycles)
    ax.set_xlabel("cycle")
    ax.set_ylabel("efficiency (fraction)")
    ax.set_ylim(0.0, 1.15)
    ax.legend(loc="lower right", fontsize=6, ncols=2)
    return fig


def save_paper_figure(
    fig, stem: str | Path, formats: tuple[str, ...] = ("png", "pdf", "svg")
) -> list[Path]:
    """Write ``stem``.png, .pdf and .svg (deterministic vector files).

    The constrained layout is settled by one draw and then frozen: every save
    would otherwise move the axes a little further, so the bytes of a file
    would depend on which formats were saved before it.
    """
    fig.canvas.draw()
    fig.set_layout_engine("none")
    stem = Path(stem)
    paths = [stem.with_name(f"{stem.name}.{ext}") for ext in formats]
    save_figure(fig, *paths, dpi=300)
    return paths
