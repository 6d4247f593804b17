"""liprobe deployed as a workflow: the committed test campaign and module use.

* The tiny campaign in ``.test/`` is what ``python -m liprobe.simulate.testcampaign``
  writes, byte for byte, and stays small.
* A run on it from a fresh working directory (``--directory``, no
  ``--configfile``: Snakemake finds the campaign's ``config/config.yaml``) gives
  every table.
* Another workflow that uses liprobe as a Snakemake module (``module liprobe:
  snakefile: <this checkout>/Snakefile``, ``use rule * from liprobe``), with its
  own config and sheets in its own folder, gets the same Parquet tables as the
  direct run: same files, same columns, same values (exact), the raw folders'
  paths compared relative to each run's working directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from liprobe.simulate.testcampaign import build_test_campaign, campaign_files

from conftest import REPO

pytestmark = pytest.mark.slow

SNAKEMAKE = Path(sys.executable).with_name("snakemake")
CAMPAIGN = REPO / ".test"
#: Upper bound of the committed campaign's size (bytes).
MAX_CAMPAIGN_BYTES = 300_000

OUTER_SNAKEFILE = """\
configfile: "settings/liprobe.yaml"


module liprobe:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from liprobe
"""


def _snakemake(workdir: Path, *args: str) -> str:
    result = subprocess.run(
        [str(SNAKEMAKE), "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


def _tables(workdir: Path) -> dict[str, pd.DataFrame]:
    """Every Parquet table under ``results/``, raw paths relative to ``workdir``."""
    tables = {}
    for path in sorted((workdir / "results").rglob("*.parquet")):
        frame = pd.read_parquet(path)
        if "path" in frame.columns:
            frame["path"] = [
                os.path.relpath(p, workdir.resolve()) for p in frame["path"]
            ]
        tables[path.relative_to(workdir).as_posix()] = frame
    return tables


def test_committed_campaign_is_what_the_script_writes(tmp_path):
    written = build_test_campaign(tmp_path / "campaign")
    committed = campaign_files(CAMPAIGN)
    names = [p.relative_to(tmp_path / "campaign").as_posix() for p in written]
    assert names == [p.relative_to(CAMPAIGN).as_posix() for p in committed]
    for new, old in zip(written, committed, strict=True):
        assert new.read_bytes() == old.read_bytes(), old
    size = sum(p.stat().st_size for p in committed)
    assert 0 < size <= MAX_CAMPAIGN_BYTES, size


@pytest.fixture(scope="module")
def direct_run(tmp_path_factory) -> Path:
    """The committed campaign run as it is, from a copy, with the default config."""
    workdir = tmp_path_factory.mktemp("direct")
    for sub in ("config", "data"):
        shutil.copytree(CAMPAIGN / sub, workdir / sub)
    _snakemake(
        REPO, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)
    )
    return workdir


@pytest.fixture(scope="module")
def module_run(tmp_path_factory) -> Path:
    """The same raw files reduced by an outer workflow using liprobe as a module,
    with its own layout: ``workflow/Snakefile``, ``settings/liprobe.yaml``,
    ``sheets/*.tsv`` and the raw folders under ``raw/``."""
    workdir = tmp_path_factory.mktemp("outer")
    shutil.copytree(CAMPAIGN / "data", workdir / "raw")
    (workdir / "sheets").mkdir()
    nmr = pd.read_csv(CAMPAIGN / "config" / "nmr.tsv", sep="\t", dtype=str)
    nmr["path"] = [p.replace("data/", "raw/", 1) for p in nmr["path"]]
    nmr.to_csv(workdir / "sheets" / "experiments.tsv", sep="\t", index=False)
    shutil.copy(CAMPAIGN / "config" / "regions.tsv", workdir / "sheets" / "ppm.tsv")
    (workdir / "settings").mkdir()
    (workdir / "settings" / "liprobe.yaml").write_text(
        "sheets:\n  nmr: sheets/experiments.tsv\n  regions: sheets/ppm.tsv\n"
    )
    (workdir / "workflow").mkdir()
    (workdir / "workflow" / "Snakefile").write_text(
        OUTER_SNAKEFILE.format(snakefile=(REPO / "Snakefile").as_posix())
    )
    _snakemake(workdir)
    return workdir


def test_direct_run_of_the_committed_campaign(direct_run):
    tables = _tables(direct_run)
    for name in ("nmr_experiments", "nmr_integrals", "relaxation_fits"):
        assert f"results/tables/{name}.parquet" in tables
    experiments = tables["results/tables/nmr_experiments.parquet"]
    sheet = pd.read_csv(CAMPAIGN / "config" / "nmr.tsv", sep="\t")
    assert sorted(experiments["experiment"]) == sorted(sheet["experiment"])
    assert sorted(experiments["path"]) == sorted(sheet["path"])


def test_module_run_gives_the_same_tables(direct_run, module_run):
    direct, module = _tables(direct_run), _tables(module_run)
    assert len(direct) >= 4
    assert sorted(module) == sorted(direct)
    for name, frame in direct.items():
        other = module[name]
        if "path" in frame.columns:
            # the outer workflow keeps the raw folders under raw/, not data/
            other = other.assign(
                path=[p.replace("raw/", "data/", 1) for p in other["path"]]
            )
        pd.testing.assert_frame_equal(other, frame, check_exact=True, obj=name)


def test_module_run_reads_the_envs_of_this_checkout(module_run):
    """Paths inside liprobe resolve against its checkout, not the outer
    workflow's folder: the software page lists every env file of liprobe."""
    page = (module_run / "results" / "report" / "software_versions.html").read_text()
    envs = sorted(p.name for p in (REPO / "envs").glob("*.yaml"))
    assert envs
    for name in envs:
        assert name in page, name
