"""The ``relaxation_fits`` table from ``nmr_integrals`` and ``nmr_experiments``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.nmr.kinds import RELAXATION_KINDS
from liprobe.options import RelaxationOptions
from liprobe.relaxation.fitting import fit_curve
from liprobe.relaxation.models import MODELS, models_for_kind
from liprobe.relaxation.temperature import calibrate_temperature

FIT_COLUMNS = [
    "experiment",
    "sample",
    "series",
    "region",
    "quantity",
    "kind",
    "model",
    "temperature_K",
    "time_constant_s",
    "time_constant_s_err",
    "beta",
    "fit_ok",
    "flags",
]


def _require(frame: pd.DataFrame, cols: list[str], name: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError(name, "columns", f"columns {cols}", f"missing {missing}")


def sample_temperatures(
    experiments: pd.DataFrame, options: RelaxationOptions
) -> pd.DataFrame:
    """Per experiment: set-point and calibrated sample temperature and MAS rate.

    The spinning rate comes from the config (``temperature_calibration.mas_kHz``),
    else from a ``mas_kHz`` column of the experiments table, else, only when the
    calibration has a MAS term, from acqus ``masr_Hz`` (often a stale default:
    the column ``mas_source`` says which was used).
    """
    cal = options.temperature_calibration
    coeff = float(cal.mas_coefficient_K_per_kHz2)
    n = len(experiments)
    if cal.mas_kHz is not None:
        mas, source = np.full(n, float(cal.mas_kHz)), "config"
    elif "mas_kHz" in experiments:
        mas, source = experiments["mas_kHz"].to_numpy(float), "experiments mas_kHz"
    elif coeff != 0.0 and "masr_Hz" in experiments:
        mas, source = experiments["masr_Hz"].to_numpy(float) / 1e3, "acqus MASR"
    else:
        mas, source = np.zeros(n), "none (0)"
    T_set = experiments["temperature_K"].to_numpy(float)
    T = calibrate_temperature(
        T_set,
        mas,
        offset_K=float(cal.offset_K),
        slope=float(cal.slope),
        mas_coefficient_K_per_kHz2=coeff,
    )
    return pd.DataFrame(
        {
            "experiment": experiments["experiment"].to_numpy(),
            "temperature_set_K": T_set,
            "temperature_K": T,
            "mas_kHz": mas,
            "mas_source": source,
        }
    )


def _failed_rows(exps: pd.DataFrame) -> list[dict]:
    """One flagged fit row per unreadable experiment of a relaxation (or unknown)
    kind: no fit, ``fit_ok`` False, flag ``input_error``, the message in ``error``."""
    if "status" not in exps:
        return []
    bad = exps[
        (exps["status"] == "input_error")
        & exps["kind"].isin([*RELAXATION_KINDS, "unknown"])
    ]
    return [
        {
            "experiment": e["experiment"],
            "sample": e["sample"],
            "series": e["series"],
            "region": "",
            "quantity": "",
            "kind": e["kind"],
            "model": "",
            "temperature_K": float(e["temperature_K"]),
            "time_constant_s": np.nan,
            "time_constant_s_err": np.nan,
            "beta": np.nan,
            "fit_ok": False,
            "flags": "input_error",
            "selected": True,
            "selection": "no fit: the experiment could not be read",
            "error": str(e["error"]),
        }
        for _, e in bad.iterrows()
    ]


def fit_relaxation_table(
    integrals: pd.DataFrame,
    experiments: pd.DataFrame,
    options: RelaxationOptions,
    *,
    integrals_name: str = "nmr_integrals",
    experiments_name: str = "nmr_experiments",
) -> pd.DataFrame:
    """Fit every relaxation experiment x region x quantity x candidate model.

    Candidates come from ``options.models[kind]`` (default per kind, or
    ``"auto"`` for every model of the kind's family); with several candidates
    the one with the lowest ``criterion`` (AIC or BIC) among the fits with
    ``fit_ok`` (among the converged ones when none is ok) is ``selected`` and
    the choice is stated in ``selection``. The sample temperature is the
    calibrated one (``temperature_set_K`` keeps the set point). Failed fits
    are rows with ``fit_ok`` False and ``flags``. An experiment the conversion
    could not read (``status`` ``input_error`` in the experiments table) of a
    relaxation kind, or of a kind its files could not tell, is one row with
    ``fit_ok`` False, the flag ``input_error`` and its message in ``error``.
    """
    o = options
    _require(
        integrals, ["experiment", "region", "list_time_s", "integral"], integrals_name
    )
    _require(
        experiments, ["experiment", "sample", "kind", "temperature_K"], experiments_name
    )
    exps = experiments.copy()
    if "series" not in exps:
        exps["series"] = exps["sample"]
    blank = exps["series"].isna() | (exps["series"].astype(str).str.strip() == "")
    exps["series"] = exps["series"].where(~blank, exps["sample"])
    for c in ("larmor_MHz", "spinlock_kHz", "nucleus"):
        if c not in exps:
            exps[c] = np.nan
    if o.spinlock_kHz is not None:
        exps["spinlock_kHz"] = exps["spinlock_kHz"].fillna(float(o.spinlock_kHz))
    exps = exps.merge(
        sample_temperatures(exps, o).drop(columns="experiment").set_index(exps.index),
        left_index=True,
        right_index=True,
        suffixes=("_raw", ""),
    )
    dup = exps["experiment"][exps["experiment"].duplicated()].unique().tolist()
    if dup:
        raise InputError(
            experiments_name, "experiment", "unique experiment ids", f"repeated {dup}"
        )
    failed = _failed_rows(exps)
    exps = exps[exps["kind"].isin(RELAXATION_KINDS)].set_index("experiment")
    rows = []
    quantities = [q for q in o.quantities if q in integrals.columns]
    for (exp, region), g in integrals.groupby(["experiment", "region"], sort=True):
        if exp not in exps.index:
            continue
        e = exps.loc[exp]
        kind = e["kind"]
        try:
            names = models_for_kind(kind, o.models.get(kind))
        except KeyError:
            continue
        unknown = [n for n in names if n not in MODELS]
        if unknown:
            raise InputError(
                "config relaxation.models",
                kind,
                f"model names from {sorted(MODELS)}",
                unknown,
            )
        g = g.sort_values("list_time_s")
        t = g["list_time_s"].to_numpy(float)
        for q in quantities:
            y = g[q].to_numpy(float)
            ecol = f"{q}_err"
            yerr = g[ecol].to_numpy(float) if ecol in g else None
            fits = []
            for name in names:
                r = fit_curve(
                    t,
                    y,
                    yerr,
                    name,
                    scale_covar=bool(o.scale_covar),
                    poor_fit_p=float(o.poor_fit_p_value),
                    n_bootstrap=int(o.n_bootstrap),
                    engine=str(o.engine),
                )
                fits.append(r)
            crit = str(o.criterion).lower()
            # lowest criterion among fits that are ok; among converged ones
            # when none is ok (the selected row then carries its flags)
            scores = [
                r[crit] if r["fit_ok"] and np.isfinite(r[crit]) else np.inf
                for r in fits
            ]
            if not np.isfinite(scores).any():
                scores = [
                    r[crit] if r["success"] and np.isfinite(r[crit]) else np.inf
                    for r in fits
                ]
            best = int(np.argmin(scores)) if len(fits) else 0
            for i, r in enumerate(fits):
                row = {
                    "experiment": exp,
                    "sample": e["sample"],
                    "series": e["series"],
                    "region": region,
                    "quantity": q,
                    "kind": kind,
                    "temperature_K": float(e["temperature_K"]),
                    "temperature_set_K": float(e["temperature_set_K"]),
                    "mas_kHz": float(e["mas_kHz"]),
                    "mas_source": e["mas_source"],
                    "nucleus": e["nucleus"],
                    "larmor_MHz": float(e["larmor_MHz"]),
                    "spinlock_kHz": float(e["spinlock_kHz"]),
                    "longest_list_time_s": float(np.nanmax(t)) if len(t) else np.nan,
                    "selected": i == best,
                    "selection": (
                        f"{crit} among {','.join(names)}"
                        if len(names) > 1
                        else "single candidate"
                    ),
                    **r,
                }
                tau, tau_e = r["time_constant_s"], r["time_constant_s_err"]
                row["rate_per_s"] = 1 / tau if np.isfinite(tau) else np.nan
                row["rate_per_s_err"] = tau_e / tau**2 if np.isfinite(tau) else np.nan
                rows.append(row)
    rows.extend(failed)
    out = pd.DataFrame(rows)
    if out.empty:
        out = pd.DataFrame(columns=FIT_COLUMNS)
    rest = [c for c in out.columns if c not in FIT_COLUMNS]
    out = out[FIT_COLUMNS + rest].reset_index(drop=True)
    out["fit_ok"] = out["fit_ok"].astype(bool)
    out["flags"] = out["flags"].fillna("").astype(str)
    return out
