"""Smoke runs of the benchmarks: they run and report their ratios.

Performance itself is never asserted here; the full runs are
``make bench`` (see README).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.parametrize(
    ("script", "extra", "pattern"),
    [
        ("bench_relaxation.py", [], r"ratio fast / baseline\s*:\s*[0-9.]+"),
        ("bench_listmode.py", [], r"ratio pipeline/read\s*:\s*[0-9.]+"),
        # 1x NMR stage in both designs (per series and the job server)
        ("bench_scaling.py", [], r"ratio per-series / job server: wall [0-9.]+"),
        # one seed, one cell: no depth bin above the material's bound
        ("bench_ndp.py", [], r"slices above the bound\s*:\s*0\n"),
        # two seeds of the two-site EXSY sample, two bootstrap draws per series
        ("bench_exsy_two_site.py", [], r"Ea\(k_AB\)\s+2\s+-?[0-9.]+\s+[0-9.]+"),
    ],
)
def test_benchmark_smoke_run(script, extra, pattern):
    out = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), "--smoke", *extra],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(pattern, out.stdout), out.stdout


def test_coverage_benchmark_smoke_run(tmp_path):
    """Two seeds of the NMR part through the workflow: the z-value table and
    the summary have their structure, and every z-value is finite."""
    import pandas as pd

    z_csv, summary_csv = tmp_path / "z.csv", tmp_path / "summary.csv"
    out = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "bench_coverage.py"),
            "--smoke",
            "--out",
            str(z_csv),
            "--summary",
            str(summary_csv),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "coverage over 2 seeds (1..), parts nmr" in out.stdout
    z = pd.read_csv(z_csv)
    columns = ["seed", "quantity", "item", "value", "err", "truth", "z", "flagged"]
    assert list(z.columns) == columns
    assert set(z["seed"]) == {1, 2}
    quantities = {"T1", "Ea bpp", "tau0 bpp", "Ea bpp_beta2", "tau0 bpp_beta2"}
    assert quantities <= set(z["quantity"])
    assert (z.groupby("seed")["quantity"].apply(lambda q: (q == "T1").sum()) == 9).all()
    assert z["z"].notna().all() and (z["err"] > 0).all()
    assert ((z["value"] - z["truth"]) / z["err"] - z["z"]).abs().max() < 1e-9
    summary = pd.read_csv(summary_csv)
    assert quantities <= set(summary["quantity"])
    t1 = summary.set_index("quantity").loc["T1"]
    assert t1["kind"] == "pooled" and t1["n"] == 18 and t1["missing"] == 0
    assert set(summary["result"]) <= {"PASS", "FAIL"}
    for row in summary.itertuples():
        assert f"{row.quantity}" in out.stdout


def test_exsy_coverage_benchmark_smoke_run(tmp_path):
    """One seed of the in-process EXSY coverage, with the independent-weights
    variant: every EXSY quantity has its values and finite z-values."""
    import pandas as pd

    z_csv = tmp_path / "z.csv"
    out = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "bench_exsy_coverage.py"),
            "--seeds",
            "1",
            "--independent",
            "--out",
            str(z_csv),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    z = pd.read_csv(z_csv)
    counts = z.groupby("quantity").size()
    for suffix in ("", " (independent weights)"):
        assert counts[f"D per T{suffix}"] == 4
        assert counts[f"k_AB per T two-site{suffix}"] == 4
        assert counts[f"Ea(k_AB) two-site{suffix}"] == 1
        assert counts[f"Ea(D){suffix}"] == 1
    assert z["z"].notna().all() and (z["err"] > 0).all()
    assert ((z["value"] - z["truth"]) / z["err"] - z["z"]).abs().max() < 1e-9
