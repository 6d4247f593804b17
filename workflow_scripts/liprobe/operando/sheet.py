"""The operando_nmr sheet's rows as plain rule inputs and params."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from liprobe.errors import InputError
from liprobe.io.sheets import row_values

RUN_COLUMNS = (
    "cell",
    "path",
    "expnos",
    "increment",
    "procno",
    "area_cm2",
    "cycler",
    "cycler_timezone",
    "cycler_date_order",
    "plating_sign",
    "reference",
    "counter_area_cm2",
    "counter_thickness_um",
)


def run_sheet(sheet: pd.DataFrame, run: str) -> dict:
    """The sheet values of one run (plain str / int / float / None)."""
    return row_values(sheet, run, RUN_COLUMNS)


def expno_folders(path: str | Path, expnos: str | None, sheet_name: str, run: str):
    """The run's EXPNO folders in EXPNO order: ``path`` itself when it is one
    (it holds ``acqus``), else its numbered sub-folders holding ``acqus``
    (those in the ``first-last`` range ``expnos`` when given)."""
    folder = Path(path)
    if (folder / "acqus").is_file():
        if expnos:
            raise InputError(
                sheet_name,
                f"expnos (run {run})",
                "no range when path is one EXPNO folder",
                expnos,
            )
        return [str(folder)]
    lo, hi = 0, math.inf
    if expnos:
        first, _, last = str(expnos).partition("-")
        lo, hi = int(first), int(last or first)
    found = sorted(
        (int(p.name), p)
        for p in folder.iterdir()
        if p.is_dir() and p.name.isdigit() and (p / "acqus").is_file()
    )
    chosen = [str(p) for n, p in found if lo <= n <= hi]
    if not chosen:
        raise InputError(
            sheet_name,
            f"path (run {run})",
            "an EXPNO folder, or a dataset folder with numbered EXPNO folders"
            + (f" in {expnos}" if expnos else ""),
            str(path),
        )
    return chosen


def raw_files(folders: list[str], procno: int) -> list[str]:
    """The files each spectrum is read from (a changed byte reruns the run)."""
    out = []
    for folder in folders:
        f = Path(folder)
        names = ["acqus", "fid", "ser", "acqu2s", "audita.txt"]
        out += [str(f / n) for n in names if (f / n).is_file()]
        procs = f / "pdata" / str(procno) / "procs"
        if procs.is_file():
            out.append(str(procs))
    return out
