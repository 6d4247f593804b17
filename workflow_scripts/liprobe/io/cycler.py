"""Readers for electrochemical cycler files, into one tidy trace frame.

Every reader returns a frame with one row per recorded point and the columns

``t_utc``
    tz-aware UTC time of the point.
``elapsed_s``
    seconds since the first point.
``current_mA``
    signed working-electrode current (BioLogic convention; MACCOR's unsigned
    ``Amps`` take the sign of the ``State`` column: C positive, D negative, R zero).
``voltage_V``
    cell or working-electrode voltage.
``charge_mAh``
    cumulative signed charge since the first point, from the instrument's own
    charge increments or counters when present, else the trapezoidal integral
    of the current.
``step``
    the instrument's step or sequence id (``Ns`` for BioLogic, ``Step`` for
    Neware and MACCOR); ``-1`` when the file has none.
``technique``
    what the instrument was doing at that point when the file says so
    (``CC``, ``Rest``, ``PEIS``, ``CCCV_Chg``, ...); BioLogic rows with a
    non-zero impedance frequency are ``EIS``; empty when unknown.
``mode``
    the instrument's control mode code as text (BioLogic ``mode``: 1
    galvanostatic, 2 potentiostatic, 3 rest/other; MACCOR ``State``), or empty.
``source``
    ``<format>:<file name>``.

Every value the trace needs must be a finite number: a cell that is not a
number (a decimal comma in a decimal-point file, a truncated line), a NaN time,
current or charge increment, times going backwards or a gap longer than
``max_gap_s`` between recorded points (default :data:`DEFAULT_MAX_GAP_S`; the
instrument stopped recording, so the charge passed in between is unknown) are
each an :class:`InputError` naming the file, the column and the row.

No cycler format stores a time zone. Naive instrument times are local times of
the instrument's zone (sheet column ``cycler_timezone``, an IANA name) and are
converted to UTC here; a missing or unknown zone is an :class:`InputError`.
Times a reader already gets tz-aware (recent Neware ``.ndax``) are only
converted to UTC.

Supported formats (``fmt``): ``biologic_mpr`` (EC-Lab binary, read with
``galvani``), ``biologic_mpt`` (EC-Lab text export, Latin-1, decimal point or
comma), ``neware`` (``.nda``/``.ndax``, read with ``NewareNDA``), ``maccor``
(MACCOR text export: tab separated, two title lines then the column header)
and ``csv`` (the generic CSV described in :func:`read_generic_csv`).
"""

from __future__ import annotations

import importlib
import io
import re
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from liprobe.errors import InputError

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
#: Longest time between two recorded points before the trace is rejected (s).
DEFAULT_MAX_GAP_S = 3600.0
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


# --------------------------------------------------------------------------- #
# format detection and dispatch
# --------------------------------------------------------------------------- #
def detect_format(path: str | Path) -> str:
    """Cycler file format from the extension and, for text files, the content."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".mpr":
        return "biologic_mpr"
    if ext in (".nda", ".ndax"):
        return "neware"
    head = b""
    if path.is_file():
        with open(path, "rb") as fh:
            head = fh.read(4096)
    text = head.decode("latin-1", errors="replace")
    if text.startswith("EC-Lab ASCII FILE") or text.startswith("BT-Lab ASCII FILE"):
        return "biologic_mpt"
    if "Today's Date" in text or ("Rec#" in text and "State" in text):
        return "maccor"
    if ext == ".csv":
        return "csv"
    if ext == ".mpt":
        return "biologic_mpt"
    raise InputError(
        path,
        "format",
        "a cycler file: BioLogic .mpr/.mpt, Neware .nda/.ndax, MACCOR text "
        "export or the generic CSV (columns current_mA, voltage_V and "
        "time_utc, time or elapsed_s)",
        ext or "no extension",
    )


def read_cycler(
    path: str | Path,
    timezone: str | None,
    fmt: str = "auto",
    max_gap_s: float | None = DEFAULT_MAX_GAP_S,
) -> pd.DataFrame:
    """Read any supported cycler file into the tidy trace frame (module doc).

    ``timezone`` is the IANA zone of the instrument clock (required: every
    format stores naive local times). ``fmt`` is ``auto`` or one of
    :data:`FORMATS`. ``max_gap_s`` is the longest accepted time between two
    recorded points (:func:`check_gaps`; ``None`` accepts any gap).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "cycler", "an existing cycler file", "no such file")
    check_timezone(path, timezone)
    if fmt in (None, "", "auto"):
        fmt = detect_format(path)
    readers = {
        "biologic_mpr": read_biologic_mpr,
        "biologic_mpt": read_biologic_mpt,
        "neware": read_neware,
        "maccor": read_maccor,
        "csv": read_generic_csv,
    }
    if fmt not in readers:
        raise InputError(path, "format", f"one of auto, {', '.join(FORMATS)}", fmt)
    return check_gaps(path, readers[fmt](path, timezone), max_gap_s)


# --------------------------------------------------------------------------- #
# BioLogic
# --------------------------------------------------------------------------- #
def _first(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in frame.columns:
            return name
    return None


def _biologic_common(
    path: Path,
    data: pd.DataFrame,
    start_local: pd.Timestamp,
    timezone: str,
    fmt: str,
    techniques: dict[int, str] | None = None,
    first_line: int = 1,
) -> pd.DataFrame:
    """Shared column handling of the EC-Lab binary and text files.

    ``first_line`` is the line (text) or record (binary) number of the first
    data row, for messages.
    """
    tcol = _first(data, ("time/s",))
    if tcol is None:
        raise InputError(path, "time/s", "a time/s column", list(data.columns))
    if data.empty:
        raise InputError(path, "data rows", "at least one recorded point", 0)
    t_s = _finite(path, tcol, data[tcol], first_line)
    dq_col = _first(data, ("dq/mA.h", "dQ/mA.h"))
    i_col = _first(data, ("I/mA", "<I>/mA"))
    ia_col = _first(data, ("I/A", "<I>/A"))
    e_col = _first(data, ("Ewe/V", "<Ewe>/V", "Ecell/V", "<Ecell>/V"))
    qq_col = _first(data, ("(Q-Qo)/mA.h",))
    if dq_col is not None:
        dq = _finite(path, dq_col, data[dq_col], first_line)
    elif qq_col is not None:
        q = _finite(path, qq_col, data[qq_col], first_line)
        dq = np.diff(q, prepend=q[0])
    else:
        dq = None
    if i_col is not None:
        current = _finite(path, i_col, data[i_col], first_line)
    elif ia_col is not None:
        current = _finite(path, ia_col, data[ia_col], first_line) * 1e3
    elif dq is not None:
        current = _current_from_dq(t_s, dq)
    else:
        raise InputError(
            path,
            "I/mA",
            "a current column (I/mA) or charge increments (dq/mA.h)",
            list(data.columns),
        )
    charge = np.cumsum(dq) - dq[0] if dq is not None else _integrate_mAh(t_s, current)
    voltage = data[e_col].to_numpy(float) if e_col else np.full(t_s.size, np.nan)
    step = (
        _finite(path, "Ns", data["Ns"], first_line).astype(np.int64)
        if "Ns" in data.columns
        else np.full(t_s.size, -1)
    )
    if "mode" in data.columns:
        mode = (
            _finite(path, "mode", data["mode"], first_line).astype(np.int64).astype(str)
        )
    else:
        mode = np.full(t_s.size, "")
    technique = np.full(t_s.size, "", dtype=object)
    if techniques:
        technique = np.array([techniques.get(int(s), "") for s in step], dtype=object)
    if "freq/Hz" in data.columns:
        technique[np.nan_to_num(data["freq/Hz"].to_numpy(float)) > 0] = "EIS"
    frame = pd.DataFrame(
        {
            "t_utc": _start_plus_elapsed(path, start_local, t_s, timezone),
            "current_mA": current,
            "voltage_V": voltage,
            "charge_mAh": charge,
            "step": step,
            "technique": technique,
            "mode": mode,
        }
    )
    return _finish(frame, fmt, path, tcol)


def _third_party_read(
    path: Path, module: str, function: str, field: str, expected: str
):
    """``module.function(str(path))`` of a cycler library, failures as InputError.

    The module is imported only when its format is met. The libraries signal a
    bad file with whatever exception their parsing hits (ValueError,
    NotImplementedError, struct.error, KeyError, IndexError, EOFError, ...), so
    any exception from the read names the file, the format expected and what
    was raised.
    """
    try:
        read = getattr(importlib.import_module(module), function)
    except ImportError as exc:  # pragma: no cover - environment problem
        package = module.split(".")[0]
        raise InputError(path, "reader", f"the {package} package", str(exc)) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return read(str(path))
    except Exception as exc:  # any parse failure of the library is a bad file
        raise InputError(
            path, field, expected, f"{type(exc).__name__}: {exc}"
        ) from None


def read_biologic_mpr(path: str | Path, timezone: str | None) -> pd.DataFrame:
    """BioLogic EC-Lab ``.mpr`` via ``galvani.BioLogic.MPRfile``.

    Time zero is the acquisition start stored in the log module (falling back to
    the settings date); ``time/s`` is added to it.
    """
    path = Path(path)
    zone = check_timezone(path, timezone)
    mpr = _third_party_read(
        path, "galvani.BioLogic", "MPRfile", "mpr", "a BioLogic EC-Lab binary file"
    )
    data = pd.DataFrame(mpr.data)
    if "flags" in data.columns:
        data["mode"] = data["flags"].to_numpy().astype(int) & 3
    start = getattr(mpr, "timestamp", None)
    if start is None:
        start = pd.Timestamp(mpr.startdate)
    data = _numbers(path, data, list(data.columns), 1)
    return _biologic_common(path, data, pd.Timestamp(start), zone.key, "biologic_mpr")


_MPT_START = re.compile(r"Acquisition started on\s*:\s*(.+)")
_MPT_NLINES = re.compile(r"Nb header lines\s*:\s*(\d+)")
_MPT_DATE_FORMATS = (
    "%m/%d/%Y %H:%M:%S.%f",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y %H:%M:%S.%f",
    "%d.%m.%Y %H:%M:%S",
)


def _parse_mpt_start(path: Path, text: str) -> pd.Timestamp:
    for fmt in _MPT_DATE_FORMATS:
        try:
            return pd.Timestamp(pd.to_datetime(text.strip(), format=fmt))
        except (ValueError, TypeError):
            continue
    raise InputError(
        path,
        "Acquisition started on",
        "a date like MM/DD/YYYY HH:MM:SS.fff",
        text.strip(),
    )


def read_biologic_mpt(path: str | Path, timezone: str | None) -> pd.DataFrame:
    """BioLogic EC-Lab text export (``.mpt``): Latin-1, decimal point or comma.

    The header length comes from ``Nb header lines``, time zero from
    ``Acquisition started on`` (MM/DD/YYYY, as EC-Lab writes it), and a Modulo
    Bat ``ctrl_type`` table, when present, names the technique of every ``Ns``.
    """
    path = Path(path)
    zone = check_timezone(path, timezone)
    raw = path.read_bytes().decode("latin-1")
    lines = raw.splitlines()
    if not lines or not lines[0].strip().endswith("ASCII FILE"):
        raise InputError(
            path, "line 1", "'EC-Lab ASCII FILE'", lines[0] if lines else ""
        )
    n_header = None
    start = None
    techniques: dict[int, str] = {}
    for line in lines[:400]:
        m = _MPT_NLINES.search(line)
        if m and n_header is None:
            n_header = int(m.group(1))
        m = _MPT_START.search(line)
        if m and start is None:
            start = _parse_mpt_start(path, m.group(1))
        if line.startswith("ctrl_type"):
            names = line.split()[1:]
            techniques = {i: name for i, name in enumerate(names)}
    if n_header is None:
        raise InputError(path, "Nb header lines", "a header line count", "no such line")
    if start is None:
        raise InputError(
            path, "Acquisition started on", "the start time", "no such line"
        )
    if n_header < 1 or n_header > len(lines):
        raise InputError(path, "Nb header lines", f"1..{len(lines)}", n_header)
    body = "\n".join(lines[n_header - 1 :])
    first_data = lines[n_header] if len(lines) > n_header else ""
    decimal = "," if re.search(r"\d,\d", first_data) else "."
    try:
        data = pd.read_csv(
            io.StringIO(body), sep="\t", dtype=str, keep_default_na=False
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(
            path, "data table", "tab separated numbers", str(exc)
        ) from None
    data = data.loc[:, [c for c in data.columns if not str(c).startswith("Unnamed")]]
    data = _numbers(path, data, list(data.columns), n_header + 1, decimal)
    return _biologic_common(
        path, data, start, zone.key, "biologic_mpt", techniques, n_header + 1
    )


# --------------------------------------------------------------------------- #
# Neware
# --------------------------------------------------------------------------- #
def read_neware(path: str | Path, timezone: str | None) -> pd.DataFrame:
    """Neware ``.nda``/``.ndax`` via ``NewareNDA.read``.

    Times are the step's first ``Timestamp`` plus the step ``Time`` (sub-second
    resolution where the timestamps have whole seconds only). Charge comes from
    the per-step ``Charge_Capacity(mAh)`` minus ``Discharge_Capacity(mAh)``
    counters.
    """
    path = Path(path)
    zone = check_timezone(path, timezone)
    data = _third_party_read(
        path, "NewareNDA", "read", "nda", "a Neware .nda/.ndax file"
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


# --------------------------------------------------------------------------- #
# MACCOR
# --------------------------------------------------------------------------- #
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


# --------------------------------------------------------------------------- #
# generic CSV
# --------------------------------------------------------------------------- #
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
