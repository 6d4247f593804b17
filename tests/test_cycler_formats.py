"""Demo EC-Lab writer round trip, the generic CSV and bad cycler inputs."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from liprobe.echem import coulombic_efficiency, segment
from liprobe.errors import InputError
from liprobe.io import cycler
from liprobe.simulate.cells import DemoCell, demo_cells, schedule
from liprobe.simulate.cycler import write_demo_cycler

from conftest import with_schema_defaults

# the demo writes EC-Lab dates month first (US regional settings), and its
# dates (03/04/2024) read both ways: the sheet's cycler_date_order says which
read_cycler = functools.partial(
    with_schema_defaults(cycler.read_cycler, "echem"), date_order="month_first"
)
segment_half_cycles = with_schema_defaults(segment.segment_half_cycles, "echem")


@pytest.fixture(scope="module")
def short_cell():
    return DemoCell(name="bare_Cu", n_cycles=2, plate_h=1.0, li_efficiency=0.45)


def test_demo_mpt_round_trip(tmp_path, short_cell):
    path = write_demo_cycler(short_cell, tmp_path / "demo.mpt", "Europe/Amsterdam")
    raw = path.read_bytes()
    assert raw.startswith(b"EC-Lab ASCII FILE\r\n")
    assert b"cm\xb2" in raw  # Latin-1 superscript two, as EC-Lab writes it
    # local time in the header: 08:00 UTC on 4 March is 09:00 in Amsterdam
    assert b"Acquisition started on : 03/04/2024 09:00:00.000" in raw
    trace = read_cycler(path, "Europe/Amsterdam")
    assert trace["t_utc"].iloc[0] == short_cell.start_utc
    cycles = segment_half_cycles(trace)
    sched = schedule(short_cell)
    sched = sched[sched["step"] != "rest"].reset_index(drop=True)
    assert cycles["step"].tolist() == sched["step"].tolist()
    assert cycles["cycle"].tolist() == sched["cycle"].tolist()
    dt_start = (cycles["t_start_utc"] - sched["t_start_utc"]).dt.total_seconds()
    dt_end = (cycles["t_end_utc"] - sched["t_end_utc"]).dt.total_seconds()
    assert np.abs(dt_start).max() < 1e-3
    assert np.abs(dt_end).max() < 1e-3
    q = short_cell.current_density_mA_per_cm2 * short_cell.area_cm2
    expected = np.where(
        sched["step"] == "plate",
        q * short_cell.plate_h,
        q * short_cell.plate_h * short_cell.coulombic_efficiency,
    )
    np.testing.assert_allclose(cycles["charge_mAh"], expected, rtol=1e-9)
    ce = coulombic_efficiency(cycles)
    np.testing.assert_allclose(
        ce["coulombic_efficiency"], short_cell.coulombic_efficiency, rtol=1e-9
    )


def test_demo_mpt_wrong_zone_shifts_time(tmp_path, short_cell):
    path = write_demo_cycler(short_cell, tmp_path / "demo.mpt", "America/New_York")
    right = read_cycler(path, "America/New_York")
    wrong = read_cycler(path, "Europe/Amsterdam")
    assert right["t_utc"].iloc[0] == short_cell.start_utc
    shift = (right["t_utc"].iloc[0] - wrong["t_utc"].iloc[0]).total_seconds()
    assert shift == 6 * 3600.0


def test_demo_cells_ce(tmp_path):
    for cell in demo_cells():
        path = write_demo_cycler(cell, tmp_path / f"{cell.name}.mpt", "UTC")
        ce = coulombic_efficiency(segment_half_cycles(read_cycler(path, "UTC")))
        assert len(ce) == cell.n_cycles
        np.testing.assert_allclose(
            ce["coulombic_efficiency"], cell.coulombic_efficiency, rtol=1e-9
        )


def _csv(tmp_path, text, name="run.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_generic_csv_elapsed_with_local_start(tmp_path):
    path = _csv(
        tmp_path,
        "# start: 2024-07-01T10:00:00\n"
        "elapsed_s,current_mA,voltage_V\n"
        "0,-1,0.1\n1800,-1,0.1\n3600,0,0.0\n5400,1,0.2\n7200,0,0.0\n",
    )
    trace = read_cycler(path, "Europe/Berlin")
    assert trace["t_utc"].iloc[0] == pd.Timestamp("2024-07-01 08:00", tz="UTC")
    # trapezoid charge after the first hour: -0.5 - 0.25 mAh
    assert trace["charge_mAh"].iloc[2] == pytest.approx(-1.0 * 1.0 + 0.25)
    assert trace["source"].iloc[0] == "csv:run.csv"


def test_generic_csv_time_utc_and_charge_only(tmp_path):
    path = _csv(
        tmp_path,
        "time_utc,charge_mAh,voltage_V\n"
        "2024-07-01T08:00:00Z,0.0,0.1\n"
        "2024-07-01T09:00:00Z,-1.0,0.1\n"
        "2024-07-01T10:00:00Z,-2.0,0.1\n",
    )
    trace = read_cycler(path, "UTC")
    np.testing.assert_allclose(trace["current_mA"], -1.0)
    np.testing.assert_allclose(trace["charge_mAh"], [0, -1, -2])


def test_generic_csv_naive_local_times(tmp_path):
    path = _csv(
        tmp_path,
        "time,current_A,voltage_V\n2024-01-15 09:00:00,0.001,0\n"
        "2024-01-15 10:00:00,0.001,0\n",
    )
    trace = read_cycler(path, "America/New_York")
    assert trace["t_utc"].iloc[0] == pd.Timestamp("2024-01-15 14:00", tz="UTC")
    np.testing.assert_allclose(trace["current_mA"], 1.0)


def test_generic_csv_without_time_is_an_input_error(tmp_path):
    path = _csv(tmp_path, "current_mA,voltage_V\n1,0\n")
    with pytest.raises(InputError, match="time column"):
        read_cycler(path, "UTC")


def test_generic_csv_elapsed_without_start_is_an_input_error(tmp_path):
    path = _csv(tmp_path, "elapsed_s,current_mA\n0,1\n")
    with pytest.raises(InputError, match="start"):
        read_cycler(path, "UTC")


def test_unknown_format_is_an_input_error(tmp_path):
    path = tmp_path / "cell.xyz"
    path.write_text("hello\n")
    with pytest.raises(InputError, match="format") as info:
        read_cycler(path, "UTC")
    assert str(path) in str(info.value)
    with pytest.raises(InputError, match="format"):
        read_cycler(path, "UTC", fmt="gamry")


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_cycler(tmp_path / "nope.mpr", "UTC")


def test_corrupt_binary_files_are_input_errors(tmp_path):
    for name in ("bad.mpr", "bad.ndax"):
        path = tmp_path / name
        path.write_bytes(b"\x00\x01 not a cycler file" * 10)
        with pytest.raises(InputError):
            read_cycler(path, "UTC")


def test_mpt_without_header_count_is_an_input_error(tmp_path):
    path = tmp_path / "bad.mpt"
    path.write_bytes(b"EC-Lab ASCII FILE\r\nsomething else\r\n")
    with pytest.raises(InputError, match="Nb header lines"):
        read_cycler(path, "UTC")


def test_missing_time_zone_names_the_field(tmp_path, short_cell):
    path = write_demo_cycler(short_cell, tmp_path / "demo.mpt", "UTC")
    with pytest.raises(InputError) as info:
        read_cycler(path, None)
    assert info.value.field == "cycler_timezone"
    assert info.value.file == str(path)


def test_naive_local_times_across_the_autumn_dst_change(tmp_path):
    """Berlin clocks repeat 02:00-03:00 on 27 Oct 2024: the order resolves it."""
    local = ["01:45", "02:15", "02:45", "02:15", "02:45", "03:15"]
    body = "".join(f"2024-10-27 {hm}:00,1.0\n" for hm in local)
    path = _csv(tmp_path, "time,current_mA\n" + body)
    trace = read_cycler(path, "Europe/Berlin")
    steps = trace["t_utc"].diff().dt.total_seconds().iloc[1:]
    np.testing.assert_allclose(steps, 1800.0)
    assert trace["t_utc"].iloc[0] == pd.Timestamp("2024-10-26 23:45", tz="UTC")


def test_nonexistent_local_time_is_an_input_error(tmp_path):
    """02:30 does not exist in Berlin on 31 Mar 2024 (clocks jump to 03:00)."""
    path = _csv(tmp_path, "time,current_mA\n2024-03-31 02:30:00,1.0\n")
    with pytest.raises(InputError, match="timestamps"):
        read_cycler(path, "Europe/Berlin")


def test_ambiguous_mpt_date_needs_the_sheet_setting(tmp_path, short_cell):
    """03/04/2024 is 4 March or 3 April: without cycler_date_order the run stops
    with a message that names the setting; with it, the start is right."""
    path = write_demo_cycler(short_cell, tmp_path / "demo.mpt", "Europe/Amsterdam")
    with pytest.raises(InputError, match="cycler_date_order") as err:
        read_cycler(path, "Europe/Amsterdam", date_order=None)
    assert "03/04/2024" in str(err.value)
    day_first = read_cycler(path, "Europe/Amsterdam", date_order="day_first")
    # day first: 3 April, 09:00 in Amsterdam (summer time)
    expected = pd.Timestamp("2024-04-03 09:00", tz="Europe/Amsterdam")
    assert day_first["t_utc"].iloc[0] == expected.tz_convert("UTC")


def test_a_day_above_12_decides_the_date_order(tmp_path, short_cell):
    """A header date with a day above 12 settles the order for the whole file;
    a sheet setting that contradicts it is an error."""
    path = write_demo_cycler(short_cell, tmp_path / "demo.mpt", "Europe/Amsterdam")
    raw = path.read_bytes().replace(
        b"Acquisition started on : 03/04/2024",
        b"Technique started on : 03/14/2024 09:00:00.000\r\n"
        b"Acquisition started on : 03/04/2024",
    )
    lines = raw.split(b"\r\n")
    n = next(i for i, line in enumerate(lines) if line.startswith(b"Nb header lines"))
    count = int(lines[n].split(b":")[1])
    lines[n] = b"Nb header lines : %d" % (count + 1)
    path.write_bytes(b"\r\n".join(lines))
    trace = read_cycler(path, "Europe/Amsterdam", date_order=None)
    assert trace["t_utc"].iloc[0] == short_cell.start_utc
    with pytest.raises(InputError, match="month_first, as the file's own dates"):
        read_cycler(path, "Europe/Amsterdam", date_order="day_first")
