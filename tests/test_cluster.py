"""The workflow on a real single-node SLURM cluster, through profiles/slurm.

A session fixture starts the cluster with ``cluster/slurm_up.sh`` (slurmctld,
slurmd and munged on this machine, listening on the loopback address) and stops
exactly those daemons with ``cluster/slurm_down.sh`` at the end. The tests run
``snakemake --profile profiles/slurm`` as a subprocess on a small simulated NMR
campaign and check that

* the tables equal those of a local run of the same campaign, and
* a job that fails on the cluster surfaces its rule log path and the liprobe
  error message in Snakemake's error output.

Without SLURM (no ``sbatch``/``slurmctld``/``slurmd``/``munged``, or not root)
the tests skip with the reason; with the environment variable ``CI`` set they
fail instead, so they cannot silently vanish from CI.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import run_snakemake

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.slow,
    # Snakemake's in-process scheduler (local run) uses PuLP's old API.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp.*"),
]

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
N_EXPERIMENTS = 2
NMR_TABLES = [
    "results/tables/nmr_experiments.parquet",
    "results/tables/nmr_integrals.parquet",
]
# Accounting is off on the test cluster: job states come from squeue, and the
# first status check comes early because the jobs are short.
SLURM_TEST_FLAGS = [
    "--jobs",
    "4",
    "--slurm-no-account",
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "1",
]
RUN_TIMEOUT_S = 600


def _missing_requirement() -> str | None:
    for tool in ("sbatch", "squeue", "sinfo", "slurmctld", "slurmd", "munged"):
        if shutil.which(tool) is None:
            return (
                f"'{tool}' not found: install the Debian packages slurm-wlm and munge"
            )
    if os.geteuid() != 0:
        return "starting slurmd and munged needs root"
    if not SNAKEMAKE.is_file():
        return f"no snakemake executable beside {sys.executable}"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    """A running one-node cluster; yields the environment that reaches it."""
    reason = _missing_requirement()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"SLURM cluster test cannot run: {reason}; CI is set")
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("slurm")
    env = dict(os.environ)
    ctld_port = _free_port()
    slurmd_port = _free_port()
    while slurmd_port == ctld_port:
        slurmd_port = _free_port()
    env.update(
        SLURMCTLD_PORT=str(ctld_port),
        SLURMD_PORT=str(slurmd_port),
        SLURM_NODE_MEM_MB="8000",
    )
    started = subprocess.run(
        ["bash", str(REPO / "cluster" / "slurm_up.sh"), str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    try:
        assert started.returncode == 0, (
            f"slurm_up.sh failed:\n{started.stdout}\n{started.stderr}"
        )
        env["SLURM_CONF"] = str(folder / "conf" / "slurm.conf")
        yield env
    finally:
        subprocess.run(
            ["bash", str(REPO / "cluster" / "slurm_down.sh"), str(folder)],
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Path:
    """A small simulated NMR campaign; its sheets hold absolute paths."""
    from liprobe.simulate.demo import build_demo

    root = tmp_path_factory.mktemp("campaign")
    build_demo(root / "demo", parts=("nmr",), workdir=root)
    sheet = pd.read_csv(root / "demo" / "nmr.tsv", sep="\t", dtype=str)
    sheet = sheet.head(N_EXPERIMENTS).copy()
    sheet["path"] = [str((root / p).resolve()) for p in sheet["path"]]
    sheet.to_csv(root / "nmr_small.tsv", sep="\t", index=False)
    return root


def _config(campaign: Path, workdir: Path, nmr_sheet: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "config.yaml"
    config.write_text(
        f"sheets:\n  nmr: {nmr_sheet}\n  regions: {campaign / 'demo' / 'regions.tsv'}\n"
    )
    return config


def _run_on_cluster(env: dict, workdir: Path, config: Path, targets: list[str]):
    cpus = str(min(2, os.cpu_count() or 1))
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--profile",
        str(REPO / "profiles" / "slurm"),
        "--configfile",
        str(config),
        # What a group job may ask of this one small node.
        "--resources",
        f"cpus_per_task={cpus}",
        "mem_mb=4000",
        *SLURM_TEST_FLAGS,
        *targets,
    ]
    return subprocess.run(
        command,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )


def test_slurm_run_equals_local_run(slurm_cluster, campaign, tmp_path):
    local_dir = tmp_path / "local"
    config = _config(campaign, local_dir, campaign / "nmr_small.tsv")
    run_snakemake(local_dir, config, targets=NMR_TABLES)

    cluster_dir = tmp_path / "cluster"
    config = _config(campaign, cluster_dir, campaign / "nmr_small.tsv")
    result = _run_on_cluster(slurm_cluster, cluster_dir, config, NMR_TABLES)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    # The jobs really went through SLURM, not a local fallback.
    assert "submitted with SLURM jobid" in output, output[-3000:]
    submitted = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%T"],
        env=slurm_cluster,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "COMPLETED" in submitted

    for table in NMR_TABLES:
        local = pd.read_parquet(local_dir / table)
        remote = pd.read_parquet(cluster_dir / table)
        assert len(local) > 0, table
        pd.testing.assert_frame_equal(local, remote)
    experiments = pd.read_parquet(cluster_dir / NMR_TABLES[0])
    assert len(experiments) == N_EXPERIMENTS


def test_unreadable_experiment_on_the_cluster_is_a_logged_flagged_row(
    slurm_cluster, campaign, tmp_path
):
    # A copy of one experiment whose ser holds 2 x TD1 rows (not read in part).
    sheet = pd.read_csv(campaign / "nmr_small.tsv", sep="\t", dtype=str).head(1)
    broken = tmp_path / "raw" / "broken"
    shutil.copytree(sheet["path"].iloc[0], broken)
    ser = broken / "ser"
    data = ser.read_bytes()
    ser.write_bytes(data + data)  # 2 x TD1 rows (a ser cut short is processed)
    sheet["path"] = [str(broken)]
    sheet.to_csv(tmp_path / "nmr_broken.tsv", sep="\t", index=False)

    workdir = tmp_path / "run"
    config = _config(campaign, workdir, tmp_path / "nmr_broken.tsv")
    # no series column: the experiment's sample is its series
    series = sheet["sample"].iloc[0]
    target = f"results/nmr/{series}/integrals.parquet"
    result = _run_on_cluster(slurm_cluster, workdir, config, [target])
    output = result.stdout + result.stderr
    # the conversion job ends normally: the experiment is a flagged row
    assert result.returncode == 0, output[-3000:]
    experiments = pd.read_parquet(workdir / f"results/nmr/{series}/experiments.parquet")
    assert experiments["status"].tolist() == ["input_error"]
    assert str(ser) in experiments["error"].iloc[0]
    # the liprobe error (an InputError naming the file and field) is in the
    # rule log the cluster job wrote
    log_text = (workdir / f"logs/nmr/nmr_convert/{series}.log").read_text()
    error_lines = [
        line.strip()
        for line in log_text.splitlines()
        if "InputError" in line and str(ser) in line and "field 'file size'" in line
    ]
    assert error_lines, log_text


def _rule_names() -> set[str]:
    names = set()
    for path in (REPO / "rules").glob("*.smk"):
        for line in path.read_text().splitlines():
            match = re.match(r"^(?:rule|checkpoint) (\w+):", line)
            if match:
                names.add(match.group(1))
    return names


@pytest.mark.parametrize("name", ["workstation", "slurm"])
def test_profile_keys(name):
    """Profiles parse, name only real rules and set no software deployment.

    Needs no cluster: it guards the profiles on every machine. A profile with
    ``software-deployment-method`` would make every run call conda, which is
    not installed where the tests run.
    """
    profile = yaml.safe_load((REPO / "profiles" / name / "config.yaml").read_text())
    assert "software-deployment-method" not in profile
    assert "sdm" not in profile
    assert profile["rerun-incomplete"] is True
    assert profile["keep-going"] is False
    rules = _rule_names()
    for section in ("set-resources", "set-threads", "groups"):
        unknown = set(profile.get(section) or {}) - rules
        assert not unknown, f"{name}: {section} names unknown rules {unknown}"
    if name == "slurm":
        assert profile["executor"] == "slurm"
        defaults = profile["default-resources"]
        assert {"runtime", "mem_mb", "cpus_per_task"} <= set(defaults)
        assert "slurm_account" not in defaults
        assert "slurm_partition" not in defaults
        groups = set(profile["groups"].values())
        assert groups == set(profile["group-components"])
    else:
        assert "executor" not in profile
        assert profile["cores"]
