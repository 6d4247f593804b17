"""Helpers that turn ndp sheet rows into plain rule inputs and params."""

from __future__ import annotations

import glob
import json
import math

import pandas as pd

from liprobe.errors import InputError

RUN_COLUMNS = (
    "cell",
    "stack",
    "area_cm2",
    "format",
    "listmode_start_utc",
    "cycler",
    "cycler_timezone",
    "plating_sign",
    "li6_fraction",
    "slice_s",
    "background",
    "reference",
    "deposit_thickness_um",
    "deposit_thickness_um_err",
)


def cell_value(sheet: pd.DataFrame, run: str, column: str):
    """One cell of the ndp sheet as a plain value, None when absent or empty."""
    if column not in sheet.columns:
        return None
    value = sheet.loc[run, column]
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


def run_sheet(sheet: pd.DataFrame, run: str) -> dict:
    """The sheet values of one NDP run (plain str / int / float / None)."""
    out = {}
    for column in RUN_COLUMNS:
        value = cell_value(sheet, run, column)
        if value is not None and not isinstance(value, int | float):
            value = str(value)
        out[column] = value
    return out


def listmode_files(sheet: pd.DataFrame, run: str, sheet_name: str = "ndp sheet"):
    """The run's list-mode files; a glob pattern expands to its sorted matches."""
    pattern = str(sheet.loc[run, "listmode"])
    found = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
    if not found:
        raise InputError(sheet_name, f"listmode (run {run})", "matching files", pattern)
    return found


def optional(sheet: pd.DataFrame, run: str, column: str, path: str | None = None):
    """``[path]`` (default: the cell's own value) when the run names ``column``."""
    value = cell_value(sheet, run, column)
    if value is None:
        return []
    return [str(value) if path is None else path]


def check_start_times(sheet: pd.DataFrame, sheet_name: str = "ndp sheet") -> None:
    """Every given ``listmode_start_utc`` is an ISO 8601 time with its zone.

    Checked when the workflow is parsed; whether a run needs one (a format that
    stores no absolute time) is known only when its file is read.
    """
    for run in sheet.index:
        value = cell_value(sheet, run, "listmode_start_utc")
        if value is None:
            continue
        try:
            start = pd.Timestamp(str(value))
        except ValueError:
            raise InputError(
                sheet_name,
                f"listmode_start_utc (run {run})",
                "an ISO 8601 time",
                value,
            ) from None
        if start.tz is None:
            raise InputError(
                sheet_name,
                f"listmode_start_utc (run {run})",
                "a time with its zone (e.g. 2024-03-04T07:50:00+00:00)",
                value,
            )


def run_setting(params) -> tuple[str, dict, dict]:
    """``(run, sheet row, provenance config)`` of an NDP rule's params
    (``run``, ``run_sheet`` and the ``ndp`` options as plain values)."""
    row = dict(params.run_sheet)
    config = {"ndp": dict(params.options), "run": row}
    return str(params.run), row, json.loads(json.dumps(config, default=str))
