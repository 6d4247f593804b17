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
``max_gap_s`` between recorded points (config ``echem.max_gap_s``; the
instrument stopped recording, so the charge passed in between is unknown) are
each an :class:`InputError` naming the file, the column and the row.

No cycler format stores a time zone. Naive instrument times are local times of
the instrument's zone (sheet column ``cycler_timezone``, an IANA name) and are
converted to UTC here; a missing or unknown zone is an :class:`InputError`.
Times a library returns zone-aware (NewareNDA, for the Unix times of newer
``.ndax`` files) are accepted only when the file says which zone the clock was
in and that agrees with the sheet (the ``.ndax`` ``TestInfo`` ``StartTime``;
:func:`liprobe.io.cycler.neware.library_times_to_local`), else an
:class:`InputError` names the file's and the sheet's offsets. Times the file
itself writes with an offset (the generic CSV) are converted to UTC.

Supported formats (``fmt``): ``biologic_mpr`` (EC-Lab binary, read with
``galvani``), ``biologic_mpt`` (EC-Lab text export, Latin-1, decimal point or
comma), ``neware`` (``.nda``/``.ndax``, read with ``NewareNDA``), ``maccor``
(MACCOR text export: tab separated, two title lines then the column header)
and ``csv`` (the generic CSV described in :func:`read_generic_csv`).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd

from liprobe.errors import InputError
from liprobe.io.cycler.biologic import read_biologic_mpr, read_biologic_mpt
from liprobe.io.cycler.common import (
    BACKWARDS_TOLERANCE_S,
    FORMATS,
    MAX_ELAPSED_S,
    TRACE_COLUMNS,
    check_gaps,
    check_timezone,
)
from liprobe.io.cycler.generic import read_generic_csv
from liprobe.io.cycler.maccor import read_maccor
from liprobe.io.cycler.neware import read_neware
from liprobe.io.files import require_file

__all__ = [
    "BACKWARDS_TOLERANCE_S",
    "FORMATS",
    "MAX_ELAPSED_S",
    "TRACE_COLUMNS",
    "check_gaps",
    "check_timezone",
    "detect_format",
    "read_biologic_mpr",
    "read_biologic_mpt",
    "read_cycler",
    "read_generic_csv",
    "read_maccor",
    "read_neware",
]


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
    *,
    fmt: str,
    max_gap_s: float | None,
    reader_timeout_s: float,
    date_order: str | None = None,
) -> pd.DataFrame:
    """Read any supported cycler file into the tidy trace frame (module doc).

    ``timezone`` is the IANA zone of the instrument clock (required: every
    format stores naive local times). ``fmt`` is ``auto`` or one of
    :data:`FORMATS`. ``max_gap_s`` is the longest accepted time between two
    recorded points (:func:`check_gaps`; ``None`` accepts any gap).
    ``reader_timeout_s`` stops galvani or NewareNDA on a file they hang on;
    ``date_order`` (``month_first``/``day_first``, the sheet's
    ``cycler_date_order``) reads ``.mpt`` dates the file leaves ambiguous.
    """
    path = require_file(path, "cycler", "an existing cycler file")
    check_timezone(path, timezone)
    if fmt in (None, "", "auto"):
        fmt = detect_format(path)
    readers = {
        "biologic_mpr": partial(read_biologic_mpr, timeout_s=reader_timeout_s),
        "biologic_mpt": partial(read_biologic_mpt, date_order=date_order),
        "neware": partial(read_neware, timeout_s=reader_timeout_s),
        "maccor": read_maccor,
        "csv": read_generic_csv,
    }
    if fmt not in readers:
        raise InputError(path, "format", f"one of auto, {', '.join(FORMATS)}", fmt)
    return check_gaps(path, readers[fmt](path, timezone), max_gap_s)
