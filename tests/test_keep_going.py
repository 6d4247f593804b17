"""One corrupted experiment does not take the campaign down (``--keep-going``).

The NMR demo campaign is simulated as two series (a series is converted by one
job), one experiment's ``ser`` in the first holds 2 x TD1 rows (a file the
acquisition parameters do not describe; a ser cut short is an interrupted
acquisition, processed) and the workflow runs with keep-going up to the tables,
the relaxation fits and the figures. The good experiments (of both series) must
reach the integrals table and the fits; the broken one must be a flagged row
(status ``input_error``) of the experiments table and of the fits, naming its
error; the conversion log and the run's stderr must hold liprobe's one-line
InputError naming the file, the field, what was expected and what was found; no
partial file may be left.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from liprobe.io.tables import read_metadata, sha256_file

from conftest import REPO, simulate_demo

OUTPUTS = ("experiments", "integrals", "spectra", "regions")
TABLES = (
    "nmr_experiments",
    "nmr_integrals",
    "relaxation_fits",
    "relaxation_arrhenius",
)


@pytest.fixture(scope="module")
def broken_campaign(tmp_path_factory):
    """Run the NMR demo with one ser of 2 x TD1 rows; return (workdir, broken
    experiment, its series, the other series, sheet, process)."""
    workdir = simulate_demo(tmp_path_factory.mktemp("keep_going"), parts=("nmr",))
    # four temperatures are enough (and keep the run short): break the second
    sheet = pd.read_csv(workdir / "demo" / "nmr.tsv", sep="\t").iloc[:4]
    sheet["series"] = ["first", "first", "first", "second"]
    sheet.to_csv(workdir / "demo" / "nmr.tsv", sep="\t", index=False)
    experiments = list(sheet["experiment"])
    broken = experiments[1]
    ser = workdir / sheet.set_index("experiment").loc[broken, "path"] / "ser"
    raw = ser.read_bytes()
    ser.write_bytes(raw + raw)  # 2 x TD1 rows: never read in part
    cfg = workdir / "config.yaml"
    cfg.write_text("sheets:\n  nmr: demo/nmr.tsv\n  regions: demo/regions.tsv\n")
    targets = [
        f"results/nmr/{s}/{name}.parquet"
        for s in ("first", "second")
        for name in OUTPUTS
    ]
    targets += [f"results/tables/{name}.parquet" for name in TABLES]
    targets += [
        "results/figures/nmr/first_spectra.png",
        "results/figures/relaxation/first_curves.png",
    ]
    # the command line a user types, so that what it prints can be checked
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", *targets, "-s", str(REPO / "Snakefile")]
        + ["--cores", "2", "--keep-going", "--configfile", str(cfg)],
        cwd=workdir,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "workflow_scripts")},
        timeout=900,
    )
    return workdir, broken, "first", "second", sheet.set_index("experiment"), proc


def _ser(sheet, experiment) -> Path:
    return Path(sheet.loc[experiment, "path"]) / "ser"


def test_the_run_reaches_every_table_and_figure(broken_campaign):
    workdir, _, _, _, _, proc = broken_campaign
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in TABLES:
        assert (workdir / "results" / "tables" / f"{name}.parquet").is_file()
    for figure in ("nmr/first_spectra.png", "relaxation/first_curves.png"):
        assert (workdir / "results" / "figures" / figure).stat().st_size > 0


def test_good_experiments_reach_the_integrals_and_the_fits(broken_campaign):
    workdir, broken, _, _, sheet, _ = broken_campaign
    tables = workdir / "results" / "tables"
    good = set(sheet.index) - {broken}
    integrals = pd.read_parquet(tables / "nmr_integrals.parquet")
    assert set(integrals["experiment"]) == good
    fits = pd.read_parquet(tables / "relaxation_fits.parquet")
    fitted = fits[fits["experiment"].isin(good)]
    assert set(fitted["experiment"]) == good
    assert fitted["fit_ok"].all(), fitted[["experiment", "flags"]]
    assert (fitted["time_constant_s"] > 0).all()
    # the series with the broken experiment still gets its temperature analysis
    arrhenius = pd.read_parquet(tables / "relaxation_arrhenius.parquet")
    first = arrhenius[arrhenius["series"] == "first"]
    assert len(first) and (first["n_fits_excluded"] == 1).all()
    assert first["flags"].str.contains("1_unreadable_experiments_excluded").all()
    assert (first["region"] != "").all()
    second = arrhenius[arrhenius["series"] == "second"]
    assert (second["n_fits_excluded"] == 0).all()


def test_broken_experiment_is_a_flagged_row_naming_its_error(broken_campaign):
    workdir, broken, series, _, sheet, _ = broken_campaign
    tables = workdir / "results" / "tables"
    experiments = pd.read_parquet(tables / "nmr_experiments.parquet")
    experiments = experiments.set_index("experiment")
    row = experiments.loc[broken]
    assert row["status"] == "input_error"
    assert "input_error" in row["flags"]
    assert row["series"] == series
    # the kind comes from the parameter files, which the truncation left intact
    assert row["kind"] in ("t1_sr", "t1_ir")
    assert str(_ser(sheet, broken)) in row["error"]
    assert "field 'file size'" in row["error"]
    others = experiments.drop(index=broken)
    assert (others["status"] == "ok").all() and (others["error"] == "").all()
    fits = pd.read_parquet(tables / "relaxation_fits.parquet")
    flagged = fits[fits["experiment"] == broken]
    assert len(flagged) == 1
    assert not flagged["fit_ok"].iloc[0]
    assert flagged["flags"].iloc[0] == "input_error"
    assert "field 'file size'" in flagged["error"].iloc[0]
    assert flagged["time_constant_s"].isna().all()


def test_no_partial_file_is_left(broken_campaign):
    workdir = broken_campaign[0]
    partial = [
        p
        for p in (workdir / "results").rglob("*")
        if p.is_file() and not p.name.endswith((".parquet", ".png", ".pdf"))
    ]
    assert partial == []


def test_log_holds_the_one_line_input_error(broken_campaign):
    workdir, broken, series, _, sheet, _ = broken_campaign
    log = workdir / "logs" / "nmr" / "nmr_convert" / f"{series}.log"
    text = log.read_text()
    lines = [line for line in text.splitlines() if "InputError" in line]
    assert len(lines) == 1, text
    line = lines[0]
    ser = _ser(sheet, broken)
    assert str(ser) in line or f"{ser.parent.name}/ser" in line
    assert "field 'file size'" in line
    assert "expected" in line and "found" in line and "bytes" in line
    assert f"experiment {broken} flagged" in line
    assert "Traceback" not in text


def test_outputs_record_the_sha256_of_their_raw_files(broken_campaign):
    workdir, broken, series, other, sheet, _ = broken_campaign
    exp = sheet.index[sheet["series"] == other][0]
    meta = read_metadata(workdir / "results" / "nmr" / other / "integrals.parquet")
    hashes = json.loads(meta["liprobe.inputs_sha256"])
    ser = (workdir / sheet.loc[exp, "path"] / "ser").resolve()
    by_name = {Path(k).resolve(): v for k, v in hashes.items()}
    assert by_name[ser] == sha256_file(ser)
    assert any(Path(k).name == "acqus" for k in hashes)
    # the broken ser's bytes are recorded too: the table says what failed
    meta = read_metadata(workdir / "results" / "nmr" / series / "experiments.parquet")
    hashes = json.loads(meta["liprobe.inputs_sha256"])
    by_name = {Path(k).resolve(): v for k, v in hashes.items()}
    broken_ser = (workdir / _ser(sheet, broken)).resolve()
    assert by_name[broken_ser] == sha256_file(broken_ser)


def test_run_reports_the_one_line_error_not_only_a_traceback(broken_campaign):
    _, broken, _, _, sheet, proc = broken_campaign
    lines = [
        line
        for line in proc.stderr.splitlines()
        if line.startswith("liprobe InputError: ")
    ]
    assert len(lines) == 1, proc.stderr[-3000:]
    folder = Path(sheet.loc[broken, "path"])
    assert (
        f"{folder.parent.name}/{folder.name}/ser: field 'file size': expected"
        in (lines[0])
    )
    assert "Traceback" not in proc.stderr
