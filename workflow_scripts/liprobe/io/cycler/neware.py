"""Neware ``.nda`` / ``.ndax`` files (NewareNDA)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.cycler.common import (
    MAX_ELAPSED_S,
    _finish,
    _finite,
    _integrate_mAh,
    _localize,
    _numbers,
    _per_step_increments,
    _third_party_read,
    check_timezone,
)

#: every UTC offset in use is a whole number of quarter hours
OFFSET_STEP = pd.Timedelta(minutes=15)


def ndax_start_time(path: Path) -> pd.Timestamp | None:
    """The ``TestInfo`` ``StartTime`` of an ``.ndax`` (the instrument's local
    clock, no zone), or None when the file has none."""
    if path.suffix.lower() != ".ndax":
        return None
    try:
        from NewareNDA.NewareNDAx import read_ndax_metadata

        meta = read_ndax_metadata(path)
        text = meta["TestInfo"]["TestInfo"]["StartTime"]
        start = pd.Timestamp(str(text))
    except Exception:  # noqa: BLE001 - any damage means: no usable StartTime
        return None
    return None if pd.isna(start) or start.tz is not None else start


def library_times_to_local(
    path: Path, ts: pd.DatetimeIndex, zone: ZoneInfo
) -> pd.DatetimeIndex:
    """Zone-aware ``Timestamp`` values from NewareNDA as naive local times of
    the sheet's zone, after checking that zone against the file.

    Newer Neware files store Unix times, which NewareNDA turns into zone-aware
    times (in the zone of the computer reading them); older ones store the
    instrument's local clock, returned naive. Zone-aware times are accepted
    only when the file says which zone its clock was in: the ``.ndax``
    ``TestInfo`` ``StartTime`` is that local clock, so StartTime minus the
    first record's UTC time, rounded to a quarter hour, is the instrument's
    UTC offset; it must equal the sheet zone's offset at that date. Otherwise,
    or without a StartTime, an :class:`InputError` says which.
    """
    utc = ts.tz_convert("UTC")
    start = ndax_start_time(path)
    if start is None:
        raise InputError(
            path,
            "Timestamp",
            "naive instrument times, or a TestInfo StartTime to check the "
            "zone-aware times NewareNDA returned against cycler_timezone",
            f"zone-aware times from {utc[0]} and no StartTime",
        )
    first = utc[0].tz_localize(None)
    implied = round((start - first) / OFFSET_STEP) * OFFSET_STEP
    try:
        expected = start.tz_localize(zone, ambiguous=True).utcoffset()
    except (ValueError, TypeError):
        expected = None
    if expected is None or pd.Timedelta(expected) != implied:

        def fmt(off) -> str:
            minutes = int(pd.Timedelta(off).total_seconds() // 60)
            sign = "+" if minutes >= 0 else "-"
            return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

        raise InputError(
            path,
            "cycler_timezone",
            f"a zone at {fmt(implied)} on {start.date()}: the file's TestInfo "
            f"StartTime {start} is the instrument's local clock and its first "
            f"record is at {utc[0]}",
            f"{zone.key} ({fmt(expected) if expected is not None else 'invalid'})",
        )
    return utc.tz_convert(zone).tz_localize(None)


def read_neware(
    path: str | Path, timezone: str | None, *, timeout_s: float
) -> pd.DataFrame:
    """Neware ``.nda``/``.ndax`` via ``NewareNDA.read``.

    Times are the step's first ``Timestamp`` plus the step ``Time`` (sub-second
    resolution where the timestamps have whole seconds only), local times of
    the sheet's ``cycler_timezone``; zone-aware timestamps from NewareNDA are
    checked against it first (:func:`library_times_to_local`). Charge comes
    from the per-step ``Charge_Capacity(mAh)`` minus
    ``Discharge_Capacity(mAh)`` counters. ``timeout_s``: how long NewareNDA
    may take.
    """
    path = Path(path)
    zone = check_timezone(path, timezone)
    data = _third_party_read(
        path,
        "NewareNDA",
        "read",
        "nda",
        "a Neware .nda/.ndax file",
        fmt="neware",
        timeout_s=timeout_s,
    )
    need = ["Timestamp", "Time", "Step", "Voltage", "Current(mA)"]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise InputError(path, "columns", f"columns {need}", list(data.columns))
    if data.empty:
        raise InputError(path, "data rows", "at least one recorded point", 0)
    data = _numbers(path, data, ["Time", "Step", "Voltage", "Current(mA)"], 1)
    step = _finite(path, "Step", data["Step"], 1).astype("int64")
    new = np.ones(step.size, dtype=bool)
    new[1:] = step[1:] != step[:-1]
    block = np.cumsum(new)
    try:
        idx = pd.DatetimeIndex(data["Timestamp"])
    except (ValueError, TypeError) as exc:
        raise InputError(path, "Timestamp", "date-times", str(exc)) from None
    if idx.tz is not None:
        idx = library_times_to_local(path, idx, zone)
    ts = pd.Series(idx)
    step_time = _finite(path, "Time", data["Time"], 1)
    if np.abs(step_time).max() > MAX_ELAPSED_S:
        raise InputError(
            path, "Time", f"step times below {MAX_ELAPSED_S:g} s", step_time.max()
        )
    first_ts = ts.groupby(block).transform("first")
    first_time = pd.Series(step_time).groupby(block).transform("first").to_numpy()
    fine = first_ts + pd.to_timedelta(step_time - first_time, unit="s")
    t_utc = _localize(path, fine, zone.key)
    current = _finite(path, "Current(mA)", data["Current(mA)"], 1)
    if {"Charge_Capacity(mAh)", "Discharge_Capacity(mAh)"} <= set(data.columns):
        counter = data["Charge_Capacity(mAh)"].to_numpy(float) - data[
            "Discharge_Capacity(mAh)"
        ].to_numpy(float)
        dq = _per_step_increments(block, counter)
        charge = np.cumsum(dq) - dq[0]
    else:
        charge = _integrate_mAh((t_utc - t_utc.iloc[0]).dt.total_seconds(), current)
    frame = pd.DataFrame(
        {
            "t_utc": t_utc,
            "current_mA": current,
            "voltage_V": data["Voltage"].to_numpy(float),
            "charge_mAh": charge,
            "step": step,
            "technique": data["Status"].astype(str).to_numpy()
            if "Status" in data.columns
            else "",
            "mode": "",
        }
    )
    return _finish(frame, "neware", path, "Timestamp")
