"""Scaling of the local workflow run with campaign size.

Builds simulated campaigns of 1x, 4x and 16x the NMR demo (the demo's series of
experiments repeated as independent samples), runs the workflow on each and
reports, with the 1x run of the same invocation as baseline:

* wall time per experiment, and its ratio to the 1x run (target: <= 1,
  i.e. linear or better);
* the no-op rerun time (``snakemake`` again on the finished campaign, the
  median of three runs; target: < 5 s at 16x);
* the run's wall time against the sum of its jobs' times, from the
  ``benchmark:`` files under ``benchmarks/runs/`` and from the job start and
  finish stamps of Snakemake's log (parallel efficiency);
* what one per-experiment job costs: its mean wall and CPU time, against a bare
  interpreter start and the imports its script makes;
* the gain of the job server (``liprobe.jobs.server``: per-experiment jobs run
  in children of one warm process instead of each importing numpy, pandas,
  nmrglue and matplotlib): the NMR stage of one campaign run with
  ``LIPROBE_JOBSERVER=off`` (baseline) and on, in the same invocation, with the
  ratio of their wall times and of their mean per-experiment job times.

Usage::

    .venv/bin/python benchmarks/bench_scaling.py            # 1x, 4x, 16x
    .venv/bin/python benchmarks/bench_scaling.py --smoke    # 1x only
    .venv/bin/python benchmarks/bench_scaling.py --scales 1 4 --targets nmr
    .venv/bin/python benchmarks/bench_scaling.py --jobserver-scale 16

``--targets nmr`` restricts the run to the NMR tables and figures; the default
runs the workflow's default target (every stage whose sheet has rows).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "workflow_scripts"
sys.path.insert(0, str(SCRIPTS))
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
# What the workflow needs from the repository; the benchmark runs a snapshot so
# that edits made while it runs cannot trigger reruns.
WORKFLOW_PARTS = ("Snakefile", "rules", "workflow_scripts", "config", "envs")
# No-op reruns per campaign; the median is reported (start-up time is noisy).
NOOP_REPEATS = 3


def snapshot_workflow(folder: Path) -> Path:
    """Copy the workflow's files into ``folder``; return its Snakefile."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in WORKFLOW_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, folder / part, ignore=ignore)
        elif source.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / part)
    return folder / "Snakefile"


def build_campaign(base: Path, folder: Path, scale: int) -> int:
    """Write sheets for ``scale`` copies of the demo NMR series; return n rows.

    Copy ``i`` is sample ``<sample>_c<i>`` with its own raw folders (copied, so
    every experiment has its own files, as in a real campaign).
    """
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    sheet = pd.read_csv(base / "nmr.tsv", sep="\t", dtype=str)
    regions = pd.read_csv(base / "regions.tsv", sep="\t", dtype=str)
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


def nmr_targets(folder: Path) -> list[str]:
    """The NMR stage's final outputs for the campaign in ``folder``."""
    import pandas as pd

    experiments = pd.read_csv(folder / "nmr.tsv", sep="\t", dtype=str)["experiment"]
    return [
        "results/tables/nmr_experiments.parquet",
        "results/tables/nmr_integrals.parquet",
    ] + [f"results/figures/nmr/{e}_spectra.png" for e in experiments]


def run_snakemake(
    snakefile: Path,
    folder: Path,
    cores: int,
    targets: list[str],
    log: Path,
    jobserver: bool = True,
) -> float:
    """Run the workflow in ``folder``; return its wall time in seconds."""
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(snakefile),
        "--configfile",
        "config.yaml",
        "--cores",
        str(cores),
        *targets,
    ]
    env = dict(os.environ, LIPROBE_JOBSERVER="on" if jobserver else "off")
    start = time.perf_counter()
    with log.open("w") as handle:
        result = subprocess.run(
            command, cwd=folder, stdout=handle, stderr=subprocess.STDOUT, env=env
        )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        tail = log.read_text()[-4000:]
        raise SystemExit(f"snakemake failed in {folder} (see {log}):\n{tail}")
    return wall


def benchmark_files(folder: Path) -> dict[str, list[dict]]:
    """Rows of every ``benchmarks/runs/<rule>/*.tsv`` file, by rule."""
    import pandas as pd

    out: dict[str, list[dict]] = {}
    for path in sorted((folder / "benchmarks" / "runs").glob("*/*.tsv")):
        frame = pd.read_csv(path, sep="\t")
        if len(frame):
            out.setdefault(path.parent.name, []).append(frame.iloc[-1].to_dict())
    return out


STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ [\d:]+ \d{4})\]$")


def job_spans(log_text: str) -> dict[str, tuple[str, float]]:
    """Per job id: (rule, seconds from start to finish) from Snakemake's log."""
    started: dict[str, tuple[str, datetime]] = {}
    spans: dict[str, tuple[str, float]] = {}
    stamp = None
    rule = None
    for line in log_text.splitlines():
        match = STAMP.match(line.strip())
        if match:
            stamp = datetime.strptime(match.group(1), "%a %b %d %H:%M:%S %Y")
            continue
        head = re.match(r"^(?:local)?rule (\w+):", line)
        if head:
            rule = head.group(1)
            continue
        jobid = re.match(r"^\s+jobid: (\d+)", line)
        if jobid and rule and stamp:
            started[jobid.group(1)] = (rule, stamp)
            continue
        done = re.match(r"^Finished jobid: (\d+)", line)
        if done and stamp and done.group(1) in started:
            name, begin = started[done.group(1)]
            spans[done.group(1)] = (name, (stamp - begin).total_seconds())
    return spans


def import_cost(script: Path, repeats: int = 3) -> dict[str, float]:
    """Seconds for a bare interpreter start and for the imports of ``script``."""
    scripts = next(p for p in script.parents if p.name == "workflow_scripts")
    tree = ast.parse(script.read_text())
    modules = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
    statement = "; ".join(f"import {m}" for m in modules) or "pass"

    def best(code: str) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", code],
                check=True,
                cwd=scripts,
                env={"PYTHONPATH": str(scripts), "MPLBACKEND": "Agg"},
            )
            times.append(time.perf_counter() - start)
        return min(times)

    return {"interpreter_s": best("pass"), "imports_s": best(statement)}


SERVED = re.compile(r"^jobserver: .* ran in a child .*, ([0-9.]+) s cpu$", re.M)


def served_cpu(log_dir: Path) -> float:
    """Mean CPU seconds of the jobs' work in job-server children (their logs)."""
    times = [
        float(match.group(1))
        for path in sorted(log_dir.glob("*.log"))
        for match in SERVED.finditer(path.read_text())
    ]
    return statistics.fmean(times) if times else float("nan")


def mean_span(spans: dict[str, tuple[str, float]], rule: str) -> float:
    """Mean start-to-finish seconds of the jobs of ``rule`` in the log."""
    times = [seconds for name, seconds in spans.values() if name == rule]
    return statistics.fmean(times) if times else float("nan")


def measure_jobserver(snakefile: Path, base: Path, root: Path, scale: int, cores: int):
    """The NMR stage of one campaign without (baseline) and with the job server."""
    out = {"scale": scale}
    for mode in ("off", "on"):
        folder = root / f"x{scale}-jobserver-{mode}"
        out["experiments"] = build_campaign(base, folder, scale)
        wall = run_snakemake(
            snakefile,
            folder,
            cores,
            nmr_targets(folder),
            folder / "run.log",
            jobserver=mode == "on",
        )
        logs = sorted((folder / ".snakemake" / "log").glob("*.snakemake.log"))
        spans = job_spans(logs[0].read_text()) if logs else {}
        convert = benchmark_files(folder).get("nmr_convert", [])
        out[mode] = {
            "wall_s": wall,
            "nmr_convert_mean_s": statistics.fmean(r["s"] for r in convert)
            if convert
            else float("nan"),
            "nmr_convert_span_s": mean_span(spans, "nmr_convert"),
            "plot_nmr_spectra_span_s": mean_span(spans, "plot_nmr_spectra"),
        }
        shutil.rmtree(folder / "raw", ignore_errors=True)
    out["wall_ratio_on_off"] = out["on"]["wall_s"] / out["off"]["wall_s"]
    out["nmr_convert_ratio_on_off"] = (
        out["on"]["nmr_convert_mean_s"] / out["off"]["nmr_convert_mean_s"]
    )
    return out


def measure(
    snakefile: Path, base: Path, root: Path, scale: int, cores: int, target_mode: str
):
    folder = root / f"x{scale}"
    n = build_campaign(base, folder, scale)
    targets = nmr_targets(folder) if target_mode == "nmr" else []
    wall = run_snakemake(snakefile, folder, cores, targets, folder / "run.log")
    noops = []
    for _ in range(NOOP_REPEATS):
        noops.append(
            run_snakemake(snakefile, folder, cores, targets, folder / "noop.log")
        )
        if "Nothing to be done" not in (folder / "noop.log").read_text():
            raise SystemExit(f"the rerun in {folder} was not a no-op: see noop.log")
    noop = statistics.median(noops)
    logs = sorted((folder / ".snakemake" / "log").glob("*.snakemake.log"))
    spans = job_spans(logs[0].read_text()) if logs else {}
    bench = benchmark_files(folder)
    bench_sum = sum(row["s"] for rows in bench.values() for row in rows)
    convert = bench.get("nmr_convert", [])
    span_sum = sum(seconds for _, seconds in spans.values())
    return {
        "scale": scale,
        "experiments": n,
        "jobs": len(spans),
        "wall_s": wall,
        "wall_per_experiment_s": wall / n,
        "noop_rerun_s": noop,
        "noop_rerun_runs_s": noops,
        "sum_job_spans_s": span_sum,
        "sum_benchmark_files_s": bench_sum,
        "benchmark_rules": sorted(bench),
        "parallel_efficiency": span_sum / (cores * wall) if wall else float("nan"),
        "nmr_convert_mean_s": statistics.fmean(r["s"] for r in convert)
        if convert
        else float("nan"),
        "nmr_convert_mean_cpu_s": statistics.fmean(r["cpu_time"] for r in convert)
        if convert
        else float("nan"),
        "nmr_convert_mean_served_cpu_s": served_cpu(
            folder / "logs" / "nmr" / "nmr_convert"
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="1x only")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--targets",
        choices=["all", "nmr"],
        default="all",
        help="the default target (all stages) or the NMR stage only",
    )
    parser.add_argument(
        "--jobserver-scale",
        type=int,
        default=4,
        help="campaign scale of the job-server comparison (0: skip it)",
    )
    parser.add_argument("--workdir", type=Path, help="keep the campaigns here")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    scales = [1] if args.smoke else sorted(set(args.scales) | {1})

    from liprobe.simulate.demo import build_demo

    root = args.workdir or Path(tempfile.mkdtemp(prefix="liprobe-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    build_demo(root / "demo", parts=("nmr",), workdir=root)
    snakefile = snapshot_workflow(root / "workflow")

    # First, while no server of this snapshot is warm: the "on" run starts one.
    js_scale = 1 if args.smoke else args.jobserver_scale
    served = (
        measure_jobserver(snakefile, root / "demo", root, js_scale, args.cores)
        if js_scale
        else None
    )

    results = []
    for scale in scales:
        results.append(
            measure(snakefile, root / "demo", root, scale, args.cores, args.targets)
        )
        done = results[-1]
        print(
            f"{scale}x: {done['experiments']} experiments, {done['wall_s']:.1f} s, "
            f"no-op rerun {done['noop_rerun_s']:.1f} s",
            flush=True,
        )
    cost = import_cost(
        snakefile.parent / "workflow_scripts" / "liprobe" / "steps" / "nmr_convert.py"
    )
    base = results[0]

    print(f"scaling benchmark, {args.cores} cores, targets: {args.targets}")
    header = (
        f"{'scale':>5} {'exps':>5} {'jobs':>5} {'wall s':>8} {'s/exp':>7} "
        f"{'ratio':>6} {'no-op s':>8} {'sum jobs s':>10} {'par.eff':>7}"
    )
    print(header)
    for r in results:
        r["per_experiment_ratio"] = (
            r["wall_per_experiment_s"] / base["wall_per_experiment_s"]
        )
        print(
            f"{r['scale']:>5} {r['experiments']:>5} {r['jobs']:>5} "
            f"{r['wall_s']:>8.1f} {r['wall_per_experiment_s']:>7.2f} "
            f"{r['per_experiment_ratio']:>6.2f} {r['noop_rerun_s']:>8.1f} "
            f"{r['sum_job_spans_s']:>10.0f} {r['parallel_efficiency']:>7.2f}"
        )
    print(
        "ratio: wall per experiment / the 1x run's (<= 1 is linear or better); "
        "par.eff: sum of job spans / (cores x wall)"
    )
    print(
        f"one nmr_convert job: {base['nmr_convert_mean_s']:.2f} s wall, "
        f"{base['nmr_convert_mean_cpu_s']:.2f} s CPU of the job's own process "
        f"(benchmark files) + {base['nmr_convert_mean_served_cpu_s']:.2f} s CPU "
        f"in the job server's child (job logs); "
        f"interpreter start {cost['interpreter_s']:.2f} s, "
        f"interpreter + the job's imports {cost['imports_s']:.2f} s"
    )
    if served:
        off, on = served["off"], served["on"]
        print(
            f"job server, NMR stage at {served['scale']}x "
            f"({served['experiments']} experiments): "
            f"off (baseline) {off['wall_s']:.1f} s, on {on['wall_s']:.1f} s; "
            f"ratio on/off wall: {served['wall_ratio_on_off']:.2f}"
        )
        print(
            f"  mean nmr_convert job: off {off['nmr_convert_mean_s']:.2f} s, "
            f"on {on['nmr_convert_mean_s']:.2f} s; "
            f"ratio on/off per job: {served['nmr_convert_ratio_on_off']:.2f}"
        )
        print(
            f"  mean plot_nmr_spectra job (log stamps, 1 s resolution): "
            f"off {off['plot_nmr_spectra_span_s']:.1f} s, "
            f"on {on['plot_nmr_spectra_span_s']:.1f} s"
        )
    largest = results[-1]
    print(
        f"no-op rerun at {largest['scale']}x: {largest['noop_rerun_s']:.1f} s, "
        f"median of {NOOP_REPEATS} "
        f"({', '.join(f'{t:.1f}' for t in largest['noop_rerun_runs_s'])} s) "
        f"(target < 5 s)"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"results": results, "job_cost": cost, "jobserver": served},
                indent=2,
            )
        )
    if not args.workdir:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
