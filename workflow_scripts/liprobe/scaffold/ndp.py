"""Draft ``ndp`` sheet rows from the list-mode and cycler files of a data folder.

Every file whose first bytes are a list-mode format is a run, a background or
a 10B reference (by its name: ``background``/``bkg``, ``reference``/``ref``/
``B10``/``standard``). A run is paired with a cycler file by time overlap
when the list-mode format stores an absolute start time and the cycler's zone
is known; otherwise by the part of the file names they share (``ndp_bare_Cu``
with ``cycler_bare_Cu``); otherwise it is left for the user to pair. What
cannot be told from files (stack, area, start time of formats that store none)
stays empty with a note.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from liprobe.errors import LiprobeError
from liprobe.io.cycler import detect_format as cycler_format
from liprobe.io.cycler import read_cycler
from liprobe.io.listmode import detect_format as listmode_format
from liprobe.io.listmode import open_listmode
from liprobe.scaffold.nmr import safe_id, sheet_columns

_BACKGROUND = re.compile(r"background|\bbkg|_bkg|\bbg\b|_bg\b", re.I)
_REFERENCE = re.compile(r"reference|\bref\b|_ref\b|b10|standard", re.I)
_ROLE_WORDS = re.compile(
    r"(^|_)(ndp|listmode|list|lm|cycler|echem|background|bkg|bg|reference|ref|"
    r"b10|standard|std)(?=_|$)",
    re.I,
)
CYCLER_SUFFIXES = {".mpr", ".mpt", ".nda", ".ndax", ".csv", ".txt"}


@dataclass(frozen=True)
class FoundFile:
    path: Path
    role: str  # run, background, reference or cycler
    format: str
    stem: str
    start_utc: pd.Timestamp | None = None
    end_utc: pd.Timestamp | None = None


def name_stem(path: Path) -> str:
    """The part of a file name that names the cell: role words removed."""
    stem = _ROLE_WORDS.sub(r"\1", path.stem)
    stem = re.sub(r"_+", "_", stem).strip("_")
    return stem.lower()


def _listmode_span(path: Path, fmt: str, chunk_events: int):
    reader = open_listmode(path, fmt, chunk_events=chunk_events)
    start = reader.info.start_utc
    if start is None:
        return None, None
    length = reader.info.real_time_s
    if length is None:
        first, last = reader.time_span()
        length = last - first
    return start, start + pd.Timedelta(seconds=float(length))


def find_files(
    roots,
    *,
    chunk_events: int,
    cycler_timezone: str | None,
    max_gap_s: float,
    reader_timeout_s: float,
) -> tuple[list[FoundFile], list[tuple[Path, str]]]:
    """List-mode and cycler files under ``roots`` and the files skipped (why)."""
    found: list[FoundFile] = []
    skipped: list[tuple[Path, str]] = []
    for root in roots:
        for folder, subfolders, files in os.walk(root):
            if "acqus" in files:  # a Bruker experiment: nothing of NDP's here
                subfolders[:] = []
                continue
            subfolders[:] = sorted(s for s in subfolders if not s.startswith("."))
            for name in sorted(files):
                path = Path(folder, name).resolve()
                if name.startswith(".") or path.suffix.lower() in {".xml", ".json"}:
                    continue
                found_file, why = _classify(
                    path, chunk_events, cycler_timezone, max_gap_s, reader_timeout_s
                )
                if found_file is not None:
                    found.append(found_file)
                elif why:
                    skipped.append((path, why))
    return found, skipped


def _classify(
    path: Path,
    chunk_events: int,
    zone: str | None,
    max_gap_s: float,
    reader_timeout_s: float,
):
    try:
        fmt = listmode_format(path)
    except LiprobeError:
        fmt = None
    if fmt is not None:
        role = "run"
        if _BACKGROUND.search(path.stem):
            role = "background"
        elif _REFERENCE.search(path.stem):
            role = "reference"
        start = end = None
        try:
            start, end = _listmode_span(path, fmt, chunk_events)
        except LiprobeError as exc:
            return None, f"list-mode file not readable: {exc}"
        return FoundFile(path, role, fmt, name_stem(path), start, end), ""
    if path.suffix.lower() not in CYCLER_SUFFIXES:
        return None, ""
    try:
        fmt = cycler_format(path)
    except LiprobeError:
        return None, ""
    start = end = None
    if zone:
        try:
            trace = read_cycler(
                path,
                zone,
                fmt=fmt,
                max_gap_s=max_gap_s,
                reader_timeout_s=reader_timeout_s,
            )
        except LiprobeError as exc:
            return None, f"cycler file not readable: {exc}"
        if len(trace):
            start, end = trace["t_utc"].iloc[0], trace["t_utc"].iloc[-1]
    return FoundFile(path, "cycler", fmt, name_stem(path), start, end), ""


def _overlap_s(a: FoundFile, b: FoundFile) -> float:
    if None in (a.start_utc, a.end_utc, b.start_utc, b.end_utc):
        return 0.0
    lo = max(a.start_utc, b.start_utc)
    hi = min(a.end_utc, b.end_utc)
    return max(0.0, (hi - lo).total_seconds())


def plan_ndp(files: list[FoundFile], cycler_timezone: str | None) -> pd.DataFrame:
    """The drafted ``ndp`` sheet: one row per run, with its pairing noted."""
    runs = [f for f in files if f.role == "run"]
    cyclers = [f for f in files if f.role == "cycler"]
    rows = []
    used_ids: set[str] = set()
    for run in runs:
        notes = []
        partner = None
        overlaps = [(c, _overlap_s(run, c)) for c in cyclers]
        overlaps = [(c, s) for c, s in overlaps if s > 0]
        if overlaps:
            partner, seconds = max(overlaps, key=lambda cs: cs[1])
            notes.append(f"cycler paired by time overlap ({seconds / 3600:.1f} h)")
        else:
            by_name = [c for c in cyclers if c.stem == run.stem]
            if len(by_name) == 1:
                partner = by_name[0]
                notes.append("cycler paired by file name: check")
            else:
                notes.append("no cycler paired: fill in cycler and cycler_timezone")
        background = [f for f in files if f.role == "background" and f.stem == run.stem]
        reference = [f for f in files if f.role == "reference" and f.stem == run.stem]
        if run.start_utc is None:
            notes.append(
                f"{run.format} stores no absolute time: fill in listmode_start_utc"
            )
        notes.append("fill in stack (a name under ndp.stacks) and area_cm2")
        run_id = safe_id(run.path.stem)
        n = 2
        while run_id in used_ids:
            run_id = safe_id(f"{run.path.stem}_{n}")
            n += 1
        used_ids.add(run_id)
        rows.append(
            {
                "run": run_id,
                "listmode": str(run.path),
                "cell": run.stem or run_id,
                "stack": "",
                "area_cm2": "",
                "format": run.format,
                "listmode_start_utc": (
                    "" if run.start_utc is None else run.start_utc.isoformat()
                ),
                "cycler": "" if partner is None else str(partner.path),
                "cycler_timezone": (cycler_timezone or "") if partner else "",
                "background": str(background[0].path) if len(background) == 1 else "",
                "reference": str(reference[0].path) if len(reference) == 1 else "",
                "note": "; ".join(notes),
            }
        )
    return pd.DataFrame(rows, columns=sheet_columns("ndp", rows))
