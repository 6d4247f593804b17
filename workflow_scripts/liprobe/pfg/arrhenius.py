"""Arrhenius law of the PFG diffusion coefficient: ln D = ln D0 - Ea / (kB T).

Per series and region, the mono-exponential D of every temperature (the one
model every curve has; a flag says when AICc preferred another model at some
temperature) is fitted by weighted linear least squares of ln D against 1/T
with sigma(ln D) = D_err / D. The errors are the covariance with these known
weights, not scaled by the reduced chi-square (three temperatures leave one
degree of freedom); ``chi2`` and its p-value are reported beside them.
Temperatures are taken as exact (their errors are not propagated).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

KB_EV_PER_K = 8.617333262e-5  # CODATA 2018

MODEL = "mono"
ERR_METHOD = (
    "1-sigma from the weighted linear least-squares covariance of ln D against "
    "1/T, weights 1/(D_err/D)^2 as known errors (no reduced chi-square scaling); "
    "temperature errors not propagated"
)
COLUMNS = [
    "series",
    "sample",
    "region",
    "model",
    "n_temperatures",
    "T_min_K",
    "T_max_K",
    "Ea_eV",
    "Ea_eV_err",
    "D0_m2_per_s",
    "D0_m2_per_s_err",
    "chi2",
    "chi2_p_value",
    "err_method",
    "fit_ok",
    "flags",
]


def fit_arrhenius(T, D, D_err) -> dict:
    """Ea, D0 and errors from D(T); NaN with a flag when fewer than 2 points."""
    T, D, D_err = (np.asarray(a, float) for a in (T, D, D_err))
    ok = np.isfinite(T) & np.isfinite(D) & np.isfinite(D_err) & (D > 0) & (D_err > 0)
    T, D, D_err = T[ok], D[ok], D_err[ok]
    out = {
        "Ea_eV": math.nan,
        "Ea_eV_err": math.nan,
        "D0_m2_per_s": math.nan,
        "D0_m2_per_s_err": math.nan,
        "chi2": math.nan,
        "chi2_p_value": math.nan,
        "flags": [],
    }
    if np.unique(T).size < 2:
        out["flags"].append("too_few_temperatures")
        return out
    x = 1.0 / (KB_EV_PER_K * T)
    y = np.log(D)
    w = (D / D_err) ** 2
    A = np.column_stack([np.ones_like(x), -x])  # ln D0, Ea
    cov = np.linalg.inv(A.T @ (w[:, None] * A))
    coef = cov @ (A.T @ (w * y))
    resid = y - A @ coef
    chi2 = float(np.sum(w * resid**2))
    dof = T.size - 2
    ln_d0, ea = float(coef[0]), float(coef[1])
    out.update(
        Ea_eV=ea,
        Ea_eV_err=float(math.sqrt(cov[1, 1])),
        D0_m2_per_s=math.exp(ln_d0),
        D0_m2_per_s_err=math.exp(ln_d0) * float(math.sqrt(cov[0, 0])),
        chi2=chi2,
        chi2_p_value=float(stats.chi2.sf(chi2, dof)) if dof > 0 else math.nan,
    )
    if dof == 0:
        out["flags"].append("two_temperatures_no_check_of_the_line")
    return out


def arrhenius_table(diffusion: pd.DataFrame) -> pd.DataFrame:
    """The ``pfg_arrhenius`` table from ``pfg_diffusion``: one row per series
    (the sheet's ``series``, else the sample) and region."""
    rows = []
    if not len(diffusion):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    d = diffusion.copy()
    d["series_key"] = [
        s if isinstance(s, str) and s else str(smp)
        for s, smp in zip(d["series"], d["sample"], strict=True)
    ]
    for (series, region), g in d.groupby(["series_key", "region"], sort=False):
        mono = g[(g["model"] == MODEL) & g["fit_ok"].astype(bool)]
        flags = []
        others = g[g["selected"].astype(bool) & (g["model"] != MODEL)]
        if len(others):
            temps = ", ".join(f"{t:g}K" for t in sorted(others["temperature_K"]))
            flags.append(f"other_model_selected_at_{temps.replace(', ', '_')}")
        n_bad = int((g[g["model"] == MODEL]["fit_ok"] == False).sum())  # noqa: E712
        if n_bad:
            flags.append(f"{n_bad}_mono_fits_not_ok_left_out")
        r = fit_arrhenius(
            mono["temperature_K"], mono["D_m2_per_s"], mono["D_m2_per_s_err"]
        )
        flags += r.pop("flags")
        rows.append(
            {
                "series": series,
                "sample": str(g["sample"].iloc[0]),
                "region": region,
                "model": MODEL,
                "n_temperatures": int(mono["temperature_K"].nunique()),
                "T_min_K": float(mono["temperature_K"].min())
                if len(mono)
                else math.nan,
                "T_max_K": float(mono["temperature_K"].max())
                if len(mono)
                else math.nan,
                **r,
                "err_method": ERR_METHOD,
                "fit_ok": bool(
                    np.isfinite(r["Ea_eV_err"])
                    and not (
                        np.isfinite(r["chi2_p_value"]) and r["chi2_p_value"] < 1e-3
                    )
                ),
                "flags": ";".join(flags),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
