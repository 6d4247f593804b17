"""JCAMP-DX parameter files of a Bruker folder (``acqus``, ``acqu2s``, ``procs``...).

Parsed with :func:`nmrglue.bruker.parse_jcamp_file`, fed through a guard that
stops at the end of the file (nmrglue alone loops forever on an unclosed
``<string`` or an array with fewer values than announced).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import nmrglue as ng

from liprobe.errors import InputError


def read_parameters(path: str | Path) -> dict:
    """Parse one JCAMP-DX parameter file (``acqus``, ``procs``...) into a dict.

    Keys lose their ``$`` (``TD``, ``SW_h``); arrays (``D``, ``P``) are lists.
    Raises :class:`InputError` when the file is missing or not JCAMP-DX.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file", "a Bruker JCAMP-DX parameter file", "missing")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, "file", "a readable parameter file", str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # TopSpin on Windows writes cp1252 text
    lines = _GuardedLines(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nmrglue warns on every odd line
            params = ng.bruker.parse_jcamp_file(
                lines, {"_coreheader": [], "_comments": []}
            )
    except _JcampEnd:
        raise InputError(
            path,
            "file",
            "complete JCAMP-DX values ('<' strings closed by '>', arrays with "
            "as many values as announced)",
            f"the end of the file inside a value (last key read: {lines.key})",
        ) from None
    except Exception as exc:  # nmrglue raises assorted errors on bad text
        raise InputError(
            path, "file", "a Bruker JCAMP-DX parameter file", f"unparsable ({exc})"
        ) from exc
    if not any(not str(key).startswith("_") for key in params):
        raise InputError(
            path,
            "file",
            "JCAMP-DX '##$KEY= value' lines",
            f"none in {path.stat().st_size} bytes",
        )
    return params


class _JcampEnd(Exception):
    """Raised by :class:`_GuardedLines` when a parser reads past the end twice."""


class _GuardedLines:
    """A minimal text file for nmrglue's JCAMP parser that cannot loop forever.

    ``readline`` returns the lines, then ``''`` once at the end of the text, then
    raises :class:`_JcampEnd`: a parser still asking for lines is inside an
    unfinished value. ``key`` remembers the key of the last ``##$KEY=`` line
    handed out (an unclosed string swallows the keys after it).
    """

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines(keepends=True)
        self._pos = 0
        self._ended = False
        self.key = ""

    def readline(self) -> str:
        if self._pos < len(self._lines):
            line = self._lines[self._pos]
            self._pos += 1
            if line.startswith("##$") and "=" in line:
                self.key = line[3 : line.index("=")].strip()
            return line
        if self._ended:
            raise _JcampEnd
        self._ended = True
        return ""


def number(
    params: dict, key: str, file: Path, integer: bool = False, default=None
) -> float | int:
    """Fetch a numeric parameter or raise an InputError naming file and key."""
    if key not in params:
        if default is not None:
            return default
        raise InputError(file, key, "a numeric parameter", "missing")
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(file, key, "a number", value)
    if not math.isfinite(float(value)):
        raise InputError(file, key, "a finite number", value)
    if integer:
        if float(value) != int(value):
            raise InputError(file, key, "an integer", value)
        return int(value)
    return float(value)


def text(params: dict, key: str) -> str:
    """A string parameter without its ``<>`` (empty when absent)."""
    value = params.get(key, "")
    return str(value).strip().strip("<>").strip() if value is not None else ""
