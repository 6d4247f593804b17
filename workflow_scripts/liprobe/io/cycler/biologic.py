"""BioLogic EC-Lab files: binary ``.mpr`` (galvani) and text ``.mpt``."""

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
    _first,
    _integrate_mAh,
    _numbers,
    _start_plus_elapsed,
    _third_party_read,
    check_timezone,
)


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


def read_biologic_mpr(
    path: str | Path, timezone: str | None, *, timeout_s: float
) -> pd.DataFrame:
    """BioLogic EC-Lab ``.mpr`` via ``galvani.BioLogic.MPRfile``.

    Time zero is the acquisition start stored in the log module (falling back to
    the settings date); ``time/s`` is added to it. ``timeout_s``: how long
    galvani may take (a damaged file must not hang the run).
    """
    path = Path(path)
    zone = check_timezone(path, timezone)
    mpr = _third_party_read(
        path,
        "galvani.BioLogic",
        "MPRfile",
        "mpr",
        "a BioLogic EC-Lab binary file",
        fmt="biologic_mpr",
        timeout_s=timeout_s,
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
_MPT_ISO_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y %H:%M:%S.%f",
    "%d.%m.%Y %H:%M:%S",
)
_SLASH_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b")
#: the sheet's cycler_date_order values and the order they name
DATE_ORDERS = {"month_first": "%m/%d", "day_first": "%d/%m"}


def _slash_order(path: Path, header: list[str], date_order: str | None) -> str:
    """``%m/%d`` or ``%d/%m`` for the slash dates of an ``.mpt`` header.

    EC-Lab writes its dates in the order of the computer's regional settings.
    The file decides when any slash date of its header has a day above 12;
    otherwise the sheet's ``cycler_date_order`` does; a date both readings
    accept without it is an InputError asking for that setting.
    """
    month_first = day_first = False
    for line in header:
        for a, b, _ in _SLASH_DATE.findall(line):
            a, b = int(a), int(b)
            month_first |= b > 12 and a <= 12
            day_first |= a > 12 and b <= 12
    if month_first and day_first:
        raise InputError(
            path,
            "header dates",
            "slash dates in one order",
            "dates that are month-first and dates that are day-first",
        )
    if month_first or day_first:
        found = "%m/%d" if month_first else "%d/%m"
        if date_order and DATE_ORDERS[date_order] != found:
            raise InputError(
                path,
                "cycler_date_order",
                f"{'month_first' if month_first else 'day_first'}, as the "
                "file's own dates show (a day above 12)",
                date_order,
            )
        return found
    if date_order in DATE_ORDERS:
        return DATE_ORDERS[date_order]
    dates = [m.group(0) for line in header for m in _SLASH_DATE.finditer(line)]
    raise InputError(
        path,
        "cycler_date_order",
        "the order of the file's dates in the ndp sheet's cycler_date_order "
        "column (month_first or day_first): no date of the header has a day "
        "above 12, so the file does not tell",
        f"dates {', '.join(dict.fromkeys(dates))} and no cycler_date_order",
    )


def _parse_mpt_start(path: Path, text: str, order: str) -> pd.Timestamp:
    text = text.strip()
    formats = [
        f"{order}/%Y %H:%M:%S.%f",
        f"{order}/%Y %H:%M:%S",
        f"{order}/%y %H:%M:%S",
        *_MPT_ISO_FORMATS,
    ]
    for fmt in formats:
        try:
            return pd.Timestamp(pd.to_datetime(text, format=fmt))
        except (ValueError, TypeError):
            continue
    raise InputError(
        path,
        "Acquisition started on",
        f"a date like {order.replace('%', '').upper()}/YYYY HH:MM:SS.fff",
        text,
    )


def read_biologic_mpt(
    path: str | Path, timezone: str | None, *, date_order: str | None = None
) -> pd.DataFrame:
    """BioLogic EC-Lab text export (``.mpt``): Latin-1, decimal point or comma.

    The header length comes from ``Nb header lines``, time zero from
    ``Acquisition started on`` (month and day in the order the file's own
    dates show, else the sheet's ``date_order``: :func:`_slash_order`), and a
    Modulo Bat ``ctrl_type`` table, when present, names the technique of every
    ``Ns``.
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
    start_text = None
    techniques: dict[int, str] = {}
    for line in lines[:400]:
        m = _MPT_NLINES.search(line)
        if m and n_header is None:
            n_header = int(m.group(1))
        m = _MPT_START.search(line)
        if m and start_text is None:
            start_text = m.group(1)
        if line.startswith("ctrl_type"):
            names = line.split()[1:]
            techniques = {i: name for i, name in enumerate(names)}
    if n_header is None:
        raise InputError(path, "Nb header lines", "a header line count", "no such line")
    if start_text is None:
        raise InputError(
            path, "Acquisition started on", "the start time", "no such line"
        )
    if n_header < 1 or n_header > len(lines):
        raise InputError(path, "Nb header lines", f"1..{len(lines)}", n_header)
    order = "%m/%d"
    if _SLASH_DATE.search(start_text):
        order = _slash_order(path, lines[: n_header - 1], date_order)
    start = _parse_mpt_start(path, start_text, order)
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
