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
        # 1x NMR stage, then the same without and with the job server
        ("bench_scaling.py", ["--targets", "nmr"], r"ratio on/off wall: [0-9.]+"),
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
