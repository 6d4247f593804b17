"""No output, log or benchmark path of any rule leaves the campaign's results/,
logs/ and benchmarks/, whatever the sheets name.

The demo campaign is built once; its sheets are rewritten with the strangest
names the safe-name rule allows (dots, plus and minus signs, the longest
length), the whole DAG (every rule, forced) is built without running a job,
and every job's outputs, logs and benchmark are resolved against the working
directory. Hostile names (traversal, absolute paths, Snakemake wildcards) stop
the parse with an error naming the sheet, row and column, and create nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from liprobe.io.sheets import MAX_NAME_LENGTH

from conftest import forced_dag, run_snakemake, simulate_demo

REPO = Path(__file__).resolve().parents[1]
ALLOWED = ("results", "logs", "benchmarks")


@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory) -> Path:
    """The demo's raw files and sheets (simulated once, never reduced)."""
    workdir = simulate_demo(tmp_path_factory.mktemp("demo_inputs"))
    return workdir


def _campaign(demo_inputs: Path, workdir: Path) -> Path:
    """A copy of the demo campaign in ``workdir`` (config included)."""
    shutil.copytree(demo_inputs / "demo", workdir / "demo")
    cfg = workdir / "config.yaml"
    cfg.write_text((REPO / "config" / "config.yaml").read_text())
    return cfg


def _rewrite(workdir: Path, sheet: str, func) -> None:
    path = workdir / "demo" / f"{sheet}.tsv"
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    func(frame)
    frame.to_csv(path, sep="\t", index=False)


def _job_paths(workdir: Path, cfg: Path) -> list[tuple[str, str]]:
    """(rule, path) of every output, log and benchmark of the forced DAG."""

    def paths(job):
        found = [*job.output, *job.log]
        if job.benchmark:
            found.append(job.benchmark)
        return [(job.rule.name, str(p)) for p in found]

    jobs = forced_dag(workdir, [cfg], ["all", "paper"], paths)
    return [pair for job in jobs for pair in job]


SAFE_BUT_ODD = {
    "sample": "a..b+c-d_e.f",
    "long": "L" * (MAX_NAME_LENGTH - 1) + "x",
}


def test_every_output_log_and_benchmark_stays_inside_for_odd_names(
    demo_inputs, tmp_path
):
    cfg = _campaign(demo_inputs, tmp_path)
    odd, long = SAFE_BUT_ODD["sample"], SAFE_BUT_ODD["long"]

    def nmr(frame):
        frame.loc[frame["sample"] == "Li6PS5Cl", "sample"] = odd
        frame.loc[frame["sample"] == "two_site_mix", "series"] = "x..+-.y"
        frame.loc[frame["sample"] == "two_site_mix", "experiment"] = [
            f"{long[:-3]}{i:03d}"
            for i in range((frame["sample"] == "two_site_mix").sum())
        ]

    def regions(frame):
        frame.loc[frame["sample"] == "Li6PS5Cl", "sample"] = odd
        frame.loc[frame["region"] == "site_A", "region"] = "A..+-"

    def ndp(frame):
        frame.loc[frame["run"] == "ndp_bare_Cu", "run"] = "r..1+-"
        frame.loc[frame["cell"] == "ZnO_Cu", "cell"] = long

    _rewrite(tmp_path, "nmr", nmr)
    _rewrite(tmp_path, "regions", regions)
    _rewrite(tmp_path, "ndp", ndp)
    paths = _job_paths(tmp_path, cfg)
    rules = {rule for rule, _ in paths}
    assert len(rules) >= 20 and len(paths) > 100  # the whole DAG, not a stub
    assert any(odd in p for _, p in paths) and any("r..1+-" in p for _, p in paths)
    root = tmp_path.resolve()
    for rule, path in paths:
        resolved = (root / path).resolve()
        relative = resolved.relative_to(root)  # raises when outside the campaign
        assert relative.parts[0] in ALLOWED, (rule, path)
        assert len(relative.parts) > 1, (rule, path)


HOSTILE = [
    ("nmr", "series", "../../../outside/ESC"),
    ("nmr", "sample", "../outside"),
    ("nmr", "experiment", "/tmp/outside"),
    ("nmr", "series", "LPSC{x}"),
    ("nmr", "series", "LPSC#b2"),
    ("ndp", "run", "../../outside"),
    ("ndp", "cell", "{run}"),
    ("regions", "region", "../site"),
]


@pytest.mark.parametrize(
    ("sheet", "column", "value"), HOSTILE, ids=[f"{s}-{c}-{v}" for s, c, v in HOSTILE]
)
def test_hostile_name_stops_the_parse_and_writes_nothing(
    demo_inputs, tmp_path, sheet, column, value
):
    from snakemake.exceptions import WorkflowError

    campaign = tmp_path / "campaign"
    campaign.mkdir()
    cfg = _campaign(demo_inputs, campaign)

    def edit(frame):
        frame.loc[0, column] = value

    _rewrite(campaign, sheet, edit)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(WorkflowError) as info:
        run_snakemake(campaign, cfg, executor="dryrun")
    text = str(info.value)
    assert f"{sheet}.tsv" in text and "row 2" in text and column in text
    assert value in text
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (campaign / "results").exists()
