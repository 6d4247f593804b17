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


def _start_plus_elapsed(path, start_local, elapsed_s, timezone) -> pd.Series:
    """UTC times from one local start instant plus elapsed instrument seconds."""
    start = _localize(path, pd.DatetimeIndex([start_local]), timezone).iloc[0]
    return pd.Series(start + pd.to_timedelta(np.asarray(elapsed_s, float), unit="s"))


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


def _finish(frame: pd.DataFrame, fmt: str, path: Path) -> pd.DataFrame:
    """Order, type and sort the trace columns."""
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
        raise InputError(path, "time", "a time for every point", "missing times")
    out = out.sort_values("t_utc", kind="stable").reset_index(drop=True)
    out.insert(1, "elapsed_s", (out["t_utc"] - out["t_utc"].iloc[0]).dt.total_seconds())
    out["source"] = f"{fmt}:{path.name}"
    return out[TRACE_COLUMNS]


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
    path: str | Path, timezone: str | None, fmt: str = "auto"
) -> pd.DataFrame:
    """Read any supported cycler file into the tidy trace frame (module doc).

    ``timezone`` is the IANA zone of the instrument clock (required: every
    format stores naive local times). ``fmt`` is ``auto`` or one of
    :data:`FORMATS`.
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
    return readers[fmt](path, timezone)


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
) -> pd.DataFrame:
    """Shared column handling of the EC-Lab binary and text files."""
    tcol = _first(data, ("time/s",))
    if tcol is None:
        raise InputError(path, "time/s", "a time/s column", list(data.columns))
    t_s = data[tcol].to_numpy(float)
    dq_col = _first(data, ("dq/mA.h", "dQ/mA.h"))
    i_col = _first(data, ("I/mA", "<I>/mA"))
    ia_col = _first(data, ("I/A", "<I>/A"))
    e_col = _first(data, ("Ewe/V", "<Ewe>/V", "Ecell/V", "<Ecell>/V"))
    qq_col = _first(data, ("(Q-Qo)/mA.h",))
    if dq_col is not None:
        dq = data[dq_col].to_numpy(float)
    elif qq_col is not None:
        q = data[qq_col].to_numpy(float)
        dq = np.diff(q, prepend=q[0])
    else:
        dq = None
    if i_col is not None:
        current = data[i_col].to_numpy(float)
    elif ia_col is not None:
        current = data[ia_col].to_numpy(float) * 1e3
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
    step = data["Ns"].to_numpy() if "Ns" in data.columns else np.full(t_s.size, -1)
    if "mode" in data.columns:
        mode = data["mode"].astype(int).astype(str).to_numpy()
    else:
        mode = np.full(t_s.size, "")
    technique = np.full(t_s.size, "", dtype=object)
    if techniques:
        technique = np.array([techniques.get(int(s), "") for s in step], dtype=object)
    if "freq/Hz" in data.columns:
        technique[data["freq/Hz"].to_numpy(float) > 0] = "EIS"
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
    return _finish(frame, fmt, path)


def read_biologic_mpr(path: str | Path, timezone: str | None) -> pd.DataFrame:
    """BioLogic EC-Lab ``.mpr`` via ``galvani.BioLogic.MPRfile``.

    Time zero is the acquisition start stored in the log module (falling back to
    the settings date); ``time/s`` is added to it.
    """
    path = Path(path)
    zone = check_timezone(path, timezone)
    try:
        from galvani import BioLogic
    except ImportError as exc:  # pragma: no cover - environment problem
        raise InputError(path, "reader", "the galvani package", str(exc)) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mpr = BioLogic.MPRfile(str(path))
    except Exception as exc:  # galvani raises bare ValueError/NotImplementedError
        raise InputError(
            path, "mpr", "a BioLogic EC-Lab binary file", f"{type(exc).__name__}: {exc}"
        ) from None
    data = pd.DataFrame(mpr.data)
    if "flags" in data.columns:
        data["mode"] = data["flags"].to_numpy().astype(int) & 3
    start = getattr(mpr, "timestamp", None)
    if start is None:
        start = pd.Timestamp(mpr.startdate)
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
        raise InputError(path, "Nb header lines", "a header line count", None)
    if start is None:
        raise InputError(path, "Acquisition started on", "the start time", None)
    if n_header < 1 or n_header > len(lines):
        raise InputError(path, "Nb header lines", f"1..{len(lines)}", n_header)
    body = "\n".join(lines[n_header - 1 :])
    first_data = lines[n_header] if len(lines) > n_header else ""
    decimal = "," if re.search(r"\d,\d", first_data) else "."
    try:
        data = pd.read_csv(io.StringIO(body), sep="\t", decimal=decimal)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(
            path, "data table", "tab separated numbers", str(exc)
        ) from None
    data = data.loc[:, [c for c in data.columns if not str(c).startswith("Unnamed")]]
    return _biologic_common(path, data, start, zone.key, "biologic_mpt", techniques)


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
    try:
        import NewareNDA
    except ImportError as exc:  # pragma: no cover - environment problem
        raise InputError(path, "reader", "the NewareNDA package", str(exc)) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = NewareNDA.read(str(path))
    except Exception as exc:  # NewareNDA raises many types on bad files
        raise InputError(
            path, "nda", "a Neware .nda/.ndax file", f"{type(exc).__name__}: {exc}"
        ) from None
    need = ["Timestamp", "Time", "Step", "Voltage", "Current(mA)"]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise InputError(path, "columns", f"columns {need}", list(data.columns))
    step = data["Step"].to_numpy().astype("int64")
    new = np.ones(step.size, dtype=bool)
    new[1:] = step[1:] != step[:-1]
    block = np.cumsum(new)
    ts = pd.Series(pd.DatetimeIndex(data["Timestamp"]))
    step_time = data["Time"].to_numpy(float)
    first_ts = ts.groupby(block).transform("first")
    first_time = pd.Series(step_time).groupby(block).transform("first").to_numpy()
    fine = first_ts + pd.to_timedelta(step_time - first_time, unit="s")
    t_utc = _localize(path, fine, zone.key)
    current = data["Current(mA)"].to_numpy(float)
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
    return _finish(frame, "neware", path)


# --------------------------------------------------------------------------- #
# MACCOR
# --------------------------------------------------------------------------- #
_MACCOR_SPAN = re.compile(r"^\s*(?:(\d+)d\s+)?(\d+):(\d+):([\d.]+)\s*$")


def _maccor_seconds(path: Path, values: pd.Series) -> np.ndarray:
    """'1d 10:10:5.47' -> seconds."""
    out = np.empty(len(values))
    for i, text in enumerate(values.astype(str)):
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
        raise InputError(path, "header", "a column header line starting 'Rec#'", None)
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
    state = data["State"].astype(str).str.strip().str.upper()
    sign = np.select([state == "C", state == "D"], [1.0, -1.0], 0.0)
    amps = data["Amps"].to_numpy(float)
    if np.nanmin(amps) < 0:
        # already signed export: keep the sign it has
        sign = np.where(state == "R", 0.0, 1.0)
    current = amps * sign * 1e3
    elapsed = _maccor_seconds(path, data["TestTime"])
    if "DPt Time" in data.columns and data["DPt Time"].notna().any():
        first = data["DPt Time"].dropna().index[0]
        try:
            stamp = pd.to_datetime(
                data.loc[first, "DPt Time"].strip(), format="%m/%d/%Y %H:%M:%S"
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
        start = pd.to_datetime(m.group(1).strip(), format="%d %B %Y, %I:%M:%S %p")
    step = data["Step"].to_numpy().astype("int64")
    counter = data["Amp-hr"].to_numpy(float) * 1e3
    amps_sign = np.sign(sign) if np.nanmin(amps) >= 0 else np.sign(current)
    dq = _per_step_increments(step, counter) * amps_sign
    frame = pd.DataFrame(
        {
            "t_utc": _start_plus_elapsed(path, start, elapsed, zone.key),
            "current_mA": current,
            "voltage_V": data["Volts"].to_numpy(float),
            "charge_mAh": np.cumsum(dq) - dq[0],
            "step": step,
            "technique": np.where(np.isin(state, ["C", "D", "R"]), "", state),
            "mode": state.to_numpy(),
        }
    )
    return _finish(frame, "maccor", path)


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
        data = pd.read_csv(io.StringIO(text), comment="#")
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(path, "csv", "a comma separated table", str(exc)) from None
    data.columns = [str(c).strip() for c in data.columns]
    if "time_utc" in data.columns:
        t = pd.to_datetime(data["time_utc"], utc=True, format="ISO8601")
    elif "time" in data.columns:
        t = _localize(path, pd.to_datetime(data["time"], format="ISO8601"), zone.key)
    elif "elapsed_s" in data.columns:
        if start_text is None:
            raise InputError(
                path, "# start:", "a comment line '# start: <ISO time>'", None
            )
        start = pd.Timestamp(start_text)
        if start.tzinfo is None:
            start = _localize(path, pd.DatetimeIndex([start]), zone.key).iloc[0]
        t = pd.Series(
            start.tz_convert("UTC")
            + pd.to_timedelta(data["elapsed_s"].to_numpy(float), unit="s")
        )
    else:
        raise InputError(
            path, "time column", "one of time_utc, time, elapsed_s", list(data.columns)
        )
    t = pd.Series(pd.DatetimeIndex(t))
    t_s = (t - t.iloc[0]).dt.total_seconds().to_numpy(float)
    if "current_mA" in data.columns:
        current = data["current_mA"].to_numpy(float)
    elif "current_A" in data.columns:
        current = data["current_A"].to_numpy(float) * 1e3
    elif "charge_mAh" in data.columns:
        q = data["charge_mAh"].to_numpy(float)
        current = _current_from_dq(t_s, np.diff(q, prepend=q[0]))
    else:
        raise InputError(
            path,
            "current_mA",
            "a current column (current_mA or current_A) or charge_mAh",
            list(data.columns),
        )
    if "charge_mAh" in data.columns:
        q = data["charge_mAh"].to_numpy(float)
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
            "step": data["step"] if "step" in data.columns else -1,
            "technique": data["technique"] if "technique" in data.columns else "",
            "mode": "",
        }
    )
    return _finish(frame, "csv", path)
