"""What is at a path, in words an error message can use.

``Path.is_file()`` is False for a folder, a device and a missing file alike
(and raises for a name too long for the file system), so "no such file" was
said of paths that exist. :func:`path_state` tells them apart without opening
anything; :func:`require_file` turns anything but a regular file into an
:class:`~liprobe.errors.InputError` that says what was found.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from liprobe.errors import InputError

REGULAR_FILE = "a regular file"


def longest_name_bytes(path: str | Path) -> int:
    """Bytes of the longest folder or file name in ``path``."""
    return max((len(part.encode()) for part in Path(path).parts), default=0)


def too_long_text(path: str | Path) -> str:
    """How long the longest name of ``path`` is (for a too-long-name error)."""
    return (
        f"a name too long for the file system (longest folder or file name "
        f"{longest_name_bytes(path)} bytes; the usual limit is 255)"
    )


def path_state(path: str | Path) -> str:
    """``a regular file``, or what is there instead, in words."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file"
    except NotADirectoryError:
        return "no such file (a folder in its path is a file)"
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return too_long_text(path)
        return f"not accessible ({exc.strerror})"
    if stat.S_ISREG(mode):
        return REGULAR_FILE
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    return "a device, pipe or socket, not a regular file"


def require_file(path: str | Path, field: str, expected: str) -> Path:
    """``path`` when it is a regular file; else an :class:`InputError` saying
    what is there (no such file, a folder, a device, a name too long, ...)."""
    state = path_state(path)
    if state != REGULAR_FILE:
        raise InputError(path, field, expected, state)
    return Path(path)
