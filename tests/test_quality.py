"""Quality gates: ruff, snakefmt and snakemake --lint stay clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO

BIN = Path(sys.executable).parent


def _run(args, cwd=REPO):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_ruff_check():
    out = _run([str(BIN / "ruff"), "check", "."])
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format():
    out = _run([str(BIN / "ruff"), "format", "--check", "."])
    assert out.returncode == 0, out.stdout + out.stderr


def test_snakefmt():
    out = _run([str(BIN / "snakefmt"), "--check", "Snakefile", "rules"])
    assert out.returncode == 0, out.stdout + out.stderr


def test_snakemake_lint(demo_run):
    out = _run(
        [
            str(BIN / "snakemake"),
            "--lint",
            "-s",
            str(REPO / "Snakefile"),
            "--configfile",
            str(demo_run / "config.yaml"),
        ],
        cwd=demo_run,
    )
    assert out.returncode == 0, out.stdout + out.stderr
