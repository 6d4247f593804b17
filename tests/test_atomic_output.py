"""Tables, figures and report files are written atomically.

Every output goes to ``<name>.partial`` beside its final name and is moved over
it only when complete, so a job killed mid-write never leaves a truncated file
under the final name (which a rerun would take for finished). Checked on the
helper, on the figure writer, over the source of every rule step, and on a
workflow run killed with SIGKILL and recovered as the README says
(``--unlock``, then ``--rerun-incomplete``).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from liprobe.io.atomic import PARTIAL_SUFFIX, atomic_output, write_text_atomic
from liprobe.plots.save import save_figure

from conftest import REPO, simulate_demo

LIB = REPO / "workflow_scripts" / "liprobe"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial(tmp_path):
    out = tmp_path / "table.txt"
    out.write_text("old, complete")
    with pytest.raises(RuntimeError, match="killed"):
        with atomic_output(out) as tmp:
            tmp.write_text("new, half")
            assert out.read_text() == "old, complete"  # not yet replaced
            raise RuntimeError("killed mid-write")
    assert out.read_text() == "old, complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.txt"]


def test_text_is_moved_into_place_complete(tmp_path):
    out = tmp_path / "sub" / "summary.md"
    write_text_atomic(out, "# one\n")
    write_text_atomic(out, "# two\n")
    assert out.read_text() == "# two\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["summary.md"]


def test_figures_are_written_beside_their_name_then_moved(tmp_path, monkeypatch):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    written = []
    original = fig.savefig

    def spy(path, **kwargs):
        # while the figure is written, nothing exists under the final name
        written.append(Path(path))
        assert not Path(str(path)[: -len(PARTIAL_SUFFIX)]).exists()
        return original(path, **kwargs)

    monkeypatch.setattr(fig, "savefig", spy)
    outs = [tmp_path / "f.png", tmp_path / "f.pdf", tmp_path / "f.svg"]
    save_figure(fig, *outs)
    assert [p.name for p in written] == [p.name + PARTIAL_SUFFIX for p in outs]
    assert outs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert outs[1].read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in outs[2].read_bytes()[:2000]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.pdf", "f.png", "f.svg"]


def test_a_figure_failing_mid_write_leaves_nothing(tmp_path, monkeypatch):
    fig, _ = plt.subplots()

    def crash(path, **kwargs):
        Path(path).write_bytes(b"\x89PNG half")
        raise OSError("disk full")

    monkeypatch.setattr(fig, "savefig", crash)
    with pytest.raises(OSError, match="disk full"):
        save_figure(fig, tmp_path / "f.png")
    assert list(tmp_path.iterdir()) == []


# writes that bypass the atomic helpers: file writers, figure savers
_DIRECT_WRITE = re.compile(
    r"\.write_text\(|\.write_bytes\(|\.savefig\(|\.to_parquet\(|\.to_csv\(\s*[^)]|"
    r"pq\.write_table\(|open\([^)]*[\"'][wa]b?[\"']"
)
# the helpers themselves, and writers of simulated raw files (not outputs)
_ALLOWED = {
    "io/atomic.py",
    "io/tables.py",
    "plots/save.py",
    "io/listmode/compass_bin.py",
}


def test_no_step_or_library_module_writes_an_output_directly():
    offenders = []
    for path in sorted(LIB.rglob("*.py")):
        rel = path.relative_to(LIB).as_posix()
        if rel in _ALLOWED or rel.startswith("simulate/"):
            continue
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            if _DIRECT_WRITE.search(line) and "buf" not in line:
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == []


def test_the_check_sees_a_direct_write():
    assert _DIRECT_WRITE.search('Path(job.output.md).write_text(text, "utf-8")')
    assert _DIRECT_WRITE.search("fig.savefig(path, dpi=200)")
    assert _DIRECT_WRITE.search('with open(out, "w") as fh:')
    assert not _DIRECT_WRITE.search("text = path.read_text()")


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory):
    """A one-series NMR campaign whose Snakemake is SIGKILLed while its job runs."""
    workdir = simulate_demo(tmp_path_factory.mktemp("killed"), parts=("nmr",))
    sheet = pd.read_csv(workdir / "demo" / "nmr.tsv", sep="\t").iloc[:2]
    sheet["series"] = "only"
    sheet.to_csv(workdir / "demo" / "nmr.tsv", sep="\t", index=False)
    cfg = workdir / "config.yaml"
    cfg.write_text("sheets:\n  nmr: demo/nmr.tsv\n  regions: demo/regions.tsv\n")
    targets = [
        f"results/nmr/only/{n}.parquet"
        for n in ("experiments", "integrals", "spectra", "regions")
    ] + ["results/figures/nmr/only_spectra.png"]
    base = [sys.executable, "-m", "snakemake", *targets, "-s", str(REPO / "Snakefile")]
    base += ["--configfile", str(cfg)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "workflow_scripts")}

    def snakemake(*extra):
        return subprocess.run(
            base + list(extra),
            cwd=workdir,
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )

    proc = subprocess.Popen(
        base + ["--cores", "1"],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    log = workdir / "logs" / "nmr" / "nmr_convert" / "only.log"
    deadline = time.monotonic() + 300
    while not log.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # Snakemake and its job, as a node loss
    proc.wait()
    return workdir, targets, snakemake


def test_a_killed_run_recovers_with_unlock_and_rerun_incomplete(killed_run):
    workdir, targets, snakemake = killed_run
    # nothing under a final name is half written
    for path in (workdir / "results").rglob("*.parquet"):
        pd.read_parquet(path)
    # a plain rerun refuses and names the way out: the lock (--unlock) when
    # the killed Snakemake still held it, else the incomplete outputs
    locked = snakemake("--cores", "1")
    assert locked.returncode != 0
    said = locked.stdout + locked.stderr
    assert "--unlock" in said or "--rerun-incomplete" in said
    assert snakemake("--unlock").returncode == 0
    rerun = snakemake("--cores", "1", "--rerun-incomplete")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    for target in targets:
        assert (workdir / target).stat().st_size > 0
    integrals = pd.read_parquet(workdir / "results/nmr/only/integrals.parquet")
    assert integrals["experiment"].nunique() == 2
    leftovers = [p for p in workdir.rglob(f"*{PARTIAL_SUFFIX}")]
    assert leftovers == []
