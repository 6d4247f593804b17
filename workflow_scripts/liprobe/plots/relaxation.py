"""Figures of the relaxation stage, drawn from the tidy tables only.

* :func:`plot_series_curves`: recovery / decay curves of one series (one panel
  per experiment, normalised by the fitted amplitude) with the selected fits
  and their normalised residuals below;
* :func:`plot_arrhenius`: rates against 1000/T on a log axis with the BPP fit
  and both flank slopes annotated in eV.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from liprobe.plots.style import colour, figure, label, marker
from liprobe.relaxation.models import MODELS
from liprobe.relaxation.temperature import arrhenius_rate, r1_bpp, r1rho_bpp

_SYMBOL = {"t1_sr": "T1", "t1_ir": "T1", "t1rho": "T1rho", "t2": "T2"}
_MAX_REGIONS = 8


def bpp_curve(row, temperature_K: np.ndarray, rate_kind: str) -> np.ndarray:
    """The relaxation rate (1/s) of a fitted BPP row of ``relaxation_arrhenius``.

    ``rate_kind`` is ``R1`` (Larmor frequency) or ``R1rho`` (spin-lock frequency);
    the model is :func:`liprobe.relaxation.temperature.r1_bpp` /
    :func:`~liprobe.relaxation.temperature.r1rho_bpp`.
    """
    params = dict(
        log10_C=row["log10_C"],
        Ea_eV=row["Ea_eV"],
        log10_tau0_s=row["log10_tau0_s"],
        beta=row["beta"],
        larmor_MHz=row["larmor_MHz"],
    )
    if rate_kind == "R1rho":
        return r1rho_bpp(temperature_K, **params, spinlock_kHz=row["spinlock_kHz"])
    return r1_bpp(temperature_K, **params)


def _params(row: pd.Series, model: str) -> dict:
    return {p: float(row[f"p_{p}"]) for p in MODELS[model].params}


def _empty(text: str):
    fig, ax = figure("single", 0.6)
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def plot_series_curves(
    fits: pd.DataFrame,
    integrals: pd.DataFrame,
    series: str,
    quantity: str = "integral",
):
    """Curves of every experiment of ``series`` with fits and residuals.

    Each panel shows the data of up to eight regions divided by the fitted
    amplitude ``I0`` against the list time (log axis), the selected model, and
    below it the residuals in units of the point uncertainty (or of I0 when the
    fit was unweighted).
    """
    sel = fits[(fits["series"] == series) & (fits["quantity"] == quantity)]
    if "selected" in sel:
        sel = sel[sel["selected"].astype(bool)]
    if sel.empty:
        return _empty(f"no relaxation fits in series '{series}'")
    exps = (
        sel.groupby("experiment")["temperature_K"].first().sort_values().index.tolist()
    )
    ncols = min(3, len(exps))
    nrows = math.ceil(len(exps) / ncols)
    width = {1: "single", 2: "onehalf"}.get(ncols, "double")
    # fixed margins instead of constrained layout: the layout engine's repeated
    # tick measurements on many log axes cost seconds per page
    fig, _ = figure(width, 1.3, nrows=nrows, ncols=ncols, layout=None)
    fig.clf()
    h = fig.get_figheight()
    outer = fig.add_gridspec(
        nrows,
        ncols,
        left=0.6 / fig.get_figwidth(),
        right=0.98,
        top=1 - 0.55 / h,
        bottom=0.4 / h,
        wspace=0.45,
        hspace=0.45,
    )
    for k, exp in enumerate(exps):
        cell = outer[divmod(k, ncols)].subgridspec(
            2, 1, height_ratios=[3, 1], hspace=0.08
        )
        ax = fig.add_subplot(cell[0])
        res_ax = fig.add_subplot(cell[1], sharex=ax)
        ef = sel[sel["experiment"] == exp].sort_values("region")
        data = integrals[integrals["experiment"] == exp]
        for j, (_, row) in enumerate(ef.head(_MAX_REGIONS).iterrows()):
            d = data[data["region"] == row["region"]].sort_values("list_time_s")
            t = d["list_time_s"].to_numpy(float)
            y = d[quantity].to_numpy(float)
            ecol = f"{quantity}_err"
            e = d[ecol].to_numpy(float) if ecol in d else np.full_like(y, np.nan)
            model = row["model"]
            if not np.isfinite(row.get("p_I0", np.nan)) or row["p_I0"] == 0:
                continue
            if not (t > 0).any():
                continue  # nothing to draw on a logarithmic time axis
            p = _params(row, model)
            i0 = abs(p["I0"])
            tt = np.geomspace(max(t[t > 0].min() / 2, 1e-9), t.max() * 2, 200)
            ok = bool(row["fit_ok"])
            ax.errorbar(
                np.where(t > 0, t, np.nan),
                y / i0,
                yerr=e / i0,
                ls="none",
                marker=marker(j),
                ms=3,
                color=colour(j),
                mfc="none" if not ok else None,
                label=f"{row['region']}: {_SYMBOL.get(row['kind'], 'T')} = "
                f"{row['time_constant_s']:.3g} s",
            )
            ax.plot(
                tt,
                MODELS[model].func(tt, **p) / i0,
                color=colour(j),
                lw=0.8,
                ls="-" if ok else ":",
            )
            fitted = MODELS[model].func(t, **p)
            scale = e if np.all(np.isfinite(e) & (e > 0)) else np.full_like(y, i0)
            res_ax.plot(
                np.where(t > 0, t, np.nan),
                (y - fitted) / scale,
                marker=marker(j),
                ms=2,
                ls="none",
                color=colour(j),
            )
        kind = ef["kind"].iloc[0]
        ax.set_xscale("log")
        res_ax.set_xscale("log")
        ax.set_title(
            f"{exp}, {ef['temperature_K'].iloc[0]:.1f} K ({_SYMBOL.get(kind, kind)})"
        )
        ax.set_ylabel(label(f"{quantity} / I0"))
        ax.tick_params(labelbottom=False)
        res_ax.axhline(0, color="0.5", lw=0.5)
        res_ax.set_xlabel(label("list time", "s"))
        res_ax.set_ylabel(
            "resid. / sigma"
            if "unweighted" not in str(ef["err_method"].iloc[0])
            else "resid. / I0",
            fontsize=6,
        )
        ax.legend(fontsize=5, loc="best")
    n_regions = sel["region"].nunique()
    shown = ""
    if n_regions > _MAX_REGIONS:
        shown = f" ({_MAX_REGIONS} of {n_regions} regions)"
    fig.suptitle(
        f"series {series}: {quantity} with selected fits{shown}",
        fontsize=8,
        y=1 - 0.1 / h,
    )
    return fig


def plot_arrhenius(
    fits: pd.DataFrame,
    arrhenius: pd.DataFrame,
    series: str,
    quantity: str = "integral",
):
    """Rates against 1000/T (log axis) with BPP fits and flank slopes in eV."""
    sel = fits[
        (fits["series"] == series)
        & (fits["quantity"] == quantity)
        & fits["kind"].isin(["t1_sr", "t1_ir", "t1rho"])
    ]
    if "selected" in sel:
        sel = sel[sel["selected"].astype(bool)]
    sel = sel[sel["fit_ok"].astype(bool)]
    if sel.empty or sel["temperature_K"].nunique() < 2:
        return _empty(f"series '{series}': fewer than two temperatures")
    arr = arrhenius[
        (arrhenius["series"] == series) & (arrhenius["quantity"] == quantity)
    ]
    fig, ax = figure("single", 0.85)
    kinds = np.where(sel["kind"] == "t1rho", "R1rho", "R1")
    text = []
    for j, ((region, rk), g) in enumerate(
        sel.assign(rk=kinds).groupby(["region", "rk"])
    ):
        if j >= _MAX_REGIONS:
            break
        T = g["temperature_K"].to_numpy(float)
        R = g["rate_per_s"].to_numpy(float)
        Re = g["rate_per_s_err"].to_numpy(float)
        sym = "R1ρ" if rk == "R1rho" else "R1"
        ax.errorbar(
            1000 / T,
            R,
            yerr=Re,
            ls="none",
            marker=marker(j),
            ms=4,
            color=colour(j),
            label=f"{region} {sym}",
        )
        a = arr[(arr["region"] == region) & (arr["kind"] == rk)]
        TT = np.linspace(T.min() * 0.95, T.max() * 1.05, 300)
        for mname, ls in (("bpp", "-"), ("bpp_beta2", "--")):
            row = a[(a["model"] == mname) & a["fit_ok"].astype(bool)]
            if row.empty:
                continue
            r = row.iloc[0]
            RR = bpp_curve(r, TT, rk)
            ax.plot(1000 / TT, RR, color=colour(j), ls=ls, lw=0.8)
            if mname == "bpp":
                text.append(
                    f"{region}: BPP Ea = {_pm(r['Ea_eV'], r['Ea_eV_err'])} eV, "
                    f"β = {r['beta']:.2f}"
                )
        for side, sign in (("high_T", 1.0), ("low_T", -1.0)):
            row = a[(a["model"] == f"arrhenius_{side}") & a["fit_ok"].astype(bool)]
            if row.empty:
                continue
            r = row.iloc[0]
            Tf = np.linspace(r["T_min_K"], r["T_max_K"], 50)
            Rf = arrhenius_rate(Tf, r["log10_A"], r["Ea_eV"], sign)
            ax.plot(1000 / Tf, Rf, color="0.3", lw=0.6, ls=":")
            xm, ym = 1000 / Tf[len(Tf) // 2], Rf[len(Tf) // 2]
            # below-right of a rising line, above-right of a falling one:
            # away from the data and the BPP curve
            ax.annotate(
                f"Ea = {r['Ea_eV']:.3f} eV",
                (xm, ym),
                fontsize=6,
                xytext=(6, (-12 - 8 * j) if sign > 0 else (6 + 8 * j)),
                textcoords="offset points",
                color=colour(j),
            )
    ax.set_yscale("log")
    ax.set_xlabel("1000 K / T")
    ax.set_ylabel(label("relaxation rate", "s$^{-1}$"))
    ax.tick_params(axis="x", top=False)  # the temperature axis has its own ticks
    sec = ax.secondary_xaxis("top", functions=(_inv, _inv))
    sec.set_xlabel(label("T", "K"))
    ax.legend(fontsize=6, loc="lower center")
    if text:
        ax.set_title("\n".join(text[:3]), fontsize=6)
    return fig


def _pm(value: float, err: float) -> str:
    """``value ± err`` with the error rounded to two significant digits."""
    if not (np.isfinite(err) and err > 0):
        return f"{value:.3f}"
    digits = max(0, 1 - math.floor(math.log10(err)))
    return f"{value:.{digits}f} ± {err:.{digits}f}"


def _inv(x):
    x = np.asarray(x, float)
    with np.errstate(divide="ignore"):
        return np.where(x != 0, 1000.0 / np.where(x != 0, x, 1.0), np.inf)
