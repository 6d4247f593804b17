"""The ``relaxation_fits`` table from ``nmr_integrals`` and ``nmr_experiments``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.nmr.kinds import RELAXATION_KINDS
from liprobe.options import RelaxationOptions
from liprobe.relaxation.cpmg import (
    decay_outliers,
    describe_excluded,
    excess_scatter,
    select_echoes,
)
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


#: TopSpin's name of what it fitted -> the liprobe quantity it corresponds to
TOPSPIN_QUANTITY = {"intensity": "height", "area": "integral", "integral": "integral"}

TOPSPIN_COLUMNS = {
    "topspin_time_constant_s": np.nan,
    "topspin_time_constant_2_s": np.nan,
    "topspin_fitted": "",
    "topspin_function": "",
    "topspin_peak_ppm": np.nan,
    "topspin_note": "",
}


def _list_unit_factor(list_max: float, longest_s: float) -> tuple[float, str]:
    """Factor that turns TopSpin's printed times into seconds, and a note.

    TopSpin prints the list as it read it: a vplist's microseconds appear as
    seconds. When its longest list entry is 1e3 or 1e6 times ours (within 1 %),
    its time constants are divided by that factor and the note says so.
    """
    if not (np.isfinite(list_max) and np.isfinite(longest_s) and longest_s > 0):
        return 1.0, ""
    ratio = list_max / longest_s
    for factor in (1.0, 1e3, 1e6):
        if abs(ratio / factor - 1) < 0.01:
            if factor == 1.0:
                return 1.0, ""
            return 1.0 / factor, f"topspin_list_unit_rescaled(x{1 / factor:g})"
    return 1.0, f"topspin_list_differs(longest {list_max:g} vs {longest_s:g} s)"


def topspin_beside(
    fits: pd.DataFrame, integrals: pd.DataFrame, topspin: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Add TopSpin's own fitted time constants beside liprobe's.

    ``topspin`` maps an experiment to :func:`liprobe.io.bruker.read_topspin_fits`
    output. Each TopSpin peak goes to the region whose height point
    (``peak_ppm`` of the integrals, median over rows) lies nearest to its peak
    point; a region claimed by several peaks keeps the nearest. Columns
    :data:`TOPSPIN_COLUMNS`: the time constant(s) in s (unit trap of vplists
    undone, see :func:`_list_unit_factor`), what TopSpin fitted
    (``topspin_fitted``: ``height`` for its intensity fit, ``integral`` for its
    area fit), its function, its peak point and a note. They go on every row
    of the region, whichever quantity the row fitted.
    """
    out = fits.copy()
    for col, empty in TOPSPIN_COLUMNS.items():
        out[col] = empty
    if not topspin or not len(out) or "peak_ppm" not in integrals:
        return out
    for exp, table in topspin.items():
        if table is None or not len(table):
            continue
        ints = integrals[integrals["experiment"] == exp]
        where = ints.groupby("region")["peak_ppm"].median()
        if where.empty:
            continue
        rows = out["experiment"] == exp
        longest = (
            float(out.loc[rows, "longest_list_time_s"].max()) if rows.any() else np.nan
        )
        claimed: dict[str, tuple[float, pd.Series]] = {}
        for _, peak in table.iterrows():
            dist = (where - float(peak["peak_ppm"])).abs()
            region = str(dist.idxmin())
            if region not in claimed or dist.min() < claimed[region][0]:
                claimed[region] = (float(dist.min()), peak)
        for region, (_, peak) in claimed.items():
            factor, note = _list_unit_factor(float(peak["list_max"]), longest)
            sel = rows & (out["region"].astype(str) == region)
            out.loc[sel, "topspin_time_constant_s"] = (
                float(peak["time_constant"]) * factor
            )
            out.loc[sel, "topspin_time_constant_2_s"] = (
                float(peak["time_constant_2"]) * factor
            )
            out.loc[sel, "topspin_fitted"] = TOPSPIN_QUANTITY.get(
                str(peak["fitted"]), str(peak["fitted"])
            )
            out.loc[sel, "topspin_function"] = str(peak["function"])
            out.loc[sel, "topspin_peak_ppm"] = float(peak["peak_ppm"])
            out.loc[sel, "topspin_note"] = note
    return out


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
    topspin: dict[str, pd.DataFrame] | None = None,
    progress=None,
) -> pd.DataFrame:
    """Fit every relaxation experiment x region x quantity x candidate model.

    Candidates come from ``options.models[kind]`` (default per kind, or
    ``"auto"`` for every model of the kind's family); with several candidates
    the one with the lowest ``criterion`` (AIC or BIC) among the fits with
    ``fit_ok`` (among the converged ones when none is ok) is ``selected`` and
    the choice is stated in ``selection``. The sample temperature is the
    calibrated one (``temperature_set_K`` keeps the set point). Failed fits
    are rows with ``fit_ok`` False and ``flags``. CPMG (``t2``) echo trains
    are fitted on the echoes ``options.cpmg_echoes`` picks from a list of mixed
    parity and without the points no decay passes through
    (:mod:`liprobe.relaxation.cpmg`; columns ``echo_parity``,
    ``excluded_points``, ``n_excluded``); with ``options.cpmg_excess_scatter``
    their point errors also carry the scatter beyond the thermal noise that
    the points themselves show (:func:`liprobe.relaxation.cpmg.excess_scatter`;
    columns ``excess_scatter_rel``, ``excess_scatter_n``). ``topspin`` (experiment ->
    TopSpin's fitted time constants) puts them beside ours
    (:func:`topspin_beside`). An experiment the conversion could not read
    (``status`` ``input_error`` in the experiments table) of a relaxation
    kind, or of a kind its files could not tell, is one row with ``fit_ok``
    False, the flag ``input_error`` and its message in ``error``. ``progress``,
    when given, is called with 1 after every experiment x region (its fits
    and bootstrap done).
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
        t_all = g["list_time_s"].to_numpy(float)
        counts = g["loop_count"].to_numpy(float) if "loop_count" in g else None
        if kind == "t2":
            keep, parity = select_echoes(counts, str(o.cpmg_echoes))
            if keep.size == 0:
                keep = np.ones(len(g), bool)
        else:
            keep, parity = np.ones(len(g), bool), ""
        for q in quantities:
            ecol = f"{q}_err"
            y_all = g[q].to_numpy(float)
            e_all = g[ecol].to_numpy(float) if ecol in g else None
            use = keep.copy()
            excluded_text = ""
            if kind == "t2":
                sub = np.flatnonzero(use)
                bad = decay_outliers(
                    t_all[sub],
                    y_all[sub],
                    None if e_all is None else e_all[sub],
                    o.cpmg_outlier_sigma,
                )
                bad = [(int(sub[i]), why) for i, why in bad]
                for i, _ in bad:
                    use[i] = False
                excluded_text = describe_excluded(
                    bad,
                    g["increment"].to_numpy()
                    if "increment" in g
                    else np.arange(len(g)),
                    t_all,
                    counts,
                )
            t = t_all[use]
            y = y_all[use]
            yerr = None if e_all is None else e_all[use]
            scatter, n_diff = math.nan, 0
            if kind == "t2" and o.cpmg_excess_scatter:
                scatter, n_diff = excess_scatter(t, y, yerr)
                if math.isfinite(scatter) and scatter > 0:
                    yerr = np.sqrt(yerr**2 + (scatter * y) ** 2)
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
                    "echo_parity": parity,
                    "excluded_points": excluded_text,
                    "n_excluded": int((~use).sum()),
                    "excess_scatter_rel": scatter,
                    "excess_scatter_n": n_diff,
                    "selected": i == best,
                    "selection": (
                        f"{crit} among {','.join(names)}"
                        if len(names) > 1
                        else "single candidate"
                    ),
                    **r,
                }
                if math.isfinite(scatter) and scatter > 0:
                    row["err_method"] = (
                        f"{row.get('err_method', '')}; point errors combined with "
                        f"the measured excess scatter ({scatter:.3g} relative, "
                        f"from {n_diff} fourth differences)"
                    ).lstrip("; ")
                tau, tau_e = r["time_constant_s"], r["time_constant_s_err"]
                row["rate_per_s"] = 1 / tau if np.isfinite(tau) else np.nan
                row["rate_per_s_err"] = tau_e / tau**2 if np.isfinite(tau) else np.nan
                rows.append(row)
        if progress is not None:
            progress(1)
    rows.extend(failed)
    out = pd.DataFrame(rows)
    if out.empty:
        out = pd.DataFrame(columns=FIT_COLUMNS)
    rest = [c for c in out.columns if c not in FIT_COLUMNS]
    out = out[FIT_COLUMNS + rest].reset_index(drop=True)
    out = topspin_beside(out, integrals, topspin or {})
    out["fit_ok"] = out["fit_ok"].astype(bool)
    out["flags"] = out["flags"].fillna("").astype(str)
    return out
