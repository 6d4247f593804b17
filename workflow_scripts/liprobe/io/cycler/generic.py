"""A generic CSV: time and current columns named in the header."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.cycler.common import (
    _current_from_dq,
    _finish,
    _finite,
    _integrate_mAh,
    _localize,
    _numbers,
    _start_plus_elapsed,
    check_timezone,
)


def read_generic_csv(path: str | Path, timezone: str | None) -> pd.DataFrame:
    """The generic cycler CSV (comma separated, ``#`` comment lines allowed).

    Time, one of:

    * ``time_utc``: ISO 8601 times; with an offset they are converted, without
      one they are taken as UTC;
    * ``time``: naive local instrument times (zone from ``timezone``);
    * ``elapsed_s``: seconds since a start given in a comment line
      ``# start: 2024-03-04T09:00:00`` (local instrument time unless it carries
      an offset).

    Current: ``current_mA`` (or ``current_A``), signed working-electrode current;
    if absent, ``charge_mAh`` (cumulative signed) is required and the current is
    derived from its increments. Voltage: ``voltage_V`` (optional). Optional:
    ``charge_mAh``, ``step``, ``technique``.
    """
    path = Path(path)
    zone = check_timezone(path, timezone)
    text = path.read_bytes().decode("utf-8", errors="replace")
    start_text = None
    for line in text.splitlines()[:50]:
        m = re.match(r"#\s*start\s*:\s*(.+)", line.strip())
        if m:
            start_text = m.group(1).strip()
    try:
        data = pd.read_csv(io.StringIO(text), comment="#", dtype=str)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(path, "csv", "a comma separated table", str(exc)) from None
    data.columns = [str(c).strip() for c in data.columns]
    if data.empty:
        raise InputError(path, "data rows", "at least one recorded point", 0)
    numeric = ["current_mA", "current_A", "charge_mAh", "voltage_V", "elapsed_s"]
    data = _numbers(path, data, numeric + ["step"], 2)

    def iso(column: str, utc: bool):
        try:
            return pd.to_datetime(data[column], utc=utc, format="ISO8601")
        except (ValueError, TypeError, OverflowError) as exc:
            raise InputError(path, column, "ISO 8601 times", str(exc)[:120]) from None

    time_field = "time"
    if "time_utc" in data.columns:
        t, time_field = iso("time_utc", True), "time_utc"
    elif "time" in data.columns:
        t = _localize(path, iso("time", False), zone.key)
    elif "elapsed_s" in data.columns:
        if start_text is None:
            raise InputError(
                path, "# start:", "a comment line '# start: <ISO time>'", "none"
            )
        try:
            start = pd.Timestamp(start_text)
        except (ValueError, TypeError, OverflowError):
            start = pd.NaT
        if pd.isna(start):
            raise InputError(path, "# start:", "an ISO 8601 time", start_text)
        if start.tzinfo is None:
            start = _localize(path, pd.DatetimeIndex([start]), zone.key).iloc[0]
        t = _start_plus_elapsed(path, start, data["elapsed_s"], "UTC", "elapsed_s")
        time_field = "elapsed_s"
    else:
        raise InputError(
            path, "time column", "one of time_utc, time, elapsed_s", list(data.columns)
        )
    t = pd.Series(pd.DatetimeIndex(t))
    t_s = (t - t.iloc[0]).dt.total_seconds().to_numpy(float)
    if t.isna().any():
        i = int(np.flatnonzero(t.isna().to_numpy())[0])
        raise InputError(path, time_field, "a time on every row", "NaT", row=i + 2)
    if "current_mA" in data.columns:
        current = _finite(path, "current_mA", data["current_mA"], 2)
    elif "current_A" in data.columns:
        current = _finite(path, "current_A", data["current_A"], 2) * 1e3
    elif "charge_mAh" in data.columns:
        q = _finite(path, "charge_mAh", data["charge_mAh"], 2)
        current = _current_from_dq(t_s, np.diff(q, prepend=q[0]))
    else:
        raise InputError(
            path,
            "current_mA",
            "a current column (current_mA or current_A) or charge_mAh",
            list(data.columns),
        )
    if "charge_mAh" in data.columns:
        q = _finite(path, "charge_mAh", data["charge_mAh"], 2)
        charge = q - q[0]
    else:
        charge = _integrate_mAh(t_s, current)
    frame = pd.DataFrame(
        {
            "t_utc": t,
            "current_mA": current,
            "voltage_V": data["voltage_V"].to_numpy(float)
            if "voltage_V" in data.columns
            else np.nan,
            "charge_mAh": charge,
            "step": data["step"].to_numpy() if "step" in data.columns else -1,
            "technique": data["technique"].to_numpy()
            if "technique" in data.columns
            else "",
            "mode": "",
        }
    )
    return _finish(frame, "csv", path, time_field)
