"""The ``cp_buildup`` table from ``nmr_integrals`` and the campaign's CP series.

One row per series x state x site (region) x model. The intensity is the
region integral per scan and unit receiver gain (``integral_norm``, so that
experiments recorded with other NS or RG compare), the contact time the
integrals' ``list_time_s`` (acqus ``P[15]`` of one-row experiments, or the
``vplist`` / ``vdlist`` of a pseudo-2D one).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from liprobe.cp.buildup import ROW_COLUMNS, fit_buildup
from liprobe.errors import InputError
from liprobe.options import CpOptions

KEY_COLUMNS = [
    "series",
    "state",
    "site",
    "model",
    "chosen",
    "sample",
    "nucleus",
    "n_experiments",
    "contact_time_min_s",
    "contact_time_max_s",
]
COLUMNS = KEY_COLUMNS + [c for c in ROW_COLUMNS if c != "model"]

_INTEGRAL_COLUMNS = [
    "experiment",
    "region",
    "list_time_s",
    "integral_norm",
    "integral_norm_err",
]


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            name, "columns", f"columns {list(columns)}", f"missing {missing}"
        )


def _first(frame: pd.DataFrame, column: str, default: str = "") -> str:
    if column not in frame.columns or frame.empty:
        return default
    values = [v for v in frame[column] if isinstance(v, str) and v]
    return values[0] if values else default


def fit_cp_table(
    integrals: pd.DataFrame,
    experiments: pd.DataFrame,
    series: Mapping[str, Sequence[Mapping]],
    options: CpOptions,
    *,
    integrals_name: str = "nmr_integrals",
    progress: Callable[[], None] | None = None,
) -> pd.DataFrame:
    """Fit every CP build-up curve of the campaign (the ``cp_buildup`` table).

    ``series``: series name -> members ``{"experiment", "state"}`` (from
    :func:`liprobe.plan.campaign.cp_series`). Experiments of a member that have
    no integrals (unreadable folders, flagged by the NMR stage) are counted in
    the flag ``experiments_without_integrals(n)``; rows whose contact time or
    intensity is not a number are left out and counted in
    ``points_dropped(n)``.
    """
    _require(integrals, _INTEGRAL_COLUMNS, integrals_name)
    rows: list[dict] = []
    for name, members in series.items():
        states: dict[str, list[str]] = {}
        for member in members:
            states.setdefault(str(member["state"]), []).append(
                str(member["experiment"])
            )
        for state, names in states.items():
            data = integrals[integrals["experiment"].isin(names)]
            info = (
                experiments[experiments["experiment"].isin(names)]
                if "experiment" in experiments.columns
                else experiments.iloc[0:0]
            )
            missing = sorted(set(names) - set(data["experiment"]))
            if data.empty:
                for model in options.models:
                    rows.append(
                        {
                            "series": name,
                            "state": state,
                            "site": "",
                            "model": model,
                            "chosen": False,
                            "sample": _first(info, "sample"),
                            "nucleus": _first(info, "nucleus"),
                            "n_experiments": 0,
                            "n_points": 0,
                            "fit_ok": False,
                            "flags": f"no_integrals(experiments={len(names)})",
                            "err_method": "",
                        }
                    )
                continue
            for site, curve in data.groupby("region", sort=False):
                t = curve["list_time_s"].to_numpy(float)
                y = curve["integral_norm"].to_numpy(float)
                e = curve["integral_norm_err"].to_numpy(float)
                keep = np.isfinite(t) & np.isfinite(y)
                flags = []
                if missing:
                    flags.append(f"experiments_without_integrals({len(missing)})")
                if not keep.all():
                    flags.append(f"points_dropped({int((~keep).sum())})")
                t, y, e = t[keep], y[keep], e[keep]
                fits = fit_buildup(
                    t,
                    y,
                    e,
                    models=options.models,
                    poor_fit_p_value=options.poor_fit_p_value,
                )
                for fit in fits:
                    own = [f for f in str(fit["flags"]).split(";") if f]
                    rows.append(
                        {
                            **fit,
                            "series": name,
                            "state": state,
                            "site": str(site),
                            "sample": _first(info, "sample"),
                            "nucleus": _first(info, "nucleus"),
                            "n_experiments": int(curve["experiment"].nunique()),
                            "contact_time_min_s": float(t.min())
                            if t.size
                            else math.nan,
                            "contact_time_max_s": float(t.max())
                            if t.size
                            else math.nan,
                            "flags": ";".join(flags + own),
                        }
                    )
                if progress is not None:
                    progress()
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["chosen"] = table["chosen"].astype(bool)
    table["fit_ok"] = table["fit_ok"].astype(bool)
    return table


def n_curves(integrals: pd.DataFrame, series: Mapping[str, Sequence[Mapping]]) -> int:
    """How many build-up curves :func:`fit_cp_table` fits (for progress)."""
    total = 0
    for members in series.values():
        by_state: dict[str, set] = {}
        for member in members:
            by_state.setdefault(str(member["state"]), set()).add(
                str(member["experiment"])
            )
        for names in by_state.values():
            sel = integrals[integrals["experiment"].isin(names)]
            total += int(sel["region"].nunique()) if "region" in sel else 0
    return total
