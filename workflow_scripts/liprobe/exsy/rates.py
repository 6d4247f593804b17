"""Exchange rates per ordered site pair (table ``exsy_rates``) and their
Arrhenius fits.

* A two-site 2D series: the ``two_site`` row of ``exsy_fits`` as two pair rows
  (k_AB: site A -> site B, k_BA), the same numbers;
* a 2D series of three or more sites: the N-site fit of all N^2 volumes
  (:func:`liprobe.exsy.nsite.fit_exchange_2d`, model ``n_site``);
* a 1D selective-inversion series: the N-site fit of the site integrals
  (:func:`liprobe.exsy.nsite.fit_selective`, model ``n_site``).

Column ``method`` tells the 2D (``exsy_2d``) and the 1D
(``selective_exchange``) measurements apart, so that the rates of one sample
measured both ways stand side by side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.exsy.arrhenius import fit_arrhenius
from liprobe.exsy.nsite import fit_exchange_2d, fit_selective

RATE_COLUMNS = [
    "series",
    "sample",
    "method",
    "model",
    "temperature_K",
    "site_from",
    "site_to",
    "k_per_s",
    "k_per_s_err",
    "R1_from_per_s",
    "R1_from_per_s_err",
    "population_from",
    "population_from_err",
    "M_eq_from",
    "n_sites",
    "n_mixing_times",
    "detailed_balance",
    "chisqr",
    "redchi",
    "chi2_p_value",
    "err_method",
    "fit_ok",
    "flags",
]

PAIR_ARRHENIUS_COLUMNS = [
    "sample",
    "method",
    "model",
    "quantity",
    "site_from",
    "site_to",
    "Ea_eV",
    "Ea_eV_err",
    "ln_prefactor",
    "ln_prefactor_err",
    "ln_prefactor_Ea_cov",
    "n_temperatures",
    "T_min_K",
    "T_max_K",
    "redchi",
    "chi2_p_value",
    "err_method",
    "uncertainty_method",
    "fit_ok",
    "flags",
]


def _temperature(frame: pd.DataFrame) -> tuple[float, list[str]]:
    temps = frame["temperature_K"].astype(float)
    flags = []
    if temps.notna().any() and (temps.max() - temps.min()) > 1.0:
        flags.append("temperatures_differ_within_series")
    if temps.isna().any():
        flags.append("temperature_unknown")
    return (float(temps.mean()) if temps.notna().any() else math.nan), flags


def site_order(volumes: pd.DataFrame) -> list[str]:
    """The site (region) names of one series in letter order (A, B, C, ...),
    from the diagonal peaks of ``exsy_volumes``."""
    diag = volumes[volumes["peak"].str[0] == volumes["peak"].str[1]]
    diag = diag.drop_duplicates("peak").sort_values("peak")
    return diag["region_F1"].astype(str).tolist()


def two_site_rates(fits: pd.DataFrame, volumes: pd.DataFrame) -> pd.DataFrame:
    """Pair rows of a two-site series from its ``exsy_fits`` ``two_site`` row
    (the same numbers); ``volumes`` names the sites."""
    names = site_order(volumes)
    rows = []
    for _, r in fits[fits["model"] == "two_site"].iterrows():
        for a, b, x in ((0, 1, "A"), (1, 0, "B")):
            y = "B" if x == "A" else "A"
            pa = float(r["pA"])
            rows.append(
                {
                    "series": r["series"],
                    "sample": r["sample"],
                    "method": "exsy_2d",
                    "model": "two_site",
                    "temperature_K": float(r["temperature_K"]),
                    "site_from": names[a],
                    "site_to": names[b],
                    "k_per_s": float(r[f"k_{x}{y}_per_s"]),
                    "k_per_s_err": float(r[f"k_{x}{y}_per_s_err"]),
                    "R1_from_per_s": float(r[f"R1{x}_per_s"]),
                    "R1_from_per_s_err": float(r[f"R1{x}_per_s_err"]),
                    "population_from": pa if x == "A" else 1.0 - pa,
                    "population_from_err": float(r["pA_err"]),
                    "n_sites": 2,
                    "n_mixing_times": int(r["n_mixing_times"]),
                    "detailed_balance": bool(r["detailed_balance"]),
                    "chisqr": float(r["chisqr"]),
                    "redchi": float(r["redchi"]),
                    "chi2_p_value": float(r["chi2_p_value"]),
                    "err_method": r["err_method"],
                    "fit_ok": bool(r["fit_ok"]),
                    "flags": r["flags"],
                }
            )
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


def _rows(result: dict, head: dict, n_times: int) -> pd.DataFrame:
    summary = result["summary"]
    sites = {s["site"]: s for s in result["sites"]}
    rows = []
    for pair in result["pairs"]:
        site = sites[pair["site_from"]]
        flags = [f for f in [summary["flags"], pair["flags"], *head["flags"]] if f]
        rows.append(
            {
                **{k: v for k, v in head.items() if k != "flags"},
                "model": summary["model"],
                "site_from": pair["site_from"],
                "site_to": pair["site_to"],
                "k_per_s": pair["k_per_s"],
                "k_per_s_err": pair["k_per_s_err"],
                "R1_from_per_s": site["R1_per_s"],
                "R1_from_per_s_err": site["R1_per_s_err"],
                "population_from": site["population"],
                "population_from_err": site["population_err"],
                "M_eq_from": site["M_eq"],
                "n_sites": summary["n_sites"],
                "n_mixing_times": n_times,
                "detailed_balance": summary["detailed_balance"],
                "chisqr": summary.get("chisqr", math.nan),
                "redchi": summary.get("redchi", math.nan),
                "chi2_p_value": summary.get("chi2_p_value", math.nan),
                "err_method": summary["err_method"],
                "fit_ok": bool(pair["fit_ok"]),
                "flags": ";".join(dict.fromkeys(";".join(flags).split(";"))),
            }
        )
    if not rows:  # the fit could not be done: one row saying why
        rows.append(
            {
                **{k: v for k, v in head.items() if k != "flags"},
                "model": summary["model"],
                "n_sites": summary["n_sites"],
                "n_mixing_times": n_times,
                "detailed_balance": summary["detailed_balance"],
                "err_method": summary["err_method"],
                "fit_ok": False,
                "flags": ";".join(f for f in [summary["flags"], *head["flags"]] if f),
            }
        )
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


def nsite_rates(
    volumes: pd.DataFrame, *, detailed_balance: bool, poor_fit_p: float
) -> pd.DataFrame:
    """Pair rows of one 2D series (its ``exsy_volumes`` rows) from the N-site
    fit of all N^2 volumes with their noise correlations."""
    names = site_order(volumes)
    n = len(names)
    letters = [chr(ord("A") + i) for i in range(n)]
    peaks = [x + y for x in letters for y in letters]
    index = ["experiment", "mixing_time_s"]
    wide = volumes.pivot_table(index=index, columns="peak", values="volume")
    missing = [p for p in peaks if p not in wide.columns]
    if missing:
        raise InputError("exsy_volumes", "peak", f"the {n * n} peaks {peaks}", missing)
    err = volumes.pivot_table(index=index, columns="peak", values="volume_err")
    err = err.reindex(wide.index)
    tm = wide.index.get_level_values("mixing_time_s").to_numpy(dtype=float)
    vol = wide[peaks].to_numpy(dtype=float).reshape(tm.size, n, n)
    sd = err[peaks].to_numpy(dtype=float).reshape(tm.size, n, n)
    corr = None
    columns = [f"volume_corr_{q}" for q in peaks]
    if set(columns) <= set(volumes.columns):
        corr = np.full((tm.size, n * n, n * n), math.nan)
        for b, column in enumerate(columns):
            table = volumes.pivot_table(
                index=index, columns="peak", values=column, dropna=False
            ).reindex(wide.index)
            corr[:, :, b] = table[peaks].to_numpy(dtype=float)
    result = fit_exchange_2d(
        tm,
        vol,
        sd,
        names,
        detailed_balance=detailed_balance,
        poor_fit_p=poor_fit_p,
        correlation=corr,
    )
    temperature, flags = _temperature(volumes)
    head = {
        "series": str(volumes["series"].iloc[0]),
        "sample": str(volumes["sample"].iloc[0]),
        "method": "exsy_2d",
        "temperature_K": temperature,
        "flags": flags,
    }
    return _rows(result, head, int(np.unique(tm).size))


def selective_rates(
    integrals: pd.DataFrame,
    sites: Sequence[str],
    *,
    detailed_balance: bool,
    poor_fit_p: float,
) -> pd.DataFrame:
    """Pair rows of one 1D selective-inversion series from the N-site fit.

    ``integrals`` has one row per experiment x mixing time x site: columns
    ``series``, ``sample``, ``experiment``, ``temperature_K``,
    ``mixing_time_s``, ``region``, ``integral``, ``integral_err`` (in one unit
    over the series, e.g. ``integral_norm`` of ``nmr_integrals``) and
    ``inverted_site`` (a region name); ``sites`` orders the regions.
    """
    names = list(sites)
    unknown = sorted(set(integrals["inverted_site"].astype(str)) - set(names))
    if unknown:
        raise InputError(
            "nmr sheet", "inverted_site", f"one of the regions {names}", unknown
        )
    index = ["experiment", "mixing_time_s", "inverted_site"]
    wide = integrals.pivot_table(index=index, columns="region", values="integral")
    err = integrals.pivot_table(index=index, columns="region", values="integral_err")
    missing = [s for s in names if s not in wide.columns]
    if missing:
        raise InputError("nmr_integrals", "region", f"the sites {names}", missing)
    err = err.reindex(wide.index)
    t = wide.index.get_level_values("mixing_time_s").to_numpy(dtype=float)
    inverted = [
        names.index(s) for s in wide.index.get_level_values("inverted_site").astype(str)
    ]
    result = fit_selective(
        t,
        wide[names].to_numpy(dtype=float),
        err[names].to_numpy(dtype=float),
        inverted,
        names,
        detailed_balance=detailed_balance,
        poor_fit_p=poor_fit_p,
    )
    temperature, flags = _temperature(integrals)
    head = {
        "series": str(integrals["series"].iloc[0]),
        "sample": str(integrals["sample"].iloc[0]),
        "method": "selective_exchange",
        "temperature_K": temperature,
        "flags": flags,
    }
    out = _rows(result, head, int(np.unique(t).size))
    for key, value in result["summary"].items():
        if key.startswith("inversion_"):
            out[key] = value
    return out


def pair_arrhenius(rates: pd.DataFrame, *, poor_fit_p: float) -> pd.DataFrame:
    """Arrhenius fits of k per sample, method, model and ordered site pair
    (:func:`liprobe.exsy.arrhenius.fit_arrhenius`); rows with ``fit_ok``
    False do not enter (counted in ``flags``)."""
    rows = []
    if rates.empty:
        return pd.DataFrame(rows, columns=PAIR_ARRHENIUS_COLUMNS)
    keys = ["sample", "method", "model", "site_from", "site_to"]
    for key, group in rates.dropna(subset=["site_from"]).groupby(keys, sort=True):
        ok = group["fit_ok"].astype(bool)
        res = fit_arrhenius(
            group.loc[ok, "temperature_K"],
            group.loc[ok, "k_per_s"],
            group.loc[ok, "k_per_s_err"],
            poor_fit_p=poor_fit_p,
        )
        if (~ok).sum():
            extra = f"{int((~ok).sum())}_failed_fits_excluded"
            res["flags"] = ";".join(f for f in [res["flags"], extra] if f)
        rows.append({**dict(zip(keys, key, strict=True)), "quantity": "k", **res})
    return pd.DataFrame(rows, columns=PAIR_ARRHENIUS_COLUMNS)
