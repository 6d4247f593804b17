"""HDF5 / NeXus event data (``nexus``).

The first ``NXevent_data`` group of the file: ``event_time_zero`` (pulse
times, optional ``offset`` attribute with an ISO 8601 start),
``event_time_offset``, ``event_index``, ``event_id`` and a pulse-height field
(``event_energy``, ``event_pulse_height`` or ``pulse_height``). Times carry a
``units`` attribute (s, ms, us / µs / microsecond(s), ns, ps and their long
names; seconds when absent); any other unit is an :class:`InputError` naming
the dataset, never read as seconds. ``h5py`` is imported only when such a file
is opened.
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

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ENERGY_FIELDS = ("event_energy", "event_pulse_height", "pulse_height")
#: seconds per unit of every time unit accepted (case-sensitive: ``Ms`` or
#: ``MS`` would be mega-seconds, not milliseconds, so they are rejected)
TIME_UNITS_S = {
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "ms": 1e-3,
    "millisecond": 1e-3,
    "milliseconds": 1e-3,
    "us": 1e-6,
    "\u00b5s": 1e-6,  # micro sign
    "\u03bcs": 1e-6,  # Greek small letter mu
    "microsecond": 1e-6,
    "microseconds": 1e-6,
    "ns": 1e-9,
    "nanosecond": 1e-9,
    "nanoseconds": 1e-9,
    "ps": 1e-12,
    "picosecond": 1e-12,
    "picoseconds": 1e-12,
}
#: what h5py raises on a damaged file or dataset
H5_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError)


def _time_scale(path, ds) -> float:
    """Seconds per stored unit of a time dataset (its ``units`` attribute);
    an unknown unit is an :class:`InputError`."""
    unit = ds.attrs.get("units", b"s")
    if isinstance(unit, np.ndarray) and unit.size == 1:
        unit = unit.reshape(()).item()
    if isinstance(unit, bytes):
        try:
            unit = unit.decode("utf-8")
        except UnicodeDecodeError:
            unit = unit.decode("latin-1")
    text = str(unit).strip()
    if text not in TIME_UNITS_S:
        raise InputError(
            path,
            f"{ds.name}@units",
            f"a time unit, one of {', '.join(TIME_UNITS_S)}",
            repr(text[:40]),
        )
    return TIME_UNITS_S[text]


class NexusReader(ListModeReader):
    """NeXus ``NXevent_data`` (module docstring)."""

    format = "nexus"

    @staticmethod
    def sniff(head: bytes) -> bool:
        return head.startswith(HDF5_MAGIC)

    def _event_group(self, h5):
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

    def read_info(self) -> ListModeInfo:
        import h5py

        try:
            with h5py.File(self.path, "r") as h5:
                grp = self._event_group(h5)
                for key in ("event_time_offset", "event_time_zero", "event_index"):
                    if key not in grp:
                        raise InputError(
                            self.path, f"{grp.name}/{key}", "a dataset", "none"
                        )
                energy_key = next((k for k in ENERGY_FIELDS if k in grp), None)
                start = grp["event_time_zero"].attrs.get("offset")
                for key in ("event_time_zero", "event_time_offset"):
                    _time_scale(self.path, grp[key])  # an unknown unit stops here
                shape = grp["event_time_offset"].shape
                name = grp.name
        except H5_ERRORS as exc:
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
            format=self.format,
            n_events=int(shape[0]),
            start_utc=start_utc,
            energy_kind="adc" if energy_key else "none",
            extra={"group": name, "energy_field": energy_key},
        )

    def chunks(self) -> Iterator[EventChunk]:
        import h5py

        ekey = self.info.extra["energy_field"]
        try:
            h5 = h5py.File(self.path, "r")
        except H5_ERRORS as exc:
            raise self._h5_error(exc) from None
        with h5:
            try:
                grp = self._event_group(h5)
                tz_ds, to_ds = grp["event_time_zero"], grp["event_time_offset"]
                t_zero = tz_ds[()].astype(np.float64) * _time_scale(self.path, tz_ds)
                index = grp["event_index"][()].astype(np.int64)
                n_total = int(to_ds.shape[0])
                scale_off = _time_scale(self.path, to_ds)
                extra = {k: grp[k] for k in ("event_id", ekey) if k and k in grp}
            except H5_ERRORS as exc:
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
                        else no_values(n)
                    )
                except H5_ERRORS as exc:
                    raise self._h5_error(exc) from None
                yield EventChunk(
                    time_s=t_zero[pulse] + offset * scale_off,
                    channel=channel,
                    energy=energy,
                    energy_cal=no_values(n),
                    flags=np.zeros(n, np.uint32),
                )
