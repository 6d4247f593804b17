"""ORTEC PRO list-mode files (``ortec_lis``).

A 256-byte header (int32 -13, int32 list style, f64 OLE start date,
calibration at byte 206, real and live time at 239 and 243, float32) then
little-endian 32-bit words whose top two bits give the type: ``11`` ADC event
(bits 16-29 ADC value, bits 0-15 fine time in 200 ns ticks after the last
real-time word), ``10`` real time and ``01`` live time (bits 0-29, 10 ms
ticks), ``00`` hardware and Windows clock words (skipped; the header date gives
the start).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.listmode.common import (
    EventChunk,
    ListModeInfo,
    ListModeReader,
    no_values,
)

ORTEC_MAGIC = -13
ORTEC_HEADER_BYTES = 256
ORTEC_FINE_TICK_S = 200e-9
ORTEC_COARSE_TICK_S = 10e-3


class OrtecLisReader(ListModeReader):
    """ORTEC .Lis (module docstring)."""

    format = "ortec_lis"

    @staticmethod
    def sniff(head: bytes) -> bool:
        return (
            len(head) >= 4
            and int.from_bytes(head[:4], "little", signed=True) == ORTEC_MAGIC
        )

    def read_info(self) -> ListModeInfo:
        size = self.path.stat().st_size
        with open(self.path, "rb") as fh:
            head = fh.read(ORTEC_HEADER_BYTES)
        if len(head) < ORTEC_HEADER_BYTES or (size - ORTEC_HEADER_BYTES) % 4:
            raise InputError(
                self.path,
                "file size",
                "a 256-byte header followed by 32-bit words",
                f"{size} bytes",
            )
        style = int(np.frombuffer(head, "<i4", 1, 4)[0])
        if style != 2:
            raise InputError(
                self.path, "list style", "2 (PRO list, 32-bit words)", style
            )
        ole = float(np.frombuffer(head, "<f8", 1, 8)[0])
        cal = tuple(float(v) for v in np.frombuffer(head, "<f4", 3, 206))
        real = float(np.frombuffer(head, "<f4", 1, 239)[0])
        live = float(np.frombuffer(head, "<f4", 1, 243)[0])
        conv = int(np.frombuffer(head, "<i4", 1, 231)[0])
        start = (pd.Timestamp("1899-12-30") + pd.Timedelta(days=ole)).round("ms")
        return ListModeInfo(
            path=str(self.path),
            format=self.format,
            # the OLE date is the acquisition PC's local time: the sheet's
            # listmode_start_utc wins when given
            start_utc=start.tz_localize("UTC"),
            real_time_s=real,
            live_time_s=live,
            calibration_keV=cal if head[201] else None,
            has_live_records=True,
            extra={
                "list_style": style,
                "conversion_gain": conv,
                "description": head[16:96].split(b"\0")[0].decode("latin-1"),
                "start_is_local_time": True,
            },
        )

    def chunks(self) -> Iterator[EventChunk]:
        coarse_ticks = 0
        live_ticks = 0
        with open(self.path, "rb") as fh:
            fh.seek(ORTEC_HEADER_BYTES)
            while True:
                w = np.fromfile(fh, dtype="<u4", count=self.chunk_events)
                if w.size == 0:
                    break
                kind = w >> 30
                is_rt = kind == 2
                is_lt = kind == 1
                # coarse time in force for each word: last real-time word so far
                rt_vals = (w & 0x3FFFFFFF).astype(np.int64)
                idx = np.where(is_rt, np.arange(w.size), -1)
                idx = np.maximum.accumulate(idx)
                coarse = np.where(idx >= 0, rt_vals[np.maximum(idx, 0)], coarse_ticks)
                lt_idx = np.maximum.accumulate(np.where(is_lt, np.arange(w.size), -1))
                live_now = np.where(
                    lt_idx >= 0, rt_vals[np.maximum(lt_idx, 0)], live_ticks
                )
                ev = kind == 3
                t = (
                    coarse[ev] * ORTEC_COARSE_TICK_S
                    + (w[ev] & 0xFFFF).astype(np.float64) * ORTEC_FINE_TICK_S
                )
                marks = np.column_stack(
                    [
                        coarse[is_lt] * ORTEC_COARSE_TICK_S,
                        live_now[is_lt] * ORTEC_COARSE_TICK_S,
                    ]
                )
                coarse_ticks = int(coarse[-1])
                live_ticks = int(live_now[-1])
                n = int(ev.sum())
                yield EventChunk(
                    time_s=t,
                    channel=np.zeros(n, np.int32),
                    energy=((w[ev] >> 16) & 0x3FFF).astype(np.float64),
                    energy_cal=no_values(n),
                    flags=np.zeros(n, np.uint32),
                    live_marks=marks,
                )

    def time_span(self) -> tuple[float, float]:
        """(first, last) event time in s; the header's real time extends the
        last when it is later."""
        lo, hi = self._scan_span()
        if self.info.real_time_s:
            hi = max(hi, float(self.info.real_time_s))
        return (0.0, 0.0) if lo > hi else (lo, hi)
