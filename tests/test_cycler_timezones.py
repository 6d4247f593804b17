"""Every cycler reader's times against the sheet's ``cycler_timezone``.

Naive instrument times take the sheet's zone: reading the same real file with
two zones moves every time by the difference of their UTC offsets. Zone-aware
times from a library (NewareNDA turns the Unix times of newer ``.ndax`` files
into times of the reading computer's zone) are accepted only when the file
says which zone its clock was in (the ``TestInfo`` ``StartTime``) and the sheet
agrees; otherwise an error names both.
"""

from __future__ import annotations

import functools
import time

import pandas as pd
import pytest

from liprobe.errors import InputError
from liprobe.io import cycler

from conftest import with_schema_defaults

# GCPL_yadg_issue149.mpt's only date (01/10/2024) reads both ways: the sheet's
# cycler_date_order says which (EC-Lab wrote it month first)
read_cycler = functools.partial(
    with_schema_defaults(cycler.read_cycler, "echem"), date_order="month_first"
)

NAIVE_FILES = [
    "LiLi_LLZO_yadg_MB_PEIS_CC.mpr",
    "LiLi_LLZO_yadg_MB_PEIS_CC.mpt",
    "Symmetric_yadg_GCPL_32halfcycles.mpr",
    "GCPL_yadg_issue149.mpt",
    "Neware_navani_test.ndax",
    "Neware_navani_test_v29.nda",
    "MACCOR_cellpy_maccor_one.txt",
]
ISSUE5 = "Neware_NewareNDA_Issue5_test_2.ndax"


@pytest.fixture(scope="module")
def cycler_dir(shared_dir):
    return shared_dir / "cycler"


@pytest.mark.parametrize("name", NAIVE_FILES)
def test_naive_instrument_times_take_the_sheet_zone(cycler_dir, name):
    east = read_cycler(cycler_dir / name, "Asia/Shanghai")  # UTC+8, no DST
    west = read_cycler(cycler_dir / name, "America/Phoenix")  # UTC-7, no DST
    for trace in (east, west):
        assert str(trace["t_utc"].dt.tz) == "UTC"
    shift = (west["t_utc"] - east["t_utc"]).dt.total_seconds()
    assert (shift == 15 * 3600.0).all()


@pytest.fixture
def reading_computer_in(monkeypatch):
    """Set the zone of the computer reading the file (NewareNDA converts the
    file's Unix times to it)."""

    def set_zone(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("computer", ["UTC", "Asia/Tokyo", "America/New_York"])
def test_unix_times_checked_against_the_file_start(
    cycler_dir, reading_computer_in, computer
):
    reading_computer_in(computer)
    trace = read_cycler(cycler_dir / ISSUE5, "Europe/Berlin")
    # StartTime 2025-03-26 09:22:52 local (CET, UTC+1); the first record 3 s on
    assert trace["t_utc"].iloc[0] == pd.Timestamp("2025-03-26 08:22:55.474", tz="UTC")
    assert str(trace["t_utc"].dt.tz) == "UTC"


@pytest.mark.parametrize(
    ("zone", "offset"), [("UTC", "UTC+00:00"), ("America/New_York", "UTC-04:00")]
)
def test_a_sheet_zone_the_file_contradicts_is_an_error(cycler_dir, zone, offset):
    with pytest.raises(InputError) as info:
        read_cycler(cycler_dir / ISSUE5, zone)
    err = info.value
    assert err.field == "cycler_timezone"
    assert (
        "UTC+01:00" in err.expected and "StartTime 2025-03-26 09:22:52" in err.expected
    )
    assert err.found == f"{zone} ({offset})"


def test_zone_aware_times_without_a_start_are_an_error(tmp_path, cycler_dir):
    # the same file without its TestInfo: nothing says which zone the clock was in
    import zipfile

    src = cycler_dir / ISSUE5
    dst = tmp_path / "no_testinfo.ndax"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            if not item.filename.lower().endswith("testinfo.xml"):
                zout.writestr(item, zin.read(item.filename))
    with pytest.raises(InputError) as info:
        read_cycler(dst, "Europe/Berlin")
    assert info.value.field == "Timestamp"
    assert "no StartTime" in str(info.value.found)
