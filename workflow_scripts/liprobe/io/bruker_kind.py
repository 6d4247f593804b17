"""The experiment kind of a Bruker folder from its parameter files alone.

Used when the workflow is parsed, to decide which stage an ``auto`` row goes to,
without reading the binary data (a campaign of hundreds of experiments must
parse in seconds).
"""

from __future__ import annotations

from pathlib import Path

from liprobe.errors import LiprobeError
from liprobe.io.bruker import VARIABLE_LISTS, read_parameters
from liprobe.nmr.kinds import detect_kind


def peek_kind(path: str | Path) -> str:
    """Kind of the experiment in ``path`` (``unknown`` when it cannot be read)."""
    path = Path(path)
    try:
        acqus = read_parameters(path / "acqus")
        td1 = 1
        if (path / "acqu2s").is_file():
            td1 = int(float(read_parameters(path / "acqu2s").get("TD", 1)))
    except (LiprobeError, ValueError, TypeError):
        return "unknown"
    pp_file = path / "pulseprogram"
    pp_text = pp_file.read_bytes().decode("latin-1") if pp_file.is_file() else ""
    available = {name for name in VARIABLE_LISTS if (path / name).is_file()}
    return detect_kind(str(acqus.get("PULPROG", "")), pp_text, td1, available)
