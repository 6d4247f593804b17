"""One corrupted experiment does not take the other series down (``--keep-going``).

The NMR demo campaign is simulated as two series (a series is converted by one
job), one experiment's ``ser`` in the first holds 2 x TD1 rows (a file the
acquisition parameters do not describe; a ser cut short is an interrupted
acquisition, processed) and the workflow runs
with keep-going on the per-series outputs. The other series must produce its
outputs (with the sha256 of its raw files in the Parquet metadata), the broken
one's none and no leftover partial file, and its log must hold liprobe's
one-line InputError naming the file, the field, what was expected and what was
found.
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

from conftest import REPO

OUTPUTS = ("experiments", "integrals", "spectra", "regions")


@pytest.fixture(scope="module")
def broken_campaign(tmp_path_factory):
    """Run the NMR demo with one ser of 2 x TD1 rows; return (workdir, broken
    experiment, its series, the other series, sheet, process)."""
    from liprobe.simulate.demo import build_demo

    workdir = tmp_path_factory.mktemp("keep_going")
    old = Path.cwd()
    os.chdir(workdir)
    try:
        build_demo("demo", parts=("nmr",), workdir=".")
    finally:
        os.chdir(old)
    # three temperatures are enough (and keep the run short): break the middle one
    sheet = pd.read_csv(workdir / "demo" / "nmr.tsv", sep="\t").iloc[:3]
    sheet["series"] = ["first", "first", "second"]
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
    # the command line a user types, so that what it prints can be checked
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", *targets, "-s", str(REPO / "Snakefile")]
        + ["--cores", "2", "--keep-going", "--configfile", str(cfg)],
        cwd=workdir,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "workflow_scripts")},
        timeout=600,
    )
    return workdir, broken, "first", "second", sheet.set_index("experiment"), proc


def test_the_other_series_produces_its_outputs(broken_campaign):
    workdir, _, _, other, sheet, proc = broken_campaign
    assert proc.returncode != 0, proc.stderr[-2000:]
    for name in OUTPUTS:
        assert (workdir / "results" / "nmr" / other / f"{name}.parquet").is_file()
    integrals = pd.read_parquet(
        workdir / "results" / "nmr" / other / "integrals.parquet"
    )
    assert set(integrals["experiment"]) == set(sheet.index[sheet["series"] == other])


def test_broken_series_leaves_no_output_and_no_partial_file(broken_campaign):
    workdir, _, series, _, _, _ = broken_campaign
    folder = workdir / "results" / "nmr" / series
    leftovers = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    assert leftovers == []
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
    assert lines, text
    line = lines[0]
    ser = Path(sheet.loc[broken, "path"]) / "ser"
    assert str(ser) in line or f"{ser.parent.name}/ser" in line
    assert "field 'file size'" in line
    assert "expected" in line and "found" in line and "bytes" in line
    assert "Traceback" not in text


def test_outputs_record_the_sha256_of_their_raw_files(broken_campaign):
    workdir, _, _, other, sheet, _ = broken_campaign
    exp = sheet.index[sheet["series"] == other][0]
    meta = read_metadata(workdir / "results" / "nmr" / other / "integrals.parquet")
    hashes = json.loads(meta["liprobe.inputs_sha256"])
    ser = (workdir / sheet.loc[exp, "path"] / "ser").resolve()
    by_name = {Path(k).resolve(): v for k, v in hashes.items()}
    assert by_name[ser] == sha256_file(ser)
    assert any(Path(k).name == "acqus" for k in hashes)


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
    assert "Error in rule nmr_convert" in proc.stderr
