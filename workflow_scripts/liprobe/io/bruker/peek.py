"""The few parameters the workflow needs at parse time, without nmrglue.

``PULPROG``, TD1, the pulse program text and the names of the variable lists:
enough to tell the kind of an experiment, so that a campaign of hundreds of
experiments parses in seconds. The full JCAMP-DX parse happens in the jobs,
which report a malformed file.
"""

from __future__ import annotations

import re
from pathlib import Path

from liprobe.errors import InputError
from liprobe.io.bruker.lists import VARIABLE_LISTS
from liprobe.io.files import REGULAR_FILE, path_state


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


def _first_expno(folder: Path, limit: int = 1000) -> Path | None:
    """An experiment folder among the first ``limit`` entries of ``folder``
    (one level only, never a walk), or None."""
    try:
        for k, child in enumerate(folder.iterdir()):
            if k >= limit:
                break
            if (child / "acqus").is_file():
                return child
    except OSError:
        return None
    return None


def check_expno_folder(
    path: str | Path, sheet: str | Path, row: int | None = None
) -> None:
    """Stop at parse time unless ``path`` is a Bruker experiment (EXPNO) folder.

    Looks only at ``path/acqus`` (no walk of the folder: a sheet path of ``/``
    or of a whole data disk must fail at once, not after listing every file
    below it as the rule's inputs). :class:`InputError` naming the sheet, the
    ``path`` column and the row.
    """
    path = Path(path)
    state = path_state(path / "acqus")
    if state == REGULAR_FILE:
        return
    if state.startswith("a name too long"):
        found = f"{path} ({state})"
    elif not path.is_dir():
        found = f"{path} (not a folder)"
    else:
        expno = _first_expno(path)
        found = (
            f"{path} (a folder without acqus)"
            if expno is None
            else f"{path} (a dataset folder: name an EXPNO folder such as {expno})"
        )
    raise InputError(
        sheet,
        "path",
        "a Bruker experiment (EXPNO) folder holding acqus",
        found,
        row=row,
    )
