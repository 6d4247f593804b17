"""Incremental reruns: after a change, Snakemake reruns exactly what it affects.

One real run of the NMR stage on a small simulated campaign (two experiments of
two samples), then dry runs (``snakemake -n``) after each change:

* nothing changed: nothing to do;
* one sample's region row changed: that sample's jobs and the table that
  gathers them, not the other sample's;
* a library module a rule imports touched: that rule's jobs (and only the
  jobs that depend on them);
* one byte of one experiment's raw ``ser`` changed: the jobs of its series
  (one conversion job per series; here a series is a sample).

The workflow runs from a copy of the repository in a temporary folder, so
touching a library module never touches the real sources.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
# Top-level folders of the repository that the workflow does not need.
NOT_COPIED = {
    ".git",
    ".venv",
    ".snakemake",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "results",
    "logs",
    "demo",
    "benchmarks",
    "tests",
}
SAMPLE_B = "LPSCl_B"


def _ignore(folder: str, names: list[str]) -> set[str]:
    skip = {n for n in names if n == "__pycache__" or n.endswith(".pyc")}
    if Path(folder).resolve() == REPO:
        skip |= NOT_COPIED & set(names)
    return skip


def _snakemake(workflow: dict, *args: str) -> str:
    """Run Snakemake on the campaign; return its combined output."""
    result = subprocess.run(
        [
            str(SNAKEMAKE),
            "--snakefile",
            str(workflow["snakefile"]),
            "--configfile",
            str(workflow["config"]),
            "--cores",
            "2",
            *args,
            *workflow["targets"],
        ],
        cwd=workflow["workdir"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


def planned_jobs(output: str) -> dict[tuple[str, str], str]:
    """Jobs a dry run would execute: {(rule, wildcards): reason}."""
    jobs: dict[tuple[str, str], str] = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", output):
        head = re.match(r"(?:local)?rule (\w+):", block)
        if not head:
            continue
        wildcards = re.search(r"^\s+wildcards: (.*)$", block, re.MULTILINE)
        reason = re.search(r"^\s+reason: (.*)$", block, re.MULTILINE)
        key = (head.group(1), wildcards.group(1).strip() if wildcards else "")
        jobs[key] = reason.group(1) if reason else ""
    return jobs


def dry_run(workflow: dict) -> dict[tuple[str, str], str]:
    return planned_jobs(_snakemake(workflow, "--dry-run"))


@pytest.fixture(scope="module")
def workflow(tmp_path_factory) -> dict:
    """A finished NMR run of a two-sample campaign, from a copy of the repo."""
    from liprobe.simulate.demo import build_demo

    root = tmp_path_factory.mktemp("incremental")
    repo = root / "repo"
    shutil.copytree(REPO, repo, ignore=_ignore)
    workdir = root / "work"
    workdir.mkdir()
    build_demo(workdir / "demo", parts=("nmr",), workdir=workdir)

    sheet = pd.read_csv(workdir / "demo" / "nmr.tsv", sep="\t", dtype=str)
    sheet = sheet.iloc[[0, len(sheet) // 2]].copy()
    sheet.iloc[1, sheet.columns.get_loc("sample")] = SAMPLE_B
    sheet.to_csv(workdir / "nmr.tsv", sep="\t", index=False)
    regions = pd.read_csv(workdir / "demo" / "regions.tsv", sep="\t")
    assert len(regions) == 1
    regions_b = regions.assign(sample=SAMPLE_B)
    pd.concat([regions, regions_b]).to_csv(
        workdir / "regions.tsv", sep="\t", index=False
    )
    config = workdir / "config.yaml"
    config.write_text("sheets:\n  nmr: nmr.tsv\n  regions: regions.tsv\n")

    experiments = list(sheet["experiment"])
    # no series column: each sample is a series
    series = list(sheet["sample"])
    targets = [
        "results/tables/nmr_experiments.parquet",
        "results/tables/nmr_integrals.parquet",
    ] + [f"results/figures/nmr/{s}_spectra.png" for s in series]
    state = {
        "snakefile": repo / "Snakefile",
        "repo": repo,
        "config": config,
        "workdir": workdir,
        "targets": targets,
        "experiments": experiments,
        "series": series,
        "paths": dict(zip(sheet["experiment"], sheet["path"], strict=True)),
    }
    _snakemake(state)
    for target in targets:
        assert (workdir / target).is_file(), target
    return state


def _per_series(jobs, rule):
    return {w.removeprefix("series=") for r, w in jobs if r == rule}


def test_second_run_has_nothing_to_do(workflow):
    output = _snakemake(workflow, "--dry-run")
    assert planned_jobs(output) == {}, output[-3000:]
    assert "Nothing to be done" in output


def test_region_change_reruns_only_that_sample(workflow):
    _, series_b = workflow["series"]
    path = workflow["workdir"] / "regions.tsv"
    original = path.read_text()
    regions = pd.read_csv(path, sep="\t")
    regions.loc[regions["sample"] == SAMPLE_B, "ppm_max"] += 5.0
    regions.to_csv(path, sep="\t", index=False)
    try:
        jobs = dry_run(workflow)
    finally:
        path.write_text(original)
    assert _per_series(jobs, "nmr_convert") == {series_b}
    assert _per_series(jobs, "plot_nmr_spectra") == {series_b}
    assert ("nmr_tables", "") in jobs
    assert "param" in jobs[("nmr_convert", f"series={series_b}")].lower()
    assert {rule for rule, _ in jobs} == {
        "nmr_convert",
        "plot_nmr_spectra",
        "nmr_tables",
    }
    # Restoring the row restores the up-to-date state.
    assert dry_run(workflow) == {}


@contextmanager
def _edited(path: Path):
    """Append a comment to ``path`` (newer, different content); restore it after.

    A changed mtime alone does not count: Snakemake compares the checksums of
    small inputs, so only an edit of the content reruns the jobs.
    """
    stat = path.stat()
    text = path.read_text()
    path.write_text(text + "\n# edited\n")
    os.utime(path, (stat.st_atime, time.time() + 3600))
    try:
        yield
    finally:
        path.write_text(text)
        os.utime(path, (stat.st_atime, stat.st_mtime))


def test_library_edit_reruns_the_rules_that_import_it(workflow):
    module = workflow["repo"] / "workflow_scripts" / "liprobe" / "nmr"
    module = sorted(module.glob("*.py"))[-1]
    with _edited(module):
        jobs = dry_run(workflow)
    assert _per_series(jobs, "nmr_convert") == set(workflow["series"])
    for series in workflow["series"]:
        reason = jobs[("nmr_convert", f"series={series}")]
        assert module.name in reason, reason

    plots = workflow["repo"] / "workflow_scripts" / "liprobe" / "plots" / "nmr.py"
    with _edited(plots):
        jobs = dry_run(workflow)
    # The plotting module feeds the figures only, not the conversion.
    assert _per_series(jobs, "plot_nmr_spectra") == set(workflow["series"])
    assert _per_series(jobs, "nmr_convert") == set()
    assert ("nmr_tables", "") not in jobs


def test_changed_raw_byte_reruns_that_series(workflow):
    exp_a, _ = workflow["experiments"]
    series_a, _ = workflow["series"]
    ser = workflow["workdir"] / workflow["paths"][exp_a] / "ser"
    data = bytearray(ser.read_bytes())
    data[len(data) // 2] ^= 0x01
    ser.write_bytes(bytes(data))
    jobs = dry_run(workflow)
    assert _per_series(jobs, "nmr_convert") == {series_a}
    assert _per_series(jobs, "plot_nmr_spectra") == {series_a}
    assert ("nmr_tables", "") in jobs
    assert "ser" in jobs[("nmr_convert", f"series={series_a}")]


def test_editing_tidy_reruns_the_conversion(workflow):
    """``liprobe/tidy.py`` is imported by the conversion job module only (not by
    the rule's script): the computed import closure still declares it."""
    tidy = workflow["repo"] / "workflow_scripts" / "liprobe" / "tidy.py"
    with _edited(tidy):
        jobs = dry_run(workflow)
    assert _per_series(jobs, "nmr_convert") == set(workflow["series"])
    for series in workflow["series"]:
        assert "tidy.py" in jobs[("nmr_convert", f"series={series}")]
