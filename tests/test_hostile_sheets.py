"""Hostile but plausible sheet cells: each is a clear InputError at parse time.

Names that become part of output paths (experiment, sample, series, region,
run, cell) follow one safe pattern; paths are literal unless the column is a
documented glob; only a line starting with ``#`` is a comment; numbers are
finite; one raw input is never counted under two ids.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from liprobe.errors import InputError
from liprobe.io.sheets import (
    MAX_NAME_LENGTH,
    NAME_COLUMNS,
    SAFE_NAME,
    load_schema,
    read_sheet,
)
from liprobe.ndp import sheet as ndp_sheet
from liprobe.plan.campaign import series_name

SCHEMAS = Path(__file__).resolve().parents[1] / "config" / "schemas"

HOSTILE_NAMES = {
    "parent_traversal": "../../../outside/ESC",
    "absolute_path": "/tmp/ESC",
    "inner_separator": "a/b",
    "snakemake_wildcard": "LPSC{x}",
    "hash_inside": "LPSC#b2",
    "leading_dot": ".hidden",
    "leading_dash": "-rf",
    "space": "LPSC b2",
    "too_long": "S" * 250,
    "one_over_the_limit": "S" * (MAX_NAME_LENGTH + 1),
}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "raw" / name
    folder.mkdir(parents=True)
    (folder / "acqus").write_text("##END=\n")
    return folder


def _read(tmp_path: Path, name: str, text: str) -> pd.DataFrame:
    sheet = _write(tmp_path / f"{name}.tsv", text)
    schema = load_schema(SCHEMAS / f"{name}.schema.yaml")
    return read_sheet(sheet, schema, name, tmp_path)


def _nmr_row(tmp_path, **cells) -> str:
    row = {"experiment": "e1", "sample": "S", "path": str(_folder(tmp_path, "1"))}
    row.update(cells)
    return "\t".join(row) + "\n" + "\t".join(str(v) for v in row.values()) + "\n"


def _ndp_row(tmp_path, **cells) -> str:
    lm = _write(tmp_path / "lm" / "run1.BIN", "x")
    row = {
        "run": "r1",
        "cell": "c1",
        "listmode": str(lm),
        "stack": "s",
        "area_cm2": "1.0",
    }
    row.update(cells)
    return "\t".join(row) + "\n" + "\t".join(str(v) for v in row.values()) + "\n"


def _operando_nmr_row(tmp_path, **cells) -> str:
    row = {"run": "r1", "cell": "c1", "path": str(_folder(tmp_path, "7"))}
    row["area_cm2"] = "1.0"
    row.update(cells)
    return "\t".join(row) + "\n" + "\t".join(str(v) for v in row.values()) + "\n"


def _sheet_with(tmp_path, name: str, column: str, value: str) -> str:
    if name == "nmr":
        return _nmr_row(tmp_path, **{column: value})
    if name == "ndp":
        return _ndp_row(tmp_path, **{column: value})
    if name == "sites":
        row = {
            "sample": "S",
            "site": "a",
            "shift_ppm": "1",
            "shift_min_ppm": "0",
            "shift_max_ppm": "2",
            column: value,
        }
        return "\t".join(row) + "\n" + "\t".join(row.values()) + "\n"
    if name == "operando_nmr":
        return _operando_nmr_row(tmp_path, **{column: value})
    row = {"sample": "S", "region": "a", "ppm_min": "1", "ppm_max": "5", column: value}
    return "\t".join(row) + "\n" + "\t".join(row.values()) + "\n"


NAME_CASES = [
    (name, column, attack)
    for name, columns in NAME_COLUMNS.items()
    for column in columns
    for attack in HOSTILE_NAMES
]


@pytest.mark.parametrize(
    ("name", "column", "attack"),
    NAME_CASES,
    ids=[f"{c}-{a}" for _, c, a in NAME_CASES],
)
def test_hostile_name_in_a_path_column_is_rejected(tmp_path, name, column, attack):
    value = HOSTILE_NAMES[attack]
    with pytest.raises(InputError) as info:
        _read(tmp_path, name, _sheet_with(tmp_path, name, column, value))
    err = info.value
    assert err.field == column
    assert err.row == 2
    assert err.found == value  # the whole cell, never cut at '#'
    assert SAFE_NAME in str(err) and str(MAX_NAME_LENGTH) in str(err)


def test_every_path_column_schema_states_the_one_safe_pattern():
    for name, columns in NAME_COLUMNS.items():
        props = load_schema(SCHEMAS / f"{name}.schema.yaml")["properties"]
        for column in columns:
            assert props[column]["pattern"] == SAFE_NAME, (name, column)
            assert props[column]["maxLength"] == MAX_NAME_LENGTH, (name, column)


def test_derived_exsy_series_name_over_the_length_limit_is_rejected(tmp_path):
    sample = "S" * MAX_NAME_LENGTH  # a valid sample; sample_300K is too long
    frame = _read(
        tmp_path, "nmr", _nmr_row(tmp_path, sample=sample, temperature_K="300")
    )
    assert series_name(frame, "e1", "t1_sr") == sample
    with pytest.raises(InputError, match="series of experiment 'e1'"):
        series_name(frame, "e1", "exsy")


def test_hash_inside_a_cell_is_kept_and_the_row_keeps_its_override(tmp_path):
    """'#' starts a comment only in column 1: the row and its override stay."""
    folder = _folder(tmp_path, "a#1")  # a literal '#' in a folder name
    text = (
        "# campaign of March\n"
        "experiment\tsample\tpath\tseries\ttemperature_K\n"
        "#e0\tS\tnowhere\tS\t300\n"
        f"e1\tS\t{folder}\tLPSC.b2\t310.5\n"
    )
    frame = _read(tmp_path, "nmr", text)
    assert list(frame.index) == ["e1"]
    assert frame.loc["e1", "temperature_K"] == 310.5
    assert Path(frame.loc["e1", "path"]) == folder.resolve()
    assert frame.loc["e1", "_row"] == 4  # counted as the file's lines


def test_hash_series_is_rejected_whole_not_cut_to_its_prefix(tmp_path):
    folder = _folder(tmp_path, "1")
    text = (
        "experiment\tsample\tpath\tseries\ttemperature_K\n"
        f"e1\tS\t{folder}\tLPSC#b2\t310\n"
    )
    with pytest.raises(InputError, match="LPSC#b2") as info:
        _read(tmp_path, "nmr", text)
    assert info.value.field == "series"


def test_nmr_path_with_brackets_is_literal(tmp_path):
    folder = tmp_path / "raw" / "LPSC[1]" / "10"
    folder.mkdir(parents=True)
    (folder / "acqus").write_text("##END=\n")
    frame = _read(tmp_path, "nmr", _nmr_row(tmp_path, path="raw/LPSC[1]/10"))
    assert Path(frame.loc["e1", "path"]) == folder.resolve()


@pytest.mark.parametrize("value", ["/", "raw", "raw/1/acqus"])
def test_nmr_path_that_is_no_bruker_folder_is_rejected_at_parse(tmp_path, value):
    """'/' used to be walked file by file at parse time; now only acqus is looked at."""
    with pytest.raises(InputError, match="EXPNO. folder holding acqus") as info:
        _read(tmp_path, "nmr", _nmr_row(tmp_path, path=value))
    assert info.value.field == "path" and info.value.row == 2


def test_nmr_path_glob_is_not_expanded(tmp_path):
    _folder(tmp_path, "10")
    with pytest.raises(InputError, match="taken literally") as info:
        _read(tmp_path, "nmr", _nmr_row(tmp_path, path="raw/1*"))
    assert info.value.field == "path"


def test_listmode_with_brackets_reads_that_file_not_the_glob_match(tmp_path):
    literal = _write(tmp_path / "lm" / "run[1].BIN", "own")
    _write(tmp_path / "lm" / "run1.BIN", "another cell's file")
    frame = _read(tmp_path, "ndp", _ndp_row(tmp_path, listmode="lm/run[1].BIN"))
    files = ndp_sheet.listmode_files(frame, "r1")
    assert files == [str(literal.resolve())]


def test_listmode_glob_still_expands_when_no_file_has_that_name(tmp_path):
    a = _write(tmp_path / "lm" / "part_a.BIN", "a")
    b = _write(tmp_path / "lm" / "part_b.BIN", "b")
    frame = _read(tmp_path, "ndp", _ndp_row(tmp_path, listmode="lm/part_*.BIN"))
    assert ndp_sheet.listmode_files(frame, "r1") == [str(a), str(b)]


def test_background_path_glob_is_not_expanded(tmp_path):
    _write(tmp_path / "lm" / "bg_1.BIN", "bg")
    with pytest.raises(InputError, match="taken literally") as info:
        _read(tmp_path, "ndp", _ndp_row(tmp_path, background="lm/bg_*.BIN"))
    assert info.value.field == "background"


def test_listmode_glob_reaching_its_own_background_is_an_error(tmp_path):
    _write(tmp_path / "lm" / "ndp_cell_Cu.BIN", "signal")
    bg = _write(tmp_path / "lm" / "ndp_bare_Cu.BIN", "background")
    frame = _read(
        tmp_path,
        "ndp",
        _ndp_row(tmp_path, listmode="lm/ndp_*Cu.BIN", background=str(bg)),
    )
    with pytest.raises(InputError, match="background file of run r1") as info:
        ndp_sheet.check_raw_inputs(frame, "ndp.tsv")
    assert info.value.found == str(bg.resolve())


def test_listmode_glob_reaching_its_reference_is_an_error(tmp_path):
    _write(tmp_path / "lm" / "ndp_cell.BIN", "signal")
    ref = _write(tmp_path / "lm" / "ndp_B10.BIN", "reference")
    frame = _read(
        tmp_path, "ndp", _ndp_row(tmp_path, listmode="lm/ndp_*.BIN", reference=str(ref))
    )
    with pytest.raises(InputError, match="reference file of run r1"):
        ndp_sheet.check_raw_inputs(frame, "ndp.tsv")


def _two_runs(tmp_path, second: dict) -> pd.DataFrame:
    lm = _write(tmp_path / "lm" / "run1.BIN", "x")
    rows = [
        {"run": "r1", "cell": "c1", "listmode": str(lm), "stack": "s", "area_cm2": 1},
        {"run": "r2", "cell": "c2", "listmode": str(lm), "stack": "s", "area_cm2": 1},
    ]
    rows[1].update(second)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    lines = ["\t".join(columns)]
    lines += ["\t".join(str(row.get(c, "")) for c in columns) for row in rows]
    return _read(tmp_path, "ndp", "\n".join(lines) + "\n")


def test_same_listmode_file_under_two_runs_is_an_error(tmp_path):
    frame = _two_runs(tmp_path, {})
    with pytest.raises(InputError, match="already a list-mode file of run r1") as info:
        ndp_sheet.check_raw_inputs(frame, "ndp.tsv")
    assert info.value.field == "listmode (run r2)"


def test_same_listmode_file_through_a_symlink_under_two_runs_is_an_error(tmp_path):
    link = tmp_path / "lm" / "alias.BIN"
    _write(tmp_path / "lm" / "run1.BIN", "x")
    link.symlink_to(tmp_path / "lm" / "run1.BIN")
    frame = _two_runs(tmp_path, {"listmode": str(link)})
    with pytest.raises(InputError, match="already a list-mode file of run r1"):
        ndp_sheet.check_raw_inputs(frame, "ndp.tsv")


def test_signal_file_of_one_run_as_background_of_another_is_an_error(tmp_path):
    other = _write(tmp_path / "lm" / "run2.BIN", "y")
    frame = _two_runs(
        tmp_path,
        {"listmode": str(other), "background": str(tmp_path / "lm" / "run1.BIN")},
    )
    with pytest.raises(InputError, match="background file of run r2"):
        ndp_sheet.check_raw_inputs(frame, "ndp.tsv")


def test_same_file_as_background_and_reference_is_an_error(tmp_path):
    std = _write(tmp_path / "lm" / "std.BIN", "s")
    frame = _read(
        tmp_path, "ndp", _ndp_row(tmp_path, background=str(std), reference=str(std))
    )
    with pytest.raises(InputError, match="other than the run's background"):
        ndp_sheet.check_raw_inputs(frame, "ndp.tsv")


def test_shared_background_and_reference_across_runs_are_accepted(tmp_path):
    other = _write(tmp_path / "lm" / "run2.BIN", "y")
    bg = _write(tmp_path / "lm" / "bg.BIN", "b")
    ref = _write(tmp_path / "lm" / "ref.BIN", "r")
    lm = _write(tmp_path / "lm" / "run1.BIN", "x")
    text = (
        "run\tcell\tlistmode\tstack\tarea_cm2\tbackground\treference\n"
        f"r1\tc1\t{lm}\ts\t1\t{bg}\t{ref}\n"
        f"r2\tc2\t{other}\ts\t1\t{bg}\t{ref}\n"
    )
    frame = _read(tmp_path, "ndp", text)
    ndp_sheet.check_raw_inputs(frame, "ndp.tsv")  # raises on any overlap


def test_same_bruker_folder_under_two_experiment_ids_is_an_error(tmp_path):
    folder = _folder(tmp_path, "10")
    text = f"experiment\tsample\tpath\ne1\tS\t{folder}\ne2\tS\traw/10/\n"
    with pytest.raises(InputError, match="already experiment 'e1'") as info:
        _read(tmp_path, "nmr", text)
    assert info.value.field == "path"
    assert info.value.row == 3


def test_same_bruker_folder_through_a_symlink_is_an_error(tmp_path):
    folder = _folder(tmp_path, "10")
    link = tmp_path / "elsewhere"
    link.symlink_to(folder)
    text = f"experiment\tsample\tpath\ne1\tS\t{folder}\ne2\tS\t{link}\n"
    with pytest.raises(InputError, match="one row per Bruker folder"):
        _read(tmp_path, "nmr", text)


@pytest.mark.parametrize(
    ("name", "column", "value"),
    [
        ("nmr", "temperature_K", "inf"),
        ("nmr", "temperature_K", "-inf"),
        ("nmr", "temperature_K", "Infinity"),
        ("nmr", "temperature_K", "nan"),
        ("nmr", "procno", "NaN"),
        ("nmr", "particle_radius_um", "nan"),
        ("ndp", "slice_s", "nan"),
        ("ndp", "slice_s", "inf"),
        ("ndp", "area_cm2", "inf"),
        ("ndp", "area_cm2", "nan"),
        ("ndp", "li6_fraction", "nan"),
        ("regions", "ppm_min", "-inf"),
    ],
    ids=lambda v: str(v),
)
def test_non_finite_sheet_number_is_rejected_not_defaulted(
    tmp_path, name, column, value
):
    with pytest.raises(InputError, match="a finite number") as info:
        _read(tmp_path, name, _sheet_with(tmp_path, name, column, value))
    assert info.value.field == column
    assert info.value.found == value


def test_crlf_bom_and_form_feed_keep_rows_and_line_numbers(tmp_path):
    """Windows line ends and a byte-order mark read as plain lines; a form feed
    inside a cell is no line end, so the row is reported where it is."""
    a, b = _folder(tmp_path, "a"), _folder(tmp_path, "b")
    text = (
        "\ufeffexperiment\tsample\tpath\r\n"
        "# comment\r\n"
        f"e1\tS\t{a}\r\n"
        f"e2\tS\x0cT\t{b}\r\n"
    )
    sheet = tmp_path / "nmr.tsv"
    sheet.write_bytes(text.encode("utf-8"))
    schema = load_schema(SCHEMAS / "nmr.schema.yaml")
    with pytest.raises(InputError) as info:
        read_sheet(sheet, schema, "nmr", tmp_path)
    assert info.value.field == "sample" and info.value.row == 4
    sheet.write_bytes(text.replace("S\x0cT", "S").encode("utf-8"))
    frame = read_sheet(sheet, schema, "nmr", tmp_path)
    assert list(frame.index) == ["e1", "e2"]
    assert list(frame["_row"]) == [3, 4]
