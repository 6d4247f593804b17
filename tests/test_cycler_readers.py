"""Cycler readers on the real third-party files in ../shared/data/cycler."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liprobe.echem import coulombic_efficiency, segment
from liprobe.errors import InputError
from liprobe.io import cycler
from liprobe.io.cycler import TRACE_COLUMNS, detect_format

from conftest import with_schema_defaults

read_cycler = with_schema_defaults(cycler.read_cycler, "echem")
segment_half_cycles = with_schema_defaults(segment.segment_half_cycles, "echem")

BERLIN = "Europe/Berlin"


@pytest.fixture(scope="module")
def cycler_dir(shared_dir):
    return shared_dir / "cycler"


def _check_trace(trace: pd.DataFrame) -> None:
    assert list(trace.columns) == TRACE_COLUMNS
    assert str(trace["t_utc"].dt.tz) == "UTC"
    assert trace["t_utc"].is_monotonic_increasing
    assert np.isfinite(trace["current_mA"]).all()
    assert np.isfinite(trace["charge_mAh"]).all()
    assert trace["elapsed_s"].iloc[0] == 0.0


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("LiLi_LLZO_yadg_MB_PEIS_CC.mpr", "biologic_mpr"),
        ("LiLi_LLZO_yadg_MB_PEIS_CC.mpt", "biologic_mpt"),
        ("GCPL_yadg_issue149.mpt", "biologic_mpt"),
        ("Neware_navani_test.ndax", "neware"),
        ("Neware_navani_test_v29.nda", "neware"),
        ("MACCOR_cellpy_maccor_one.txt", "maccor"),
    ],
)
def test_detect_format(cycler_dir, name, fmt):
    assert detect_format(cycler_dir / name) == fmt


def test_llzo_symmetric_cell_steps(cycler_dir):
    """4 plating and 4 stripping steps of 0.00280 mAh, impedance excluded."""
    trace = read_cycler(cycler_dir / "LiLi_LLZO_yadg_MB_PEIS_CC.mpr", BERLIN)
    _check_trace(trace)
    assert (trace["technique"] == "EIS").sum() > 100
    cycles = segment_half_cycles(trace)
    assert (cycles["step"] == "plate").sum() == 4
    assert (cycles["step"] == "strip").sum() == 4
    np.testing.assert_allclose(cycles["charge_mAh"], 0.00280, rtol=0.005)
    ratio = (
        cycles.loc[cycles["step"] == "strip", "charge_mAh"].sum()
        / cycles.loc[cycles["step"] == "plate", "charge_mAh"].sum()
    )
    assert abs(ratio - 1.0) <= 0.002
    # each step is one hour at 2.8 uA; no step overlaps an impedance sweep
    np.testing.assert_allclose(cycles["duration_s"], 3600.0, atol=31.0)
    eis_times = trace.loc[trace["technique"] == "EIS", "t_utc"]
    for _, row in cycles.iterrows():
        inside = (eis_times > row["t_start_utc"]) & (eis_times < row["t_end_utc"])
        assert not inside.any()
    # the first current step strips (+2.8 uA): it is cycle 0 and has no CE
    assert cycles["step"].iloc[0] == "strip" and cycles["cycle"].iloc[0] == 0
    ce = coulombic_efficiency(cycles)
    full = ce[ce["flags"] == ""]
    assert len(full) == 3
    np.testing.assert_allclose(full["coulombic_efficiency"], 1.0, atol=0.002)
    assert ce["coulombic_efficiency"].iloc[[0, -1]].isna().all()


def test_mpt_start_time_is_converted_from_local(cycler_dir):
    """Acquisition start 08/23/2021 11:44:40.646 in Berlin (CEST, UTC+2)."""
    trace = read_cycler(cycler_dir / "LiLi_LLZO_yadg_MB_PEIS_CC.mpt", BERLIN)
    first_elapsed = 1151.097054670608  # time/s of the first row
    expected = pd.Timestamp("2021-08-23 09:44:40.646", tz="UTC") + pd.Timedelta(
        seconds=first_elapsed
    )
    assert abs((trace["t_utc"].iloc[0] - expected).total_seconds()) < 1e-3
    other = read_cycler(cycler_dir / "LiLi_LLZO_yadg_MB_PEIS_CC.mpt", "UTC")
    shift = (other["t_utc"] - trace["t_utc"]).dt.total_seconds()
    np.testing.assert_allclose(shift, 7200.0, atol=1e-6)


def test_mpt_modulo_bat_names_techniques(cycler_dir):
    trace = read_cycler(cycler_dir / "LiLi_LLZO_yadg_MB_PEIS_CC.mpt", BERLIN)
    assert set(trace["technique"]) == {"Rest", "CC", "EIS"}
    assert set(trace.loc[trace["technique"] == "CC", "step"]) == {3, 4}


def test_32_half_cycles_without_current_column(cycler_dir):
    """No I/mA column: current from dq; 32 steps of 0.132 mAh."""
    trace = read_cycler(cycler_dir / "Symmetric_yadg_GCPL_32halfcycles.mpr", BERLIN)
    _check_trace(trace)
    cycles = segment_half_cycles(trace)
    assert len(cycles) == 32
    assert (cycles["step"] == "plate").sum() == 16
    np.testing.assert_allclose(cycles["charge_mAh"], 0.132, atol=0.0005)
    np.testing.assert_allclose(cycles["current_mA"].abs(), 0.011, rtol=0.01)
    assert cycles["cycle"].tolist() == [k for k in range(1, 17) for _ in (0, 1)]


@pytest.mark.parametrize("stem", ["GCPL_yadg_issue149", "LiLi_LLZO_yadg_MB_PEIS_CC"])
def test_mpt_agrees_with_mpr(cycler_dir, stem):
    """Text export (decimal comma for issue149) equals the binary file."""
    a = read_cycler(cycler_dir / f"{stem}.mpr", BERLIN)
    # issue149's only date, 01/10/2024, reads both ways: the user says which
    b = read_cycler(cycler_dir / f"{stem}.mpt", BERLIN, date_order="month_first")
    assert len(a) == len(b)
    dt = (a["t_utc"] - b["t_utc"]).dt.total_seconds().abs()
    assert dt.max() < 1e-3
    for col in ("current_mA", "voltage_V", "charge_mAh"):
        np.testing.assert_allclose(a[col], b[col], rtol=1e-5, atol=1e-9)
    assert (a["step"] == b["step"]).all()
    ca, cb = segment_half_cycles(a), segment_half_cycles(b)
    assert ca["step"].tolist() == cb["step"].tolist()
    np.testing.assert_allclose(ca["charge_mAh"], cb["charge_mAh"], rtol=1e-6)


def test_issue149_ten_second_half_cycles(cycler_dir):
    trace = read_cycler(
        cycler_dir / "GCPL_yadg_issue149.mpt", BERLIN, date_order="month_first"
    )
    cycles = segment_half_cycles(trace)
    assert len(cycles) == 8
    np.testing.assert_allclose(cycles["duration_s"], 10.0, atol=1.1)
    np.testing.assert_allclose(cycles["current_mA"].abs(), 0.030, rtol=0.05)


def test_neware_ndax_cccv_cycle(cycler_dir):
    trace = read_cycler(cycler_dir / "Neware_navani_test.ndax", "Asia/Shanghai")
    _check_trace(trace)
    # naive timestamps are local: 2024-02-01 20:24:23 in Shanghai (UTC+8)
    assert trace["t_utc"].iloc[0] == pd.Timestamp("2024-02-01 12:24:23", tz="UTC")
    np.testing.assert_allclose(trace["current_mA"].abs().max(), 0.12, rtol=0.01)
    cycles = segment_half_cycles(trace)
    assert cycles["step"].tolist() == ["strip", "plate"]
    assert cycles["instrument_step"].tolist() == [2, 3]
    np.testing.assert_allclose(cycles["duration_s"], 6 * 3600.0, rtol=0.01)
    assert ((cycles["charge_mAh"] > 0.5) & (cycles["charge_mAh"] < 0.72)).all()


def test_neware_old_nda(cycler_dir):
    trace = read_cycler(cycler_dir / "Neware_navani_test_v29.nda", "Asia/Shanghai")
    _check_trace(trace)
    # 0.1 s step times refine the whole-second timestamps
    steps = trace["t_utc"].diff().dt.total_seconds().iloc[1:]
    assert steps.min() >= 0 and steps[steps > 0].min() == pytest.approx(0.1, abs=1e-3)
    cycles = segment_half_cycles(trace)
    assert cycles["step"].tolist() == ["plate", "strip", "plate"]
    np.testing.assert_allclose(cycles["current_mA"].abs(), 0.0505, rtol=0.06)


def test_neware_large_ndax(cycler_dir):
    # Unix times in the file; its TestInfo StartTime puts the clock at UTC+01:00
    trace = read_cycler(cycler_dir / "Neware_NewareNDA_Issue5_test_2.ndax", BERLIN)
    _check_trace(trace)
    assert len(trace) == 108563
    np.testing.assert_allclose(trace["current_mA"].abs().max(), 3.17, rtol=0.01)
    cycles = segment_half_cycles(trace)
    assert (cycles["step"] == "plate").sum() == 54
    assert (cycles["step"] == "strip").sum() == 54
    assert cycles["cycle"].max() == 54


def test_maccor_state_gives_sign(cycler_dir):
    trace = read_cycler(cycler_dir / "MACCOR_cellpy_maccor_one.txt", BERLIN)
    _check_trace(trace)
    raw = pd.read_csv(
        cycler_dir / "MACCOR_cellpy_maccor_one.txt",
        sep="\t",
        skiprows=3,
        usecols=["Step", "Amp-hr", "Amps", "State"],
    )
    sign = raw["State"].map({"C": 1.0, "D": -1.0, "R": 0.0}).to_numpy()
    np.testing.assert_allclose(trace["current_mA"], raw["Amps"] * 1e3 * sign)
    cycles = segment_half_cycles(trace)
    per_step = raw.groupby("Step")["Amp-hr"].last() * 1e3
    np.testing.assert_allclose(
        cycles["charge_mAh"], per_step.loc[cycles["instrument_step"]].to_numpy()
    )
    assert cycles["step"].tolist() == [
        "plate",
        "strip",
        "strip",
        "plate",
        "strip",
        "strip",
        "plate",
        "strip",
    ]
    # DPt Time 12/11/2020 12:22:12 (MM/DD) in Berlin winter time (UTC+1)
    assert trace["t_utc"].iloc[0] == pd.Timestamp("2020-12-11 11:22:12", tz="UTC")


def test_missing_time_zone_is_an_input_error(cycler_dir):
    for tz in (None, "", "Mars/Olympus_Mons"):
        with pytest.raises(InputError, match="cycler_timezone"):
            read_cycler(cycler_dir / "GCPL_yadg_issue149.mpr", tz)


def test_damaged_mpr_names_its_version_and_the_workaround(cycler_dir, tmp_path):
    """galvani fails on a cut .mpr: the message names the file, what galvani
    raised, the module versions in the header and how to export it as text."""
    raw = (cycler_dir / "LiLi_LLZO_yadg_MB_PEIS_CC.mpr").read_bytes()
    cut = tmp_path / "cut.mpr"
    cut.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(InputError) as err:
        read_cycler(cut, BERLIN)
    text = str(err.value)
    assert "cut.mpr" in text and "galvani failed" in text
    assert "EC-Lab modules VMP Set v0, VMP data v3" in text
    assert "Export as Text" in text


def test_damaged_nda_names_its_version_and_the_workaround(cycler_dir, tmp_path):
    raw = (cycler_dir / "Neware_navani_test_v29.nda").read_bytes()
    cut = tmp_path / "cut.nda"
    cut.write_bytes(raw[:2000] + b"\x00" * 7)
    with pytest.raises(InputError) as err:
        read_cycler(cut, "Asia/Shanghai")
    text = str(err.value)
    assert "NewareNDA" in text and "nda v29" in text and "BTSDA" in text


def test_a_hanging_reader_is_stopped_after_the_timeout(
    cycler_dir, tmp_path, monkeypatch
):
    """A library that never returns is stopped after the reader timeout."""
    from liprobe.io.cycler.common import _third_party_read

    (tmp_path / "hanging_reader.py").write_text(
        "import time\n\n\ndef read(path):\n    time.sleep(600)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(InputError, match="did not finish within 1 s") as err:
        _third_party_read(
            cycler_dir / "LiLi_LLZO_yadg_MB_PEIS_CC.mpr",
            "hanging_reader",
            "read",
            "mpr",
            "a BioLogic EC-Lab binary file",
            fmt="biologic_mpr",
            timeout_s=1,
        )
    assert "EC-Lab modules VMP Set v0" in str(err.value)
