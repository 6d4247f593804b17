"""List-mode readers: real CoMPASS and ORTEC files, simulated files of every format."""

from __future__ import annotations

import struct

import h5py
import numpy as np
import pandas as pd
import pytest

from liprobe.errors import InputError
from liprobe.io import listmode
from liprobe.io.listmode import (
    FLAG_LOST_TRIGGER,
    FLAG_PILEUP,
    FORMATS,
    READERS,
    ListModeReader,
    compass_csv_text,
    detect_format,
    read_events,
    write_compass_bin,
)

from conftest import with_schema_defaults

open_listmode = with_schema_defaults(listmode.open_listmode, "ndp")


def test_compass_real_file(shared_dir):
    path = shared_dir / "listmode" / "compass_test_data.BIN"
    assert detect_format(path) == "compass_bin"
    reader = open_listmode(path, with_waveforms=True, chunk_events=40)
    info = reader.info
    assert info.extra["header"] == "0xCAED"
    assert info.n_events == 102
    assert info.waveform_samples == 1000
    assert 2 + 102 * info.extra["record_bytes"] == path.stat().st_size
    chunks = list(reader.chunks())
    assert [len(c) for c in chunks] == [40, 40, 22]
    assert all(c.waveforms.shape[1] == 1000 for c in chunks)
    events = read_events(path)
    assert len(events) == 102
    assert np.isnan(events["energy_cal"]).all()  # bit 1 not set in 0xCAED
    assert (events["energy"] >= 0).all() and (events["energy"] <= 32767).all()
    assert set(np.unique(events["channel"])) <= {0, 1}
    assert info.start_utc is None and not info.has_live_records


def test_compass_truncated_file_is_an_input_error(shared_dir, tmp_path):
    raw = (shared_dir / "listmode" / "compass_test_data.BIN").read_bytes()
    bad = tmp_path / "cut.BIN"
    bad.write_bytes(raw[:-100])
    with pytest.raises(InputError, match="file size"):
        open_listmode(bad)


def test_ortec_real_file(shared_dir):
    path = shared_dir / "listmode" / "ortec_sample_Ba-133.Lis"
    assert detect_format(path) == "ortec_lis"
    reader = open_listmode(path, chunk_events=50_000)
    info = reader.info
    assert info.real_time_s == pytest.approx(317.14, abs=0.01)
    assert info.live_time_s == pytest.approx(300.0, abs=0.01)
    assert info.calibration_keV[1] == pytest.approx(0.36569, rel=1e-4)
    assert info.extra["conversion_gain"] == 8192
    chunks = list(reader.chunks())
    energy = np.concatenate([c.energy for c in chunks])
    time_s = np.concatenate([c.time_s for c in chunks])
    marks = np.concatenate([c.live_marks for c in chunks])
    assert energy.size == 467295
    assert np.all(np.diff(time_s) >= 0)
    assert time_s[-1] == pytest.approx(317.14, abs=0.05)
    # the Ba-133 81 keV line
    hist = np.bincount(energy.astype(int), minlength=8192)
    peak = 150 + int(np.argmax(hist[150:300]))
    assert abs(peak - 219) <= 2
    assert peak * info.calibration_keV[1] == pytest.approx(81.0, abs=1.5)
    # live-time records end at the header's live time
    assert marks[-1, 1] == pytest.approx(300.0, abs=0.05)
    assert marks[-1, 0] == pytest.approx(317.14, abs=0.05)


def test_one_reader_per_format():
    """Every format has its reader class, named by its format."""
    assert sorted(READERS) == sorted(FORMATS)
    for fmt, reader in READERS.items():
        assert issubclass(reader, ListModeReader) and reader.format == fmt


def test_raw_records_only_from_compass_binary(tmp_path):
    """Only CoMPASS binary files have packed records to hand out unconverted."""
    path = tmp_path / "spec.Lis"
    _ortec_file(path, {5: [(100, 10)]})
    reader = open_listmode(path)
    with pytest.raises(InputError, match="compass_bin"):
        next(reader.raw_chunks())
    with pytest.raises(InputError, match="format"):
        open_listmode(path, "ortec")


def test_unknown_magic_is_an_input_error(tmp_path):
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"\x00\x01\x02\x03hello")
    with pytest.raises(InputError, match="magic bytes"):
        detect_format(bad)


def _events(n, seed=0):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 100.0, n))
    return {
        "timetag_ps": np.round(t * 1e12).astype(np.uint64),
        "energy": rng.integers(0, 4096, n).astype(np.uint16),
        "flags": rng.choice(
            np.array([0, FLAG_LOST_TRIGGER, FLAG_PILEUP], np.uint32),
            n,
            p=[0.9, 0.05, 0.05],
        ),
    }


def test_compass_binary_roundtrip_in_chunks(tmp_path):
    ev = _events(10_001)
    path = write_compass_bin(tmp_path / "run.dat", **ev)
    assert detect_format(path) == "compass_bin"  # by magic, not by extension
    reader = open_listmode(path, chunk_events=1000)
    sizes = [len(c) for c in reader.chunks()]
    assert sizes[0] == 1000 and sum(sizes) == 10_001
    out = read_events(path)
    np.testing.assert_allclose(out["time_s"], ev["timetag_ps"] * 1e-12)
    np.testing.assert_array_equal(out["energy"], ev["energy"])
    np.testing.assert_array_equal(out["flags"], ev["flags"])
    assert reader.time_span() == pytest.approx(
        (ev["timetag_ps"][0] * 1e-12, ev["timetag_ps"][-1] * 1e-12)
    )


def test_compass_csv_roundtrip(tmp_path):
    ev = _events(500, seed=1)
    frame = pd.DataFrame(
        {
            "board": 0,
            "channel": 2,
            "timetag_ps": ev["timetag_ps"],
            "energy": ev["energy"],
            "energy_short": ev["energy"] // 2,
            "flags": ev["flags"],
        }
    )
    path = tmp_path / "events.txt"
    path.write_text(compass_csv_text(frame))
    assert detect_format(path) == "compass_csv"
    out = read_events(path, "auto")
    np.testing.assert_allclose(out["time_s"], ev["timetag_ps"] * 1e-12)
    np.testing.assert_array_equal(out["energy"], ev["energy"])
    np.testing.assert_array_equal(out["flags"], ev["flags"])
    assert (out["channel"] == 2).all()


def test_nexus_event_data(tmp_path):
    rng = np.random.default_rng(2)
    n_pulse, per = 50, 40
    pulse_t = np.arange(n_pulse) * 0.02  # 50 Hz source, seconds
    offsets = rng.uniform(0, 20_000, n_pulse * per)  # microseconds
    energy = rng.integers(0, 1000, n_pulse * per)
    path = tmp_path / "run.nxs"
    with h5py.File(path, "w") as h5:
        entry = h5.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        grp = entry.create_group("detector_events")
        grp.attrs["NX_class"] = "NXevent_data"
        tz = grp.create_dataset("event_time_zero", data=pulse_t * 1e9)
        tz.attrs["units"] = "ns"
        tz.attrs["offset"] = "2024-03-04T07:50:00Z"
        to = grp.create_dataset("event_time_offset", data=offsets)
        to.attrs["units"] = "us"
        grp.create_dataset("event_index", data=np.arange(n_pulse) * per)
        grp.create_dataset("event_id", data=np.full(n_pulse * per, 3))
        grp.create_dataset("event_energy", data=energy)
    assert detect_format(path) == "nexus"
    reader = open_listmode(path, chunk_events=333)
    assert reader.info.start_utc == pd.Timestamp("2024-03-04T07:50:00Z")
    out = read_events(path)
    expected = np.repeat(pulse_t, per) + offsets * 1e-6
    np.testing.assert_allclose(out["time_s"], expected)
    np.testing.assert_array_equal(out["energy"], energy)
    assert (out["channel"] == 3).all()


def _ortec_file(path, events):
    """A PRO list-mode file: real/live words every 10 ms, ADC words between."""
    head = bytearray(256)
    head[0:4] = struct.pack("<i", -13)
    head[4:8] = struct.pack("<i", 2)
    head[8:16] = struct.pack("<d", 45355.5)  # 2024-03-04 12:00
    head[201] = 1
    head[206:218] = struct.pack("<fff", 1.0, 0.5, 0.0)
    head[239:247] = struct.pack("<ff", 2.0, 1.5)
    words = []
    live = 0
    for tick in range(200):
        words.append((2 << 30) | tick)
        if tick % 4 != 3:  # 25 % dead time
            live += 1
        words.append((1 << 30) | live)
        for adc, fine in events.get(tick, []):
            words.append((3 << 30) | (adc << 16) | fine)
    path.write_bytes(bytes(head) + np.asarray(words, "<u4").tobytes())


def test_ortec_synthetic_words(tmp_path):
    events = {5: [(100, 10)], 50: [(200, 20), (300, 30)], 199: [(16383, 49999)]}
    path = tmp_path / "spec.Lis"
    _ortec_file(path, events)
    reader = open_listmode(path, chunk_events=7)  # chunks cut through the words
    assert reader.info.start_utc == pd.Timestamp("2024-03-04 12:00", tz="UTC")
    assert reader.info.calibration_keV == pytest.approx((1.0, 0.5, 0.0))
    chunks = list(reader.chunks())
    out_t = np.concatenate([c.time_s for c in chunks])
    out_e = np.concatenate([c.energy for c in chunks])
    np.testing.assert_array_equal(out_e, [100, 200, 300, 16383])
    np.testing.assert_allclose(
        out_t, [0.05 + 10 * 2e-7, 0.5 + 20 * 2e-7, 0.5 + 30 * 2e-7, 1.99 + 49999 * 2e-7]
    )
    marks = np.concatenate([c.live_marks for c in chunks])
    assert marks[-1, 0] == pytest.approx(1.99)
    assert marks[-1, 1] == pytest.approx(150 * 0.01)
