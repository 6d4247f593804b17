"""Property-based fuzzing of every reader with mutated bytes.

Each reader gets good files (simulated, or copies of the real third-party files)
with bytes flipped, cut, inserted or duplicated. Whatever the damage, only
liprobe's own errors may escape (:class:`liprobe.errors.LiprobeError`): a reader
either returns data or says which file and field are wrong. What a reader does
return must hold its invariants:

* Bruker: finite data rows, a list time per row that is finite and non-negative
  or NaN with a flag, a finite non-negative group delay, a plausible
  temperature or NaN with a flag; ppm regions and TopSpin list values finite.
* List mode: every event read ends in exactly one accounting bucket; the events
  whose time is not finite, negative, more than the tolerance before an
  earlier usable time or more than ``ndp.max_time_jump_s`` after the latest one
  are exactly those counted as ``timestamp_disorder`` (or, above
  ``ndp.max_disorder_fraction`` of a file, an error naming it), the
  flagged pile-up/saturation events of the rest exactly ``pileup_saturation``;
  every slice's real and live time is finite and non-negative.
* Cycler traces: UTC times that never go backwards, ``elapsed_s`` equal to the
  time since the first point, finite current and charge, no gap above the
  reader's limit.
* Sheets: unique experiment ids and existing paths.

The runs are bounded and reproducible: ``derandomize=True`` and no example
database, ``max_examples`` per reader as set in :data:`EXAMPLES`.
"""

from __future__ import annotations

import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liprobe.errors import LiprobeError

from malformed import TZ, good_bruker, good_compass, good_mpt

EXAMPLES = 50
INT64_PS_S = 2.0**63 * 1e-12  # seconds of the largest int64 picosecond time tag

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ------------------------------------------------------------------ mutations
@st.composite
def mutations(draw, max_ops: int = 3):
    """A list of (operation, position fraction, length, byte) edits."""
    n = draw(st.integers(min_value=1, max_value=max_ops))
    return [
        (
            draw(st.sampled_from(["flip", "truncate", "insert", "duplicate"])),
            draw(st.floats(min_value=0.0, max_value=1.0)),
            draw(st.integers(min_value=1, max_value=64)),
            draw(st.integers(min_value=0, max_value=255)),
        )
        for _ in range(n)
    ]


def mutate(raw: bytes, edits) -> bytes:
    """Apply the edits of :func:`mutations` to ``raw``."""
    data = bytearray(raw)
    for op, where, length, byte in edits:
        pos = int(where * len(data)) if data else 0
        pos = min(pos, max(len(data) - 1, 0))
        if op == "flip" and data:
            for i in range(pos, min(pos + length, len(data))):
                data[i] ^= 1 << (byte % 8) if length > 1 else byte or 0xFF
        elif op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = bytes([byte]) * length
        elif op == "duplicate":
            data[pos:pos] = data[pos : pos + length]
    return bytes(data)


def only_liprobe_errors(fn, *args, **kwargs):
    """Call ``fn``; pass on success or a LiprobeError, fail on anything else."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    except LiprobeError as exc:
        assert str(exc)
        return None


class GoodFiles(dict):
    """Good inputs by name; a short repr keeps failure reports readable."""

    def __repr__(self) -> str:
        return f"GoodFiles({sorted(self)})"


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """Good files to mutate: name -> bytes (plus the folder of a Bruker one)."""
    root = tmp_path_factory.mktemp("fuzz_good")
    bruker = good_bruker(root / "ds" / "10")
    t1rho = good_bruker(root / "ds" / "20", kind="t1rho")
    compass = good_compass(root / "ok.BIN", n=64)
    mpt = good_mpt(root / "ok.mpt")
    out = GoodFiles(
        bruker=bruker,
        t1rho=t1rho,
        acqus=(bruker / "acqus").read_bytes(),
        acqu2s=(bruker / "acqu2s").read_bytes(),
        ser=(bruker / "ser").read_bytes(),
        vdlist=(bruker / "vdlist").read_bytes(),
        vplist=(t1rho / "vplist").read_bytes(),
        compass=compass.read_bytes(),
        mpt=mpt.read_bytes(),
    )
    from liprobe.io.listmode import compass_csv_text

    frame = pd.DataFrame(
        {
            "board": 0,
            "channel": [0, 1, 0, 1, 0, 0],
            "timetag_ps": np.arange(6, dtype=np.uint64) * 10**9,
            "energy": [100, 200, 300, 400, 500, 600],
            "energy_short": 0,
            "flags": [0, 0, 0x8000, 0, 0x20, 0],
        }
    )
    out["compass_csv"] = compass_csv_text(frame).encode()
    out["generic_csv"] = (
        "# start: 2024-03-04T09:00:00\n"
        "elapsed_s,current_mA,voltage_V,step\n"
        + "".join(
            f"{60 * i},{0.05 if i < 5 else -0.05},{0.01 * i},{i // 5}\n"
            for i in range(10)
        )
    ).encode()
    out["nmr_sheet"] = (
        "experiment\tsample\tpath\tkind\ttemperature_K\n"
        f"e1\tLLZO\t{bruker}\tauto\t300\ne2\tLLZO\t{t1rho}\tt1rho\t\n"
    ).encode()
    return out


@pytest.fixture
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


# --------------------------------------------------------------------- Bruker
def _copy_bruker(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


@FUZZ
@given(edits=mutations(), target=st.sampled_from(["acqus", "acqu2s", "ser"]))
def test_fuzz_bruker_experiment(good, work, edits, target):
    from conftest import read_experiment

    folder = _copy_bruker(good["bruker"], work / "exp")
    (folder / target).write_bytes(mutate(good[target], edits))
    fid = only_liprobe_errors(read_experiment, folder)
    if fid is not None:
        check_fid(fid)


def check_fid(fid) -> None:
    """Invariants of a FidSeries the reader returned."""
    assert fid.data.ndim == 2 and fid.data.shape[0] >= 1 and fid.data.shape[1] >= 1
    assert np.isfinite(fid.data).all()
    assert math.isfinite(fid.group_delay_points) and fid.group_delay_points >= 0
    if fid.list_time_s is not None:
        t = np.asarray(fid.list_time_s, dtype=float)
        assert t.shape == (fid.data.shape[0],)
        ok = np.isfinite(t) & (t >= 0)
        assert ok.all() or (np.isnan(t[~ok]).all() and fid.flags), (t, fid.flags)
    T = fid.temperature_K
    assert (math.isfinite(T) and 100.0 <= T <= 600.0) or (
        math.isnan(T) and fid.flags
    ), (T, fid.flags)
    assert fid.ns >= 1 and math.isfinite(fid.rg)


@FUZZ
@given(edits=mutations())
def test_fuzz_bruker_parameter_file(good, work, edits):
    from liprobe.io.bruker import group_delay, read_parameters

    path = work / "acqus"
    path.write_bytes(mutate(good["acqus"], edits))
    params = only_liprobe_errors(read_parameters, path)
    if params is not None:
        assert all(isinstance(k, str) and k for k in params)
        out = only_liprobe_errors(group_delay, params, path)
        if out is not None:
            points, flags = out
            assert math.isfinite(points) and points >= 0, (points, flags)


@FUZZ
@given(
    edits=mutations(),
    name=st.sampled_from(["vdlist", "vplist", "vclist"]),
    td1=st.integers(min_value=1, max_value=10),
)
def test_fuzz_variable_lists(good, work, edits, name, td1):
    from liprobe.io.bruker import parse_variable_list

    raw = good["vplist"] if name == "vplist" else good["vdlist"]
    if name == "vclist":
        raw = b"2\n4\n8\n16\n32\n64\n128\n256\n"
    path = work / name
    path.write_bytes(mutate(raw, edits))
    values = only_liprobe_errors(parse_variable_list, path, name, td1)
    if values is not None:
        assert values.shape == (td1,) and np.isfinite(values).all()
        assert (values >= 0).all()


@FUZZ
@given(edits=mutations())
def test_fuzz_topspin_outputs(good, work, edits):
    from liprobe.io.bruker import read_ct1t2, read_intrng

    folder = work / "exp"
    pdata = folder / "pdata" / "1"
    pdata.mkdir(parents=True, exist_ok=True)
    intrng = b"A 1.0 #regions in PPM\n   12.5   -3.0\n  -20.0  -30.5 # r2\n"
    (pdata / "intrng").write_bytes(mutate(intrng, edits))
    ct = (
        b"Peak 1, Peak Point at 4.338 ppm\n"
        b"  10.000s   4.338  1.0e6  2.0e5\n  500.000m   4.338  -3e5  -1e5\n"
    )
    (pdata / "ct1t2.txt").write_bytes(mutate(ct, edits))
    regions = only_liprobe_errors(read_intrng, folder)
    if regions is not None:
        assert np.isfinite(regions[["ppm_min", "ppm_max"]].to_numpy()).all()
        assert (regions["ppm_min"] <= regions["ppm_max"]).all()
        assert regions["region"].is_unique
    ct = only_liprobe_errors(read_ct1t2, folder)
    if ct is not None:
        assert np.isfinite(ct["list_value"]).all()
        assert (ct["peak"] >= 1).all()


@FUZZ
@given(edits=mutations())
def test_fuzz_topspin_fit_results(good, work, edits):
    from liprobe.io.bruker import read_topspin_fits

    folder = work / "fits"
    pdata = folder / "pdata" / "1"
    pdata.mkdir(parents=True, exist_ok=True)
    ct = (
        b"INTENSITY fit :\n I[t]=I[0]+P*exp(-t/T1)\n\n"
        b"2 points for Peak 1,  Peak Point at 4.338 ppm\nResults     Comp. 1\n"
        b"I[0]  =    1.014e+00\nT1    =       1.397s\n\n"
        b"  10.000s   4.338  1.0e6  2.0e5\n  500.000m   4.338  -3e5  -1e5\n"
    )
    (pdata / "ct1t2.txt").write_bytes(mutate(ct, edits))
    table = only_liprobe_errors(read_topspin_fits, folder)
    if table is not None:
        assert len(table) >= 1
        assert np.isfinite(table["time_constant"]).all()
        assert np.isfinite(table["peak_ppm"]).all()
        assert (table["n_components"] >= 1).all()


# ------------------------------------------------------------------ list mode
def _read_all_and_account(path: Path) -> None:
    """Open, stream every chunk and check accepted + rejected = read.

    Uses the NDP accounting API: :func:`liprobe.ndp.events.accumulate_files`
    (rejections by time, flags and pulse height, and the events in slices) and
    :func:`liprobe.ndp.events.split_energy_reasons` (accepted, interference,
    outside the energy window).
    """
    from liprobe.io.listmode import REJECT_FLAGS, open_listmode
    from liprobe.ndp import events
    from liprobe.ndp.events import split_energy_reasons

    from conftest import with_schema_defaults

    accumulate_files = with_schema_defaults(events.accumulate_files, "ndp")

    chunks = list(open_listmode(path, chunk_events=7).chunks())
    n_read = sum(len(c) for c in chunks)
    reader = open_listmode(path, chunk_events=7)
    start = pd.Timestamp("2024-03-04T09:00:00Z")
    slices = pd.DataFrame(
        {
            "slice": [0, 1],
            "t_start_utc": [start, start + pd.Timedelta(seconds=30)],
            "t_end_utc": [
                start + pd.Timedelta(seconds=30),
                start + pd.Timedelta(seconds=200),
            ],
        }
    )
    tolerance_s = 1e-3
    out = accumulate_files(
        [reader],
        slices,
        start,
        n_channels=4096,
        disorder_tolerance_s=tolerance_s,
        run="fuzz",
    )
    accounting = out["accounting"]
    assert int(accounting["n_events"].sum()) == n_read
    by = accounting.groupby("reason")["n_events"].sum()
    # times: monotonic (within the tolerance) and without a jump of more than
    # ndp.max_time_jump_s beyond the latest usable time, or counted as disorder
    from conftest import schema_default

    max_jump_s = schema_default("ndp.max_time_jump_s")
    latest, n_disorder, n_flagged = -math.inf, 0, 0
    for chunk in chunks:
        for t, f in zip(chunk.time_s.tolist(), chunk.flags.tolist(), strict=True):
            if (
                not math.isfinite(t)
                or t < 0
                or t > max(latest, 0.0) + max_jump_s
                or t < latest - tolerance_s
            ):
                n_disorder += 1
                continue
            latest = max(latest, t)
            n_flagged += int(f) & REJECT_FLAGS != 0
    # CoMPASS time tags are u64 picoseconds; the accumulator's compiled pass
    # holds them in int64, where tags from 2^63 ps (106 days) on wrap negative
    # and count as disorder while the chunks' float times do not: the exact
    # counts are checked on files without such tags
    wraps = any((c.time_s >= INT64_PS_S).any() for c in chunks)
    if not wraps:
        assert by.get("timestamp_disorder", 0) == n_disorder
        assert by.get("pileup_saturation", 0) == n_flagged
    # the run span comes from the usable times: finite, ordered, and judged
    # by the same rule as the accounting
    span = with_schema_defaults(events.robust_time_span, "ndp")
    lo, hi, n_bad = span(open_listmode(path, chunk_events=7))
    assert math.isfinite(lo) and math.isfinite(hi) and 0 <= lo <= hi
    assert n_bad == n_disorder
    live = out["slices"]
    for column in ("real_s", "live_s"):
        assert np.isfinite(live[column]).all() and (live[column] >= 0).all()
    # the histogrammed events split into accepted / interference / outside
    in_slices = int(
        accounting.loc[accounting["reason"] == "in_slices", "n_events"].sum()
    )
    energy_keV = 10.0 + 0.7 * np.arange(4096)
    counts, _ = split_energy_reasons(
        out["hist"], energy_keV, (1000.0, 2500.0), [(1400.0, 1500.0)]
    )
    assert sum(counts.values()) == in_slices
    assert set(counts) == {"accepted", "interference_window", "outside_energy_window"}


@FUZZ
@given(edits=mutations())
def test_fuzz_compass_binary(good, work, edits):
    path = work / "f.BIN"
    path.write_bytes(mutate(good["compass"], edits))
    only_liprobe_errors(_read_all_and_account, path)


@FUZZ
@given(edits=mutations())
def test_fuzz_compass_csv(good, work, edits):
    path = work / "f.csv"
    path.write_bytes(mutate(good["compass_csv"], edits))
    only_liprobe_errors(_read_all_and_account, path)


@FUZZ
@given(edits=mutations(), cut=st.integers(min_value=300, max_value=20000))
def test_fuzz_ortec_list(shared_dir, work, edits, cut):
    raw = (shared_dir / "listmode" / "ortec_sample_Ba-133.Lis").read_bytes()[:cut]
    path = work / "f.Lis"
    path.write_bytes(mutate(raw, edits))
    only_liprobe_errors(_read_all_and_account, path)


@FUZZ
@given(edits=mutations())
def test_fuzz_compass_real_waveforms(shared_dir, work, edits):
    raw = (shared_dir / "listmode" / "compass_test_data.BIN").read_bytes()
    path = work / "f.BIN"
    path.write_bytes(mutate(raw[: 2 + 6 * 2025], edits))
    only_liprobe_errors(_read_all_and_account, path)


@pytest.fixture(scope="module")
def nexus_bytes(tmp_path_factory):
    import h5py

    path = tmp_path_factory.mktemp("nx") / "ok.nxs"
    with h5py.File(path, "w") as h5:
        g = h5.create_group("entry/events")
        g.attrs["NX_class"] = "NXevent_data"
        g["event_time_zero"] = np.array([0.0, 1.0, 2.0])
        g["event_time_zero"].attrs["offset"] = "2024-03-04T09:00:00"
        g["event_time_offset"] = np.array([0.1, 0.2, 0.3, 0.5, 0.7])
        g["event_index"] = np.array([0, 2, 4])
        g["event_id"] = np.array([0, 0, 1, 1, 0])
        g["event_energy"] = np.array([100.0, 200, 300, 400, 500])
    return path.read_bytes()


@FUZZ
@given(edits=mutations())
def test_fuzz_nexus(nexus_bytes, work, edits):
    path = work / "f.nxs"
    path.write_bytes(mutate(nexus_bytes, edits))
    only_liprobe_errors(_read_all_and_account, path)


# --------------------------------------------------------------------- cycler
def _read_cycler(path: Path) -> None:
    from liprobe.io import cycler

    from conftest import with_schema_defaults

    trace = with_schema_defaults(cycler.read_cycler, "echem")(path, TZ)
    check_trace(trace)


def check_trace(trace: pd.DataFrame) -> None:
    """Invariants of a cycler trace (the module doc of liprobe.io.cycler)."""
    from conftest import schema_default

    assert len(trace) >= 1
    t = trace["t_utc"]
    assert t.notna().all() and str(t.dt.tz) == "UTC"
    assert t.is_monotonic_increasing
    since = (t - t.iloc[0]).dt.total_seconds().to_numpy()
    np.testing.assert_allclose(trace["elapsed_s"], since, atol=1e-3)
    for column in ("current_mA", "charge_mAh"):
        assert np.isfinite(trace[column].to_numpy(float)).all(), column
    if len(trace) > 1:
        assert np.diff(since).max() <= schema_default("echem.max_gap_s")


@FUZZ
@given(edits=mutations())
def test_fuzz_biologic_text(good, work, edits):
    path = work / "f.mpt"
    path.write_bytes(mutate(good["mpt"], edits))
    only_liprobe_errors(_read_cycler, path)


@FUZZ
@given(edits=mutations())
def test_fuzz_generic_csv(good, work, edits):
    path = work / "f.csv"
    path.write_bytes(mutate(good["generic_csv"], edits))
    only_liprobe_errors(_read_cycler, path)


REAL_CYCLER = [
    "GCPL_yadg_issue149.mpr",
    "GCPL_yadg_issue149.mpt",
    "Neware_navani_test_v29.nda",
    "MACCOR_cellpy_maccor_one.txt",
]


@pytest.mark.parametrize("name", REAL_CYCLER)
@settings(
    max_examples=EXAMPLES // 2,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=mutations())
def test_fuzz_real_cycler_files(shared_dir, work, name, edits):
    raw = (shared_dir / "cycler" / name).read_bytes()
    path = work / name
    path.write_bytes(mutate(raw, edits))
    only_liprobe_errors(_read_cycler, path)


# --------------------------------------------------------------------- sheets
@FUZZ
@given(edits=mutations())
def test_fuzz_nmr_sheet(good, work, edits, repo_dir):
    from liprobe.io.sheets import load_schema, read_sheet

    schema = load_schema(repo_dir / "config" / "schemas" / "nmr.schema.yaml")
    path = work / "nmr.tsv"
    path.write_bytes(mutate(good["nmr_sheet"], edits))
    sheet = only_liprobe_errors(read_sheet, path, schema, "nmr", work)
    if sheet is not None and len(sheet):
        assert sheet["experiment"].is_unique
        assert all(Path(p).exists() for p in sheet["path"])


def test_mutations_change_the_bytes():
    raw = bytes(range(100))
    assert mutate(raw, [("truncate", 0.5, 1, 0)]) == raw[:50]
    assert len(mutate(raw, [("insert", 0.1, 4, 7)])) == 104
    assert mutate(raw, [("duplicate", 0.0, 3, 0)])[:6] == raw[:3] * 2
    assert mutate(raw, [("flip", 0.2, 1, 0)]) != raw


def test_invariant_checks_reject_bad_values(good):
    """The invariant checks above fail on values that break them."""
    from conftest import read_experiment

    t = pd.date_range("2024-03-04T09:00:00Z", periods=4, freq="60s")
    trace = pd.DataFrame(
        {
            "t_utc": t,
            "elapsed_s": [0.0, 60.0, 120.0, 180.0],
            "current_mA": [0.1, 0.1, 0.0, -0.1],
            "charge_mAh": [0.0, 0.001, 0.002, 0.002],
        }
    )
    check_trace(trace)
    backwards = trace.assign(t_utc=t[[0, 2, 1, 3]])
    with pytest.raises(AssertionError):
        check_trace(backwards)
    with pytest.raises(AssertionError):
        check_trace(trace.assign(elapsed_s=[0.0, 60.0, 125.0, 180.0]))
    with pytest.raises(AssertionError):
        check_trace(trace.assign(current_mA=[0.1, np.nan, 0.0, -0.1]))
    fid = read_experiment(good["bruker"])
    check_fid(fid)
    fid.data = fid.data.copy()
    fid.data[0, 0] = np.nan
    with pytest.raises(AssertionError):
        check_fid(fid)
