"""Helpers that turn ndp sheet rows into plain rule inputs and params."""

from __future__ import annotations

import glob
import json
import os

import pandas as pd

from liprobe.errors import InputError
from liprobe.io.sheets import cell_value, row_values

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
    "monitor_channel",
)


def run_sheet(sheet: pd.DataFrame, run: str) -> dict:
    """The sheet values of one NDP run (plain str / int / float / None)."""
    return row_values(sheet, run, RUN_COLUMNS)


def listmode_files(sheet: pd.DataFrame, run: str, sheet_name: str = "ndp sheet"):
    """The run's list-mode files: the file the cell names when it exists (``[``
    and ``*`` are then characters of its name), else the sorted matches of the
    cell as a glob pattern."""
    pattern = str(sheet.loc[run, "listmode"])
    if os.path.exists(pattern) or not glob.has_magic(pattern):
        return [pattern]
    found = sorted(glob.glob(pattern))
    if not found:
        raise InputError(sheet_name, f"listmode (run {run})", "matching files", pattern)
    return found


def _identity(path: str) -> tuple[int, int] | str:
    try:
        st = os.stat(path)
    except OSError:
        return os.path.abspath(path)
    return (st.st_dev, st.st_ino)


def check_raw_inputs(sheet: pd.DataFrame, sheet_name: str = "ndp sheet") -> None:
    """Each list-mode file is the signal of one run only, and never a background
    or reference file of any run (a glob that reaches them is an error: narrow
    the pattern); a run's background and reference are different files.

    Background and reference files may be shared by several runs (one standard
    measured for a whole beam time). Checked when the workflow is parsed.
    """
    signal: dict = {}
    for run in sheet.index:
        for path in listmode_files(sheet, run, sheet_name):
            key = _identity(path)
            if key in signal:
                raise InputError(
                    sheet_name,
                    f"listmode (run {run})",
                    "list-mode files measured for this run only",
                    f"{path}, already a list-mode file of run {signal[key]}",
                )
            signal[key] = str(run)
    for run in sheet.index:
        roles = {}
        for column in ("background", "reference"):
            value = cell_value(sheet, run, column)
            if value is None:
                continue
            key = _identity(str(value))
            if key in signal:
                raise InputError(
                    sheet_name,
                    f"listmode (run {signal[key]})",
                    f"signal files other than the {column} file of run {run} "
                    "(narrow the listmode pattern)",
                    str(value),
                )
            if key in roles:
                raise InputError(
                    sheet_name,
                    f"{column} (run {run})",
                    f"a file other than the run's {roles[key]} file",
                    str(value),
                )
            roles[key] = column


def optional(sheet: pd.DataFrame, run: str, column: str, path: str | None = None):
    """``[path]`` (default: the cell's own value) when the run names ``column``."""
    value = cell_value(sheet, run, column)
    if value is None:
        return []
    return [str(value) if path is None else path]


def parse_start_times(value, sheet_name: str, run: str) -> list[pd.Timestamp]:
    """The UTC times of a ``listmode_start_utc`` cell: one ISO 8601 time with
    its zone, or one per list-mode file separated by ``;`` (a run whose
    acquisition was restarted between files)."""
    field = f"listmode_start_utc (run {run})"
    out = []
    for part in str(value).split(";"):
        text = part.strip()
        try:
            start = pd.Timestamp(text) if text else None
        except ValueError:
            start = None
        if start is None or pd.isna(start):
            raise InputError(
                sheet_name, field, "ISO 8601 times separated by ';'", value
            )
        if start.tz is None:
            raise InputError(
                sheet_name,
                field,
                "a time with its zone (e.g. 2024-03-04T07:50:00+00:00)",
                value,
            )
        out.append(start.tz_convert("UTC"))
    return out


def run_start_times(
    value, file_starts: list, sheet_name: str, run: str
) -> tuple[pd.Timestamp | None, list[float | None]]:
    """The run's start (UTC) and each file's acquisition start in seconds
    after it (None: the file's time tags continue the previous file's).

    ``value`` is the sheet's ``listmode_start_utc`` (None when empty),
    ``file_starts`` each file's own start time (None for formats that store
    none). One sheet time per file gives each file's start; a single sheet
    time is the run's start, and files that store their start keep their
    distance from the first file's. Without a sheet time the first file's
    own start is the run's start (None when it has none).
    """
    n = len(file_starts)
    own = [None if s is None else pd.Timestamp(s) for s in file_starts]
    if value is not None:
        times = parse_start_times(value, sheet_name, run)
        if len(times) == n and n > 1:
            return times[0], [(t - times[0]).total_seconds() for t in times]
        if len(times) != 1:
            raise InputError(
                sheet_name,
                f"listmode_start_utc (run {run})",
                f"one time, or one per list-mode file ({n})",
                f"{len(times)} times",
            )
        start = times[0]
    else:
        start = own[0] if n else None
    if n and own[0] is not None:
        rel = [None if s is None else (s - own[0]).total_seconds() for s in own]
    else:
        rel = [0.0] + [None] * (n - 1) if n else []
    return start, rel


def check_start_times(sheet: pd.DataFrame, sheet_name: str = "ndp sheet") -> None:
    """Every given ``listmode_start_utc`` is an ISO 8601 time with its zone
    (or several, one per file, separated by ``;``).

    Checked when the workflow is parsed; whether a run needs one (a format that
    stores no absolute time) is known only when its file is read.
    """
    for run in sheet.index:
        value = cell_value(sheet, run, "listmode_start_utc")
        if value is not None:
            parse_start_times(value, sheet_name, str(run))


def run_setting(params) -> tuple[str, dict, dict]:
    """``(run, sheet row, provenance config)`` of an NDP rule's params
    (``run``, ``run_sheet`` and the ``ndp`` options as plain values)."""
    row = dict(params.run_sheet)
    config = {"ndp": dict(params.options), "run": row}
    return str(params.run), row, json.loads(json.dumps(config, default=str))
