"""Small pieces the simulators share: rows of the sheets they write."""

from __future__ import annotations

from pathlib import Path


def nmr_row(
    experiment: str, sample: str, folder: str | Path, kind: str, **columns: object
) -> dict[str, object]:
    """One row of the nmr sheet: experiment, sample, path (``folder``) and kind,
    then ``columns`` in their order."""
    return {
        "experiment": experiment,
        "sample": sample,
        "path": str(folder),
        "kind": kind,
        **columns,
    }
