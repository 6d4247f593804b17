"""MACCOR text exports (unsigned current with a C/D/R state column)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.cycler.common import (
    _finish,
    _finite,
    _numbers,
    _per_step_increments,
    _start_plus_elapsed,
    check_timezone,
)

_MACCOR_SPAN = re.compile(r"^\s*(?:(\d+)d\s+)?(\d+):(\d+):([\d.]+)\s*$")


def _maccor_seconds(path: Path, values: pd.Series) -> np.ndarray:
    """'1d 10:10:5.47' -> seconds."""
    out = np.empty(len(values))
    for i, text in enumerate(values.fillna("").astype(str)):
        m = _MACCOR_SPAN.match(text)
        if m is None:
            try:
                out[i] = float(text)
                continue
            except ValueError:
                raise InputError(
                    path, "TestTime", "'<d>d HH:MM:SS.s' or seconds", text, row=i + 1
                ) from None
        d, h, mi, s = m.groups()
        out[i] = int(d or 0) * 86400 + int(h) * 3600 + int(mi) * 60 + float(s)
    return out


def read_maccor(path: str | Path, timezone: str | None) -> pd.DataFrame:
    """MACCOR text export: two title lines, a tab separated table.

    ``Amps`` is unsigned; ``State`` C (charge) gives positive, D (discharge)
    negative, R (rest) zero current; other states keep zero current and their
    letter as technique. ``Amp-hr`` restarts at every step and is used for the
    charge increments. Time zero is the first ``DPt Time`` (MM/DD/YYYY) minus
    its ``TestTime``.
    """
    path = Path(path)
    zone = check_timezone(path, timezone)
    text = path.read_bytes().decode("latin-1")
    lines = text.splitlines()
    header_row = next(
        (i for i, line in enumerate(lines[:20]) if line.startswith("Rec#")), None
    )
    if header_row is None:
        raise InputError(
            path,
            "header",
            "a column header line starting 'Rec#'",
            "none in the first 20 lines",
        )
    try:
        data = pd.read_csv(
            io.StringIO("\n".join(lines[header_row:])),
            sep="\t",
            usecols=lambda c: (
                c.strip()
                in {
                    "Rec#",
                    "Step",
                    "TestTime",
                    "Amp-hr",
                    "Amps",
                    "Volts",
                    "State",
                    "DPt Time",
                }
            ),
            dtype={"State": str, "TestTime": str, "DPt Time": str},
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(
            path, "data table", "tab separated columns", str(exc)
        ) from None
    data.columns = [c.strip() for c in data.columns]
    need = ["Step", "TestTime", "Amp-hr", "Amps", "Volts", "State"]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise InputError(path, "columns", f"columns {need}", list(data.columns))
    if data.empty:
        raise InputError(path, "data rows", "at least one recorded point", 0)
    first = header_row + 2  # file line of the first data row
    data = _numbers(path, data, ["Step", "Amp-hr", "Amps", "Volts"], first)
    state = data["State"].astype(str).str.strip().str.upper()
    sign = np.select([state == "C", state == "D"], [1.0, -1.0], 0.0)
    amps = _finite(path, "Amps", data["Amps"], first)
    if np.nanmin(amps) < 0:
        # already signed export: keep the sign it has
        sign = np.where(state == "R", 0.0, 1.0)
    current = amps * sign * 1e3
    elapsed = _maccor_seconds(path, data["TestTime"])
    if "DPt Time" in data.columns and data["DPt Time"].notna().any():
        first = data["DPt Time"].dropna().index[0]
        try:
            stamp = pd.to_datetime(
                str(data.loc[first, "DPt Time"]).strip(), format="%m/%d/%Y %H:%M:%S"
            )
        except ValueError:
            raise InputError(
                path, "DPt Time", "MM/DD/YYYY HH:MM:SS", data.loc[first, "DPt Time"]
            ) from None
        start = stamp - pd.Timedelta(seconds=float(elapsed[first]))
    else:
        m = re.search(r"Date of Test:\s*([^\t]+)", text[:2000])
        if m is None:
            raise InputError(path, "Date of Test", "the test start time", None)
        try:
            start = pd.to_datetime(m.group(1).strip(), format="%d %B %Y, %I:%M:%S %p")
        except ValueError:
            raise InputError(
                path,
                "Date of Test",
                "a date like '1 March 2024, 9:00:00 AM'",
                m.group(1).strip(),
            ) from None
    step = _finite(path, "Step", data["Step"], first).astype("int64")
    counter = _finite(path, "Amp-hr", data["Amp-hr"], first) * 1e3
    amps_sign = np.sign(sign) if np.nanmin(amps) >= 0 else np.sign(current)
    dq = _per_step_increments(step, counter) * amps_sign
    frame = pd.DataFrame(
        {
            "t_utc": _start_plus_elapsed(path, start, elapsed, zone.key, "TestTime"),
            "current_mA": current,
            "voltage_V": data["Volts"].to_numpy(float),
            "charge_mAh": np.cumsum(dq) - dq[0],
            "step": step,
            "technique": np.where(np.isin(state, ["C", "D", "R"]), "", state),
            "mode": state.to_numpy(),
        }
    )
    return _finish(frame, "maccor", path, "TestTime")
