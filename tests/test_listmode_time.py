"""List-mode time: units, resets, corrupted tags, run span and the memory ceiling.

The CoMPASS cases are derived from the real third-party file in
``../shared/data/listmode`` (102 events over 5.1 s); the NeXus cases are small
files written here (no real NeXus event file is in the shared data).
"""

from __future__ import annotations

import time

import h5py
import numpy as np
import pandas as pd
import pytest

from liprobe.errors import InputError
from liprobe.io.listmode import TimeOrder, open_listmode, read_events
from liprobe.io.srim import read_srim
from liprobe.ndp import events
from liprobe.ndp.events import check_histogram_size, make_slices, slice_count

from conftest import schema_default, with_schema_defaults

accumulate_files = with_schema_defaults(events.accumulate_files, "ndp")
robust_time_span = with_schema_defaults(events.robust_time_span, "ndp")
T0 = pd.Timestamp("2024-03-04T09:00:00Z")


def _nexus(path, unit_zero: str, unit_offset: str, scale_offset: float):
    """Pulses at 0, 1, 2 s (in ms) with offsets 0.1..0.5 s in ``unit_offset``."""
    offsets_s = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    with h5py.File(path, "w") as h5:
        g = h5.create_group("entry/events")
        g.attrs["NX_class"] = "NXevent_data"
        g["event_time_zero"] = np.array([0.0, 1000.0, 2000.0])
        g["event_time_zero"].attrs["units"] = unit_zero
        g["event_time_offset"] = offsets_s * scale_offset
        g["event_time_offset"].attrs["units"] = unit_offset
        g["event_index"] = np.array([0, 2, 4])
        g["event_energy"] = np.array([100.0, 200, 300, 400, 500])
    return np.array([0.1, 0.2, 1.3, 1.4, 2.5])


@pytest.mark.parametrize(
    ("unit", "scale"),
    [
        ("microseconds", 1e6),
        ("µs", 1e6),  # micro sign
        ("μs", 1e6),  # Greek mu
        ("ps", 1e12),
        ("nanoseconds", 1e9),
    ],
)
def test_nexus_time_units_are_read_in_seconds(tmp_path, unit, scale):
    path = tmp_path / "run.nxs"
    expected = _nexus(path, "ms", unit, scale)
    out = read_events(path)
    np.testing.assert_allclose(out["time_s"], expected, rtol=1e-12)


@pytest.mark.parametrize("unit", ["furlong", "MS", "minutes?", ""])
def test_unknown_nexus_time_unit_is_an_error(tmp_path, unit):
    path = tmp_path / "run.nxs"
    _nexus(path, "ms", unit, 1.0)
    with pytest.raises(InputError) as info:
        open_listmode(path, chunk_events=1000)
    assert "event_time_offset@units" in info.value.field
    assert repr(unit) in str(info.value)


def _real_compass(shared_dir, tmp_path, edit) -> tuple:
    """A copy of the real CoMPASS file with its time tags edited by ``edit``."""
    src = shared_dir / "listmode" / "compass_test_data.BIN"
    reader = open_listmode(src, chunk_events=1000)
    rec = np.concatenate(list(reader.raw_chunks()))
    original = rec["timetag"].copy()
    edit(rec["timetag"])
    path = tmp_path / "edited.BIN"
    path.write_bytes(src.read_bytes()[:2] + rec.tobytes())
    return path, original


def _slices_for(path, slice_s):
    lo, hi, n_bad = robust_time_span(open_listmode(path, chunk_events=1000))
    end = T0 + pd.Timedelta(seconds=hi + 1e-6)
    return make_slices(T0, end, slice_s), hi, n_bad


def test_corrupt_last_time_tag_keeps_the_run_span(shared_dir, tmp_path):
    def corrupt(tags):
        tags[-1] = np.uint64(2**64 - 1)

    path, original = _real_compass(shared_dir, tmp_path, corrupt)
    # the reader's first/last records would give 213 days of slices
    assert open_listmode(path, chunk_events=1000).time_span()[1] > 1.8e7
    slices, hi, n_bad = _slices_for(path, 1.0)
    assert n_bad == 1
    assert hi == pytest.approx(original[-2] * 1e-12)
    assert len(slices) == int(np.ceil(original[-2] * 1e-12))  # 6 slices, not 1.8e7
    res = accumulate_files(
        [open_listmode(path, chunk_events=16)], slices, T0, n_channels=4096, run="r"
    )
    by = res["accounting"].set_index("reason")["n_events"]
    # the corrupted record is counted; no other event falls outside the slices
    assert by["timestamp_disorder"] == 1 and by.get("outside_time_slices", 0) == 0
    assert by.sum() == 102


def test_time_tag_reset_near_the_end_keeps_the_run(shared_dir, tmp_path):
    def reset(tags):
        tags[-1] = np.uint64(1234)  # the counter restarted for the last record

    path, original = _real_compass(shared_dir, tmp_path, reset)
    slices, hi, n_bad = _slices_for(path, 1.0)
    assert n_bad == 1 and hi == pytest.approx(original[-2] * 1e-12)
    res = accumulate_files(
        [open_listmode(path, chunk_events=10)], slices, T0, n_channels=4096, run="r"
    )
    by = res["accounting"].set_index("reason")["n_events"]
    # nothing lands outside the slices: the run ends at its last usable time
    assert by.get("outside_time_slices", 0) == 0
    assert by["timestamp_disorder"] == 1 and by.sum() == 102


def test_time_tag_reset_in_the_middle_stops_with_the_record(shared_dir, tmp_path):
    def reset(tags):
        tags[60:] -= tags[60] - np.uint64(5)

    path, _ = _real_compass(shared_dir, tmp_path, reset)
    slices, _, n_bad = _slices_for(path, 1.0)
    assert n_bad == 42
    with pytest.raises(InputError) as info:
        accumulate_files(
            [open_listmode(path, chunk_events=16)], slices, T0, n_channels=4096
        )
    assert "record 60" in info.value.field and "edited.BIN" in info.value.file
    assert "42 of 102" in str(info.value.found)


def test_time_order_is_the_same_whatever_the_chunks():
    rng = np.random.default_rng(7)
    t = np.cumsum(rng.exponential(0.01, 5000))
    t[rng.choice(5000, 20, replace=False)] = 1.8e7  # corrupted tags
    t[rng.choice(5000, 20, replace=False)] -= 3.0  # out of order
    t[4990:] -= t[4990]  # a reset near the end
    whole = TimeOrder(1e-3, 86400.0)
    bad_whole = whole.bad(t)
    parts = TimeOrder(1e-3, 86400.0)
    bad_parts = np.concatenate([parts.bad(p) for p in np.array_split(t, 7)])
    np.testing.assert_array_equal(bad_whole, bad_parts)
    assert whole.span() == parts.span()
    good = t[~bad_whole]
    # what is left is in order within the tolerance and ends before the tags
    assert np.all(np.diff(np.maximum.accumulate(good)) >= 0)
    assert np.all(good >= np.maximum.accumulate(good) - 1e-3)
    assert whole.span()[1] < t[4989] + 1e-9 and bad_whole[4990:].all()


def test_histogram_ceiling_stops_before_allocation():
    ceiling = schema_default("ndp.max_histogram_bytes")
    # slice_s 1 over a day with 2e7 channels: stopped with the figures
    n = slice_count(86400.0, 1.0)
    with pytest.raises(InputError) as info:
        check_histogram_size(n, 20_000_000, ceiling, "ndp sheet (run r1)")
    assert "max_histogram_bytes" in info.value.expected
    assert f"{n} slices x 20000000 channels" in str(info.value.found)
    # accumulate_files refuses before allocating 160 MB per slice x 1000 slices
    slices = make_slices(T0, T0 + pd.Timedelta(seconds=1000), 1.0)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="max_histogram_bytes"):
        accumulate_files([], slices, T0, n_channels=20_000_000, run="r1")
    assert time.perf_counter() - t0 < 5.0
    # a campaign within the ceiling passes
    check_histogram_size(slice_count(30 * 86400.0, 1800.0), 16384, ceiling, "s")


def test_srim_from_a_device_is_refused_without_reading():
    with pytest.raises(InputError, match="regular file"):
        read_srim("/dev/zero")


def test_calibrated_energy_only_compass_file_is_histogrammed(shared_dir, tmp_path):
    """The real CoMPASS file saved as CoMPASS does with 'calibrated energy
    only' (header bit 1 without bit 0: an f64 keV field and no ADC energy)."""
    from liprobe.io.listmode import compass_dtype

    src = shared_dir / "listmode" / "compass_test_data.BIN"
    rec = np.concatenate(list(open_listmode(src, chunk_events=1000).raw_chunks()))
    header = 0xCAEE  # calibrated energy, energy short, waveform; no ADC energy
    out = np.zeros(rec.size, compass_dtype(header, 1000))
    for name in out.dtype.names:
        if name != "energy_cal":
            out[name] = rec[name]
    gain, offset = 0.7, 12.0  # keV per ADC channel, keV
    out["energy_cal"] = offset + gain * rec["energy"].astype(float)
    path = tmp_path / "kev_only.BIN"
    path.write_bytes(header.to_bytes(2, "little") + out.tobytes())

    reader = open_listmode(path, chunk_events=16)
    assert reader.info.energy_kind == "keV"
    events_read = read_events(path)
    assert events_read["energy"].isna().all()
    np.testing.assert_allclose(events_read["energy_cal"], out["energy_cal"])

    width = schema_default("ndp.calibrated_channel_keV")
    slices = make_slices(T0, T0 + pd.Timedelta(seconds=6), 6.0)
    res = accumulate_files([reader], slices, T0, n_channels=4096, run="r")
    assert res["energy_kind"] == "keV"
    # the same events from the original file, in ADC channels
    adc = accumulate_files(
        [open_listmode(src, chunk_events=16)], slices, T0, n_channels=4096, run="r"
    )
    # the same accounting: only the energy axis differs
    pd.testing.assert_series_equal(
        res["accounting"].set_index("reason")["n_events"],
        adc["accounting"].set_index("reason")["n_events"],
    )
    # every histogrammed ADC channel c sits in keV channel floor((12 + 0.7 c) / w)
    h_adc = adc["hist"].sum(axis=0)
    expected = np.zeros(4096, np.int64)
    ch = np.flatnonzero(h_adc)
    np.add.at(expected, np.floor((offset + gain * ch) / width).astype(int), h_adc[ch])
    np.testing.assert_array_equal(res["hist"].sum(axis=0), expected)
    assert res["hist"].sum() > 0


def test_files_of_one_run_with_different_energy_kinds_are_refused(tmp_path):
    from liprobe.io.listmode import compass_dtype, write_compass_bin

    adc = write_compass_bin(
        tmp_path / "adc.BIN",
        np.array([10**12], np.uint64),
        np.array([100]),
        np.array([0], np.uint32),
    )
    rec = np.zeros(1, compass_dtype(0x2, 0))
    rec["energy_cal"] = 500.0
    kev = tmp_path / "kev.BIN"
    kev.write_bytes((0xCAE2).to_bytes(2, "little") + rec.tobytes())
    slices = make_slices(T0, T0 + pd.Timedelta(seconds=2), 2.0)
    readers = [open_listmode(p, chunk_events=16) for p in (adc, kev)]
    with pytest.raises(InputError, match="adc.BIN: adc, kev.BIN: keV"):
        accumulate_files(readers, slices, T0, n_channels=4096, run="r")


# ------------------------------------------------------- multi-file runs
file_layout = with_schema_defaults(events.file_layout, "ndp")


def _split_real_file(shared_dir, tmp_path, restart: bool):
    """The real CoMPASS file cut into two at record 50; with ``restart`` the
    second file's tags start again (from the 49th record's time, as a DAQ
    restarted at that moment would count them)."""
    src = shared_dir / "listmode" / "compass_test_data.BIN"
    head = src.read_bytes()[:2]
    rec = np.concatenate(list(open_listmode(src, chunk_events=1000).raw_chunks()))
    first, second = rec[:50].copy(), rec[50:].copy()
    if restart:
        second["timetag"] -= rec["timetag"][49]
    paths = []
    for name, part in (("a.BIN", first), ("b.BIN", second)):
        (tmp_path / name).write_bytes(head + part.tobytes())
        paths.append(tmp_path / name)
    return src, paths, rec["timetag"] * 1e-12


def _run(paths, slices, layout=None):
    readers = [open_listmode(p, chunk_events=16) for p in paths]
    return accumulate_files(
        readers, slices, T0, n_channels=4096, layout=layout, run="r"
    )


def test_split_file_with_continuing_tags_equals_the_whole(shared_dir, tmp_path):
    src, paths, t = _split_real_file(shared_dir, tmp_path, restart=False)
    slices = make_slices(T0, T0 + pd.Timedelta(seconds=t[-1] + 1e-6), 1.0)
    whole, split = _run([src], slices), _run(paths, slices)
    np.testing.assert_array_equal(whole["hist"], split["hist"])
    for col in ("real_s", "live_s", "gap_s", "n_recorded"):
        np.testing.assert_allclose(
            split["slices"][col], whole["slices"][col], rtol=1e-12, atol=1e-9
        )
    # the second file starts where the first ended: no time counted twice
    assert split["slices"]["real_s"].sum() == pytest.approx(t[-1], rel=1e-12)


def test_restarted_file_with_its_start_leaves_a_dead_gap(shared_dir, tmp_path):
    src, paths, t = _split_real_file(shared_dir, tmp_path, restart=True)
    gap = 100.0  # the DAQ was off for 100 s between the files
    readers = [open_listmode(p, chunk_events=16) for p in paths]
    layout = file_layout(readers, starts_s=[0.0, t[49] + gap])
    assert layout[0]["end_s"] == pytest.approx(t[49])
    assert layout[1]["start_s"] == pytest.approx(t[49] + gap)
    assert layout[1]["end_s"] == pytest.approx(t[-1] + gap)
    end = T0 + pd.Timedelta(seconds=t[-1] + gap + 1e-6)
    slices = make_slices(T0, end, 1.0)
    split = _run(paths, slices, layout)
    whole = _run([src], make_slices(T0, T0 + pd.Timedelta(seconds=t[-1] + 1e-6), 1.0))
    sl = split["slices"]
    # live and real time: the same acquisition, shifted by the gap
    assert sl["real_s"].sum() == pytest.approx(whole["slices"]["real_s"].sum())
    assert sl["live_s"].sum() == pytest.approx(whole["slices"]["live_s"].sum())
    # the dead time between the files is counted, with no live time in it
    off = (sl["t_start_utc"] >= T0 + pd.Timedelta(seconds=t[49] + 1)) & (
        sl["t_end_utc"] <= T0 + pd.Timedelta(seconds=t[49] + gap)
    )
    assert off.sum() >= 98
    assert (sl.loc[off, "live_s"] == 0).all() and (sl.loc[off, "gap_s"] == 1.0).all()
    total = (sl["t_end_utc"] - sl["t_start_utc"]).dt.total_seconds().sum()
    assert sl["gap_s"].sum() == pytest.approx(total - sl["real_s"].sum())
    assert sl["gap_s"].sum() >= gap
    # every event counted once, in the same accounting as the whole file
    assert split["hist"].sum() == whole["hist"].sum()


def test_restarted_file_without_a_start_is_an_error(shared_dir, tmp_path):
    _, paths, _ = _split_real_file(shared_dir, tmp_path, restart=True)
    readers = [open_listmode(p, chunk_events=16) for p in paths]
    with pytest.raises(InputError) as info:
        file_layout(readers)
    assert info.value.file.endswith("b.BIN") and info.value.field == "time tags"
    assert "listmode_start_utc" in info.value.expected


def test_one_sheet_start_per_file():
    from liprobe.ndp.sheet import run_start_times

    value = "2024-03-04T09:00:00+00:00; 2024-03-04T10:30:00+01:00"
    start, rel = run_start_times(value, [None, None], "ndp.tsv", "r1")
    assert start == T0 and rel == [0.0, 1800.0]
    # one time: the run's start; CoMPASS files continue each other's tags
    start, rel = run_start_times("2024-03-04T09:00:00Z", [None] * 3, "s", "r1")
    assert start == T0 and rel == [0.0, None, None]
    # files that store their start keep their distance from the first
    own = [T0 + pd.Timedelta(hours=1), T0 + pd.Timedelta(hours=2)]
    start, rel = run_start_times("2024-03-04T09:00:00Z", own, "s", "r1")
    assert start == T0 and rel == [0.0, 3600.0]
    with pytest.raises(InputError, match="one per list-mode file"):
        run_start_times(value, [None] * 3, "ndp.tsv", "r1")
    with pytest.raises(InputError, match="with its zone"):
        run_start_times(
            "2024-03-04T09:00:00;2024-03-04T10:00:00Z", [None] * 2, "s", "r"
        )


# ------------------------------------------------------- beam monitor
def test_monitor_channel_gives_each_slice_its_relative_flux(tmp_path):
    from liprobe.io.listmode import write_compass_bin

    rng = np.random.default_rng(11)
    # sample events on channel 0 at 50/s; a beam monitor on channel 5 whose
    # rate doubles halfway (the reactor power went up)
    sample = np.sort(rng.uniform(0, 100, 5000))
    monitor = np.sort(
        np.concatenate([rng.uniform(0, 50, 5000), rng.uniform(50, 100, 10000)])
    )
    t = np.concatenate([sample, monitor])
    ch = np.concatenate([np.zeros(sample.size), np.full(monitor.size, 5)])
    order = np.argsort(t, kind="stable")
    path = write_compass_bin(
        tmp_path / "mon.BIN",
        np.round(t[order] * 1e12).astype(np.uint64),
        rng.integers(100, 4000, t.size).astype(np.uint16),
        np.zeros(t.size, np.uint32),
        channel=ch[order].astype(np.uint16),
    )
    slices = make_slices(T0, T0 + pd.Timedelta(seconds=100), 10.0)
    off = accumulate_files([open_listmode(path, chunk_events=999)], slices, T0)
    on = accumulate_files(
        [open_listmode(path, chunk_events=999)], slices, T0, monitor_channel=5
    )
    by = on["accounting"].set_index("reason")["n_events"]
    assert by["monitor"] == monitor.size and by.sum() == t.size
    assert on["hist"].sum() == sample.size  # the monitor is not histogrammed
    assert "flux_relative" not in off["slices"] and off["hist"].sum() == t.size
    sl = on["slices"]
    assert sl["monitor_counts"].sum() == monitor.size
    truth = np.where(np.arange(10) < 5, 2 / 3, 4 / 3)
    z = (sl["flux_relative"] - truth) / sl["flux_relative_err"]
    assert np.all(np.abs(z) < 4), z.tolist()
    # the errors are honest: the scatter matches them
    assert 0.3 < np.std(z) < 2.0


def test_relative_flux_without_monitor_counts_is_unknown():
    f, err = events.relative_flux(np.array([100, 0, 300]), np.array([10.0, 10, 0]))
    assert f[0] == pytest.approx(1.0) and err[0] == pytest.approx(0.1)
    assert np.isnan(f[1:]).all() and np.isnan(err[1:]).all()
