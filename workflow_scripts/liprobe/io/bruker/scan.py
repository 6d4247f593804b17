"""Find Bruker experiment folders under a data folder, at any depth.

An experiment folder (``<dataset>/<expno>``) is a folder holding an ``acqus``
file. The walk does not descend into an experiment folder (its ``pdata`` holds
no further experiments), skips hidden folders and does not follow symbolic
links to folders, so a link back up the tree cannot make it loop.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from liprobe.errors import InputError


def find_experiment_folders(roots: Iterable[str | Path]) -> list[Path]:
    """Every experiment folder under ``roots`` (absolute, sorted, unique).

    A root that is itself an experiment folder is returned as it is; a root
    that does not exist is an :class:`InputError`.
    """
    found: set[Path] = set()
    for root in roots:
        root = Path(root).expanduser()
        if not root.is_dir():
            raise InputError(root, "DATA_DIR", "an existing folder", "no such folder")
        for folder, subfolders, files in os.walk(root):
            if "acqus" in files:
                found.add(Path(folder).resolve())
                subfolders[:] = []
                continue
            subfolders[:] = sorted(s for s in subfolders if not s.startswith("."))
    return sorted(found, key=_natural_key)


def _natural_key(path: Path) -> tuple:
    """Sort ``data/10`` after ``data/9``: numeric path parts compare as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in path.parts)
