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
