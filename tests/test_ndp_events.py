"""Event accounting, time slices and live time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liprobe.errors import InputError
from liprobe.io.listmode import (
    FLAG_LOST_1024,
    FLAG_LOST_TRIGGER,
    FLAG_PILEUP,
    EventChunk,
    open_listmode,
    write_compass_bin,
)
from liprobe.ndp import events
from liprobe.ndp.events import make_slices, split_energy_reasons

from conftest import with_schema_defaults

T0 = pd.Timestamp("2024-03-04 08:00", tz="UTC")
EventAccumulator = with_schema_defaults(events.EventAccumulator, "ndp")
accumulate_files = with_schema_defaults(events.accumulate_files, "ndp")


def test_fixed_slices_cover_the_span():
    sl = make_slices(T0, T0 + pd.Timedelta(seconds=2500), slice_s=1000)
    assert list(sl["slice"]) == [0, 1, 2]
    dur = (sl["t_end_utc"] - sl["t_start_utc"]).dt.total_seconds()
    assert list(dur) == [1000, 1000, 500]
    with pytest.raises(InputError):
        make_slices(T0, T0 + pd.Timedelta(seconds=10), slice_s=None)


def test_slices_from_boundaries_never_straddle_a_step():
    bounds = [T0 + pd.Timedelta(hours=h) for h in (1.0, 5.0, 5.25)]
    sl = make_slices(T0, T0 + pd.Timedelta(hours=6), slice_s=3600, boundaries=bounds)
    edges = set(sl["t_start_utc"]) | set(sl["t_end_utc"])
    assert set(bounds) <= edges
    dur = (sl["t_end_utc"] - sl["t_start_utc"]).dt.total_seconds()
    assert dur.max() <= 3600 + 1e-6
    assert dur.sum() == pytest.approx(6 * 3600)
    # 1 h, 4 x 1 h, 15 min, 45 min
    assert len(sl) == 7


def _chunk(t, e, f):
    n = len(t)
    return EventChunk(
        time_s=np.asarray(t, float),
        channel=np.zeros(n, np.int32),
        energy=np.asarray(e, float),
        energy_cal=np.full(n, np.nan),
        flags=np.asarray(f, np.uint32),
    )


def test_reasons_and_live_time_from_flags():
    edges = np.array([0.0, 10.0, 20.0])
    acc = EventAccumulator(edges, n_channels=100, disorder_tolerance_s=0.5)
    acc.add(
        _chunk(
            [1.0, 2.0, 3.0, 1.0, 11.0, 12.0, 13.0, 25.0],
            [5, 5, 150, 5, 7, 7, np.nan, 7],
            [0, FLAG_PILEUP, 0, 0, FLAG_LOST_TRIGGER, FLAG_LOST_1024, 0, 0],
        )
    )
    c = acc.accounting()
    assert c == {
        "timestamp_disorder": 1,  # 1.0 after 3.0
        "pileup_saturation": 1,
        "invalid_energy": 2,  # channel 150 >= 100 and NaN
        "outside_time_slices": 1,  # 25 s
        "in_slices": 3,
    }
    assert sum(c.values()) == acc.n_read == 8
    assert acc.hist[0, 5] == 1 and acc.hist[1, 7] == 2
    lt = acc.live_times(has_live_records=False, dead_time_per_event_s=0.0)
    # slice 0: 3 recorded, none lost; slice 1: 3 recorded, 1 + 1024 lost
    assert list(lt["n_recorded"]) == [3, 3]
    assert list(lt["n_lost"]) == [0, 1025]
    # slice 0: one of its 3 records is a pile-up rejection (a particle lost)
    assert list(lt["n_rejected"]) == [1, 0]
    assert lt["live_s"].iloc[0] == pytest.approx(10.0 * 2 / 3)
    # the acquisition ends with the last valid event (25 s), so slice 1 is full
    assert lt["live_s"].iloc[1] == pytest.approx(10.0 * 3 / 1028)


def test_live_time_from_records_is_interpolated():
    acc = EventAccumulator(np.array([0.0, 5.0, 10.0]), n_channels=10)
    chunk = _chunk([1.0, 9.0], [1, 1], [0, 0])
    chunk.live_marks = np.array([[5.0, 4.0], [10.0, 6.0]])
    acc.add(chunk)
    lt = acc.live_times(has_live_records=True, dead_time_per_event_s=0.0)
    np.testing.assert_allclose(lt["live_s"], [4.0, 2.0])
    np.testing.assert_allclose(lt["real_s"], [5.0, 5.0])


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(0, 300),
    seed=st.integers(0, 2**31 - 1),
    n_slices=st.integers(1, 6),
)
def test_accounting_identity_holds_for_any_stream(n, seed, n_slices):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(-1.0, 70.0, n))
    swap = rng.uniform(0, 1, n) < 0.05
    t[swap] -= rng.uniform(0, 20, swap.sum())
    e = rng.uniform(-5, 120, n)
    f = rng.choice(np.array([0, 0x1, 0x20, 0x40, 0x80, 0x400, 0x8000]), n)
    acc = EventAccumulator(np.linspace(0, 60, n_slices + 1), n_channels=100)
    for part in np.array_split(np.arange(n), 3):
        acc.add(_chunk(t[part], e[part], f[part]))
    counts = acc.accounting()
    assert sum(counts.values()) == acc.n_read == n
    ch_e = np.arange(100) * 30.0
    split, _ = split_energy_reasons(acc.hist, ch_e, (300.0, 2500.0), [(500.0, 700.0)])
    assert sum(split.values()) == counts["in_slices"]


def test_accumulate_files_accounts_for_every_event(tmp_path):
    rng = np.random.default_rng(3)
    n = 5000
    t = np.sort(rng.uniform(0, 3600, n))
    flags = np.where(rng.uniform(0, 1, n) < 0.02, FLAG_PILEUP, 0).astype(np.uint32)
    path = write_compass_bin(
        tmp_path / "a.BIN",
        np.round(t * 1e12).astype(np.uint64),
        rng.integers(0, 4096, n).astype(np.uint16),
        flags,
    )
    readers = [open_listmode(path, chunk_events=700)]
    slices = make_slices(T0, T0 + pd.Timedelta(seconds=3000), slice_s=600)
    res = accumulate_files(readers, slices, T0, n_channels=4096, run="r1")
    acc = res["accounting"]
    assert acc["n_events"].sum() == n
    assert set(acc["run"]) == {"r1"}
    assert acc.set_index("reason").loc["pileup_saturation", "n_events"] == int(
        (flags != 0).sum()
    )
    assert res["hist"].shape == (5, 4096)
    # the pile-up rejections (2 %) are taken out of the live time
    sl = res["slices"]
    keep = (sl["n_recorded"] - sl["n_rejected"]) / sl["n_recorded"]
    assert sl["live_s"].to_numpy() == pytest.approx(600.0 * keep.to_numpy())
    assert sl["n_rejected"].sum() == int(((flags != 0) & (t < 3000)).sum())


def test_compiled_path_matches_the_numpy_path():
    rng = np.random.default_rng(9)
    n = 20_000
    t_ps = np.sort(rng.integers(0, 100 * 10**12, n)).astype(np.uint64)
    back = rng.choice(n, 50, replace=False)
    t_ps[back] = t_ps[back] // 2  # corrupted, earlier time tags
    energy = rng.integers(0, 5000, n).astype(np.uint16)  # some beyond 4096
    flags = rng.choice(
        np.array([0, 0x1, 0x20, 0x40, 0x80, 0x8000], np.uint32), n, p=[0.9] + [0.02] * 5
    )
    edges = np.array([5.0, 20.0, 40.0, 80.0])
    slow = EventAccumulator(edges, n_channels=4096)
    fast = EventAccumulator(edges, n_channels=4096)
    for part in np.array_split(np.arange(n), 4):
        slow.add(_chunk(t_ps[part] * 1e-12, energy[part], flags[part]))
        fast.add_raw(t_ps[part], energy[part], flags[part])
    assert slow.accounting() == fast.accounting()
    np.testing.assert_array_equal(slow.hist, fast.hist)
    np.testing.assert_array_equal(slow.n_recorded, fast.n_recorded)
    np.testing.assert_array_equal(slow.n_lost, fast.n_lost)
    np.testing.assert_allclose(
        slow.live_times(False, dead_time_per_event_s=0.0)["live_s"],
        fast.live_times(False, dead_time_per_event_s=0.0)["live_s"],
    )
