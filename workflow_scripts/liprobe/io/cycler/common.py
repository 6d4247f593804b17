"""The common cycler trace: columns, time zones, numbers, charge integration,
the finishing checks every reader applies, and gap checks.
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.cycler.versions import WORKAROUNDS, header_version

TRACE_COLUMNS = [
    "t_utc",
    "elapsed_s",
    "current_mA",
    "voltage_V",
    "charge_mAh",
    "step",
    "technique",
    "mode",
    "source",
]

FORMATS = ("biologic_mpr", "biologic_mpt", "neware", "maccor", "csv")
#: Times may step back by this much (s, rounding of sub-second times) before a
#: file's time order counts as broken.
BACKWARDS_TOLERANCE_S = 1.0
#: Elapsed times beyond this (about 300 years) are corrupted numbers.
MAX_ELAPSED_S = 1e10


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #
def check_timezone(path: str | Path, timezone: str | None) -> ZoneInfo:
    """The ``ZoneInfo`` of an IANA name, or an InputError naming the file."""
    if timezone is None or (isinstance(timezone, float) and np.isnan(timezone)):
        timezone = ""
    name = str(timezone).strip()
    if not name:
        raise InputError(
            path,
            "cycler_timezone",
            "the IANA time zone of the cycler's clock (e.g. 'Europe/Amsterdam'); "
            "cycler files store local times without a zone",
            timezone,
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            path, "cycler_timezone", "a valid IANA time zone name", name
        ) from None


def _localize(path, naive: pd.Series | pd.DatetimeIndex, timezone: str) -> pd.Series:
    """Naive local instrument times -> tz-aware UTC (DST transitions inferred)."""
    zone = check_timezone(path, timezone)
    idx = pd.DatetimeIndex(naive)
    if idx.tz is not None:
        return pd.Series(idx.tz_convert("UTC"))
    try:
        local = idx.tz_localize(zone, ambiguous="infer", nonexistent="raise")
    except (ValueError, TypeError) as exc:
        # inference needs a monotonic series of several points; without it,
        # times are fine as long as none is ambiguous or nonexistent
        try:
            local = idx.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        except (ValueError, TypeError):
            raise InputError(
                path, "timestamps", f"local times valid in {zone.key}", str(exc)
            ) from None
        if local.isna().any():
            raise InputError(
                path,
                "timestamps",
                f"local times that exist unambiguously in {zone.key}",
                str(idx[local.isna()][0]),
            ) from None
    return pd.Series(local.tz_convert("UTC"))


def _numbers(
    path: Path,
    data: pd.DataFrame,
    columns,
    first_line: int,
    decimal: str = ".",
) -> pd.DataFrame:
    """``columns`` of ``data`` as floats; a cell that is no number is an InputError.

    Empty cells and ``nan`` become NaN (the callers check the columns that must
    be finite). With ``decimal=","`` a cell holding a decimal point is rejected
    too (a file mixing both separators). ``first_line`` is the file line (or
    record number) of the first data row, for the message.
    """
    out = data.copy()
    for col in columns:
        if col not in out.columns:
            continue
        raw = out[col]
        if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
            out[col] = raw.astype(float)
            continue
        text = raw.astype(str).str.strip()
        other = "." if decimal == "," else ","
        wrong = text.str.contains(other, regex=False)
        if decimal == ",":
            text = text.str.replace(",", ".", regex=False)
        values = pd.to_numeric(text.where(~wrong), errors="coerce")
        blank = raw.isna() | text.str.lower().isin(["", "nan"])
        bad = (values.isna() & ~blank).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            sep = "decimal comma" if decimal == "," else "decimal point"
            raise InputError(
                path,
                str(col),
                f"a number (with a {sep}, like the first data row)",
                str(raw.iloc[i])[:60],
                row=first_line + i,
            )
        out[col] = values.astype(float)
    return out


def _finite(path: Path, column: str, values, first_line: int) -> np.ndarray:
    """``values`` as floats, or an InputError naming the first NaN or inf row."""
    arr = np.asarray(values, dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            path,
            column,
            "a finite number on every row",
            str(arr[i]),
            row=first_line + i,
        )
    return arr


def _start_plus_elapsed(
    path, start_local, elapsed_s, timezone, field: str = "time/s"
) -> pd.Series:
    """UTC times from one local start instant plus elapsed instrument seconds."""
    start = _localize(path, pd.DatetimeIndex([start_local]), timezone).iloc[0]
    elapsed = _finite(path, field, elapsed_s, 1)
    if elapsed.size and np.abs(elapsed).max() > MAX_ELAPSED_S:
        i = int(np.argmax(np.abs(elapsed)))
        raise InputError(
            path,
            field,
            f"elapsed seconds below {MAX_ELAPSED_S:g}",
            float(elapsed[i]),
            row=i + 1,
        )
    return pd.Series(start + pd.to_timedelta(elapsed, unit="s"))


def _integrate_mAh(t_s: np.ndarray, current_mA: np.ndarray) -> np.ndarray:
    """Cumulative trapezoidal charge (mAh) of a current trace."""
    if t_s.size == 0:
        return np.zeros(0)
    dq = 0.5 * (current_mA[1:] + current_mA[:-1]) * np.diff(t_s) / 3600.0
    return np.concatenate([[0.0], np.cumsum(dq)])


def _current_from_dq(t_s: np.ndarray, dq_mAh: np.ndarray) -> np.ndarray:
    """Current (mA) from charge increments: dq_i over (t_{i-1}, t_i]."""
    dt = np.diff(t_s, prepend=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        cur = np.where(dt > 0, dq_mAh * 3600.0 / dt, np.nan)
    s = pd.Series(cur).bfill().ffill().fillna(0.0)
    return s.to_numpy(float)


def _per_step_increments(step: np.ndarray, counter: np.ndarray) -> np.ndarray:
    """Increments of a counter that restarts from zero at every step."""
    inc = np.diff(counter, prepend=0.0)
    new = np.ones(step.size, dtype=bool)
    new[1:] = step[1:] != step[:-1]
    inc[new] = counter[new]
    return inc


def _finish(
    frame: pd.DataFrame, fmt: str, path: Path, time_field: str = "time"
) -> pd.DataFrame:
    """Order and type the trace columns; times must never go backwards.

    ``time_field`` names the file's time column in messages. The frame's
    ``attrs["time_field"]`` keeps it for :func:`check_gaps`.
    """
    out = pd.DataFrame(
        {
            "t_utc": pd.to_datetime(frame["t_utc"], utc=True),
            "current_mA": frame["current_mA"].astype(float),
            "voltage_V": frame["voltage_V"].astype(float),
            "charge_mAh": frame["charge_mAh"].astype(float),
            "step": frame.get("step", pd.Series(-1, index=frame.index))
            .fillna(-1)
            .astype("int64"),
            "technique": frame.get("technique", pd.Series("", index=frame.index))
            .fillna("")
            .astype(str),
            "mode": frame.get("mode", pd.Series("", index=frame.index))
            .fillna("")
            .astype(str),
        }
    ).reset_index(drop=True)
    if out.empty:
        raise InputError(path, "data rows", "at least one recorded point", 0)
    if out["t_utc"].isna().any():
        i = int(np.flatnonzero(out["t_utc"].isna().to_numpy())[0])
        raise InputError(path, time_field, "a time for every point", "NaT", row=i + 1)
    step_s = out["t_utc"].diff().dt.total_seconds().to_numpy()[1:]
    back = step_s < -BACKWARDS_TOLERANCE_S
    if back.any():
        i = int(np.flatnonzero(back)[0]) + 1
        raise InputError(
            path,
            time_field,
            "times that never go backwards",
            f"{out['t_utc'].iloc[i]} after {out['t_utc'].iloc[i - 1]}",
            row=i + 1,
        )
    # rounding of reconstructed sub-second times may swap neighbours slightly
    out = out.sort_values("t_utc", kind="stable").reset_index(drop=True)
    out.insert(1, "elapsed_s", (out["t_utc"] - out["t_utc"].iloc[0]).dt.total_seconds())
    out["source"] = f"{fmt}:{path.name}"
    out = out[TRACE_COLUMNS]
    out.attrs["time_field"] = time_field
    return out


def check_gaps(
    path: str | Path, trace: pd.DataFrame, max_gap_s: float | None
) -> pd.DataFrame:
    """Raise an InputError when two recorded points lie more than ``max_gap_s`` apart.

    The instrument did not record in between, so the charge passed there is
    unknown. ``None`` switches the check off. Returns ``trace`` unchanged.
    """
    if max_gap_s is None or len(trace) < 2:
        return trace
    gaps = np.diff(trace["elapsed_s"].to_numpy(float))
    if gaps.max() > float(max_gap_s):
        i = int(np.argmax(gaps))
        raise InputError(
            path,
            trace.attrs.get("time_field", "time"),
            f"points at most {float(max_gap_s):g} s apart (cycler max_gap_s)",
            f"{gaps[i]:.0f} s without a point after {trace['t_utc'].iloc[i]}",
            row=i + 2,
        )
    return trace


def _first(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in frame.columns:
            return name
    return None


def _library_call(module: str, function: str, path: str):
    """``module.function(path)`` with the library's warnings silenced (the body
    of the reading process)."""
    read = getattr(importlib.import_module(module), function)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read(path)


#: the reading process: call the library, write the pickled result (or the
#: exception's type and message) to stdout
_CHILD = """
import pickle, sys
from liprobe.io.cycler.common import _library_call
try:
    out = ("ok", _library_call(sys.argv[1], sys.argv[2], sys.argv[3]))
except Exception as exc:
    out = ("error", f"{type(exc).__name__}: {exc}")
sys.stdout.buffer.write(pickle.dumps(out))
"""


def _third_party_read(
    path: Path,
    module: str,
    function: str,
    field: str,
    expected: str,
    *,
    fmt: str,
    timeout_s: float,
):
    """``module.function(str(path))`` of a cycler library, failures as InputError.

    The module is imported only when its format is met. The read runs in a
    fresh interpreter (a subprocess with this process's ``sys.path``; a forked
    copy of a process with threads can deadlock, and a spawned one would rerun
    the job's script), killed after ``timeout_s`` seconds (config
    ``echem.reader_timeout_s``): a library that loops on a damaged file cannot
    hang the run; its result comes back pickled. The libraries signal a bad
    file with whatever exception their parsing hits (a ValueError, a
    struct.error, a KeyError, an unsupported-version error...), so any failure
    names the file, what was raised or the timeout, the format version the
    file's header states
    (:func:`.versions.header_version`) and the workaround for the format
    (:data:`.versions.WORKAROUNDS`).
    """
    package = module.split(".")[0]
    try:
        importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - environment problem
        raise InputError(path, "reader", f"the {package} package", str(exc)) from None
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, module, function, str(path)],
            capture_output=True,
            timeout=timeout_s,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        problem = f"{package} did not finish within {timeout_s:g} s"
    else:
        try:
            status, value = pickle.loads(done.stdout)
        except Exception:  # the process died before answering
            status = "error"
            value = done.stderr.decode(errors="replace").strip()[-500:]
        if status == "ok":
            return value
        problem = f"{package} failed: {value}"
    version = header_version(path, fmt)
    stated = f"; the header states {version}" if version else ""
    raise InputError(
        path,
        field,
        f"{expected} that {package} can read; otherwise {WORKAROUNDS[fmt]}",
        problem + stated,
    )
