"""List-mode (event-by-event) readers behind one streaming interface.

Every reader yields :class:`EventChunk` objects: arrays of equal length with the
event time in seconds since the start of the acquisition (``time_s``), the
digitiser input (``channel``), the ADC pulse height (``energy``, in ADC
channels; NaN when the format has none), an optional calibrated energy
(``energy_cal``, NaN when absent) and the DAQ flags (``flags``, uint32). Chunks
also carry the live-time records the format holds (``live_marks``: rows of
cumulative real time and cumulative live time in seconds).

One module per format, each a :class:`ListModeReader` subclass (the interface
and the shared records are in :mod:`.common`):

* :mod:`.compass_bin`: CAEN CoMPASS binary (``compass_bin``), and
  :func:`write_compass_bin`;
* :mod:`.compass_csv`: the CoMPASS text export (``compass_csv``), and
  :func:`compass_csv_text`;
* :mod:`.ortec`: ORTEC PRO list mode ``.Lis`` (``ortec_lis``);
* :mod:`.nexus`: HDF5 / NeXus ``NXevent_data`` (``nexus``).

:func:`detect_format` looks at the first bytes, never at the extension;
:func:`open_listmode` opens a file with the reader of its format.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.files import require_file
from liprobe.io.listmode.common import (
    FLAG_DEAD_TIME,
    FLAG_INPUT_SATURATION,
    FLAG_LOST_1024,
    FLAG_LOST_TRIGGER,
    FLAG_PILEUP,
    FLAG_SATURATION_GATE,
    FORMATS,
    REJECT_FLAGS,
    EventChunk,
    ListModeInfo,
    ListModeReader,
    TimeOrder,
)
from liprobe.io.listmode.compass_bin import (
    CompassBinReader,
    compass_dtype,
    write_compass_bin,
)
from liprobe.io.listmode.compass_csv import (
    COMPASS_CSV_COLUMNS,
    CompassCsvReader,
    compass_csv_text,
)
from liprobe.io.listmode.nexus import HDF5_MAGIC, NexusReader
from liprobe.io.listmode.ortec import (
    ORTEC_COARSE_TICK_S,
    ORTEC_FINE_TICK_S,
    ORTEC_HEADER_BYTES,
    OrtecLisReader,
)

#: the reader of each format, in the order :func:`detect_format` tries them
READERS: dict[str, type[ListModeReader]] = {
    "nexus": NexusReader,
    "ortec_lis": OrtecLisReader,
    "compass_bin": CompassBinReader,
    "compass_csv": CompassCsvReader,
}

__all__ = [
    "COMPASS_CSV_COLUMNS",
    "FLAG_DEAD_TIME",
    "FLAG_INPUT_SATURATION",
    "FLAG_LOST_1024",
    "FLAG_LOST_TRIGGER",
    "FLAG_PILEUP",
    "FLAG_SATURATION_GATE",
    "FORMATS",
    "HDF5_MAGIC",
    "ORTEC_COARSE_TICK_S",
    "ORTEC_FINE_TICK_S",
    "ORTEC_HEADER_BYTES",
    "READERS",
    "REJECT_FLAGS",
    "CompassBinReader",
    "CompassCsvReader",
    "EventChunk",
    "ListModeInfo",
    "ListModeReader",
    "NexusReader",
    "OrtecLisReader",
    "TimeOrder",
    "compass_csv_text",
    "compass_dtype",
    "detect_format",
    "open_listmode",
    "read_events",
    "write_compass_bin",
]


def detect_format(path: str | Path) -> str:
    """Detect the list-mode format from the first bytes of ``path``."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise InputError(p, "file", "a readable list-mode file", str(exc)) from None
    for fmt, reader in READERS.items():
        if reader.sniff(head):
            return fmt
    raise InputError(
        p,
        "magic bytes",
        "CoMPASS 0xCAEx header, ORTEC -13, HDF5 signature or CoMPASS CSV header",
        head[:8].hex() or "an empty file",
    )


def open_listmode(
    path: str | Path,
    format: str = "auto",
    *,
    chunk_events: int,
    with_waveforms: bool = False,
) -> ListModeReader:
    """Open a list-mode file; ``format='auto'`` detects it from magic bytes.

    ``chunk_events`` is the most events one chunk holds (config
    ``ndp.chunk_events``: the memory of one streaming step).
    """
    path = require_file(path, "listmode", "an existing list-mode file")
    fmt = detect_format(path) if format in (None, "", "auto") else format
    if fmt not in READERS:
        raise InputError(path, "format", f"one of {FORMATS} or auto", fmt)
    return READERS[fmt](path, chunk_events, with_waveforms)


def read_events(path: str | Path, format: str = "auto") -> pd.DataFrame:
    """All events of a (small) file as a frame: time_s, channel, energy, flags
    (the chunks are concatenated, so their size changes nothing but the peak
    memory while reading)."""
    parts = list(open_listmode(path, format, chunk_events=1 << 16).chunks())
    if not parts:
        return pd.DataFrame(
            {"time_s": [], "channel": [], "energy": [], "energy_cal": [], "flags": []}
        )
    return pd.DataFrame(
        {
            "time_s": np.concatenate([c.time_s for c in parts]),
            "channel": np.concatenate([c.channel for c in parts]),
            "energy": np.concatenate([c.energy for c in parts]),
            "energy_cal": np.concatenate([c.energy_cal for c in parts]),
            "flags": np.concatenate([c.flags for c in parts]),
        }
    )
