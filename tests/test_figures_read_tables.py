"""Figures read tables only: every job that writes under results/figures or
results/paper takes Parquet tables (or tidy Parquet intermediates under
results/) and library sources as inputs, never raw instrument files.

The jobs are those of the demo campaign's DAG (every rule, forced), including
the ``paper`` target, so input functions are resolved as in a real run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import forced_dag

FIGURE_DIRS = ("results/figures/", "results/paper/")


def dag_jobs(workdir: Path, configfiles: list[Path], targets: list[str]):
    """(rule name, outputs, inputs) of every job of a forced dry DAG."""
    return forced_dag(
        workdir,
        configfiles,
        targets,
        lambda job: (
            job.rule.name,
            [str(f) for f in job.output],
            [str(f) for f in job.input],
        ),
    )


@pytest.fixture(scope="module")
def demo_jobs(demo_run):
    """Jobs of the whole demo DAG plus the paper target (nothing is executed)."""
    configs = sorted(demo_run.glob("*.yaml"))
    return dag_jobs(demo_run, configs, ["all", "paper"])


def _is_library(path: str) -> bool:
    """A liprobe library source (Snakemake may list it from its source cache)."""
    return "/workflow_scripts/liprobe/" in path.replace("\\", "/") and path.endswith(
        ".py"
    )


def _is_raw(path: str) -> bool:
    """A file of the simulated raw campaign (relative or made absolute)."""
    return path.startswith("demo/") or "/demo/" in path


def test_figure_jobs_read_only_parquet(demo_jobs):
    figure_jobs = [
        (rule, outputs, inputs)
        for rule, outputs, inputs in demo_jobs
        if any(o.startswith(FIGURE_DIRS) for o in outputs)
    ]
    rules = {rule for rule, _, _ in figure_jobs}
    # the demo has every stage: each figure rule must be among the checked jobs
    assert {
        "plot_nmr_spectra",
        "plot_relaxation",
        "plot_exsy",
        "plot_exsy_contour",
        "plot_ndp",
        "plot_efficiency",
        "paper",
    } <= rules
    offenders = []
    for rule, _, inputs in figure_jobs:
        for path in inputs:
            if _is_library(path):
                continue
            if path.startswith("results/") and path.endswith(".parquet"):
                continue
            offenders.append(f"{rule}: {path}")
    assert offenders == []


def test_no_figure_job_reads_the_demo_raw_folder(demo_jobs):
    for rule, outputs, inputs in demo_jobs:
        if any(o.startswith(FIGURE_DIRS) for o in outputs):
            assert not [p for p in inputs if _is_raw(p)], rule


def test_checker_sees_raw_inputs(demo_jobs):
    """The raw-reading rules are in the same DAG, so the checks above can fail."""
    raw_readers = {
        rule for rule, _, inputs in demo_jobs if any(_is_raw(p) for p in inputs)
    }
    assert {"nmr_convert", "ndp_events"} <= raw_readers
