"""When each spectrum of an operando NMR run was acquired (UTC).

Two sources, in this order:

* ``audita.txt`` of the EXPNO folder: ``started at`` and ``completed at`` of
  the acquisition (time source ``audita``);
* acqus ``DATE``, which marks the END of the acquisition (in real folders it
  equals audita's ``completed at``): the start is ``DATE - duration`` with the
  duration ``rows x (NS + DS) x (D1 + AQ)``, ``AQ = TD / (2 SW_h)`` (time
  source ``acqus_DATE``); the mid time is ``DATE - duration / 2``.

A pseudo-2D folder (operando rows acquired one after the other) shares its
acquisition's span equally between its rows.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from liprobe.errors import InputError
from liprobe.io.bruker import number

TIME_COLUMNS = [
    "spectrum",
    "expno",
    "increment",
    "t_start_utc",
    "t_end_utc",
    "t_mid_utc",
    "duration_s",
    "time_source",
]


def acquisition_duration_s(acqus: dict, rows: int, file: str | Path) -> float:
    """``rows x (NS + DS) x (D1 + AQ)`` seconds, ``AQ = TD / (2 SW_h)``."""
    file = Path(file)
    ns = number(acqus, "NS", file, integer=True)
    ds = number(acqus, "DS", file, integer=True, default=0)
    td = number(acqus, "TD", file, integer=True)
    sw = number(acqus, "SW_h", file)
    delays = acqus.get("D")
    if not isinstance(delays, list) or len(delays) < 2:
        raise InputError(file, "D", "the delay array D with D1", delays)
    try:
        d1 = float(delays[1])
    except (TypeError, ValueError):
        raise InputError(file, "D[1]", "a number of seconds", delays[1]) from None
    if ns <= 0 or ds < 0 or td <= 0 or not sw > 0 or not d1 >= 0:
        raise InputError(
            file,
            "NS, DS, TD, SW_h, D1",
            "NS > 0, DS >= 0, TD > 0, SW_h > 0, D1 >= 0",
            f"NS={ns}, DS={ds}, TD={td}, SW_h={sw}, D1={d1}",
        )
    aq = td / (2.0 * sw)
    return float(rows * (ns + ds) * (d1 + aq))


def folder_span(
    acqus: dict,
    rows: int,
    audit: tuple[pd.Timestamp, pd.Timestamp] | None,
    file: str | Path,
) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """Start and end (UTC) of one folder's acquisition and the source used."""
    if audit is not None:
        return audit[0], audit[1], "audita"
    date = number(acqus, "DATE", Path(file))
    if not math.isfinite(date) or date <= 0:
        raise InputError(file, "DATE", "Unix seconds of the acquisition end", date)
    end = pd.Timestamp(date, unit="s", tz="UTC")
    duration = acquisition_duration_s(acqus, rows, file)
    return end - pd.Timedelta(seconds=duration), end, "acqus_DATE"


def spectrum_times(folders: list[dict]) -> pd.DataFrame:
    """One row per spectrum of a run, numbered 1.. in acquisition order.

    ``folders``: per EXPNO folder ``expno``, ``acqus`` (dict), ``acqus_file``,
    ``rows`` (rows acquired), ``audit`` (``(start, end)`` or None) and
    ``increments`` (the 1-based rows taken). Spectra are sorted by start time.
    """
    rows = []
    for f in folders:
        start, end, source = folder_span(
            f["acqus"], f["rows"], f["audit"], f["acqus_file"]
        )
        step = (end - start) / max(int(f["rows"]), 1)
        for inc in f["increments"]:
            t0 = start + step * (inc - 1)
            t1 = t0 + step
            rows.append(
                {
                    "expno": str(f["expno"]),
                    "increment": int(inc),
                    "t_start_utc": t0,
                    "t_end_utc": t1,
                    "t_mid_utc": t0 + (t1 - t0) / 2,
                    "duration_s": (t1 - t0).total_seconds(),
                    "time_source": source,
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=TIME_COLUMNS)
    out = out.sort_values(["t_start_utc", "expno", "increment"]).reset_index(drop=True)
    out.insert(0, "spectrum", range(1, len(out) + 1))
    for col in ("t_start_utc", "t_end_utc", "t_mid_utc"):
        out[col] = pd.to_datetime(out[col], utc=True)
    return out[TIME_COLUMNS]


def align_with_cycles(times: pd.DataFrame, cycles: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``cycle`` and ``step`` (the cycler half-cycle holding the spectrum
    entirely; empty when none does, e.g. in a rest) and ``t_from_start_s``
    (seconds since the first cycler step, else since the first spectrum)."""
    out = times.copy()
    out["cycle"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["step"] = ""
    if cycles is None or cycles.empty:
        origin = out["t_start_utc"].min() if len(out) else None
    else:
        cyc = cycles.copy()
        for col in ("t_start_utc", "t_end_utc"):
            cyc[col] = pd.to_datetime(cyc[col], utc=True)
        origin = cyc["t_start_utc"].min()
        for _, c in cyc.iterrows():
            inside = (out["t_start_utc"] >= c["t_start_utc"]) & (
                out["t_end_utc"] <= c["t_end_utc"]
            )
            out.loc[inside, "cycle"] = int(c["cycle"])
            out.loc[inside, "step"] = str(c["step"])
    out["t_from_start_s"] = (
        (out["t_mid_utc"] - origin).dt.total_seconds() if origin is not None else []
    )
    return out
