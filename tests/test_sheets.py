"""Sheets are validated at parse time with messages naming file, row and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from liprobe.errors import InputError
from liprobe.io.sheets import load_schema, read_sheet

from conftest import REPO, run_snakemake

SCHEMAS = REPO / "config" / "schemas"


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture()
def folder(tmp_path):
    d = tmp_path / "raw" / "1"
    d.mkdir(parents=True)
    (d / "acqus").write_text("##END=\n")
    return d


def _nmr(tmp_path, body):
    header = "experiment\tsample\tpath\tkind\n"
    return _write(tmp_path / "nmr.tsv", header + body)


def test_good_sheet_reads_with_defaults(tmp_path, folder):
    other = folder.parent / "2"
    other.mkdir()
    (other / "acqus").write_text("##END=\n")
    sheet = _nmr(tmp_path, f"e1\tS\t{folder}\tt1_sr\ne2\tS\t{other}\t\n")
    frame = read_sheet(sheet, load_schema(SCHEMAS / "nmr.schema.yaml"), "nmr", tmp_path)
    assert list(frame.index) == ["e1", "e2"]
    assert frame.loc["e2", "kind"] == "auto"
    assert frame.loc["e1", "procno"] == 1
    assert Path(frame.loc["e1", "path"]).is_absolute()


def test_relative_paths_resolve_against_workdir(tmp_path, folder):
    sheet = _nmr(tmp_path, "e1\tS\traw/1\tauto\n")
    frame = read_sheet(sheet, load_schema(SCHEMAS / "nmr.schema.yaml"), "nmr", tmp_path)
    assert Path(frame.loc["e1", "path"]) == folder.resolve()


@pytest.mark.parametrize(
    ("body", "field", "row", "words"),
    [
        ("e1\tS\t{f}\tt1_sr\ne1\tS\t{f}\tt1_sr\n", "experiment", 3, "unique"),
        ("e1\tS\t{f}/nope\tt1_sr\n", "path", 2, "existing"),
        ("e1\tS\t{f}\tT1\n", "kind", 2, "is not one of"),
    ],
    ids=["duplicate-id", "path-not-found", "unknown-kind"],
)
def test_bad_nmr_sheet(tmp_path, folder, body, field, row, words):
    sheet = _nmr(tmp_path, body.format(f=folder))
    with pytest.raises(InputError) as info:
        read_sheet(sheet, load_schema(SCHEMAS / "nmr.schema.yaml"), "nmr", tmp_path)
    err = info.value
    assert err.field == field
    assert err.row == row
    assert str(sheet) in str(err)
    assert words in str(err)


def test_missing_column(tmp_path, folder):
    sheet = _write(tmp_path / "nmr.tsv", f"experiment\tpath\ne1\t{folder}\n")
    with pytest.raises(InputError, match="'sample'") as info:
        read_sheet(sheet, load_schema(SCHEMAS / "nmr.schema.yaml"), "nmr", tmp_path)
    assert info.value.field == "sample"


def test_non_numeric_temperature(tmp_path, folder):
    sheet = _write(
        tmp_path / "nmr.tsv",
        f"experiment\tsample\tpath\ttemperature_K\ne1\tS\t{folder}\twarm\n",
    )
    with pytest.raises(InputError) as info:
        read_sheet(sheet, load_schema(SCHEMAS / "nmr.schema.yaml"), "nmr", tmp_path)
    assert info.value.field == "temperature_K"
    assert info.value.found == "warm"


def test_regions_ppm_order(tmp_path):
    sheet = _write(
        tmp_path / "regions.tsv",
        "sample\tregion\tppm_min\tppm_max\nS\ta\t1\t5\nS\tb\t5\t1\n",
    )
    with pytest.raises(InputError) as info:
        read_sheet(sheet, load_schema(SCHEMAS / "regions.schema.yaml"), "regions")
    assert info.value.field == "ppm_min"
    assert info.value.row == 3


def test_bad_sheet_stops_workflow_before_any_job(tmp_path, folder):
    """A bad sheet is a parse-time WorkflowError naming file, row and field."""
    from snakemake.exceptions import WorkflowError

    sheet = _nmr(tmp_path, f"e1\tS\t{folder}\tt1_sr\ne1\tS\t{folder}\tt1_sr\n")
    cfg = _write(tmp_path / "cfg.yaml", f"sheets:\n  nmr: {sheet}\n")
    with pytest.raises(WorkflowError) as info:
        run_snakemake(tmp_path, cfg, executor="dryrun")
    text = str(info.value)
    assert "nmr.tsv" in text and "row 3" in text and "experiment" in text
    assert not (tmp_path / "results").exists()


def test_sample_without_regions_or_intrng_stops(tmp_path, folder):
    from snakemake.exceptions import WorkflowError

    sheet = _nmr(tmp_path, f"e1\tS\t{folder}\tt1_sr\n")
    cfg = _write(tmp_path / "cfg.yaml", f"sheets:\n  nmr: {sheet}\n")
    with pytest.raises(WorkflowError, match="sample 'S'"):
        run_snakemake(tmp_path, cfg, executor="dryrun")


def test_config_schema_violation(tmp_path):
    from snakemake.exceptions import WorkflowError

    cfg = _write(tmp_path / "cfg.yaml", "sheets: {}\nnmr:\n  phase: sideways\n")
    with pytest.raises(WorkflowError, match="phase"):
        run_snakemake(tmp_path, cfg, executor="dryrun")
