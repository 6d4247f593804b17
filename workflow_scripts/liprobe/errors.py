"""liprobe's own error types.

Every error a user can trigger with bad input is a :class:`LiprobeError`. The
message names the file, the field, what was expected and what was found, so one
line tells the user which input to fix and how.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LiprobeError(Exception):
    """Base class of every error liprobe raises on purpose."""


class InputError(LiprobeError):
    """A raw input or sheet does not hold what liprobe needs.

    Parameters
    ----------
    file:
        The offending file (or sheet).
    field:
        The field, key, column, byte range or record that is wrong.
    expected:
        What liprobe expected there.
    found:
        What it found instead.
    row:
        Optional row number (1-based, as a user counts lines of a sheet body).
    """

    def __init__(
        self,
        file: str | Path | None,
        field: str,
        expected: str,
        found: object,
        row: int | None = None,
    ) -> None:
        self.file = None if file is None else str(file)
        self.field = field
        self.expected = expected
        self.found = found
        self.row = row
        where = self.file if self.file is not None else "<input>"
        if row is not None:
            where = f"{where}, row {row}"
        super().__init__(
            f"{where}: field '{field}': expected {expected}, found {found!r}"
        )


class FitError(LiprobeError):
    """A fit could not be set up (not a failed fit: those are flagged rows)."""


@contextmanager
def fit_context(what: str, file: str | Path) -> Iterator[None]:
    """Name the run (or experiment) and the file of any :class:`FitError`
    raised inside: ``FitError('run r1, <file>: empty spectrum')``."""
    try:
        yield
    except FitError as exc:
        raise FitError(f"{what}, {file}: {exc}") from None
