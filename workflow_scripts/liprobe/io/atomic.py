"""Atomic file output: a reader never sees half a file.

Every output is written to ``<name>.partial`` in its own folder and then moved
over the final name with :func:`os.replace` (atomic on one file system). A
process killed part way leaves at most the ``.partial`` file, never a truncated
output under the final name that a rerun would take for finished; a failed
write removes the ``.partial`` file.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from liprobe.errors import InputError
from liprobe.io.files import too_long_text

PARTIAL_SUFFIX = ".partial"


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it over ``path`` on success.

    The parent folder is created. On an exception the temporary file is
    removed and ``path`` is left as it was; a name too long for the file
    system is an :class:`InputError` naming the output.
    """
    path = Path(path)
    tmp = path.with_name(path.name + PARTIAL_SUFFIX)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            yield tmp
            os.replace(tmp, path)
        finally:
            if _exists(tmp):
                tmp.unlink()
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
        raise InputError(
            path,
            "file name",
            "output names the file system accepts (shorten the sheet id they are "
            f"made of; a name gets {len(PARTIAL_SUFFIX)} bytes more while written)",
            too_long_text(tmp),
        ) from None


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return False


def write_text_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; return the path."""
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(path)
