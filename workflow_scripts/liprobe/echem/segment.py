"""Plating/stripping half-cycles from a cycler trace.

Segmentation works on the physics, not on the instrument's cycle counters
(which merge pulses separated by rests and split on impedance noise):

1. rows recorded by an impedance technique (``technique`` matching one of
   ``exclude_techniques``, e.g. ``EIS``/``PEIS``/``GEIS``) are excluded: they
   pass no net charge worth counting and their sampled current flips sign;
2. every remaining row gets a state from its current: rest when
   ``|I| <=`` its rest threshold (:func:`rest_thresholds`: relative to the
   current of its own instrument step, so rates far apart in one file need no
   setting), otherwise the sign of ``I``;
3. a segment is a maximal run of rows with the same state and the same
   instrument step id (a change of instrument step starts a new segment even
   when the sign stays, so pulses separated by rests or by step changes stay
   separate);
4. a segment runs from its first point to its last point, extended by the
   time the next point's charge increment took at the segment's current when
   that increment belongs to the segment (see below);
   current-carrying segments shorter than ``min_step_s`` or with fewer than
   ``min_points`` rows are dropped (switching glitches);
5. each segment is a ``plate`` or ``strip`` step from its sign and the sheet's
   ``plating_sign``; a cycle starts with every plating step that follows a
   stripping step (or the first plating step); stripping before the first
   plating is cycle 0.

The charge of a segment is the sum of the charge increments of its rows, where
the increment of row ``i`` is ``charge_mAh[i] - charge_mAh[i-1]`` (the charge
passed in the interval that ends at row ``i``). An increment whose sign matches
the state of row ``i-1`` but not that of row ``i`` (the current stopped or
reversed inside the interval) belongs to row ``i-1``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from liprobe.errors import InputError

CYCLE_COLUMNS = [
    "cycle",
    "step",
    "t_start_utc",
    "t_end_utc",
    "charge_mAh",
    "segment",
    "current_mA",
    "duration_s",
    "n_points",
    "instrument_step",
]


def plating_sign_value(plating_sign: str | int | float | None, source=None) -> int:
    """+1 or -1 from a sheet value ('negative' default, 'positive', -1, +1)."""
    if plating_sign is None or (
        isinstance(plating_sign, float) and np.isnan(plating_sign)
    ):
        return -1
    text = str(plating_sign).strip().lower()
    if text in ("", "negative", "neg", "-", "-1", "-1.0"):
        return -1
    if text in ("positive", "pos", "+", "1", "+1", "1.0"):
        return 1
    raise InputError(source, "plating_sign", "'negative' or 'positive'", plating_sign)


def rest_threshold(
    current_mA: np.ndarray, rest_current_mA: float | None, rest_fraction: float
) -> float:
    """Current magnitude at or below which a row counts as rest.

    ``rest_current_mA`` when given, else ``rest_fraction`` times the cell's
    step current, taken as the third largest ``|I|`` (robust to single-point
    spikes, and to rests, noisy or not, making up almost all points).
    """
    if rest_current_mA is not None and np.isfinite(rest_current_mA):
        return float(rest_current_mA)
    mag = np.abs(current_mA[np.isfinite(current_mA)])
    if mag.size == 0:
        return 0.0
    typical = np.partition(mag, mag.size - min(3, mag.size))[
        mag.size - min(3, mag.size)
    ]
    return float(rest_fraction * typical)


def rest_thresholds(
    current_mA: np.ndarray,
    step_id: np.ndarray,
    rest_current_mA: float | None,
    rest_fraction: float,
) -> np.ndarray:
    """Per-row current magnitude at or below which the row counts as rest.

    ``rest_current_mA`` when given (the same for every row). Otherwise relative
    to the current each row belongs to, so rates far apart in one file (C/50
    and 1C) need no manual setting:

    * a noise floor ``rest_fraction**2`` times the file's step current
      (:func:`rest_threshold` with ``rest_fraction`` squared: 4e-4 of the
      fastest rate by default): rows at or below it are rest;
    * the rows above it form blocks of consecutive rows with the same
      instrument step id and the same current sign; each block's current is
      its third largest ``|I|`` (robust to single-point spikes) and a row at or
      below ``rest_fraction`` times its block's current is rest (the tail of a
      constant-voltage step, a switching point).

    Rates more than ``1 / rest_fraction**2`` apart (2500 by default), or rest
    noise above the floor, need ``rest_current_mA``.
    """
    current = np.asarray(current_mA, float)
    n = current.size
    if rest_current_mA is not None and np.isfinite(rest_current_mA):
        return np.full(n, float(rest_current_mA))
    floor = rest_threshold(current, None, rest_fraction**2)
    mag = np.where(np.isfinite(current), np.abs(current), 0.0)
    sign = np.where(mag > floor, np.sign(current), 0).astype(int)
    out = np.full(n, floor)
    if n == 0:
        return out
    steps = np.asarray(step_id)
    change = np.ones(n, dtype=bool)
    change[1:] = (sign[1:] != sign[:-1]) | (steps[1:] != steps[:-1])
    block = np.cumsum(change) - 1
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], n)
    for b, (a, z) in enumerate(zip(starts, ends, strict=True)):
        if sign[a] == 0:
            continue
        m = mag[a:z]
        k = min(3, m.size)
        level = float(np.partition(m, m.size - k)[m.size - k])
        out[block == b] = max(floor, rest_fraction * level)
    return out


def excluded_rows(trace: pd.DataFrame, exclude_techniques: Sequence[str]) -> np.ndarray:
    """Boolean mask of rows recorded by an excluded (impedance) technique."""
    if "technique" not in trace.columns or not exclude_techniques:
        return np.zeros(len(trace), dtype=bool)
    words = "|".join(re.escape(w) for w in exclude_techniques)
    pattern = re.compile(rf"^(?:{words})$", flags=re.IGNORECASE)
    tech = trace["technique"].fillna("").astype(str).str.strip()
    return tech.map(lambda s: bool(pattern.match(s))).to_numpy(bool)


def segment_half_cycles(
    trace: pd.DataFrame,
    plating_sign: str | int = "negative",
    *,
    rest_current_mA: float | None,
    rest_fraction: float,
    min_step_s: float,
    min_points: int,
    exclude_techniques: Sequence[str],
    source: str | None = None,
) -> pd.DataFrame:
    """Plating and stripping steps of a cycler trace (see module doc).

    Parameters
    ----------
    trace:
        Frame from :func:`liprobe.io.cycler.read_cycler` (needs ``t_utc``,
        ``current_mA``, ``charge_mAh``; ``step`` and ``technique`` are used when
        present).
    plating_sign:
        Current sign that plates Li on the working electrode.
    rest_current_mA, rest_fraction:
        Rest threshold (see :func:`rest_thresholds`).
    min_step_s, min_points:
        Shortest current-carrying segment kept.
    exclude_techniques:
        Technique names (case-insensitive, whole word) whose rows are ignored.

    Returns
    -------
    DataFrame with :data:`CYCLE_COLUMNS`: ``charge_mAh`` is the magnitude of the
    charge passed, ``current_mA`` the signed mean current, ``instrument_step``
    the instrument step id of the segment.
    """
    need = {"t_utc", "current_mA", "charge_mAh"}
    if not need <= set(trace.columns):
        raise InputError(source, "trace columns", sorted(need), list(trace.columns))
    sign_plate = plating_sign_value(plating_sign, source)
    n = len(trace)
    if n == 0:
        return pd.DataFrame(columns=CYCLE_COLUMNS)
    t = pd.DatetimeIndex(trace["t_utc"])
    current = trace["current_mA"].to_numpy(float)
    charge = trace["charge_mAh"].to_numpy(float)
    dq = np.diff(charge, prepend=charge[0])
    excl = excluded_rows(trace, exclude_techniques)
    step_id = (
        trace["step"].to_numpy() if "step" in trace.columns else np.full(n, -1)
    ).astype("int64")
    thr = np.full(n, np.inf)
    thr[~excl] = rest_thresholds(
        current[~excl], step_id[~excl], rest_current_mA, rest_fraction
    )
    with np.errstate(invalid="ignore"):
        state = np.where(np.abs(current) > thr, np.sign(current), 0).astype(int)
    state[excl] = 2  # neither rest nor current: its own breaking state
    state[~np.isfinite(current)] = 0
    change = np.ones(n, dtype=bool)
    change[1:] = (state[1:] != state[:-1]) | (step_id[1:] != step_id[:-1])
    seg_id = np.cumsum(change) - 1
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], n) - 1
    t_s = (t - t[0]).total_seconds().to_numpy(float)
    # the increment of row i belongs to row i, unless its sign matches the
    # state of row i-1 and not that of row i (current stopped or reversed
    # inside the interval): then it belongs to row i-1
    owner = np.arange(n)
    sdq = np.sign(dq)
    prev_match = np.zeros(n, dtype=bool)
    prev_match[1:] = (sdq[1:] != 0) & (sdq[1:] != state[1:]) & (sdq[1:] == state[:-1])
    owner[prev_match] -= 1
    seg_charge = np.bincount(seg_id[owner], weights=dq, minlength=seg_id[-1] + 1)
    rows = []
    for a, b in zip(starts, ends, strict=True):
        s = state[a]
        if s not in (-1, 1):
            continue
        npts = b - a + 1
        # the step ends after its last point when the next point's increment
        # was passed in this step: it lasted that charge over the step current
        t_end_s = t_s[b]
        if b + 1 < n and owner[b + 1] == b:
            i_mean = abs(float(np.mean(current[a : b + 1])))
            extra = abs(dq[b + 1]) * 3600.0 / i_mean if i_mean > 0 else 0.0
            t_end_s = min(t_s[b] + extra, t_s[b + 1])
        duration = t_end_s - t_s[a]
        if npts < min_points or duration < min_step_s:
            continue
        q = float(seg_charge[seg_id[a]])
        rows.append(
            {
                "step": "plate" if s == sign_plate else "strip",
                "t_start_utc": t[a],
                "t_end_utc": t[0] + pd.Timedelta(seconds=float(t_end_s)),
                "charge_mAh": abs(q),
                "segment": int(seg_id[a]),
                "current_mA": float(np.mean(current[a : b + 1])),
                "duration_s": float(duration),
                "n_points": int(npts),
                "instrument_step": int(step_id[a]),
            }
        )
    out = pd.DataFrame(rows, columns=[c for c in CYCLE_COLUMNS if c != "cycle"])
    out.insert(0, "cycle", assign_cycles(out["step"].tolist()))
    out["segment"] = np.arange(len(out), dtype="int64")
    for col in ("t_start_utc", "t_end_utc"):
        out[col] = pd.to_datetime(out[col], utc=True)
    return out[CYCLE_COLUMNS]


def assign_cycles(steps: Sequence[str]) -> list[int]:
    """Cycle numbers for a sequence of 'plate'/'strip' steps.

    A cycle starts at every plating step that follows a stripping step, and at
    the first plating step; stripping before any plating is cycle 0.
    """
    cycles = []
    cycle = 0
    previous = None
    for step in steps:
        if step == "plate" and previous != "plate":
            cycle += 1
        cycles.append(cycle)
        previous = step
    return cycles


def step_boundaries(cycles_df: pd.DataFrame) -> list[pd.Timestamp]:
    """Sorted unique start and end times (UTC) of all half-cycles.

    Meant for cutting NDP time slices so that none straddles a step change.
    """
    if cycles_df.empty:
        return []
    times = pd.concat(
        [
            pd.to_datetime(cycles_df["t_start_utc"], utc=True),
            pd.to_datetime(cycles_df["t_end_utc"], utc=True),
        ]
    )
    return sorted(pd.Timestamp(x) for x in times.drop_duplicates())


def coulombic_efficiency(cycles_df: pd.DataFrame) -> pd.DataFrame:
    """Coulombic efficiency per cycle, ``CE = Q_stripped / Q_plated``.

    Sums all plating and all stripping steps of a cycle. Returns one row per
    cycle (per run when a ``run`` column is present) with ``plate_charge_mAh``,
    ``strip_charge_mAh``, ``coulombic_efficiency`` and ``flags``; a cycle
    without a plating step (a leading stripping step, cycle 0) or without a
    stripping step (an interrupted last cycle) gets NaN and a flag. No
    uncertainty is given: the cycler's charge counters are far more precise
    than anything compared with them here.
    """
    keys = ["run", "cycle"] if "run" in cycles_df.columns else ["cycle"]
    cols = keys + [
        "plate_charge_mAh",
        "strip_charge_mAh",
        "coulombic_efficiency",
        "flags",
    ]
    if cycles_df.empty:
        return pd.DataFrame(columns=cols)
    grouped = cycles_df.groupby(keys, sort=True)
    rows = []
    for key, g in grouped:
        key = key if isinstance(key, tuple) else (key,)
        qp = float(g.loc[g["step"] == "plate", "charge_mAh"].sum())
        qs = float(g.loc[g["step"] == "strip", "charge_mAh"].sum())
        has_p = bool((g["step"] == "plate").any())
        has_s = bool((g["step"] == "strip").any())
        flags = []
        if not has_p:
            flags.append("no plating step (stripping before the first plating)")
        if not has_s:
            flags.append("no stripping step")
        ce = qs / qp if has_p and has_s and qp > 0 else np.nan
        rows.append((*key, qp, qs, ce, "; ".join(flags)))
    return pd.DataFrame(rows, columns=cols)
