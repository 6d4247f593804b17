"""The few parameters the workflow needs at parse time, without nmrglue.

``PULPROG``, TD1, the pulse program text and the names of the variable lists:
enough to tell the kind of an experiment, so that a campaign of hundreds of
experiments parses in seconds. The full JCAMP-DX parse happens in the jobs,
which report a malformed file.
"""

from __future__ import annotations

import re
from pathlib import Path

from liprobe.io.bruker.lists import VARIABLE_LISTS


def _scalar(path: Path, key: str) -> str | None:
    """The value of ``##$KEY=`` in a JCAMP-DX parameter file (None if absent)."""
    content = path.read_bytes().decode("latin-1")
    match = re.search(rf"^##\${re.escape(key)}=\s*(.*?)\s*$", content, re.MULTILINE)
    return None if match is None else match.group(1).strip().strip("<>")


def peek_parameters(path: str | Path) -> tuple[str, int, str, set[str]] | None:
    """``(PULPROG, TD1, pulse program text, list names)`` without nmrglue.

    None when the parameter files cannot be read (the job that reads the folder
    reports why).
    """
    path = Path(path)
    try:
        pulprog = _scalar(path / "acqus", "PULPROG") or ""
        td1 = 1
        if (path / "acqu2s").is_file():
            td1 = int(float(_scalar(path / "acqu2s", "TD") or 1))
    except (OSError, ValueError):
        return None
    pp_file = path / "pulseprogram"
    pp_text = pp_file.read_bytes().decode("latin-1") if pp_file.is_file() else ""
    available = {name for name in VARIABLE_LISTS if (path / name).is_file()}
    return pulprog, td1, pp_text, available
