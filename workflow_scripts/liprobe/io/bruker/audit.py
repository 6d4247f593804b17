"""The acquisition start and end recorded in a folder's ``audita.txt``.

TopSpin's acquisition audit trail holds, in the entry of the acquisition
command (``zg``, ``go``, ...), the lines ``started at <time>`` and
``completed at <time>``, each with its UTC offset
(``2022-11-15 21:10:23.684 +0000``). acqus ``DATE`` (Unix seconds) is the same
instant as ``completed at``: the end of the acquisition.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from liprobe.errors import InputError

_TIME = r"(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?\s*[+-]\d{2}:?\d{2})"
_STARTED = re.compile(r"started at\s+" + _TIME)
_COMPLETED = re.compile(r"completed at\s+" + _TIME)


def _utc(text: str, file: Path, field: str) -> pd.Timestamp:
    try:
        value = pd.Timestamp(re.sub(r"\s+", " ", text.strip()))
    except ValueError:
        value = None
    if value is None or pd.isna(value) or value.tz is None:
        raise InputError(file, field, "a time with its UTC offset", text)
    return value.tz_convert("UTC")


def read_acquisition_times(
    path: str | Path,
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """``(start, end)`` in UTC from ``<path>/audita.txt``, or None when the
    file is absent or records no complete acquisition (the last entry with both
    a ``started at`` and a ``completed at`` time is used)."""
    file = Path(path) / "audita.txt"
    if not file.is_file():
        return None
    text = file.read_bytes().decode("latin-1")
    found = None
    for entry in re.split(r"\n\(\s*\d+\s*,", text):
        start = _STARTED.search(entry)
        end = _COMPLETED.search(entry)
        if start and end:
            found = (
                _utc(start.group(1), file, "started at"),
                _utc(end.group(1), file, "completed at"),
            )
    if found is not None and found[1] < found[0]:
        raise InputError(
            file,
            "completed at",
            "a time after 'started at'",
            f"started {found[0]}, completed {found[1]}",
        )
    return found
