"""The echem and accounting rules end to end on a small simulated campaign.

A throw-away workflow folder links the repository's rules, scripts, config and
envs and includes only ``common.smk``, ``echem.smk`` and ``accounting.smk``; the
NDP depth-profile table the accounting reads is written by the test from the
demo cell's true profile plus Poisson noise.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from liprobe.io.tables import read_metadata, write_table
from liprobe.simulate.cells import LI_METAL_PER_CM3, DemoCell, schedule, true_profile
from liprobe.simulate.cycler import write_demo_cycler

pytestmark = pytest.mark.slow

SNAKEFILE = """\
include: "rules/common.smk"
include: "rules/echem.smk"
include: "rules/accounting.smk"


rule all:
    default_target: True
    input:
        TARGETS,
"""

CELL = DemoCell(name="cellA", n_cycles=2, plate_h=2.0, li_efficiency=0.6)
BIN_UM = 0.05
LI_PER_COUNT = 2.5e14


def _profiles(cell: DemoCell, rng) -> pd.DataFrame:
    sched = schedule(cell)
    end = sched["t_end_utc"].iloc[-1]
    grid = pd.date_range(cell.start_utc, end, freq="600s")
    edges = sorted(set(grid) | set(sched["t_start_utc"]) | {end})
    depth = np.arange(BIN_UM / 2, 10.0, BIN_UM)
    frames = []
    for k in range(len(edges) - 1):
        a, b = edges[k], edges[k + 1]
        c = true_profile(cell, a + (b - a) / 2, depth) * LI_METAL_PER_CM3
        per_count = LI_PER_COUNT / (BIN_UM * 1e-4)
        counts = rng.poisson(c / per_count)
        frames.append(
            pd.DataFrame(
                {
                    "run": cell.name,
                    "slice": k,
                    "t_start_utc": a,
                    "t_end_utc": b,
                    "depth_um": depth,
                    "li_per_cm3": counts * per_count,
                    "li_per_cm3_err": np.sqrt(np.maximum(counts, 1)) * per_count,
                    "li_density_rel": c / LI_METAL_PER_CM3,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _campaign(tmp_path, repo_dir, timezone="Europe/Amsterdam"):
    wf = tmp_path / "wf"
    wf.mkdir()
    for name in ("rules", "workflow_scripts", "config", "envs"):
        (wf / name).symlink_to(repo_dir / name, target_is_directory=True)
    (wf / "Snakefile").write_text(SNAKEFILE)
    work = tmp_path / "campaign"
    work.mkdir()
    write_demo_cycler(CELL, work / "cellA.mpt", "Europe/Amsterdam")
    (work / "cellA.bin").write_bytes(b"\0")
    sheet = pd.DataFrame(
        [
            {
                "run": CELL.name,
                "cell": CELL.name,
                "listmode": "cellA.bin",
                "stack": "cu1um_hse",
                "area_cm2": CELL.area_cm2,
                "cycler": "cellA.mpt",
                "cycler_timezone": timezone,
                "cycler_date_order": "month_first",
            }
        ]
    )
    sheet.to_csv(work / "ndp.tsv", sep="\t", index=False)
    (work / "cfg.yaml").write_text("sheets:\n  ndp: ndp.tsv\n")
    write_table(
        _profiles(CELL, np.random.default_rng(4)),
        work / "results/tables/ndp_depth_profiles.parquet",
    )
    return wf, work


def _snakemake(wf, work, *extra):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(wf / "Snakefile"),
            "--configfile",
            "cfg.yaml",
            "--cores",
            "2",
            *extra,
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_echem_and_accounting_rules(tmp_path, repo_dir):
    wf, work = _campaign(tmp_path, repo_dir)
    run = _snakemake(
        wf,
        work,
        "results/tables/coulombic_efficiency.parquet",
        "results/tables/efficiency.parquet",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    tables = work / "results/tables"
    cycles = pd.read_parquet(tables / "cycles.parquet")
    assert list(cycles.columns[:7]) == [
        "run",
        "cycle",
        "step",
        "t_start_utc",
        "t_end_utc",
        "charge_mAh",
        "segment",
    ]
    assert cycles["step"].tolist() == ["plate", "strip", "plate", "strip"]
    ce = pd.read_parquet(tables / "coulombic_efficiency.parquet")
    assert ce["cycle"].tolist() == [1, 2]
    np.testing.assert_allclose(
        ce["coulombic_efficiency"], CELL.coulombic_efficiency, rtol=1e-9
    )
    inv = pd.read_parquet(tables / "li_inventory.parquet")
    for col in (
        "run",
        "slice",
        "t_mid_utc",
        "li_per_cm2",
        "li_per_cm2_err",
        "li_mAh_per_cm2",
        "charge_mAh_per_cm2",
    ):
        assert col in inv.columns
    eff = pd.read_parquet(tables / "efficiency.parquet")
    np.testing.assert_allclose(eff["li_efficiency"], CELL.li_efficiency, atol=0.03)
    np.testing.assert_allclose(
        eff["coulombic_efficiency"], CELL.coulombic_efficiency, rtol=1e-9
    )
    for col in (
        "li_efficiency_err",
        "inactive_li_per_cm2",
        "ce_minus_li_efficiency",
    ):
        assert np.isfinite(eff[col]).all()
    meta = read_metadata(tables / "cycles.parquet")
    assert "cellA.mpt" in meta["liprobe.inputs_sha256"]
    # the figures are part of the default target list
    dry = _snakemake(wf, work, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "plot_efficiency" in dry.stdout


def test_missing_time_zone_stops_before_any_job(tmp_path, repo_dir):
    wf, work = _campaign(tmp_path, repo_dir, timezone="")
    run = _snakemake(wf, work, "-n")
    assert run.returncode != 0
    assert "cycler_timezone" in run.stderr + run.stdout
    assert "cellA" in run.stderr + run.stdout
