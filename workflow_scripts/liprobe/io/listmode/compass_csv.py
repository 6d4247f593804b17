"""CoMPASS text exports (``compass_csv``).

A ``;``-separated table with the header ``BOARD;CHANNEL;TIMETAG;ENERGY;
ENERGYSHORT;FLAGS`` (time tag in ps; integers decimal or ``0x`` hex; an empty
energy is an event without pulse height). No absolute start, no live-time
records.
"""

from __future__ import annotations

import io
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

COMPASS_CSV_COLUMNS = ["BOARD", "CHANNEL", "TIMETAG", "ENERGY", "ENERGYSHORT", "FLAGS"]
REQUIRED_COLUMNS = ("CHANNEL", "TIMETAG", "ENERGY", "FLAGS")


def _integer(text: str) -> int:
    return int(text, 0) if text[:2].lower() == "0x" else int(text)


class CompassCsvReader(ListModeReader):
    """CoMPASS CSV (module docstring)."""

    format = "compass_csv"

    @staticmethod
    def sniff(head: bytes) -> bool:
        return head.lstrip(b"\xef\xbb\xbf").upper().startswith(b"BOARD;CHANNEL")

    def read_info(self) -> ListModeInfo:
        try:
            with open(self.path, encoding="utf-8-sig") as fh:
                header = fh.readline().strip()
        except UnicodeDecodeError as exc:
            raise InputError(
                self.path, "header", "ASCII text", f"undecodable byte at {exc.start}"
            ) from None
        cols = [c.strip().upper() for c in header.split(";")]
        if any(c not in cols for c in REQUIRED_COLUMNS):
            raise InputError(
                self.path, "header", ";".join(COMPASS_CSV_COLUMNS), header[:80]
            )
        return ListModeInfo(path=str(self.path), format=self.format)

    def _frames(self) -> Iterator[pd.DataFrame]:
        """The CSV body in chunks of text columns; parser errors as InputError."""
        expected = "';'-separated rows with the header's columns"
        try:
            reader = pd.read_csv(
                self.path,
                sep=";",
                chunksize=self.chunk_events,
                encoding="utf-8-sig",
                dtype=str,
                keep_default_na=False,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            raise InputError(self.path, "table", expected, str(exc)) from None
        while True:
            try:
                frame = next(reader)
            except StopIteration:
                return
            except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
                raise InputError(self.path, "table", expected, str(exc)) from None
            frame.columns = [str(c).strip().upper() for c in frame.columns]
            yield frame

    def _integers(
        self, frame: pd.DataFrame, column: str, first_line: int, bits: int
    ) -> np.ndarray:
        """An unsigned integer column (decimal, or 0x hex) or an InputError."""
        text = frame[column].astype(str).str.strip()
        try:
            values = [_integer(v) for v in text]
        except ValueError:
            values = None
        if values is not None and all(0 <= v < 2**bits for v in values):
            return np.asarray(values, dtype=np.uint64)
        for i, v in enumerate(text):
            try:
                ok = 0 <= _integer(v) < 2**bits
            except ValueError:
                ok = False
            if not ok:
                raise InputError(
                    self.path,
                    column,
                    f"an unsigned {bits}-bit integer",
                    v,
                    row=first_line + i,
                )
        raise AssertionError("unreachable: a bad value was detected above")

    def chunks(self) -> Iterator[EventChunk]:
        line = 2  # the header is line 1
        for frame in self._frames():
            n = len(frame)
            energy_text = frame["ENERGY"].astype(str).str.strip()
            energy = pd.to_numeric(energy_text, errors="coerce").to_numpy(np.float64)
            bad = np.isnan(energy) & (energy_text != "").to_numpy()
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    self.path,
                    "ENERGY",
                    "a number (or an empty field)",
                    energy_text.iloc[i],
                    row=line + i,
                )
            board = (
                self._integers(frame, "BOARD", line, 16).astype(np.int32)
                if "BOARD" in frame
                else np.zeros(n, np.int32)
            )
            yield EventChunk(
                time_s=self._integers(frame, "TIMETAG", line, 64).astype(np.float64)
                * 1e-12,
                channel=self._integers(frame, "CHANNEL", line, 16).astype(np.int32)
                + 1000 * board,
                energy=energy,
                energy_cal=no_values(n),
                flags=self._integers(frame, "FLAGS", line, 32).astype(np.uint32),
            )
            line += n


def compass_csv_text(frame: pd.DataFrame) -> str:
    """CoMPASS CSV text for a frame with board, channel, timetag_ps, energy,
    energy_short, flags columns."""
    buf = io.StringIO()
    out = pd.DataFrame(
        {
            "BOARD": frame["board"],
            "CHANNEL": frame["channel"],
            "TIMETAG": frame["timetag_ps"],
            "ENERGY": frame["energy"],
            "ENERGYSHORT": frame["energy_short"],
            "FLAGS": [f"0x{int(v):x}" for v in frame["flags"]],
        }
    )
    out.to_csv(buf, sep=";", index=False)
    return buf.getvalue()
