"""Neware ``.nda`` / ``.ndax`` files (NewareNDA)."""

from __future__ import annotations

from pathlib import Path

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


def read_neware(
    path: str | Path, timezone: str | None, *, timeout_s: float
) -> pd.DataFrame:
    """Neware ``.nda``/``.ndax`` via ``NewareNDA.read``.

    Times are the step's first ``Timestamp`` plus the step ``Time`` (sub-second
    resolution where the timestamps have whole seconds only). Charge comes from
    the per-step ``Charge_Capacity(mAh)`` minus ``Discharge_Capacity(mAh)``
    counters. ``timeout_s``: how long NewareNDA may take.
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
        ts = pd.Series(pd.DatetimeIndex(data["Timestamp"]))
    except (ValueError, TypeError) as exc:
        raise InputError(path, "Timestamp", "date-times", str(exc)) from None
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
