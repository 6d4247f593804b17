"""List-mode (event-by-event) readers behind one streaming interface.

Every reader yields :class:`EventChunk` objects: arrays of equal length with the
event time in seconds since the start of the acquisition (``time_s``), the
digitiser input (``channel``), the ADC pulse height (``energy``, in ADC
channels; NaN when the format has none), an optional calibrated energy
(``energy_cal``, NaN when absent) and the DAQ flags (``flags``, uint32). Chunks
also carry the live-time records the format holds (``live_marks``: rows of
cumulative real time and cumulative live time in seconds).

Formats (``detect_format`` looks at the first bytes, never at the extension):

``compass_bin``
    CAEN CoMPASS binary: u16 header ``0xCAE0 | f`` then little-endian records
    ``u16 board, u16 channel, u64 time tag (ps)``, optional ``u16 energy``
    (f bit 0), ``f64 calibrated energy`` (bit 1), ``u16 energy_short`` (bit 2),
    ``u32 flags``, optional waveform (bit 3: ``u8 code, u32 n, n x u16``). The
    record size is fixed per file (constant waveform length); the header is
    checked against the file size. No absolute start, no live-time records.
``compass_csv``
    CoMPASS text export ``BOARD;CHANNEL;TIMETAG;ENERGY;ENERGYSHORT;FLAGS``
    (time tag in ps).
``ortec_lis``
    ORTEC PRO list mode: a 256-byte header (int32 -13, int32 list style,
    f64 OLE start date, calibration at byte 206, real and live time at 239 and
    243, float32) then little-endian 32-bit words whose top two bits give the
    type: ``11`` ADC event (bits 16-29 ADC value, bits 0-15 fine time in
    200 ns ticks after the last real-time word), ``10`` real time and ``01``
    live time (bits 0-29, 10 ms ticks), ``00`` hardware and Windows clock
    words (skipped; the header date gives the start).
``nexus``
    HDF5 / NeXus ``NXevent_data`` group: ``event_time_zero`` (pulse times,
    optional ``offset`` attribute with an ISO 8601 start), ``event_time_offset``,
    ``event_index``, ``event_id`` and a pulse-height field (``event_energy``,
    ``event_pulse_height`` or ``pulse_height``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from liprobe.errors import InputError

FORMATS = ("compass_bin", "compass_csv", "ortec_lis", "nexus")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ORTEC_HEADER_BYTES = 256
ORTEC_FINE_TICK_S = 200e-9
ORTEC_COARSE_TICK_S = 10e-3
COMPASS_CSV_COLUMNS = ["BOARD", "CHANNEL", "TIMETAG", "ENERGY", "ENERGYSHORT", "FLAGS"]

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


def detect_format(path: str | Path) -> str:
    """Detect the list-mode format from the first bytes of ``path``."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise InputError(p, "file", "a readable list-mode file", str(exc)) from None
    if head.startswith(HDF5_MAGIC):
        return "nexus"
    if len(head) >= 4 and int.from_bytes(head[:4], "little", signed=True) == -13:
        return "ortec_lis"
    if len(head) >= 2 and (int.from_bytes(head[:2], "little") & 0xFFF0) == 0xCAE0:
        return "compass_bin"
    text = head.lstrip(b"\xef\xbb\xbf").upper()
    if text.startswith(b"BOARD;CHANNEL"):
        return "compass_csv"
    raise InputError(
        p,
        "magic bytes",
        "CoMPASS 0xCAEx header, ORTEC -13, HDF5 signature or CoMPASS CSV header",
        head[:8].hex() or "an empty file",
    )


def _compass_dtype(header: int, n_wave: int) -> np.dtype:
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


class ListModeReader:
    """Streaming reader for one list-mode file (see module docstring)."""

    def __init__(
        self,
        path: str | Path,
        format: str = "auto",
        chunk_events: int = 1 << 20,
        with_waveforms: bool = False,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(self.path, "listmode", "an existing file", "no such file")
        fmt = detect_format(self.path) if format in (None, "", "auto") else format
        if fmt not in FORMATS:
            raise InputError(self.path, "format", f"one of {FORMATS} or auto", fmt)
        self.format = fmt
        self.chunk_events = int(chunk_events)
        self.with_waveforms = with_waveforms
        self.info = getattr(self, f"_info_{fmt}")()

    # ------------------------------------------------------------------ CoMPASS
    def _info_compass_bin(self) -> ListModeInfo:
        size = self.path.stat().st_size
        with open(self.path, "rb") as fh:
            head = fh.read(2)
            header = int.from_bytes(head, "little")
            n_wave = 0
            if header & 0x8:
                base = _compass_dtype(header & ~0x8, 0).itemsize
                fh.seek(2 + base + 1)
                raw = fh.read(4)
                if len(raw) == 4:
                    n_wave = int.from_bytes(raw, "little")
        dtype = _compass_dtype(header, n_wave)
        body = size - 2
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
            format="compass_bin",
            n_events=body // dtype.itemsize,
            waveform_samples=n_wave,
            extra={"header": f"0x{header:04X}", "record_bytes": dtype.itemsize},
        )

    def _chunks_compass_bin(self) -> Iterator[EventChunk]:
        dtype = self._dtype
        n_wave = self.info.waveform_samples
        with open(self.path, "rb") as fh:
            fh.seek(2)
            done = 0
            while True:
                rec = np.fromfile(fh, dtype=dtype, count=self.chunk_events)
                if rec.size == 0:
                    break
                if "wave_n" in dtype.names and np.any(rec["wave_n"] != n_wave):
                    bad = int(np.flatnonzero(rec["wave_n"] != n_wave)[0]) + done
                    raise InputError(
                        self.path,
                        f"record {bad} waveform length",
                        f"{n_wave} samples like the first record",
                        int(rec["wave_n"][bad - done]),
                    )
                n = rec.size
                nan = np.full(n, np.nan)
                yield EventChunk(
                    time_s=rec["timetag"].astype(np.float64) * 1e-12,
                    channel=rec["channel"].astype(np.int32)
                    + 1000 * rec["board"].astype(np.int32),
                    energy=rec["energy"].astype(np.float64)
                    if "energy" in dtype.names
                    else nan,
                    energy_cal=rec["energy_cal"].astype(np.float64)
                    if "energy_cal" in dtype.names
                    else nan,
                    flags=rec["flags"].astype(np.uint32),
                    waveforms=np.array(rec["wave"])
                    if self.with_waveforms and "wave" in dtype.names
                    else None,
                )
                done += n

    def raw_chunks(self) -> Iterator[np.ndarray]:
        """CoMPASS binary only: the packed records as numpy structured arrays
        (fields board, channel, timetag, energy, ..., flags), no conversion."""
        if self.format != "compass_bin":
            raise InputError(self.path, "format", "compass_bin", self.format)
        with open(self.path, "rb") as fh:
            fh.seek(2)
            while True:
                rec = np.fromfile(fh, dtype=self._dtype, count=self.chunk_events)
                if rec.size == 0:
                    break
                yield rec

    def _info_compass_csv(self) -> ListModeInfo:
        try:
            with open(self.path, encoding="utf-8-sig") as fh:
                header = fh.readline().strip()
        except UnicodeDecodeError as exc:
            raise InputError(
                self.path, "header", "ASCII text", f"undecodable byte at {exc.start}"
            ) from None
        cols = [c.strip().upper() for c in header.split(";")]
        missing = [
            c for c in ("CHANNEL", "TIMETAG", "ENERGY", "FLAGS") if c not in cols
        ]
        if missing:
            raise InputError(
                self.path, "header", ";".join(COMPASS_CSV_COLUMNS), header[:80]
            )
        return ListModeInfo(path=str(self.path), format="compass_csv")

    def _csv_frames(self) -> Iterator[pd.DataFrame]:
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

    def _csv_integers(
        self, frame: pd.DataFrame, column: str, first_line: int, bits: int
    ) -> np.ndarray:
        """An unsigned integer column (decimal, or 0x hex) or an InputError."""
        text = frame[column].astype(str).str.strip()
        try:
            values = [int(v, 0) if v[:2].lower() == "0x" else int(v) for v in text]
        except ValueError:
            values = None
        if values is not None and all(0 <= v < 2**bits for v in values):
            return np.asarray(values, dtype=np.uint64)
        for i, v in enumerate(text):
            try:
                ok = 0 <= (int(v, 0) if v[:2].lower() == "0x" else int(v)) < 2**bits
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

    def _chunks_compass_csv(self) -> Iterator[EventChunk]:
        line = 2  # the header is line 1
        for frame in self._csv_frames():
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
                self._csv_integers(frame, "BOARD", line, 16).astype(np.int32)
                if "BOARD" in frame
                else np.zeros(n, np.int32)
            )
            yield EventChunk(
                time_s=self._csv_integers(frame, "TIMETAG", line, 64).astype(np.float64)
                * 1e-12,
                channel=self._csv_integers(frame, "CHANNEL", line, 16).astype(np.int32)
                + 1000 * board,
                energy=energy,
                energy_cal=np.full(n, np.nan),
                flags=self._csv_integers(frame, "FLAGS", line, 32).astype(np.uint32),
            )
            line += n

    # -------------------------------------------------------------------- ORTEC
    def _info_ortec_lis(self) -> ListModeInfo:
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
            format="ortec_lis",
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

    def _chunks_ortec_lis(self) -> Iterator[EventChunk]:
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
                    energy_cal=np.full(n, np.nan),
                    flags=np.zeros(n, np.uint32),
                    live_marks=marks,
                )

    # -------------------------------------------------------------------- NeXus
    def _find_event_group(self, h5):
        import h5py

        found = []

        def visit(name, obj):
            cls = obj.attrs.get("NX_class", b"")
            if isinstance(cls, bytes):
                cls = cls.decode("latin-1")
            if isinstance(obj, h5py.Group) and cls == "NXevent_data":
                found.append(name)

        h5.visititems(visit)
        if not found:
            raise InputError(self.path, "NX_class", "a group NXevent_data", "none")
        return h5[found[0]]

    def _h5_error(self, exc: Exception) -> InputError:
        return InputError(
            self.path,
            "HDF5",
            "a readable HDF5/NeXus file",
            f"{type(exc).__name__}: {exc}",
        )

    def _info_nexus(self) -> ListModeInfo:
        import h5py

        try:
            with h5py.File(self.path, "r") as h5:
                grp = self._find_event_group(h5)
                for key in ("event_time_offset", "event_time_zero", "event_index"):
                    if key not in grp:
                        raise InputError(
                            self.path, f"{grp.name}/{key}", "a dataset", "none"
                        )
                energy_key = next(
                    (
                        k
                        for k in ("event_energy", "event_pulse_height", "pulse_height")
                        if k in grp
                    ),
                    None,
                )
                start = grp["event_time_zero"].attrs.get("offset")
                shape = grp["event_time_offset"].shape
                name = grp.name
        except (OSError, RuntimeError, KeyError, ValueError, TypeError) as exc:
            raise self._h5_error(exc) from None
        if len(shape) != 1:
            raise InputError(
                self.path, f"{name}/event_time_offset", "a 1-D dataset", shape
            )
        start_utc = None
        if start is not None and len(np.atleast_1d(start)):
            text = start.decode("latin-1") if isinstance(start, bytes) else str(start)
            try:
                ts = pd.Timestamp(text)
            except (ValueError, TypeError, OverflowError):
                ts = None
            if ts is None or pd.isna(ts):
                raise InputError(
                    self.path,
                    f"{name}/event_time_zero@offset",
                    "an ISO 8601 start time",
                    text[:80],
                )
            start_utc = ts.tz_localize("UTC") if ts.tz is None else ts
            start_utc = start_utc.tz_convert("UTC")
        return ListModeInfo(
            path=str(self.path),
            format="nexus",
            n_events=int(shape[0]),
            start_utc=start_utc,
            extra={"group": name, "energy_field": energy_key},
        )

    @staticmethod
    def _time_scale(ds) -> float:
        unit = ds.attrs.get("units", b"s")
        if isinstance(unit, bytes):
            unit = unit.decode("latin-1")
        scales = {"s": 1.0, "second": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
        scales["microsecond"] = 1e-6
        scales["nanosecond"] = 1e-9
        return scales.get(str(unit).strip(), 1.0)

    def _chunks_nexus(self) -> Iterator[EventChunk]:
        import h5py

        errors = (OSError, RuntimeError, KeyError, ValueError, TypeError)
        ekey = self.info.extra["energy_field"]
        try:
            h5 = h5py.File(self.path, "r")
        except errors as exc:
            raise self._h5_error(exc) from None
        with h5:
            try:
                grp = self._find_event_group(h5)
                tz_ds, to_ds = grp["event_time_zero"], grp["event_time_offset"]
                t_zero = tz_ds[()].astype(np.float64) * self._time_scale(tz_ds)
                index = grp["event_index"][()].astype(np.int64)
                n_total = int(to_ds.shape[0])
                scale_off = self._time_scale(to_ds)
                extra = {k: grp[k] for k in ("event_id", ekey) if k and k in grp}
            except errors as exc:
                raise self._h5_error(exc) from None
            name = grp.name
            for key, ds in extra.items():
                if ds.shape != (n_total,):
                    raise InputError(
                        self.path,
                        f"{name}/{key}",
                        f"one value per event ({n_total})",
                        f"shape {ds.shape}",
                    )
            if t_zero.shape != index.shape or t_zero.ndim != 1:
                raise InputError(
                    self.path,
                    f"{name}/event_index",
                    f"one entry per pulse of event_time_zero ({t_zero.shape})",
                    f"shape {index.shape}",
                )
            if n_total and (
                index.size == 0
                or np.any(np.diff(index) < 0)
                or index[0] != 0
                or index[-1] > n_total
            ):
                raise InputError(
                    self.path,
                    f"{name}/event_index",
                    f"non-decreasing event indices from 0 to at most {n_total}",
                    f"{index[:5].tolist()}...",
                )
            for a in range(0, n_total, self.chunk_events):
                b = min(a + self.chunk_events, n_total)
                n = b - a
                pulse = np.searchsorted(index, np.arange(a, b), side="right") - 1
                try:
                    offset = to_ds[a:b].astype(np.float64)
                    channel = (
                        extra["event_id"][a:b].astype(np.int32)
                        if "event_id" in extra
                        else np.zeros(n, np.int32)
                    )
                    energy = (
                        extra[ekey][a:b].astype(np.float64)
                        if ekey in extra
                        else np.full(n, np.nan)
                    )
                except errors as exc:
                    raise self._h5_error(exc) from None
                yield EventChunk(
                    time_s=t_zero[pulse] + offset * scale_off,
                    channel=channel,
                    energy=energy,
                    energy_cal=np.full(n, np.nan),
                    flags=np.zeros(n, np.uint32),
                )

    # ---------------------------------------------------------------- interface
    def time_span(self) -> tuple[float, float]:
        """(first, last) event time in s; reads two records when it can."""
        if self.format == "compass_bin":
            n = self.info.n_events or 0
            if n == 0:
                return 0.0, 0.0
            size = self._dtype.itemsize
            with open(self.path, "rb") as fh:
                fh.seek(2)
                first = np.fromfile(fh, dtype=self._dtype, count=1)
                fh.seek(2 + (n - 1) * size)
                last = np.fromfile(fh, dtype=self._dtype, count=1)
            return float(first["timetag"][0]) * 1e-12, float(last["timetag"][0]) * 1e-12
        lo, hi = np.inf, -np.inf
        for chunk in self.chunks():
            if len(chunk):
                lo = min(lo, float(np.nanmin(chunk.time_s)))
                hi = max(hi, float(np.nanmax(chunk.time_s)))
        if self.format == "ortec_lis" and self.info.real_time_s:
            hi = max(hi, float(self.info.real_time_s))
        return (0.0, 0.0) if lo > hi else (lo, hi)

    def chunks(self) -> Iterator[EventChunk]:
        """Yield the file's events in chunks of at most ``chunk_events``."""
        return getattr(self, f"_chunks_{self.format}")()


def open_listmode(
    path: str | Path,
    format: str = "auto",
    chunk_events: int = 1 << 20,
    with_waveforms: bool = False,
) -> ListModeReader:
    """Open a list-mode file; ``format='auto'`` detects it from magic bytes."""
    return ListModeReader(path, format, chunk_events, with_waveforms)


def read_events(path: str | Path, format: str = "auto") -> pd.DataFrame:
    """All events of a (small) file as a frame: time_s, channel, energy, flags."""
    parts = list(open_listmode(path, format).chunks())
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


def write_compass_bin(
    path: str | Path,
    timetag_ps: np.ndarray,
    energy: np.ndarray,
    flags: np.ndarray,
    channel: np.ndarray | None = None,
    board: int = 0,
) -> Path:
    """Write a CoMPASS binary file with header 0xCAE1 (u16 energy only)."""
    dtype = _compass_dtype(0x1, 0)
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
        fh.write((0xCAE1).to_bytes(2, "little"))
        rec.tofile(fh)
    return path


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
