"""CAEN CoMPASS binary list-mode files (``compass_bin``).

A u16 header ``0xCAE0 | f`` then little-endian records ``u16 board, u16
channel, u64 time tag (ps)``, optional ``u16 energy`` (f bit 0), ``f64
calibrated energy`` (bit 1), ``u16 energy_short`` (bit 2), ``u32 flags``,
optional waveform (bit 3: ``u8 code, u32 n, n x u16``). The record size is
fixed per file (constant waveform length); the header is checked against the
file size. No absolute start, no live-time records. CoMPASS can save the
calibrated energy alone (header bit 1 without bit 0): ``energy`` is then NaN
and ``info.energy_kind`` is ``keV``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from liprobe.errors import InputError
from liprobe.io.listmode.common import (
    EventChunk,
    ListModeInfo,
    ListModeReader,
    no_values,
)

HEADER_BYTES = 2
PS = 1e-12


def compass_dtype(header: int, n_wave: int) -> np.dtype:
    """The packed record of a file with header word ``header`` and ``n_wave``
    waveform samples per record."""
    fields = [("board", "<u2"), ("channel", "<u2"), ("timetag", "<u8")]
    if header & 0x1:
        fields.append(("energy", "<u2"))
    if header & 0x2:
        fields.append(("energy_cal", "<f8"))
    if header & 0x4:
        fields.append(("energy_short", "<u2"))
    fields.append(("flags", "<u4"))
    if header & 0x8:
        fields += [("wave_code", "u1"), ("wave_n", "<u4")]
        if n_wave:
            fields.append(("wave", "<u2", (n_wave,)))
    return np.dtype(fields)  # packed: numpy aligns nothing without align=True


class CompassBinReader(ListModeReader):
    """CoMPASS binary (module docstring)."""

    format = "compass_bin"

    @staticmethod
    def sniff(head: bytes) -> bool:
        word = int.from_bytes(head[:2], "little")
        return len(head) >= 2 and (word & 0xFFF0) == 0xCAE0

    def read_info(self) -> ListModeInfo:
        size = self.path.stat().st_size
        with open(self.path, "rb") as fh:
            head = fh.read(HEADER_BYTES)
            header = int.from_bytes(head, "little")
            n_wave = 0
            if header & 0x8:
                base = compass_dtype(header & ~0x8, 0).itemsize
                fh.seek(HEADER_BYTES + base + 1)
                raw = fh.read(4)
                if len(raw) == 4:
                    n_wave = int.from_bytes(raw, "little")
        dtype = compass_dtype(header, n_wave)
        body = size - HEADER_BYTES
        if body % dtype.itemsize:
            raise InputError(
                self.path,
                "file size",
                f"2 + n x {dtype.itemsize} bytes for header 0x{header:04X}",
                f"{size} bytes",
            )
        self._dtype = dtype
        return ListModeInfo(
            path=str(self.path),
            format=self.format,
            n_events=body // dtype.itemsize,
            waveform_samples=n_wave,
            energy_kind="adc" if header & 0x1 else "keV" if header & 0x2 else "none",
            extra={"header": f"0x{header:04X}", "record_bytes": dtype.itemsize},
        )

    def raw_chunks(self) -> Iterator[np.ndarray]:
        """The packed records as numpy structured arrays (fields board,
        channel, timetag, energy, ..., flags), no conversion."""
        with open(self.path, "rb") as fh:
            fh.seek(HEADER_BYTES)
            while True:
                rec = np.fromfile(fh, dtype=self._dtype, count=self.chunk_events)
                if rec.size == 0:
                    break
                yield rec

    def chunks(self) -> Iterator[EventChunk]:
        names = self._dtype.names
        n_wave = self.info.waveform_samples
        done = 0
        for rec in self.raw_chunks():
            if "wave_n" in names and np.any(rec["wave_n"] != n_wave):
                bad = int(np.flatnonzero(rec["wave_n"] != n_wave)[0]) + done
                raise InputError(
                    self.path,
                    f"record {bad} waveform length",
                    f"{n_wave} samples like the first record",
                    int(rec["wave_n"][bad - done]),
                )
            n = rec.size
            yield EventChunk(
                time_s=rec["timetag"].astype(np.float64) * PS,
                channel=rec["channel"].astype(np.int32)
                + 1000 * rec["board"].astype(np.int32),
                energy=rec["energy"].astype(np.float64)
                if "energy" in names
                else no_values(n),
                energy_cal=rec["energy_cal"].astype(np.float64)
                if "energy_cal" in names
                else no_values(n),
                flags=rec["flags"].astype(np.uint32),
                waveforms=np.array(rec["wave"])
                if self.with_waveforms and "wave" in names
                else None,
            )
            done += n

    def time_span(self) -> tuple[float, float]:
        """(first, last) event time in s from the first and last records."""
        n = self.info.n_events or 0
        if n == 0:
            return 0.0, 0.0
        size = self._dtype.itemsize
        with open(self.path, "rb") as fh:
            fh.seek(HEADER_BYTES)
            first = np.fromfile(fh, dtype=self._dtype, count=1)
            fh.seek(HEADER_BYTES + (n - 1) * size)
            last = np.fromfile(fh, dtype=self._dtype, count=1)
        return float(first["timetag"][0]) * PS, float(last["timetag"][0]) * PS


def write_compass_bin(
    path: str | Path,
    timetag_ps: np.ndarray,
    energy: np.ndarray,
    flags: np.ndarray,
    channel: np.ndarray | None = None,
    board: int = 0,
) -> Path:
    """Write a CoMPASS binary file with header 0xCAE1 (u16 energy only)."""
    dtype = compass_dtype(0x1, 0)
    n = len(timetag_ps)
    rec = np.zeros(n, dtype=dtype)
    rec["board"] = board
    rec["channel"] = 0 if channel is None else channel
    rec["timetag"] = timetag_ps
    rec["energy"] = energy
    rec["flags"] = flags
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write((0xCAE1).to_bytes(HEADER_BYTES, "little"))
        rec.tofile(fh)
    return path
