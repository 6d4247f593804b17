"""The experiment kind of a Bruker folder from its parameter files alone.

Used when the workflow is parsed, to decide which stage an ``auto`` row goes to,
without reading the binary data and without loading nmrglue (a campaign of
hundreds of experiments must parse in seconds). Only two scalar keys are read,
``PULPROG`` from ``acqus`` and ``TD`` from ``acqu2s``; the full JCAMP-DX parse
(nmrglue) happens in the jobs, which report a malformed file.
"""

from __future__ import annotations

import re
from pathlib import Path

from liprobe.nmr.kinds import detect_kind

LIST_FILES = ("vdlist", "vplist", "vclist")


def _scalar(path: Path, key: str) -> str | None:
    """The value of ``##$KEY=`` in a JCAMP-DX parameter file (None if absent)."""
    text = path.read_bytes().decode("latin-1")
    match = re.search(rf"^##\${re.escape(key)}=\s*(.*?)\s*$", text, re.MULTILINE)
    return None if match is None else match.group(1).strip().strip("<>")


def peek_kind(path: str | Path) -> str:
    """Kind of the experiment in ``path`` (``unknown`` when it cannot be read)."""
    path = Path(path)
    try:
        pulprog = _scalar(path / "acqus", "PULPROG") or ""
        td1 = 1
        if (path / "acqu2s").is_file():
            td1 = int(float(_scalar(path / "acqu2s", "TD") or 1))
    except (OSError, ValueError):
        return "unknown"
    pp_file = path / "pulseprogram"
    pp_text = pp_file.read_bytes().decode("latin-1") if pp_file.is_file() else ""
    available = {name for name in LIST_FILES if (path / name).is_file()}
    return detect_kind(pulprog, pp_text, td1, available)
