"""Write drafted campaign files without ever overwriting a user's edits.

The folder remembers what was last drafted into it (``.liprobe-init.json``:
the SHA-256 of each file as written). A draft replaces a file only when that
file is still exactly as last drafted (the user has not touched it) or does not
exist; a file the user has edited is kept and the new draft goes beside it as
``<name>.new``. Every write goes to a temporary file first and is then
renamed (:mod:`liprobe.io.atomic`), so an interrupted run leaves no
half-written sheet.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from liprobe.io.atomic import write_text_atomic

MANIFEST = ".liprobe-init.json"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_drafts(
    folder: str | Path, drafts: Mapping[str, str]
) -> list[tuple[Path, str]]:
    """Write each ``name -> text`` draft into ``folder``; return where and how.

    Status per file: ``written`` (new), ``unchanged`` (already holds the
    draft), ``updated`` (replaced a file the user had not edited) or ``kept``
    (the user's edited file stays; the draft went to ``<name>.new``).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest_file = folder / MANIFEST
    try:
        drafted = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        drafted = {}
    done = []
    for name, text in drafts.items():
        path = folder / name
        if not path.exists():
            write_text_atomic(path, text)
            done.append((path, "written"))
        else:
            current = _sha(path.read_text(encoding="utf-8", errors="replace"))
            if current == _sha(text):
                done.append((path, "unchanged"))
            elif current == drafted.get(name):
                write_text_atomic(path, text)
                done.append((path, "updated"))
            else:
                new = path.with_name(path.name + ".new")
                write_text_atomic(new, text)
                done.append((new, "kept"))
                continue
        drafted[name] = _sha(text)
    write_text_atomic(manifest_file, json.dumps(drafted, indent=1, sort_keys=True))
    return done
