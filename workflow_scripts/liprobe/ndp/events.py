"""Event accounting, UTC time slices, live time and per-slice spectra.

Every event read from a list-mode file ends in exactly one accounting bucket
(``reason``), applied in this order:

``timestamp_disorder``
    time earlier than the running maximum of the file's usable times by more
    than ``disorder_tolerance_s`` (a time-tag reset or rollover, an
    out-of-order record), a forward jump of more than ``max_time_jump_s``
    beyond it (a corrupted tag), NaN or negative
    (:class:`liprobe.io.listmode.TimeOrder`). A file where more than
    ``max_disorder_fraction`` of the events are out of order (a reset or
    rollover in its middle: the time of everything after it is unknown) is an
    :class:`InputError` naming the first such record; a few (a reset near the
    end, one corrupted tag) are counted and the run keeps its span, which comes
    from the usable times (:func:`robust_time_span`), not the last record.
``pileup_saturation``
    a DAQ flag in ``reject_flags`` (CoMPASS: 0x8000 pile-up, 0x80 saturation
    in gate, 0x400 input saturating).
``invalid_energy``
    no pulse height, or a pulse height outside ``[0, n_channels)``. A file
    holding only calibrated energies (CoMPASS saving keV alone) is histogrammed
    in channels of ``calibrated_channel_keV`` from 0 keV (channel =
    floor(E / calibrated_channel_keV)), so the usual calibration finds an
    offset near 0 and a gain near that width.
``outside_time_slices``
    the event's UTC time falls in no slice.
``interference_window`` / ``outside_energy_window`` / ``accepted``
    decided on the calibrated spectrum by :func:`split_energy_reasons`.
``monitor``
    (only with a monitor channel: config ``ndp.monitor_channel`` or the
    sheet's ``monitor_channel``) a usable event of the beam monitor's
    digitiser channel: counted per slice (``monitor_counts``), never
    histogrammed. The slice's relative flux is its monitor rate over the run's
    (``flux_relative = (m_k / live_k) / (sum m / sum live)``, 1-sigma error
    ``flux_relative / sqrt(m_k)``, the Poisson error of the slice's count);
    the profiles divide by it.

So ``sum(n_events) == events read`` per file, an identity the tests check.

Runs of several files (:func:`file_layout`): each file's acquisition is an
interval on the run's clock. Tags that continue the previous file's (an
acquisition split into files) start where it ended; a file restarted with its
own start (from the sheet, one ``listmode_start_utc`` per file, or from the
file) starts there. ``real_s`` is a slice's overlap with the files'
acquisitions (never counted twice), ``gap_s`` the rest of the slice (between
files, before the first or after the last): dead time without live time.

Live time per slice:

* formats with live-time records (ORTEC): cumulative live time interpolated at
  the slice edges;
* otherwise (CoMPASS) an estimate from the event flags: real time of the slice
  (its overlap with the file's acquisition) times n_rec / (n_rec + n_lost), where
  n_rec counts every event recorded in the slice and n_lost = number of events
  with flag 0x20 (one lost trigger each) + 1024 x number with flag 0x40 (1024
  lost triggers each).
* pile-up live-time correction (flag estimate only; a DAQ's live-time records
  already include its rejection dead time): a record rejected for pile-up or
  saturation (``pileup_saturation``) stands for a particle whose energy is
  lost, like a lost trigger, so the live time is multiplied further by
  (n_rec - n_rejected) / n_rec, n_rejected counting the slice's rejected
  records. Counts per live second then estimate the true rate: the rejected
  fraction no longer biases the inventory low. A fixed non-paralysable dead
  time per recorded event (config ``ndp.dead_time_per_event_s``) can be
  subtracted in addition.
  Events flagged 0x1 (dead time occurred before this event) carry no duration
  and only count as recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.listmode import (
    FLAG_LOST_1024,
    FLAG_LOST_TRIGGER,
    REJECT_FLAGS,
    EventChunk,
    ListModeReader,
)
from liprobe.io.listmode.common import TimeOrder

REASONS = (
    "accepted",
    "timestamp_disorder",
    "pileup_saturation",
    "invalid_energy",
    "outside_time_slices",
    "interference_window",
    "outside_energy_window",
    "monitor",
)


def make_slices(
    start_utc: pd.Timestamp,
    end_utc: pd.Timestamp,
    slice_s: float | None = None,
    boundaries: Iterable[pd.Timestamp] | None = None,
) -> pd.DataFrame:
    """Time slices ``slice, t_start_utc, t_end_utc`` covering [start, end).

    With ``boundaries`` (e.g. cycler step boundaries) the slices are the
    intervals between consecutive boundaries inside [start, end], each split
    into equal parts no longer than ``slice_s`` when it is given. Without
    boundaries, consecutive slices of ``slice_s`` (the last may be shorter).
    """
    start = pd.Timestamp(start_utc).tz_convert("UTC")
    end = pd.Timestamp(end_utc).tz_convert("UTC")
    if boundaries is not None:
        b = pd.DatetimeIndex(pd.to_datetime(list(boundaries), utc=True)).sort_values()
        b = b[(b > start) & (b < end)]
        edges = [start, *b, end]
    else:
        if not slice_s or slice_s <= 0:
            raise InputError(None, "slice_s", "> 0 s or slice boundaries", slice_s)
        edges = [start, end]
    out = []
    for a, z in zip(edges[:-1], edges[1:], strict=True):
        dur = (z - a).total_seconds()
        if dur <= 0:
            continue
        n = int(np.ceil(dur / slice_s - 1e-9)) if slice_s else 1
        if boundaries is None:
            steps = [a + pd.Timedelta(seconds=k * slice_s) for k in range(n)] + [z]
        else:
            steps = [a + pd.Timedelta(seconds=dur * k / n) for k in range(n)] + [z]
        out += list(zip(steps[:-1], steps[1:], strict=True))
    frame = pd.DataFrame(out, columns=["t_start_utc", "t_end_utc"])
    frame.insert(0, "slice", np.arange(len(frame), dtype=np.int64))
    return frame


class EventAccumulator:
    """Streams chunks of one file into per-slice channel histograms.

    ``slice_edges_s``: slice edges in seconds after the acquisition start
    (n_slices + 1 values, contiguous slices; slice k covers [e_k, e_k+1)).
    """

    def __init__(
        self,
        slice_edges_s: np.ndarray,
        *,
        n_channels: int,
        disorder_tolerance_s: float,
        max_time_jump_s: float,
        reject_flags: int = REJECT_FLAGS,
        contiguous: np.ndarray | None = None,
        keV_per_channel: float | None = None,
        offset_s: float = 0.0,
        order_start_s: float = 0.0,
        acquisition_s: tuple[float, float] | None = None,
        monitor_channel: int | None = None,
    ) -> None:
        self.edges = np.asarray(slice_edges_s, float)
        self.n_slices = self.edges.size - 1
        self.n_channels = int(n_channels)
        self.reject_flags = int(reject_flags)
        self.tol = float(disorder_tolerance_s)
        # the file's own clock (its times) -> the run's: + offset_s; the time
        # order is judged on the file's clock, from order_start_s
        self.offset = float(offset_s)
        self.order = TimeOrder(self.tol, max_time_jump_s, order_start_s)
        # (start, end) of the acquisition on the run's clock; None: from 0 to
        # the last usable time
        self.acquisition = acquisition_s
        # None: histogram the ADC pulse height; a width: the calibrated energy
        self.keV_per_channel = keV_per_channel
        self.hist = np.zeros((self.n_slices, self.n_channels), np.int64)
        self.n_recorded = np.zeros(self.n_slices, np.int64)
        self.n_lost = np.zeros(self.n_slices, np.int64)
        self.n_rejected = np.zeros(self.n_slices, np.int64)
        self.counts = dict.fromkeys(REASONS[1:5], 0)
        self.monitor = monitor_channel
        self.n_monitor = np.zeros(self.n_slices, np.int64)
        if monitor_channel is not None:
            self.counts["monitor"] = 0
        self.n_read = 0
        self.t_max = -np.inf
        self.t_min = np.inf
        self.live_marks: list[np.ndarray] = []
        # gaps between non-contiguous slices are given as a mask of valid slices
        self.valid = (
            np.ones(self.n_slices, bool)
            if contiguous is None
            else np.asarray(contiguous)
        )

    def add(self, chunk: EventChunk) -> None:
        """Account for and histogram one chunk."""
        t = chunk.time_s
        n = t.size
        self.n_read += n
        if chunk.live_marks.size:
            self.live_marks.append(chunk.live_marks)
        if n == 0:
            return
        bad_t = self.order.bad(t)
        self.t_max, self.t_min = self.order.t_max, self.order.t_min
        good = ~bad_t
        self.counts["timestamp_disorder"] += int(bad_t.sum())

        k = np.searchsorted(self.edges, t + self.offset, side="right") - 1
        in_slice = good & (k >= 0) & (k < self.n_slices)
        in_slice[in_slice] &= self.valid[k[in_slice]]
        if self.monitor is not None:
            # beam monitor events: counted per slice, never histogrammed
            mon = good & (chunk.channel == self.monitor)
            self.counts["monitor"] += int(mon.sum())
            self.n_monitor += np.bincount(
                k[mon & in_slice], minlength=self.n_slices
            ).astype(np.int64)
            good = good & ~mon
            in_slice &= ~mon
        # live-time bookkeeping from flags: every recorded event in a slice
        f = chunk.flags
        lost = (f & FLAG_LOST_TRIGGER > 0).astype(np.int64) + 1024 * (
            f & FLAG_LOST_1024 > 0
        ).astype(np.int64)
        ks = k[in_slice]
        self.n_recorded += np.bincount(ks, minlength=self.n_slices)
        self.n_lost += np.bincount(
            ks, weights=lost[in_slice], minlength=self.n_slices
        ).astype(np.int64)

        flagged = good & ((f & self.reject_flags) != 0)
        self.counts["pileup_saturation"] += int(flagged.sum())
        self.n_rejected += np.bincount(
            k[in_slice & flagged], minlength=self.n_slices
        ).astype(np.int64)
        ok = good & ~flagged
        e = chunk.energy
        if self.keV_per_channel:
            e = np.floor(chunk.energy_cal / self.keV_per_channel)
        bad_e = ok & ~(np.isfinite(e) & (e >= 0) & (e < self.n_channels))
        self.counts["invalid_energy"] += int(bad_e.sum())
        ok &= ~bad_e
        outside = ok & ~in_slice
        self.counts["outside_time_slices"] += int(outside.sum())
        ok &= in_slice
        idx = k[ok] * self.n_channels + e[ok].astype(np.int64)
        self.hist += np.bincount(idx, minlength=self.hist.size).reshape(self.hist.shape)

    def live_times(
        self, has_live_records: bool, *, dead_time_per_event_s: float
    ) -> pd.DataFrame:
        """Per-slice ``real_s, live_s, n_recorded, n_lost, n_rejected`` (see
        module doc)."""
        a, b = self.edges[:-1], self.edges[1:]
        if self.acquisition is not None:
            t0, t1 = self.acquisition
        else:
            t0 = self.offset
            t1 = self.offset + (self.t_max if np.isfinite(self.t_max) else 0.0)
        if has_live_records and self.live_marks:
            m = np.concatenate(self.live_marks)
            real_c = self.offset + np.concatenate([[0.0], m[:, 0]])
            live_c = np.concatenate([[0.0], m[:, 1]])
            t1 = max(t1, real_c[-1])
            lo, hi = np.clip(a, t0, t1), np.clip(b, t0, t1)
            real = hi - lo
            live = np.interp(hi, real_c, live_c) - np.interp(lo, real_c, live_c)
        else:
            lo, hi = np.clip(a, t0, t1), np.clip(b, t0, t1)
            real = hi - lo
            frac = np.where(
                self.n_recorded + self.n_lost > 0,
                self.n_recorded / np.maximum(self.n_recorded + self.n_lost, 1),
                1.0,
            )
            # pile-up / saturation rejections: particles lost like lost triggers
            keep = np.where(
                self.n_recorded > 0,
                (self.n_recorded - self.n_rejected) / np.maximum(self.n_recorded, 1),
                1.0,
            )
            live = real * frac * keep - dead_time_per_event_s * self.n_recorded
        live = np.where(self.valid, np.clip(live, 0.0, None), 0.0)
        return pd.DataFrame(
            {
                "real_s": np.where(self.valid, real, 0.0),
                "live_s": live,
                "n_recorded": self.n_recorded,
                "n_lost": self.n_lost,
                "n_rejected": self.n_rejected,
            }
        )

    def accounting(self) -> dict[str, int]:
        """Counts per rejection reason so far, plus ``in_slices`` (histogrammed)."""
        out = dict(self.counts)
        out["in_slices"] = int(self.hist.sum())
        return out


def relative_flux(
    monitor_counts: np.ndarray, live_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each slice's flux relative to the run's mean from beam-monitor counts:
    ``(m_k / live_k) / (sum m / sum live)`` with the Poisson 1-sigma error of
    ``m_k`` (``f / sqrt(m_k)``); NaN for a slice without live time or monitor
    counts (no flux known: its profile is not computed)."""
    m = np.asarray(monitor_counts, float)
    live = np.asarray(live_s, float)
    use = (live > 0) & (m > 0)
    f = np.full(m.size, np.nan)
    err = np.full(m.size, np.nan)
    if use.any():
        mean_rate = m[use].sum() / live[use].sum()
        f[use] = m[use] / live[use] / mean_rate
        err[use] = f[use] / np.sqrt(m[use])
    return f, err


def split_energy_reasons(
    hist: np.ndarray,
    channel_energy_keV: np.ndarray,
    energy_window_keV: tuple[float, float],
    interference_windows_keV: Iterable[tuple[float, float]],
) -> tuple[dict[str, int], np.ndarray]:
    """Split histogrammed events into accepted / interference / outside window.

    Returns the counts per reason and the boolean channel mask of accepted
    channels (inside the energy window and outside every interference window).
    """
    e = np.asarray(channel_energy_keV, float)
    interf = np.zeros(e.size, bool)
    for lo, hi in interference_windows_keV:
        interf |= (e >= lo) & (e < hi)
    inside = (e >= energy_window_keV[0]) & (e < energy_window_keV[1])
    per_ch = np.asarray(hist).sum(axis=0) if np.ndim(hist) == 2 else np.asarray(hist)
    accepted = inside & ~interf
    counts = {
        "accepted": int(per_ch[accepted].sum()),
        "interference_window": int(per_ch[interf].sum()),
        "outside_energy_window": int(per_ch[~inside & ~interf].sum()),
    }
    return counts, accepted


def check_histogram_size(
    n_slices: int, n_channels: int, max_histogram_bytes: int, source: str
) -> None:
    """An :class:`InputError` before allocating a slice histogram of more than
    ``max_histogram_bytes`` (config ``ndp.max_histogram_bytes``)."""
    need = int(n_slices) * int(n_channels) * 8
    if need > int(max_histogram_bytes):
        raise InputError(
            source,
            "slices x ndp.n_channels x 8 bytes",
            f"at most ndp.max_histogram_bytes = {int(max_histogram_bytes)} bytes "
            "(fewer or longer slices: slice_s, or fewer channels)",
            f"{int(n_slices)} slices x {int(n_channels)} channels = {need} bytes",
        )


def slice_count(span_s: float, slice_s: float, n_boundaries: int = 0) -> int:
    """Upper bound of the number of slices :func:`make_slices` cuts from a
    span (each boundary adds at most one), computed without building them."""
    if not (np.isfinite(span_s) and np.isfinite(slice_s)) or slice_s <= 0:
        raise InputError(None, "slice_s", "a finite time > 0 s", slice_s)
    return int(np.ceil(max(span_s, 0.0) / slice_s)) + int(n_boundaries) + 1


def _scan_order(reader, tol: float, max_jump: float, start_s: float) -> TimeOrder:
    """The time order of every event of one file (one pass)."""
    order = TimeOrder(tol, max_jump, start_s)
    if reader.format == "compass_bin":
        for rec in reader.raw_chunks():
            order.bad(rec["timetag"].astype(np.float64) * 1e-12)
    else:
        for chunk in reader.chunks():
            order.bad(chunk.time_s)
    return order


def robust_time_span(
    reader: ListModeReader,
    *,
    disorder_tolerance_s: float,
    max_time_jump_s: float,
    order_start_s: float = 0.0,
) -> tuple[float, float, int]:
    """(first, last) usable event time in s of one file and the number of
    unusable times (:class:`TimeOrder`, judged from ``order_start_s``): the run
    span from the usable records, not from the last record. The header's real
    time (ORTEC) extends the last time when it is later and the file is in
    order."""
    order = _scan_order(reader, disorder_tolerance_s, max_time_jump_s, order_start_s)
    lo, hi = order.span()
    real = reader.info.real_time_s
    if real and np.isfinite(real) and 0 < real <= hi + max_time_jump_s:
        hi = max(hi, float(real))
    return lo, hi, order.n_bad


def file_layout(
    readers: list,
    *,
    disorder_tolerance_s: float,
    max_time_jump_s: float,
    starts_s: list | None = None,
) -> list[dict]:
    """Where each file of a run sits on the run's clock (s after the run start).

    ``starts_s`` gives, per file, the start of its acquisition on the run's
    clock (from the sheet or the file's own start time), or None when its time
    tags continue the previous file's (a long acquisition split into files;
    the first file starts at 0). For each file: ``offset_s`` (run clock minus
    the file's times), ``start_s``/``end_s`` (its acquisition on the run
    clock: a file whose tags continue starts where the previous one ended, a
    file with a start at that start; it ends at its last usable time, or the
    header's real time), ``order_start_s`` (where its time order is judged
    from) and ``n_bad`` (unusable times). Time between one file's end and the
    next one's start is a gap: no acquisition, so no live time.

    A file whose tags go back to before the previous file's last time without
    a start of its own (the acquisition was restarted), or that starts before
    the previous one ended, is an :class:`InputError`.
    """
    out: list[dict] = []
    tol = float(disorder_tolerance_s)
    span_of = partial(
        robust_time_span,
        disorder_tolerance_s=tol,
        max_time_jump_s=max_time_jump_s,
    )
    for k, reader in enumerate(readers):
        given = None if starts_s is None else starts_s[k]
        if k == 0 and given is None:
            given = 0.0
        if given is None:
            prev = out[-1]
            ref = prev["clock_end_s"]
            lo, hi, n_bad = span_of(reader, order_start_s=ref)
            if lo < ref - tol and (lo, hi) != (0.0, 0.0):
                raise InputError(
                    reader.path,
                    "time tags",
                    "tags continuing the previous file's (which ended at "
                    f"{ref:.6g} s), or the file's own start in the sheet's "
                    "listmode_start_utc (one time per file, ';'-separated)",
                    f"a restart: first usable time {lo:.6g} s",
                )
            offset, start = prev["offset_s"], prev["end_s"]
            clock_end = max(hi, ref)
        else:
            ref = 0.0
            lo, hi, n_bad = span_of(reader, order_start_s=ref)
            offset = start = float(given)
            clock_end = hi
            if out and start < out[-1]["end_s"] - tol:
                raise InputError(
                    reader.path,
                    "start time",
                    f"a start after the previous file's end ({out[-1]['end_s']:.6g} s "
                    "after the run start)",
                    f"{start:.6g} s",
                )
        out.append(
            {
                "file": str(reader.path),
                "offset_s": offset,
                "start_s": start,
                "end_s": max(start, offset + clock_end),
                "order_start_s": ref,
                "clock_end_s": clock_end,
                "n_bad": n_bad,
            }
        )
    return out


def accumulate_files(
    readers: list,
    slices: pd.DataFrame,
    start_utc: pd.Timestamp,
    *,
    n_channels: int,
    disorder_tolerance_s: float,
    dead_time_per_event_s: float,
    max_time_jump_s: float,
    max_disorder_fraction: float,
    max_histogram_bytes: int,
    calibrated_channel_keV: float,
    layout: list[dict] | None = None,
    monitor_channel: int | None = None,
    run: str = "",
    progress=None,
) -> dict:
    """Stream every reader's chunks into one set of slice spectra.

    ``readers`` are :class:`liprobe.io.listmode.ListModeReader` objects whose
    times count from ``start_utc``. Returns ``hist`` (n_slices x n_channels),
    ``slices`` (with real_s, live_s, n_recorded, n_lost) and ``accounting``
    (rows run, file, reason, n_events; the histogrammed events appear as
    ``in_slices`` until :func:`split_energy_reasons` divides them).
    ``progress``, when given, is called with the number of events of every
    chunk read (e.g. :meth:`liprobe.progress.Progress.advance`).
    """
    start = pd.Timestamp(start_utc).tz_convert("UTC")
    t0 = (slices["t_start_utc"] - start).dt.total_seconds().to_numpy()
    t1 = (slices["t_end_utc"] - start).dt.total_seconds().to_numpy()
    edges = np.concatenate([t0, t1[-1:]]) if len(slices) else np.array([0.0, 0.0])
    valid = np.ones(len(slices), bool)
    # slices must be contiguous; a gap becomes an invalid pseudo-slice
    if len(slices) > 1 and np.any(t0[1:] != t1[:-1]):
        edges = np.empty(2 * len(slices))
        edges[0::2], edges[1::2] = t0, t1
        valid = np.zeros(2 * len(slices) - 1, bool)
        valid[0::2] = True
        edges = np.unique(edges)
        valid = np.isin(edges[:-1], t0)
    check_histogram_size(
        valid.size, n_channels, max_histogram_bytes, f"run {run}" if run else None
    )
    hist = np.zeros((valid.size, n_channels), np.int64)
    live = None
    monitor = None
    rows = []
    has_live = all(r.info.has_live_records for r in readers) and bool(readers)
    kinds = sorted({r.info.energy_kind for r in readers})
    if len(kinds) > 1:
        raise InputError(
            readers[0].path,
            f"energy (run {run})",
            "the same energy kind in every file of a run",
            ", ".join(f"{r.path.name}: {r.info.energy_kind}" for r in readers),
        )
    kind = kinds[0] if kinds else "adc"
    kev = float(calibrated_channel_keV) if kind == "keV" else None
    if layout is None:  # every file's tags continue the previous file's
        layout = file_layout(
            readers,
            disorder_tolerance_s=disorder_tolerance_s,
            max_time_jump_s=max_time_jump_s,
        )
    for reader, lay in zip(readers, layout, strict=True):
        acc = EventAccumulator(
            edges,
            n_channels=n_channels,
            disorder_tolerance_s=disorder_tolerance_s,
            max_time_jump_s=max_time_jump_s,
            contiguous=valid,
            keV_per_channel=kev,
            offset_s=lay["offset_s"],
            order_start_s=lay["order_start_s"],
            acquisition_s=(lay["start_s"], lay["end_s"]),
            monitor_channel=monitor_channel,
        )
        if reader.format == "compass_bin" and kind == "adc" and monitor_channel is None:
            for rec in reader.raw_chunks():
                acc.add_raw(rec["timetag"], rec["energy"], rec["flags"])
                if progress is not None:
                    progress(len(rec))
        else:
            for chunk in reader.chunks():
                acc.add(chunk)
                if progress is not None:
                    progress(len(chunk))
        order = acc.order
        if order.n_bad > max_disorder_fraction * max(order.n_seen, 1):
            raise InputError(
                reader.path,
                f"time tags (record {order.first_bad}, {order.first_bad_time!r} s)",
                "times in order within ndp.disorder_tolerance_s and no jump above "
                f"ndp.max_time_jump_s for all but ndp.max_disorder_fraction = "
                f"{max_disorder_fraction:g} of the events (a time-tag reset or "
                "rollover in the middle of the file leaves the later times unknown)",
                f"{order.n_bad} of {order.n_seen} events out of order from record "
                f"{order.first_bad} on",
            )
        hist += acc.hist
        monitor = acc.n_monitor if monitor is None else monitor + acc.n_monitor
        lt = acc.live_times(has_live, dead_time_per_event_s=dead_time_per_event_s)
        live = lt if live is None else live + lt
        counts = acc.accounting()
        for reason, n in counts.items():
            rows.append(
                {"run": run, "file": str(reader.path), "reason": reason, "n_events": n}
            )
        total = sum(counts.values())
        if total != acc.n_read:
            raise AssertionError(f"accounting {total} != read {acc.n_read}")
    keep = valid
    out = slices.reset_index(drop=True).copy()
    lt = live.loc[keep].reset_index(drop=True)
    for col in lt.columns:
        out[col] = lt[col].to_numpy()
    # time of each slice without acquisition: between files, before the first
    # or after the last (no events can be recorded, no live time accrues)
    out["gap_s"] = np.clip((t1 - t0) - out["real_s"].to_numpy(), 0.0, None)
    if monitor_channel is not None:
        m = monitor[keep].astype(float) if monitor is not None else np.zeros(len(out))
        out["monitor_counts"] = m.astype(np.int64)
        out["flux_relative"], out["flux_relative_err"] = relative_flux(
            m, out["live_s"].to_numpy(float)
        )
    return {
        "hist": hist[keep],
        "slices": out,
        "accounting": pd.DataFrame(rows),
        "energy_kind": kind,
    }


def _kernel_impl(
    t_ps,
    energy,
    flags,
    edges_ps,
    valid,
    bad_t,
    reject,
    n_ch,
    hist,
    rec,
    lost,
    rejected,
    counts,
):
    """One pass over raw records (see :meth:`EventAccumulator.add_raw`)."""
    n_sl = edges_ps.size - 1
    k = 0
    for i in range(t_ps.size):
        if bad_t[i]:
            counts[0] += 1  # timestamp_disorder
            continue
        t = np.int64(t_ps[i])
        # slice: advance from the last one (times mostly increase), else search
        if t < edges_ps[k]:
            k = 0
        while k < n_sl and t >= edges_ps[k + 1]:
            k += 1
        in_slice = k < n_sl and t >= edges_ps[k] and valid[k]
        f = flags[i]
        if in_slice:
            rec[k] += 1
            if f & 0x20:
                lost[k] += 1
            if f & 0x40:
                lost[k] += 1024
        if f & reject:
            counts[1] += 1  # pileup_saturation
            if in_slice:
                rejected[k] += 1
            continue
        e = energy[i]
        if e >= n_ch:
            counts[2] += 1  # invalid_energy
            continue
        if not in_slice:
            counts[3] += 1  # outside_time_slices
            continue
        hist[k, e] += 1


try:  # numba where numpy cannot keep up; the plain function is the fallback
    from numba import njit

    _kernel = njit(cache=False, nogil=True)(_kernel_impl)
except ImportError:  # pragma: no cover
    _kernel = _kernel_impl


def _add_raw(self, timetag_ps, energy, flags) -> None:
    """Fast path for integer records (CoMPASS ``timetag`` ps, ``energy``, flags).

    Same reasons and bookkeeping as :meth:`add` in one compiled pass; the time
    order is judged on the times in seconds (:class:`TimeOrder`), the slices
    in integer picoseconds against the slice edges.
    """
    n = int(timetag_ps.size)
    self.n_read += n
    if n == 0:
        return
    if not hasattr(self, "_edges_ps"):
        # the slice edges on the file's clock (run clock - offset), in ps
        self._edges_ps = np.round((self.edges - self.offset) * 1e12).astype(np.int64)
    counts = np.zeros(4, np.int64)
    bad_t = self.order.bad(timetag_ps.astype(np.float64) * 1e-12)
    self.t_max, self.t_min = self.order.t_max, self.order.t_min
    _kernel(
        timetag_ps,
        energy,
        flags,
        self._edges_ps,
        self.valid,
        bad_t,
        np.uint32(self.reject_flags),
        np.int64(self.n_channels),
        self.hist,
        self.n_recorded,
        self.n_lost,
        self.n_rejected,
        counts,
    )
    for key, c in zip(REASONS[1:5], counts, strict=True):
        self.counts[key] += int(c)


EventAccumulator.add_raw = _add_raw
