"""A corpus of malformed inputs, built at test time from good files.

Every case starts from a good input (a simulated Bruker folder, list-mode file,
cycler export or sheet written by ``liprobe.simulate``, or a copy of a real
third-party file from the shared data folder) and breaks one thing. Nothing
malformed is stored in the repository: the files exist only in pytest's
temporary folders.

A :class:`Case` knows how to build its broken input and returns a thunk that
runs the liprobe code a user's run would call on it. Its ``outcome`` says what
must happen:

``error``
    an :class:`liprobe.errors.InputError` whose ``file`` names the broken file
    (``file`` substring) and whose ``field`` names the broken field (``field``
    substring, case-insensitive), with non-empty ``expected`` and ``found``;
``flagged``
    the thunk returns result rows (a DataFrame or a list of dicts); every row
    has ``fit_ok`` False and a non-empty ``flags`` text containing ``field``;
``accounted``
    the thunk returns ``(accounting, n_read, extra)``: an event accounting
    frame (rows ``reason``, ``n_events``) whose counts add up to the events
    read, with at least one event under the reason ``field`` (or, for a slice
    without events, ``extra`` says which slice must be empty).
"""

from __future__ import annotations

import functools
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from conftest import nmr_opts, with_schema_defaults

Thunk = Callable[[], object]
Builder = Callable[[Path, Path | None], Thunk]


@dataclass(frozen=True)
class Case:
    """One malformed input: how to build it and what liprobe must do with it."""

    name: str
    area: str
    build: Builder
    file: str = ""
    field: str = ""
    outcome: str = "error"
    needs_shared: bool = False


CASES: list[Case] = []


def case(
    name: str,
    area: str,
    file: str = "",
    field: str = "",
    outcome: str = "error",
    needs_shared: bool = False,
) -> Callable[[Builder], Builder]:
    """Register a builder as a corpus case."""

    def register(fn: Builder) -> Builder:
        CASES.append(Case(name, area, fn, file, field, outcome, needs_shared))
        return fn

    return register


# ===================================================================== Bruker
TD1 = 8
NPTS = 128  # complex points per row


def good_bruker(
    folder: Path, kind: str = "satrec", byte_order: str = "little", dtype="int32"
) -> Path:
    """A small simulated saturation-recovery (or T1rho) Bruker folder."""
    from liprobe.simulate.bruker import default_acqus, default_procs, write_experiment
    from liprobe.simulate.nmr import SATREC_PULSE_PROGRAM

    rng = np.random.default_rng(5)
    sw, bf1 = 20000.0, 155.5
    t = np.arange(NPTS) / sw
    delays = np.geomspace(1e-3, 2.0, TD1)
    amp = 1e6 * (1 - np.exp(-delays / 0.3))
    fid = amp[:, None] * np.exp(-2j * np.pi * 500 * t - t * 800)[None, :]
    fid = fid + rng.normal(0, 1e3, fid.shape)
    if kind == "satrec":
        pulprog, lists = "satrect1", {"vdlist": [f"{d * 1e3:.6g}m" for d in delays]}
        pp = SATREC_PULSE_PROGRAM
    else:
        pulprog, lists = "t1rho", {"vplist": [f"{d * 1e3:.6g}" for d in delays]}
        pp = ";t1rho\n;spin lock\n1 ze\n2 d1\n  p1 ph1\n  vp\n  go=2\nexit\n"
    acqus = default_acqus(
        nucleus="7Li",
        bf1_MHz=bf1,
        o1_Hz=0.0,
        sw_Hz=sw,
        ns=4,
        rg=32.0,
        temperature_K=300.0,
        grpdly=0.0,
        pulprog=pulprog,
        proton_MHz=bf1 / 0.38863797,
    )
    acqus["DIGMOD"] = 0
    return write_experiment(
        folder,
        fid,
        acqus,
        acqu2s={"TD": TD1, "FnMODE": 1},
        lists=lists,
        pulse_program=pp,
        procs=default_procs(si=256, sw_Hz=sw, sf_MHz=bf1, offset_ppm=64.3, lb_Hz=20),
        byte_order=byte_order,
        dtype=dtype,
    )


def set_param(file: Path, key: str, value: str | None) -> None:
    """Replace (or with ``None`` delete) the line ``##$KEY= ...`` of a JCAMP file."""
    lines = file.read_text(encoding="latin-1").splitlines()
    out = []
    for line in lines:
        if line.startswith(f"##${key}="):
            if value is not None:
                out.append(f"##${key}= {value}")
            continue
        out.append(line)
    file.write_text("\n".join(out) + "\n", encoding="latin-1")


def _read(folder: Path) -> Thunk:
    from conftest import read_experiment

    return lambda: read_experiment(folder)


def _bruker(tmp: Path) -> Path:
    return good_bruker(tmp / "ds" / "10")


@case("ser_shorter_than_one_row", "bruker", "ser", "file size")
def _(tmp, shared):
    f = _bruker(tmp)
    raw = (f / "ser").read_bytes()
    (f / "ser").write_bytes(raw[:300])
    return _read(f)


@case("ser_holding_twice_td1_rows", "bruker", "ser", "file size")
def _(tmp, shared):
    f = _bruker(tmp)
    raw = (f / "ser").read_bytes()
    (f / "ser").write_bytes(raw + raw)
    return _read(f)


@case("ser_empty", "bruker", "ser", "file size")
def _(tmp, shared):
    f = _bruker(tmp)
    (f / "ser").write_bytes(b"")
    return _read(f)


@case("acqus_missing_TD", "bruker", "acqus", "TD")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "TD", None)
    return _read(f)


@case("acqus_TD_not_numeric", "bruker", "acqus", "TD")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "TD", "<256k>")
    return _read(f)


@case("acqus_GRPDLY_not_numeric", "bruker", "acqus", "GRPDLY")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "GRPDLY", "67.98ms")
    return _read(f)


@case("acqus_TD_zero", "bruker", "acqus", "TD")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "TD", "0")
    return _read(f)


@case("acqus_TD_odd_complex", "bruker", "acqus", "TD")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "TD", str(2 * NPTS - 1))
    return _read(f)


@case("acqus_DTYPA_float_contradicts_size", "bruker", "ser", "file size")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "DTYPA", "2")
    return _read(f)


@case("acqus_DTYPA_unknown", "bruker", "acqus", "DTYPA")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "DTYPA", "1")
    return _read(f)


@case("acqus_BYTORDA_contradicts_data", "bruker", "acqus", "BYTORDA")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "BYTORDA", "1")
    return _read(f)


@case("acqus_BYTORDA_contradicts_float64_data", "bruker", "acqus", "BYTORDA")
def _(tmp, shared):
    f = good_bruker(tmp / "ds" / "30", dtype="float64", byte_order="big")
    set_param(f / "acqus", "BYTORDA", "0")
    return _read(f)


@case("acqus_BYTORDA_invalid", "bruker", "acqus", "BYTORDA")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "BYTORDA", "7")
    return _read(f)


@case("acqus_NC_not_numeric", "bruker", "acqus", "NC")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "NC", "<x>")
    return _read(f)


@case("acqus_SW_h_missing", "bruker", "acqus", "SW_h")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "SW_h", None)
    return _read(f)


@case("acqus_SW_h_zero", "bruker", "acqus", "SW_h")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "SW_h", "0")
    return _read(f)


@case("acqus_SW_h_negative", "bruker", "acqus", "SW_h")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "SW_h", "-20000")
    return _read(f)


@case("acqus_NS_zero", "bruker", "acqus", "NS")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "NS", "0")
    return _read(f)


@case("acqus_RG_zero", "bruker", "acqus", "RG")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "RG", "0")
    return _read(f)


@case("acqus_GRPDLY_longer_than_the_fid", "bruker", "acqus", "GRPDLY")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqus", "DIGMOD", "1")
    set_param(f / "acqus", "GRPDLY", "1e6")
    return _read(f)


def _process(folder: Path) -> Thunk:
    from liprobe.nmr import process

    from conftest import read_experiment

    return lambda: process(read_experiment(folder), nmr_opts({}))


@case("procs_PHC0_absurd", "bruker", "procs", "PHC0")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "pdata" / "1" / "procs", "PHC0", "1e300")
    return _process(f)


@case("procs_PHC1_beyond_aliasing", "bruker", "procs", "PHC1")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "pdata" / "1" / "procs", "PHC1", "1e7")
    return _process(f)


@case("acqus_binary_garbage", "bruker", "acqus", "file")
def _(tmp, shared):
    f = _bruker(tmp)
    (f / "acqus").write_bytes(bytes(range(256)) * 4)
    return _read(f)


@case("acqus_empty", "bruker", "acqus", "file")
def _(tmp, shared):
    f = _bruker(tmp)
    (f / "acqus").write_bytes(b"")
    return _read(f)


@case("acqu2s_missing", "bruker", "acqu2s", "file")
def _(tmp, shared):
    f = _bruker(tmp)
    (f / "acqu2s").unlink()
    return _read(f)


@case("acqu2s_TD1_smaller_than_ser", "bruker", "ser", "file size")
def _(tmp, shared):
    f = _bruker(tmp)
    set_param(f / "acqu2s", "TD", str(TD1 // 2))
    return _read(f)


@case("no_fid_no_ser", "bruker", "10", "fid/ser")
def _(tmp, shared):
    f = _bruker(tmp)
    (f / "ser").unlink()
    return _read(f)


@case("vdlist_shorter_than_TD1", "lists", "vdlist", "number of values")
def _(tmp, shared):
    f = _bruker(tmp)
    lines = (f / "vdlist").read_text().splitlines()
    (f / "vdlist").write_text("\n".join(lines[:-2]) + "\n")
    return _read(f)


@case("vdlist_garbage_token", "lists", "vdlist", "line 4")
def _(tmp, shared):
    f = _bruker(tmp)
    lines = (f / "vdlist").read_text().splitlines()
    lines[3] = "1O0m"  # a letter O typed for a zero
    (f / "vdlist").write_text("\n".join(lines) + "\n")
    return _read(f)


@case("vdlist_unknown_unit", "lists", "vdlist", "line 2")
def _(tmp, shared):
    f = _bruker(tmp)
    lines = (f / "vdlist").read_text().splitlines()
    lines[1] = "5min"
    (f / "vdlist").write_text("\n".join(lines) + "\n")
    return _read(f)


@case("vdlist_empty", "lists", "vdlist", "number of values")
def _(tmp, shared):
    f = _bruker(tmp)
    (f / "vdlist").write_text("\n\n")
    return _read(f)


@case("vdlist_negative_delay", "lists", "vdlist", "line 1")
def _(tmp, shared):
    f = _bruker(tmp)
    lines = (f / "vdlist").read_text().splitlines()
    lines[0] = "-10m"
    (f / "vdlist").write_text("\n".join(lines) + "\n")
    return _read(f)


@case("vdlist_of_zeros", "lists", "vdlist", "values")
def _(tmp, shared):
    f = _bruker(tmp)
    (f / "vdlist").write_text("0\n" * TD1)
    return _read(f)


@case("vplist_values_look_like_seconds", "lists", "vplist", "vplist values")
def _(tmp, shared):
    f = good_bruker(tmp / "ds" / "20", kind="t1rho")
    # a user wrote the spin-lock lengths in seconds without a suffix
    values = np.geomspace(1e-5, 0.4, TD1)
    (f / "vplist").write_text("\n".join(f"{v:.6g}" for v in values) + "\n")
    return _read(f)


@case("vplist_hours_long_spinlock", "lists", "vplist", "vplist values")
def _(tmp, shared):
    f = good_bruker(tmp / "ds" / "20", kind="t1rho")
    values = np.geomspace(10, 400000, TD1)  # microseconds typed as seconds
    (f / "vplist").write_text("\n".join(f"{v:.6g}s" for v in values) + "\n")
    return _read(f)


@case("vclist_with_unit_suffix", "lists", "vclist", "line 1")
def _(tmp, shared):
    from liprobe.io.bruker import parse_variable_list

    p = tmp / "vclist"
    p.write_text("2m\n4\n8\n")
    return lambda: parse_variable_list(p, "vclist", 3)


@case("intrng_in_points", "bruker", "intrng", "header")
def _(tmp, shared):
    from liprobe.io.bruker import read_intrng

    f = _bruker(tmp)
    (f / "pdata" / "1" / "intrng").write_text("P 1.0 #regions in points\n10 20\n")
    return lambda: read_intrng(f)


@case("intrng_one_limit", "bruker", "intrng", "line 2")
def _(tmp, shared):
    from liprobe.io.bruker import read_intrng

    f = _bruker(tmp)
    (f / "pdata" / "1" / "intrng").write_text("A 1.0 #regions in PPM\n 12.5\n")
    return lambda: read_intrng(f)


def _integrate(folder: Path, regions: pd.DataFrame) -> Thunk:
    from liprobe.nmr import integrate_regions, process

    from conftest import read_experiment

    def run():
        fid = read_experiment(folder)
        spectra = process(fid, nmr_opts({}))
        return integrate_regions(spectra, fid, regions)

    return run


@case("region_out_of_window", "regions", "regions", "region Li")
def _(tmp, shared):
    f = _bruker(tmp)
    regions = pd.DataFrame({"region": ["Li"], "ppm_min": [900.0], "ppm_max": [950.0]})
    return _integrate(f, regions)


@case("region_empty_between_points", "regions", "regions", "region Li")
def _(tmp, shared):
    f = _bruker(tmp)
    regions = pd.DataFrame(
        {"region": ["Li"], "ppm_min": [1.0000001], "ppm_max": [1.0000002]}
    )
    return _integrate(f, regions)


@case("region_limit_not_a_number", "regions", "regions", "ppm_min")
def _(tmp, shared):
    f = _bruker(tmp)
    regions = pd.DataFrame({"region": ["Li"], "ppm_min": ["ten"], "ppm_max": [20.0]})
    return _integrate(f, regions)


@case("real_menthol_ser_doubled", "bruker", "ser", "file size", needs_shared=True)
def _(tmp, shared):
    f = tmp / "menthol" / "1"
    shutil.copytree(shared / "bruker" / "cheminfo_1H_t1ir_menthol" / "1", f)
    raw = (f / "ser").read_bytes()
    (f / "ser").write_bytes(raw + raw)  # 2 x TD1 rows: never read in part
    return _read(f)


@case("real_dnplab_byte_order_flipped", "bruker", "acqus", "BYTORDA", needs_shared=True)
def _(tmp, shared):
    f = tmp / "dnplab" / "304"
    shutil.copytree(shared / "bruker" / "dnplab_1H_odnp_t1ir" / "304", f)
    set_param(f / "acqus", "BYTORDA", "0")  # the file is big-endian
    return _read(f)


@case("real_LAMOX_byte_order_flipped", "bruker", "acqus", "BYTORDA", needs_shared=True)
def _(tmp, shared):
    # large int32 words (a third of full scale): the hardest case to recognise
    f = tmp / "lamox" / "1"
    shutil.copytree(shared / "bruker" / "relaxnmr_17O_satrec_LAMOX" / "1", f)
    set_param(f / "acqus", "BYTORDA", "1")
    return _read(f)


@case("real_LNS_vplist_garbage", "lists", "vplist", "line 3", needs_shared=True)
def _(tmp, shared):
    f = tmp / "lns" / "79"
    shutil.copytree(shared / "bruker" / "relaxnmr_7Li_T1rho_LNS" / "79", f)
    lines = (f / "vplist").read_bytes().decode("latin-1").splitlines()
    lines[2] = "1,5e3"
    (f / "vplist").write_text("\n".join(lines) + "\n")
    return _read(f)


# ============================================================ fits (flagged)
@case("relaxation_series_one_temperature", "fits", field="", outcome="flagged")
def _(tmp, shared):
    from liprobe.relaxation import temperature

    analyse_series = with_schema_defaults(temperature.analyse_series, "relaxation")
    return lambda: analyse_series([300.0], [2.0], [0.1], "t1_sr", 155.5)


@case("relaxation_curve_two_points", "fits", field="too_few_points", outcome="flagged")
def _(tmp, shared):
    from liprobe.relaxation import fitting

    fit_curve = with_schema_defaults(fitting.fit_curve, "relaxation")
    return lambda: [fit_curve([0.01, 1.0], [0.1, 0.9], [0.01, 0.01], model="sr")]


def _exsy_volumes(mixing_times: list[float]) -> pd.DataFrame:
    rows = []
    for i, tm in enumerate(mixing_times):
        for peak, v in zip(("AA", "AB", "BA", "BB"), (1.0, 0.2, 0.2, 0.8), strict=True):
            rows.append(
                {
                    "experiment": f"e{i}",
                    "series": "s300",
                    "sample": "LLZO",
                    "temperature_K": 300.0,
                    "mixing_time_s": tm,
                    "peak": peak,
                    "volume": v,
                    "volume_err": 0.01,
                }
            )
    return pd.DataFrame(rows)


@case("exsy_series_one_mixing_time", "fits", field="mixing_time", outcome="flagged")
def _(tmp, shared):
    from liprobe.exsy import series

    fit_series = with_schema_defaults(series.fit_series, "exsy")
    return lambda: fit_series(_exsy_volumes([0.01]), particle_radius_um=1.0)


# ================================================================== list mode
def _ps(n: int, rng) -> np.ndarray:
    return np.sort(rng.uniform(0, 100.0, n) * 1e12).astype(np.uint64)


def good_compass(path: Path, n: int = 101, seed: int = 3) -> Path:
    """A small CoMPASS binary file (header 0xCAE1) of ``n`` events over 100 s."""
    from liprobe.io.listmode import write_compass_bin

    rng = np.random.default_rng(seed)
    return write_compass_bin(
        path,
        _ps(n, rng),
        rng.integers(10, 4000, n).astype(np.uint16),
        np.zeros(n, np.uint32),
    )


def _open(path: Path) -> Thunk:
    from liprobe.io.listmode import read_events

    return lambda: read_events(path)


def _accounted(path: Path, slice_edges_s=(0.0, 50.0, 100.0, 150.0)) -> Thunk:
    from liprobe.io import listmode
    from liprobe.ndp import events

    open_listmode = with_schema_defaults(listmode.open_listmode, "ndp")
    accumulate_files = with_schema_defaults(events.accumulate_files, "ndp")

    def run():
        reader = open_listmode(path, chunk_events=16)
        start = pd.Timestamp("2024-03-04T09:00:00Z")
        edges = [start + pd.Timedelta(seconds=s) for s in slice_edges_s]
        slices = pd.DataFrame(
            {"slice": range(len(edges) - 1), "t_start_utc": edges[:-1]}
        )
        slices["t_end_utc"] = edges[1:]
        out = accumulate_files([reader], slices, start, n_channels=4096, run="r")
        n_read = sum(len(c) for c in open_listmode(path).chunks())
        return out["accounting"], n_read, out["slices"]

    return run


@case("listmode_wrong_magic", "listmode", "bad.BIN", "magic bytes")
def _(tmp, shared):
    p = good_compass(tmp / "bad.BIN")
    raw = bytearray(p.read_bytes())
    raw[0:2] = b"\x00\x12"
    p.write_bytes(bytes(raw))
    return _open(p)


@case("listmode_empty_file", "listmode", "bad.BIN", "magic bytes")
def _(tmp, shared):
    p = tmp / "bad.BIN"
    p.write_bytes(b"")
    return _open(p)


@case("compass_truncated_last_record", "listmode", "bad.BIN", "file size")
def _(tmp, shared):
    p = good_compass(tmp / "bad.BIN")
    p.write_bytes(p.read_bytes()[:-5])
    return _open(p)


@case("compass_header_flags_contradict_record_size", "listmode", "bad.BIN", "size")
def _(tmp, shared):
    p = good_compass(tmp / "bad.BIN")  # 101 records of 18 bytes
    raw = bytearray(p.read_bytes())
    raw[0:2] = (0xCAE5).to_bytes(2, "little")  # claims energy_short: 20 bytes
    p.write_bytes(bytes(raw))
    return _open(p)


@case("compass_waveform_length_changes", "listmode", "bad.BIN", "waveform length")
def _(tmp, shared):
    p = tmp / "bad.BIN"
    dt = np.dtype(
        [
            ("board", "<u2"),
            ("channel", "<u2"),
            ("timetag", "<u8"),
            ("energy", "<u2"),
            ("flags", "<u4"),
            ("wave_code", "u1"),
            ("wave_n", "<u4"),
            ("wave", "<u2", (4,)),
        ]
    )
    rec = np.zeros(6, dt)
    rec["timetag"] = np.arange(6) * 10**9
    rec["wave_n"] = 4
    rec["wave_n"][4] = 5
    p.write_bytes((0xCAE9).to_bytes(2, "little") + rec.tobytes())
    return _open(p)


@case(
    "compass_timestamps_backwards",
    "listmode",
    field="timestamp_disorder",
    outcome="accounted",
)
def _(tmp, shared):
    from liprobe.io.listmode import write_compass_bin

    rng = np.random.default_rng(1)
    ps = _ps(200, rng)
    # two records out of order: within ndp.max_disorder_fraction (1 %)
    ps[120:122] = ps[120:122] - np.uint64(30 * 10**12)
    p = write_compass_bin(
        tmp / "back.BIN", ps, rng.integers(10, 4000, 200), np.zeros(200, np.uint32)
    )
    return _accounted(p)


@case("compass_timestamp_rollover", "listmode", "roll.BIN", "time tags")
def _(tmp, shared):
    from liprobe.io.listmode import write_compass_bin

    rng = np.random.default_rng(2)
    ps = _ps(200, rng)
    # the time tag counter restarts from zero for the last quarter: the time
    # of those events is unknown, too many to count as disorder
    ps[150:] = ps[150:] - ps[150]
    p = write_compass_bin(
        tmp / "roll.BIN", ps, rng.integers(10, 4000, 200), np.zeros(200, np.uint32)
    )
    accounted = _accounted(p)
    return lambda: accounted()[0]


@case(
    "compass_time_tag_reset_near_end",
    "listmode",
    field="timestamp_disorder",
    outcome="accounted",
)
def _(tmp, shared):
    from liprobe.io.listmode import write_compass_bin

    rng = np.random.default_rng(4)
    ps = _ps(400, rng)
    ps[-3:] = ps[-3:] - ps[-3]  # reset 3 records before the end
    p = write_compass_bin(
        tmp / "reset_end.BIN", ps, rng.integers(10, 4000, 400), np.zeros(400, np.uint32)
    )
    return _accounted(p)


@case(
    "compass_corrupt_last_time_tag",
    "listmode",
    field="timestamp_disorder",
    outcome="accounted",
)
def _(tmp, shared):
    from liprobe.io.listmode import write_compass_bin

    rng = np.random.default_rng(5)
    ps = _ps(200, rng)
    ps[-1] = np.uint64(2**64 - 1)  # 213 days after the start
    p = write_compass_bin(
        tmp / "last.BIN", ps, rng.integers(10, 4000, 200), np.zeros(200, np.uint32)
    )
    return _accounted(p)


@case("listmode_slice_without_events", "listmode", field="", outcome="accounted")
def _(tmp, shared):
    p = good_compass(tmp / "ok.BIN")  # events in 0-100 s; slice 2 is 100-150 s
    return _accounted(p)


@case(
    "compass_real_file_cut_mid_waveform",
    "listmode",
    "cut.BIN",
    "file size",
    needs_shared=True,
)
def _(tmp, shared):
    p = tmp / "cut.BIN"
    raw = (shared / "listmode" / "compass_test_data.BIN").read_bytes()
    p.write_bytes(raw[: 2 + 50 * 2025 + 1000])
    return _open(p)


@case("ortec_wrong_list_style", "listmode", "bad.Lis", "list style", needs_shared=True)
def _(tmp, shared):
    p = tmp / "bad.Lis"
    raw = bytearray((shared / "listmode" / "ortec_sample_Ba-133.Lis").read_bytes())
    raw[4:8] = (7).to_bytes(4, "little")
    p.write_bytes(bytes(raw[:4096]))
    return _open(p)


@case("ortec_truncated_word", "listmode", "bad.Lis", "file size", needs_shared=True)
def _(tmp, shared):
    p = tmp / "bad.Lis"
    raw = (shared / "listmode" / "ortec_sample_Ba-133.Lis").read_bytes()
    p.write_bytes(raw[:4099])
    return _open(p)


@case(
    "ortec_header_only_partial", "listmode", "bad.Lis", "file size", needs_shared=True
)
def _(tmp, shared):
    p = tmp / "bad.Lis"
    raw = (shared / "listmode" / "ortec_sample_Ba-133.Lis").read_bytes()
    p.write_bytes(raw[:100])
    return _open(p)


def _compass_csv(tmp: Path) -> str:
    from liprobe.io.listmode import compass_csv_text

    frame = pd.DataFrame(
        {
            "board": 0,
            "channel": 0,
            "timetag_ps": np.arange(5, dtype=np.uint64) * 10**9,
            "energy": [100, 200, 300, 400, 500],
            "energy_short": 0,
            "flags": [0, 0, 0x8000, 0, 0],
        }
    )
    return compass_csv_text(frame)


@case("compass_csv_missing_energy_column", "listmode", "bad.csv", "header")
def _(tmp, shared):
    p = tmp / "bad.csv"
    text = _compass_csv(tmp).replace("ENERGY;ENERGYSHORT", "E;ENERGYSHORT")
    p.write_text(text)
    return _open(p)


@case("compass_csv_garbage_timetag", "listmode", "bad.csv", "TIMETAG")
def _(tmp, shared):
    p = tmp / "bad.csv"
    lines = _compass_csv(tmp).splitlines()
    parts = lines[3].split(";")
    parts[2] = "12x4"
    lines[3] = ";".join(parts)
    p.write_text("\n".join(lines) + "\n")
    return _open(p)


@case("compass_csv_bad_flags", "listmode", "bad.csv", "FLAGS")
def _(tmp, shared):
    p = tmp / "bad.csv"
    lines = _compass_csv(tmp).splitlines()
    parts = lines[2].split(";")
    parts[5] = "0xZZ"
    lines[2] = ";".join(parts)
    p.write_text("\n".join(lines) + "\n")
    return _open(p)


@case("nexus_without_event_index", "listmode", "bad.nxs", "event_index")
def _(tmp, shared):
    import h5py

    p = tmp / "bad.nxs"
    with h5py.File(p, "w") as h5:
        g = h5.create_group("entry/events")
        g.attrs["NX_class"] = "NXevent_data"
        g["event_time_zero"] = np.array([0.0, 1.0])
        g["event_time_offset"] = np.array([0.1, 0.2, 0.3])
    return _open(p)


@case("nexus_without_event_group", "listmode", "bad.nxs", "NX_class")
def _(tmp, shared):
    import h5py

    p = tmp / "bad.nxs"
    with h5py.File(p, "w") as h5:
        h5.create_group("entry/data")["x"] = np.arange(3)
    return _open(p)


# ===================================================================== cycler
TZ = "Europe/Amsterdam"


def good_mpt(path: Path) -> Path:
    """A simulated EC-Lab text export of the first demo cell (10 min points)."""
    from liprobe.simulate.cells import demo_cells
    from liprobe.simulate.cycler import write_demo_cycler

    return write_demo_cycler(demo_cells()[0], path, TZ, dt_s=600.0)


def _mpt_table(path: Path) -> tuple[list[str], pd.DataFrame]:
    lines = path.read_bytes().decode("latin-1").splitlines()
    n = int(lines[1].split(":")[1])
    data = pd.read_csv(io.StringIO("\n".join(lines[n - 1 :])), sep="\t")
    return lines[: n - 1], data


def _write_mpt(path: Path, header: list[str], data: pd.DataFrame, **kw) -> None:
    header = list(header)
    header[1] = f"Nb header lines : {len(header) + 1}"
    body = data.to_csv(sep="\t", index=False, lineterminator="\r\n", **kw)
    path.write_bytes(("\r\n".join(header) + "\r\n" + body).encode("latin-1"))


def _cycler(path: Path, tz: str | None = TZ) -> Thunk:
    from liprobe.io import cycler

    read_cycler = functools.partial(
        with_schema_defaults(cycler.read_cycler, "echem"), date_order="month_first"
    )
    return lambda: read_cycler(path, tz)


@case("mpt_no_current_no_charge_column", "cycler", "bad.mpt", "I/mA")
def _(tmp, shared):
    p = good_mpt(tmp / "bad.mpt")
    header, data = _mpt_table(p)
    data = data.drop(columns=["I/mA", "dq/mA.h", "(Q-Qo)/mA.h", "control/V/mA"])
    _write_mpt(p, header, data)
    return _cycler(p)


@case("mpt_no_time_zone", "cycler", "ok.mpt", "cycler_timezone")
def _(tmp, shared):
    p = good_mpt(tmp / "ok.mpt")
    return _cycler(p, None)


@case("mpt_unknown_time_zone", "cycler", "ok.mpt", "cycler_timezone")
def _(tmp, shared):
    p = good_mpt(tmp / "ok.mpt")
    return _cycler(p, "Mars/Olympus_Mons")


@case("mpt_time_gap", "cycler", "bad.mpt", "time/s")
def _(tmp, shared):
    p = good_mpt(tmp / "bad.mpt")
    header, data = _mpt_table(p)
    data = data.drop(index=range(20, 40)).reset_index(drop=True)  # 3 h unrecorded
    _write_mpt(p, header, data)
    return _cycler(p)


@case("mpt_time_going_backwards", "cycler", "bad.mpt", "time/s")
def _(tmp, shared):
    p = good_mpt(tmp / "bad.mpt")
    header, data = _mpt_table(p)
    data.loc[30, "time/s"] = data.loc[10, "time/s"]
    _write_mpt(p, header, data)
    return _cycler(p)


@case("mpt_nan_current", "cycler", "bad.mpt", "I/mA")
def _(tmp, shared):
    p = good_mpt(tmp / "bad.mpt")
    header, data = _mpt_table(p)
    data = data.drop(columns=["dq/mA.h", "(Q-Qo)/mA.h"])
    data["I/mA"] = data["I/mA"].astype(object)
    data.loc[25, "I/mA"] = "NaN"
    _write_mpt(p, header, data)
    return _cycler(p)


@case("mpt_nan_charge_increment", "cycler", "bad.mpt", "dq/mA.h")
def _(tmp, shared):
    p = good_mpt(tmp / "bad.mpt")
    header, data = _mpt_table(p)
    data["dq/mA.h"] = data["dq/mA.h"].astype(object)
    data.loc[25, "dq/mA.h"] = "nan"
    _write_mpt(p, header, data)
    return _cycler(p)


@case("mpt_decimal_commas_mixed_with_points", "cycler", "bad.mpt", "time/s")
def _(tmp, shared):
    p = good_mpt(tmp / "bad.mpt")
    header, data = _mpt_table(p)
    # first rows with decimal commas (EC-Lab in a German locale), the rest not
    text = data.to_csv(sep="\t", index=False, decimal=",", lineterminator="\r\n")
    rest = data.iloc[50:].to_csv(sep="\t", index=False, header=False)
    body = "\r\n".join(text.split("\r\n")[:51]) + "\r\n" + rest
    header = list(header)
    header[1] = f"Nb header lines : {len(header) + 1}"
    p.write_bytes(("\r\n".join(header) + "\r\n" + body).encode("latin-1"))
    return _cycler(p)


@case("csv_decimal_commas", "cycler", "bad.csv", "current_mA")
def _(tmp, shared):
    p = tmp / "bad.csv"
    p.write_text(
        "time_utc,current_mA,voltage_V\n"
        '2024-03-04T09:00:00Z,"0,05","0,01"\n'
        '2024-03-04T09:01:00Z,"0,05","0,02"\n'
    )
    return _cycler(p)


@case("mpt_missing_start_time", "cycler", "bad.mpt", "Acquisition started on")
def _(tmp, shared):
    p = good_mpt(tmp / "bad.mpt")
    text = p.read_bytes().decode("latin-1").replace("Acquisition started on", "Acq")
    p.write_bytes(text.encode("latin-1"))
    return _cycler(p)


@case("mpt_unreadable_start_time", "cycler", "bad.mpt", "Acquisition started on")
def _(tmp, shared):
    p = good_mpt(tmp / "bad.mpt")
    text = p.read_bytes().decode("latin-1")
    text = text.replace("03/04/2024 09:00:00.000", "the fourth of March")
    p.write_bytes(text.encode("latin-1"))
    return _cycler(p)


@case("mpt_header_count_too_large", "cycler", "bad.mpt", "Nb header lines")
def _(tmp, shared):
    p = good_mpt(tmp / "bad.mpt")
    text = p.read_bytes().decode("latin-1")
    text = text.replace("Nb header lines : 36", "Nb header lines : 9999")
    p.write_bytes(text.encode("latin-1"))
    return _cycler(p)


@case("csv_no_time_column", "cycler", "bad.csv", "time")
def _(tmp, shared):
    p = tmp / "bad.csv"
    p.write_text("when,current_mA,voltage_V\n1,0.05,0.01\n2,0.05,0.02\n")
    return _cycler(p)


@case("csv_header_only", "cycler", "bad.csv", "data rows")
def _(tmp, shared):
    p = tmp / "bad.csv"
    p.write_text("time_utc,current_mA,voltage_V\n")
    return _cycler(p)


@case("csv_no_time_zone_in_naive_times", "cycler", "bad.csv", "cycler_timezone")
def _(tmp, shared):
    p = tmp / "bad.csv"
    p.write_text(
        "time,current_mA\n2024-03-04 09:00:00,0.05\n2024-03-04 09:01:00,0.05\n"
    )
    return _cycler(p, "")


@case("cycler_unknown_format", "cycler", "trace.xlsx", "format")
def _(tmp, shared):
    p = tmp / "trace.xlsx"
    p.write_bytes(b"PK\x03\x04 not a cycler export")
    return _cycler(p)


@case("mpr_truncated", "cycler", "cut.mpr", "mpr", needs_shared=True)
def _(tmp, shared):
    p = tmp / "cut.mpr"
    raw = (shared / "cycler" / "LiLi_LLZO_yadg_MB_PEIS_CC.mpr").read_bytes()
    p.write_bytes(raw[: len(raw) // 3])
    return _cycler(p)


@case("ndax_truncated", "cycler", "cut.ndax", "nda", needs_shared=True)
def _(tmp, shared):
    p = tmp / "cut.ndax"
    raw = (shared / "cycler" / "Neware_navani_test.ndax").read_bytes()
    p.write_bytes(raw[: len(raw) // 2])
    return _cycler(p)


@case("maccor_without_column_header", "cycler", "bad.txt", "header", needs_shared=True)
def _(tmp, shared):
    p = tmp / "bad.txt"
    raw = (shared / "cycler" / "MACCOR_cellpy_maccor_one.txt").read_bytes()
    p.write_bytes(raw.replace(b"Rec#", b"Record"))
    return _cycler(p)


# ===================================================================== sheets
def _nmr_sheet(tmp: Path, body: str) -> Thunk:
    from liprobe.io.sheets import load_schema, read_sheet

    good_bruker(tmp / "raw" / "10")
    sheet = tmp / "nmr.tsv"
    sheet.write_text(body)
    schema_dir = Path(__file__).resolve().parents[1] / "config" / "schemas"
    schema = load_schema(schema_dir / "nmr.schema.yaml")
    return lambda: read_sheet(sheet, schema, "nmr", base_dir=tmp)


@case("sheet_missing_column", "sheets", "nmr.tsv", "path")
def _(tmp, shared):
    return _nmr_sheet(tmp, "experiment\tsample\ne1\tLLZO\n")


@case("sheet_duplicate_id", "sheets", "nmr.tsv", "experiment")
def _(tmp, shared):
    return _nmr_sheet(
        tmp, "experiment\tsample\tpath\ne1\tLLZO\traw/10\ne1\tLLZO\traw/10\n"
    )


@case("sheet_path_not_found", "sheets", "nmr.tsv", "path")
def _(tmp, shared):
    return _nmr_sheet(tmp, "experiment\tsample\tpath\ne1\tLLZO\traw/11\n")


@case("sheet_unknown_kind", "sheets", "nmr.tsv", "kind")
def _(tmp, shared):
    return _nmr_sheet(
        tmp, "experiment\tsample\tpath\tkind\ne1\tLLZO\traw/10\tt1_satrec\n"
    )


@case("sheet_unknown_column", "sheets", "nmr.tsv", "temperature")
def _(tmp, shared):
    return _nmr_sheet(
        tmp, "experiment\tsample\tpath\ttemperature\ne1\tLLZO\traw/10\t300\n"
    )


@case("sheet_temperature_not_a_number", "sheets", "nmr.tsv", "temperature_K")
def _(tmp, shared):
    return _nmr_sheet(
        tmp, "experiment\tsample\tpath\ttemperature_K\ne1\tLLZO\traw/10\t300K\n"
    )


@case("sheet_file_missing", "sheets", "nmr.tsv", "sheets.nmr")
def _(tmp, shared):
    from liprobe.io.sheets import load_schema, read_sheet

    schema_dir = Path(__file__).resolve().parents[1] / "config" / "schemas"
    schema = load_schema(schema_dir / "nmr.schema.yaml")
    return lambda: read_sheet(tmp / "nmr.tsv", schema, "nmr", base_dir=tmp)


@case("regions_sheet_empty_interval", "sheets", "regions.tsv", "ppm_min")
def _(tmp, shared):
    from liprobe.io.sheets import load_schema, read_sheet

    sheet = tmp / "regions.tsv"
    sheet.write_text("sample\tregion\tppm_min\tppm_max\nLLZO\tLi\t20\t20\n")
    schema_dir = Path(__file__).resolve().parents[1] / "config" / "schemas"
    schema = load_schema(schema_dir / "regions.schema.yaml")
    return lambda: read_sheet(sheet, schema, "regions", base_dir=tmp)


@case("ndp_sheet_listmode_not_found", "sheets", "ndp.tsv", "listmode")
def _(tmp, shared):
    from liprobe.io.sheets import load_schema, read_sheet

    sheet = tmp / "ndp.tsv"
    sheet.write_text(
        "run\tcell\tlistmode\tstack\tarea_cm2\nr1\tc1\tmissing_*.BIN\tcu\t1.0\n"
    )
    schema_dir = Path(__file__).resolve().parents[1] / "config" / "schemas"
    schema = load_schema(schema_dir / "ndp.schema.yaml")
    return lambda: read_sheet(sheet, schema, "ndp", base_dir=tmp)
