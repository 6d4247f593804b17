"""What every list-mode format shares: the event chunk, the file summary, the
DAQ flags and the reader interface.

A format module subclasses :class:`ListModeReader` once: it names its
``format``, recognises its first bytes (:meth:`ListModeReader.sniff`), says
what the file holds (:meth:`ListModeReader.read_info`, called on opening) and
streams the events (:meth:`ListModeReader.chunks`). ``time_span`` and
``raw_chunks`` have generic versions a format overrides when it can do better.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from liprobe.errors import InputError

FORMATS = ("compass_bin", "compass_csv", "ortec_lis", "nexus")

#: CoMPASS event flags (CAEN DPP firmware).
FLAG_DEAD_TIME = 0x1
FLAG_LOST_TRIGGER = 0x20
FLAG_LOST_1024 = 0x40
FLAG_SATURATION_GATE = 0x80
FLAG_INPUT_SATURATION = 0x400
FLAG_PILEUP = 0x8000
#: Flags that make an event unusable (pile-up or saturation).
REJECT_FLAGS = FLAG_PILEUP | FLAG_SATURATION_GATE | FLAG_INPUT_SATURATION


@dataclass
class EventChunk:
    """A block of events in file order."""

    time_s: np.ndarray
    channel: np.ndarray
    energy: np.ndarray
    energy_cal: np.ndarray
    flags: np.ndarray
    live_marks: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    waveforms: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.time_s.size)


@dataclass
class ListModeInfo:
    """What a file says about itself."""

    path: str
    format: str
    n_events: int | None = None
    start_utc: pd.Timestamp | None = None
    real_time_s: float | None = None
    live_time_s: float | None = None
    calibration_keV: tuple[float, ...] | None = None
    waveform_samples: int = 0
    has_live_records: bool = False
    #: what ``energy`` holds: ``adc`` (pulse height in ADC channels), ``keV``
    #: (only a calibrated energy, in ``energy_cal``) or ``none``
    energy_kind: str = "adc"
    extra: dict = field(default_factory=dict)


def no_values(n: int) -> np.ndarray:
    """A float column of ``n`` NaNs (a quantity the format does not record)."""
    return np.full(n, np.nan)


class ListModeReader(ABC):
    """Streaming reader for one list-mode file; one subclass per format.

    Open files with :func:`liprobe.io.listmode.open_listmode`, which checks the
    path and picks the subclass. ``info`` is read on opening; ``chunks`` yields
    :class:`EventChunk` objects of at most ``chunk_events`` events.
    """

    #: the format name (one of :data:`FORMATS`)
    format: ClassVar[str]

    def __init__(
        self, path: str | Path, chunk_events: int, with_waveforms: bool = False
    ) -> None:
        self.path = Path(path)
        self.chunk_events = int(chunk_events)
        self.with_waveforms = with_waveforms
        self.info = self.read_info()

    @staticmethod
    @abstractmethod
    def sniff(head: bytes) -> bool:
        """Whether the first bytes of a file are this format's."""

    @abstractmethod
    def read_info(self) -> ListModeInfo:
        """What the file says about itself (checked against its size)."""

    @abstractmethod
    def chunks(self) -> Iterator[EventChunk]:
        """Yield the file's events in chunks of at most ``chunk_events``."""

    def raw_chunks(self) -> Iterator[np.ndarray]:
        """The packed records as stored, without conversion (CoMPASS binary only)."""
        raise InputError(self.path, "format", "compass_bin", self.format)

    def _scan_span(self) -> tuple[float, float]:
        lo, hi = np.inf, -np.inf
        for chunk in self.chunks():
            if len(chunk):
                lo = min(lo, float(np.nanmin(chunk.time_s)))
                hi = max(hi, float(np.nanmax(chunk.time_s)))
        return lo, hi

    def time_span(self) -> tuple[float, float]:
        """(first, last) event time in s; (0, 0) for a file without events."""
        lo, hi = self._scan_span()
        return (0.0, 0.0) if lo > hi else (lo, hi)


def _order_impl(t, tol, max_jump, ref, t_max, bad):
    """One pass of :meth:`TimeOrder.bad`: returns the new running maximum."""
    for i in range(t.size):
        ti = t[i]
        if not np.isfinite(ti) or ti < 0:
            bad[i] = True
        elif ti > max(ref, t_max) + max_jump:
            bad[i] = True
        elif ti < t_max - tol:
            bad[i] = True
        elif ti > t_max:
            t_max = ti
    return t_max


try:  # a compiled loop: the decision for one time depends on the ones before
    from numba import njit

    _order = njit(cache=False, nogil=True)(_order_impl)
except ImportError:  # pragma: no cover
    _order = _order_impl


class TimeOrder:
    """Which event times of one file are usable, chunk by chunk in file order.

    A time is unusable (counted as ``timestamp_disorder`` by the NDP event
    accounting) when it is

    * not finite or negative;
    * a forward jump: more than ``max_jump_s`` after the latest usable time so
      far (the first time is compared with ``start_s``). A corrupted tag (e.g.
      2^64 - 1 ps, 213 days) is such a jump; it does not enter the running
      maximum, so the records after it are judged against those before it;
    * more than ``tolerance_s`` before the running maximum of the usable times
      so far (a time-tag reset, a counter rollover or an out-of-order record).

    ``span()`` gives the first and last usable times (the run span from the
    usable records, never from the last record); ``n_bad``, ``n_seen`` and
    ``first_bad`` (index in the file, or None) summarise the file.
    """

    def __init__(
        self, tolerance_s: float, max_jump_s: float, start_s: float = 0.0
    ) -> None:
        self.tol = float(tolerance_s)
        self.max_jump = float(max_jump_s)
        self.start = float(start_s)
        self.t_max = -np.inf
        self.t_min = np.inf
        self.n_seen = 0
        self.n_bad = 0
        self.first_bad: int | None = None
        self.first_bad_time: float | None = None

    def bad(self, time_s: np.ndarray) -> np.ndarray:
        """Boolean mask of the unusable times of the next chunk (see class doc)."""
        t = np.ascontiguousarray(time_s, dtype=np.float64)
        bad = np.zeros(t.size, bool)
        if t.size == 0:
            return bad
        self.t_max = float(
            _order(t, self.tol, self.max_jump, self.start, self.t_max, bad)
        )
        good = ~bad
        if good.any():
            self.t_min = min(self.t_min, float(t[good].min()))
        n_bad = int(bad.sum())
        if n_bad and self.first_bad is None:
            i = int(np.flatnonzero(bad)[0])
            self.first_bad = self.n_seen + i
            self.first_bad_time = float(t[i])
        self.n_bad += n_bad
        self.n_seen += t.size
        return bad

    def span(self) -> tuple[float, float]:
        """(first, last) usable time in s; (0, 0) without usable times."""
        if self.t_min > self.t_max:
            return 0.0, 0.0
        return self.t_min, self.t_max
