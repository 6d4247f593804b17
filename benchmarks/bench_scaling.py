"""Scaling of the NMR stage with campaign size, and the choice of its design.

Builds simulated campaigns of 1x, 4x and 16x the demo's relaxation series (the
series repeated as independent samples, each experiment with its own raw
folder) and runs the workflow's default target on each, for two designs of the
NMR conversion in the same invocation:

* **per series** (this checkout): one ``nmr_convert`` job and one
  ``plot_nmr_spectra`` job per series, each a plain script process;
* **job server** (the baseline, the workflow at ``--baseline-ref``, by default
  the last commit that had it): one job per experiment, run in children forked
  from a warm server process that has imported numpy, pandas, nmrglue and
  matplotlib once.

Per design and scale it reports the wall time of the first run, the no-op rerun
(the median of three) and the rerun after one raw experiment changed (one byte
of one ``ser`` rewritten), the number of jobs, and the ratio per-series /
job server of each (< 1: the per-series design is faster). The decision rule:
keep the simpler design (per series, no server) unless it is more than 20 %
slower at 16x.

Usage::

    .venv/bin/python benchmarks/bench_scaling.py            # 1x, 4x, 16x
    .venv/bin/python benchmarks/bench_scaling.py --smoke    # 1x only
    .venv/bin/python benchmarks/bench_scaling.py --scales 1 4 --json out.json
    .venv/bin/python benchmarks/bench_scaling.py --repeats 2   # ABBA order, minimum
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

# the workflow's parts and their snapshot (edits made while the benchmark runs
# cannot trigger reruns) as the coverage benchmark takes them
from bench_coverage import REPO, WORKFLOW_PARTS, snapshot_workflow  # noqa: E402

SNAKEMAKE = Path(sys.executable).with_name("snakemake")
# The last commit whose NMR stage ran one job per experiment through the job
# server (liprobe.jobs.server), the baseline of the design comparison.
BASELINE_REF = "33769ec"
# No-op reruns per campaign; the median is reported (start-up time is noisy).
NOOP_REPEATS = 3
DESIGNS = ("job_server", "per_series")
# Times reported per design and scale: the minimum over the repeats.
TIMES = ("wall_s", "noop_rerun_s", "rerun_one_raw_s")


def snapshot_ref(ref: str, folder: Path) -> Path:
    """The workflow files of commit ``ref`` in ``folder``; return its Snakefile."""
    result = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", ref, *WORKFLOW_PARTS],
        capture_output=True,
    )
    if result.returncode != 0:
        raise SystemExit(
            f"baseline {ref!r} is not in this repository's history "
            f"({result.stderr.decode().strip()}); pass --baseline-ref"
        )
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "Snakefile"


def build_campaign(base: Path, folder: Path, scale: int) -> int:
    """Write sheets for ``scale`` copies of the demo's relaxation series; return
    the number of experiments.

    Copy ``i`` is sample ``<sample>_c<i>`` with its own raw folders (copied, so
    every experiment has its own files, as in a real campaign). The EXSY rows
    are left out: their stage is the same in both designs.
    """
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    sheet = pd.read_csv(base / "nmr.tsv", sep="\t", dtype=str)
    sheet = sheet[sheet["kind"].fillna("auto") != "exsy"]
    regions = pd.read_csv(base / "regions.tsv", sep="\t", dtype=str)
    regions = regions[regions["sample"].isin(sheet["sample"])]
    rows, region_rows = [], []
    for copy in range(scale):
        for _, row in sheet.iterrows():
            source = base.parent / row["path"]
            target = folder / "raw" / f"c{copy}" / row["experiment"]
            shutil.copytree(source, target)
            new = row.copy()
            new["experiment"] = f"{row['experiment']}_c{copy}"
            new["sample"] = f"{row['sample']}_c{copy}"
            new["path"] = str(target.relative_to(folder))
            rows.append(new)
        for _, row in regions.iterrows():
            new = row.copy()
            new["sample"] = f"{row['sample']}_c{copy}"
            region_rows.append(new)
    pd.DataFrame(rows).to_csv(folder / "nmr.tsv", sep="\t", index=False)
    pd.DataFrame(region_rows).to_csv(folder / "regions.tsv", sep="\t", index=False)
    (folder / "config.yaml").write_text(
        "sheets:\n  nmr: nmr.tsv\n  regions: regions.tsv\n"
    )
    return len(rows)


def run_snakemake(snakefile: Path, folder: Path, cores: int, log: Path) -> float:
    """Run the workflow's default target in ``folder``; return its wall time."""
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(snakefile),
        "--configfile",
        "config.yaml",
        "--cores",
        str(cores),
    ]
    start = time.perf_counter()
    with log.open("w") as handle:
        result = subprocess.run(
            command,
            cwd=folder,
            stdout=handle,
            stderr=subprocess.STDOUT,
            # each design's jobs import the liprobe of its own snapshot first
            # (the baseline commit predates rules/common.smk doing so itself)
            env=dict(
                os.environ,
                LIPROBE_JOBSERVER="on",
                PYTHONPATH=str(snakefile.parent / "workflow_scripts"),
            ),
        )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        tail = log.read_text()[-4000:]
        raise SystemExit(f"snakemake failed in {folder} (see {log}):\n{tail}")
    return wall


def jobs_run(log: Path) -> int:
    """Jobs Snakemake ran (its "N of N steps (100%) done" line); 0 for a no-op."""
    text = log.read_text()
    if "Nothing to be done" in text:
        return 0
    for line in reversed(text.splitlines()):
        if "steps (100%) done" in line:
            return int(line.split(" of ")[1].split()[0])
    return -1


def change_one_experiment(folder: Path) -> None:
    """Rewrite one byte of the first experiment's ``ser`` (a new acquisition)."""
    ser = sorted((folder / "raw" / "c0").glob("*/ser"))[0]
    data = bytearray(ser.read_bytes())
    data[-1] ^= 0x01
    ser.write_bytes(bytes(data))


def measure(snakefile: Path, base: Path, folder: Path, scale: int, cores: int):
    """First run, no-op reruns and the rerun after one raw change, in ``folder``."""
    n = build_campaign(base, folder, scale)
    wall = run_snakemake(snakefile, folder, cores, folder / "run.log")
    jobs = jobs_run(folder / "run.log")
    noops = []
    for _ in range(NOOP_REPEATS):
        noops.append(run_snakemake(snakefile, folder, cores, folder / "noop.log"))
        if jobs_run(folder / "noop.log") != 0:
            raise SystemExit(f"the rerun in {folder} was not a no-op: see noop.log")
    change_one_experiment(folder)
    rerun = run_snakemake(snakefile, folder, cores, folder / "rerun.log")
    out = {
        "scale": scale,
        "experiments": n,
        "jobs": jobs,
        "wall_s": wall,
        "noop_rerun_s": statistics.median(noops),
        "noop_rerun_runs_s": noops,
        "rerun_one_raw_s": rerun,
        "rerun_one_raw_jobs": jobs_run(folder / "rerun.log"),
    }
    shutil.rmtree(folder / "raw", ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="1x only")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--baseline-ref",
        default=BASELINE_REF,
        help="commit of the job-server design (default: %(default)s)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="runs per design and scale, in alternating order; the minimum "
        "time of each is reported",
    )
    parser.add_argument("--workdir", type=Path, help="keep the campaigns here")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    scales = [1] if args.smoke else sorted(set(args.scales))

    from liprobe.simulate.demo import build_demo

    root = args.workdir or Path(tempfile.mkdtemp(prefix="liprobe-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    build_demo(root / "demo", parts=("nmr",), workdir=root)
    snakefiles = {
        "job_server": snapshot_ref(args.baseline_ref, root / "workflow-job_server"),
        "per_series": snapshot_workflow(root / "workflow-per_series"),
    }

    results: dict[str, dict[int, dict]] = {d: {} for d in DESIGNS}
    for index, scale in enumerate(scales):
        for repeat in range(args.repeats):
            # alternate the order (over repeats and scales), so that a drift of
            # the machine's load does not favour one design
            order = DESIGNS if (index + repeat) % 2 == 0 else DESIGNS[::-1]
            for design in order:
                folder = root / f"x{scale}-{design}-{repeat}"
                r = measure(
                    snakefiles[design], root / "demo", folder, scale, args.cores
                )
                print(
                    f"{scale}x {design}: {r['experiments']} experiments, "
                    f"{r['jobs']} jobs, {r['wall_s']:.1f} s; no-op "
                    f"{r['noop_rerun_s']:.1f} s; one raw change "
                    f"{r['rerun_one_raw_s']:.1f} s ({r['rerun_one_raw_jobs']} jobs)",
                    flush=True,
                )
                best = results[design].setdefault(scale, r)
                for key in TIMES:
                    best[key] = min(best[key], r[key])

    print(f"NMR stage, {args.cores} cores; baseline: job server at {args.baseline_ref}")
    print(
        f"{'scale':>5} {'exps':>5} {'design':>11} {'jobs':>5} {'wall s':>7} "
        f"{'no-op s':>8} {'1 raw s':>8} {'jobs':>5}"
    )
    ratios = {}
    for scale in scales:
        for design in DESIGNS:
            r = results[design][scale]
            print(
                f"{scale:>5} {r['experiments']:>5} {design:>11} {r['jobs']:>5} "
                f"{r['wall_s']:>7.1f} {r['noop_rerun_s']:>8.1f} "
                f"{r['rerun_one_raw_s']:>8.1f} {r['rerun_one_raw_jobs']:>5}"
            )
        a, b = results["per_series"][scale], results["job_server"][scale]
        ratios[scale] = {key: a[key] / b[key] for key in TIMES}
        q = ratios[scale]
        print(
            f"{scale:>5} ratio per-series / job server: wall {q['wall_s']:.2f}, "
            f"no-op {q['noop_rerun_s']:.2f}, one raw change "
            f"{q['rerun_one_raw_s']:.2f}"
        )
    top = max(scales)
    verdict = "per series" if ratios[top]["wall_s"] <= 1.2 else "job server"
    print(
        f"at {top}x the per-series design takes {ratios[top]['wall_s']:.2f}x the "
        f"job server's wall time: keep {verdict} (rule: the simpler design unless "
        "more than 20 % slower at 16x)"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"results": results, "ratios": ratios}, indent=2)
        )
    if not args.workdir:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
