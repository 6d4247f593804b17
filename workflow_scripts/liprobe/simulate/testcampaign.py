"""Build the tiny committed test campaign (``.test/``) from the demo simulator.

Usage: ``python -m liprobe.simulate.testcampaign [<outdir>]`` (default ``.test``)

A few kB of raw files, small enough to live in the repository, so that
``snakemake --lint`` and ``snakemake -n`` (run with ``--directory .test``) and a
short real run work on a fresh clone, before ``make demo`` has built the full
demo campaign. It is the demo's 7Li saturation-recovery series at five
temperatures, with fewer delays and shorter FIDs; the layout follows the
workflow catalog's convention:

* ``<outdir>/config/config.yaml`` names the sheets (paths relative to
  ``<outdir>``, the working directory of such a run);
* ``<outdir>/config/nmr.tsv``, ``<outdir>/config/regions.tsv``: the sheets;
* ``<outdir>/data/``: the raw Bruker folders.

The files are a deterministic function of the code (fixed seed), so the
committed campaign can be rebuilt and compared byte for byte.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

#: The simulator's seed for the test campaign (the demo's own).
SEED = 20261122
#: Temperatures (K) of the saturation-recovery series: both flanks of the BPP
#: rate maximum and the maximum itself.
TEMPERATURES_K = (180.0, 240.0, 300.0, 360.0, 420.0)
#: Recovery delays per experiment, complex points per FID, points after zero filling.
N_DELAYS = 8
TD_COMPLEX = 256
SI = 1024

CONFIG_TEXT = """\
# liprobe configuration of the tiny test campaign (written by
# `python -m liprobe.simulate.testcampaign .test`; do not edit by hand).
# Run from the repository root with `--directory .test`: the sheets' paths are
# relative to that working directory, and Snakemake finds this file as the
# workflow's default configfile (config/config.yaml) there.
sheets:
  nmr: config/nmr.tsv
  regions: config/regions.tsv
"""


def build_test_campaign(outdir: str | Path = ".test") -> list[Path]:
    """Write the test campaign into ``outdir`` (its ``config`` and ``data``
    folders are replaced); return the files written, sorted."""
    from liprobe.simulate.nmr import SatRecTruth, write_satrec_campaign

    outdir = Path(outdir)
    for sub in ("config", "data"):
        shutil.rmtree(outdir / sub, ignore_errors=True)
    (outdir / "config").mkdir(parents=True)
    data = outdir / "data"
    truth = SatRecTruth(temperatures_K=list(TEMPERATURES_K), n_delays=N_DELAYS)
    slr = write_satrec_campaign(
        data / "nmr", seed=SEED, truth=truth, td_complex=TD_COMPLEX, si=SI
    )
    rows = [
        {**row, "path": Path(row["path"]).relative_to(outdir).as_posix()}
        for row in slr["nmr"]
    ]
    columns = ["experiment", "sample", "path", "kind"]
    pd.DataFrame(rows)[columns].to_csv(
        outdir / "config" / "nmr.tsv", sep="\t", index=False
    )
    pd.DataFrame(slr["regions"])[["sample", "region", "ppm_min", "ppm_max"]].to_csv(
        outdir / "config" / "regions.tsv", sep="\t", index=False
    )
    (outdir / "config" / "config.yaml").write_text(CONFIG_TEXT)
    return campaign_files(outdir)


def campaign_files(outdir: str | Path = ".test") -> list[Path]:
    """The files of the test campaign in ``outdir`` (config and data), sorted."""
    outdir = Path(outdir)
    return sorted(
        p
        for sub in ("config", "data")
        for p in (outdir / sub).rglob("*")
        if p.is_file()
    )


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "outdir", nargs="?", default=".test", help="folder of the test campaign"
    )
    args = parser.parse_args(argv)
    files = build_test_campaign(args.outdir)
    size = sum(p.stat().st_size for p in files)
    print(f"test campaign written to {args.outdir}: {len(files)} files, {size} bytes")


if __name__ == "__main__":
    main()
