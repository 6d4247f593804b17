"""TopSpin's own results in ``pdata/<procno>``: processed spectra (``1r``,
``2rr``), integral regions (``intrng``) and the relaxation module's output
(``ct1t2.txt``). They are references that no one here wrote: the NMR package
compares its own processing and fits with them.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import nmrglue as ng
import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.bruker.jcamp import number, read_parameters


def pdata_dir(path: Path, procno: int) -> Path:
    """The processing folder ``<path>/pdata/<procno>``."""
    return Path(path) / "pdata" / str(int(procno))


def read_intrng(path: str | Path, procno: int = 1) -> pd.DataFrame | None:
    """TopSpin integral regions of ``pdata/<procno>/intrng`` in ppm, or None.

    Returns columns ``region`` (``r01``, ``r02``...), ``ppm_min``, ``ppm_max``.
    Only the ppm form (header ``A 1.0 #regions in PPM``) is read; regions in
    points raise :class:`InputError`.
    """
    file = pdata_dir(Path(path), procno) / "intrng"
    if not file.is_file():
        return None
    lines = file.read_bytes().decode("latin-1").splitlines()
    if not lines or "ppm" not in lines[0].lower():
        raise InputError(
            file, "header", "'A 1.0 #regions in PPM'", lines[0] if lines else ""
        )
    rows = []
    for lineno, line in enumerate(lines[1:], start=2):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        parts = body.split()
        try:
            a, b = float(parts[0]), float(parts[1])
        except (IndexError, ValueError) as exc:
            raise InputError(
                file, f"line {lineno}", "two ppm limits", line, row=lineno
            ) from exc
        rows.append((min(a, b), max(a, b)))
    if not rows:
        return None
    return pd.DataFrame(
        {
            "region": [f"r{i + 1:02d}" for i in range(len(rows))],
            "ppm_min": [r[0] for r in rows],
            "ppm_max": [r[1] for r in rows],
        }
    )


def read_processed(
    path: str | Path, procno: int = 1
) -> tuple[np.ndarray, np.ndarray] | None:
    """TopSpin's processed real data (``1r`` or ``2rr``) and its ppm axis, or None.

    Returns ``(ppm, data)`` with ``data`` real, rows x SI (one row for ``1r``;
    all stored rows of ``2rr``, also those beyond the acquired TD1), the
    submatrix layout undone and ``NC_proc`` applied; ``ppm`` from
    ``procs`` (OFFSET, SW_p, SF, SI).
    """
    pdir = pdata_dir(Path(path), procno)
    names = [n for n in ("2rr", "1r") if (pdir / n).is_file()]
    if not names or not (pdir / "procs").is_file():
        return None
    name = names[0]
    procs = read_parameters(pdir / "procs")
    try:
        if name == "2rr":
            _, data = ng.bruker.read_pdata(
                str(pdir), bin_files=["2rr"], read_acqus=False
            )
        else:
            _, data = ng.bruker.read_pdata(
                str(pdir), bin_files=["1r"], read_acqus=False
            )
    except Exception as exc:
        raise InputError(
            pdir / name, "file", "TopSpin processed data", f"unreadable ({exc})"
        ) from exc
    data = np.atleast_2d(np.asarray(data, dtype=float))
    si = data.shape[1]
    offset = number(procs, "OFFSET", pdir / "procs")
    sw_p = number(procs, "SW_p", pdir / "procs")
    sf = number(procs, "SF", pdir / "procs")
    ppm = offset - np.arange(si) * (sw_p / sf) / si
    return ppm, data


_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_CT1T2_PEAK = re.compile(r"Peak\s+(\d+),\s+Peak Point (?:at|=)\s+" + _NUM + r"\s*ppm")
# TopSpin 3: "  tau  ppm  integral  intensity" with tau like 10.000s, 500.000m
_CT1T2_ROW3 = re.compile(
    r"^\s*" + _NUM + r"([munk]?)s?\s+" + _NUM + r"\s+" + _NUM + r"\s+" + _NUM + r"\s*$"
)
# TopSpin 4 SIMFIT: "point  tau  expt  calc  difference"
_CT1T2_ROW4 = re.compile(
    r"^\s*(\d+)\s+" + _NUM + r"([munk]?)s?\s+" + _NUM + r"\s+" + _NUM + r"\s+" + _NUM
)
_PREFIX = {"": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9, "k": 1e3}


def read_ct1t2(path: str | Path, procno: int = 1) -> pd.DataFrame | None:
    """TopSpin relaxation-module output ``ct1t2.txt``: values per list entry.

    Reads both layouts: TopSpin 3 (``tau ppm integral intensity`` per peak) and
    TopSpin 4 SIMFIT (``point tau expt calc difference``, ``expt`` being the
    fitted quantity, normalised). Returns one row per peak x list entry with
    ``peak`` (1-based region number), ``list_value`` (converted from TopSpin's
    m/u suffix as printed; TopSpin prints a vplist's microseconds as if they
    were seconds), ``ppm`` (the peak point), ``integral`` and ``intensity``
    (TopSpin 3, else NaN) and ``expt`` (TopSpin 4, else NaN); None when absent.
    """
    file = pdata_dir(Path(path), procno) / "ct1t2.txt"
    if not file.is_file():
        return None
    records = []
    peak, peak_ppm = None, math.nan
    for line in file.read_bytes().decode("latin-1").splitlines():
        m = _CT1T2_PEAK.search(line)
        if m:
            peak, peak_ppm = int(m.group(1)), float(m.group(2))
            continue
        if peak is None:
            continue
        m = _CT1T2_ROW3.match(line)
        if m:
            records.append(
                (
                    peak,
                    float(m.group(1)) * _PREFIX[m.group(2)],
                    float(m.group(3)),
                    float(m.group(4)),
                    float(m.group(5)),
                    math.nan,
                )
            )
            continue
        m = _CT1T2_ROW4.match(line)
        if m:
            records.append(
                (
                    peak,
                    float(m.group(2)) * _PREFIX[m.group(3)],
                    peak_ppm,
                    math.nan,
                    math.nan,
                    float(m.group(4)),
                )
            )
    if not records:
        return None
    return pd.DataFrame(
        records,
        columns=["peak", "list_value", "ppm", "integral", "intensity", "expt"],
    )


#: Audit-trail entries that record no change of the processed data.
_AUDIT_NOT_PROCESSING = ("created", "user", "changed", "acquisition", "audit")

_AUDIT_ENTRY = re.compile(
    r"\(\s*\d+\s*,\s*<[^>]*>\s*,\s*<[^>]*>\s*,\s*<[^>]*>\s*,\s*<[^>]*>\s*,"
    r"\s*<[^>]*>\s*,\s*<(.*?)>\)",
    re.DOTALL,
)


def read_processing_history(path: str | Path, procno: int = 1) -> list[str]:
    """Commands TopSpin applied after the last raw-data processing, in order.

    From ``pdata/<procno>/auditp.txt``: every entry after the last one that
    starts with ``Start of raw data processing`` (``ef``, ``efp``, ``ft``,
    ``xf2`` ...), reduced to its first word (``abs``, ``abs2``, ``sab``,
    ``pk``, ``pk2`` ...), skipping entries that change no data (user comments,
    changed parameters). Empty when the file is absent or has no entry.
    """
    file = pdata_dir(Path(path), procno) / "auditp.txt"
    if not file.is_file():
        return []
    text = file.read_bytes().decode("latin-1")
    commands: list[str] = []
    for what in _AUDIT_ENTRY.findall(text):
        what = what.strip()
        if what.startswith("Start of raw data processing"):
            commands = []
            continue
        word = what.split(maxsplit=1)[0].lower() if what else ""
        if word and not word.startswith(_AUDIT_NOT_PROCESSING):
            commands.append(word)
    return commands


def read_baseline_points(path: str | Path, procno: int = 1) -> np.ndarray | None:
    """Point indices of TopSpin's spline baseline points (``pdata/<procno>/baslpnts``).

    The file holds ``$$`` comment lines, the spectrum size, then one line per
    point: its index and its position. Sorted unique indices, or None when the
    file is absent.
    """
    file = pdata_dir(Path(path), procno) / "baslpnts"
    if not file.is_file():
        return None
    rows = [
        line.split()
        for line in file.read_bytes().decode("latin-1").splitlines()
        if line.strip() and not line.lstrip().startswith("$$")
    ]
    points = []
    for lineno, parts in enumerate(rows[1:], start=2):
        try:
            points.append(int(float(parts[0])))
        except ValueError as exc:
            raise InputError(
                file, f"point {lineno - 1}", "a point index", parts[0]
            ) from exc
    return np.unique(np.asarray(points, dtype=int)) if points else None
