"""Build the bundled demo campaign: raw files simulated from known parameters.

Usage: ``python -m liprobe.simulate.demo <outdir> [--parts PART,...]`` (``PARTS``)

Writes raw Bruker folders, list-mode and cycler files, the sheets that point to
them (``nmr.tsv``, ``regions.tsv``, ``ndp.tsv``, ``sites.tsv``,
``operando_nmr.tsv``) and ``truth.json``, which holds the parameters the files
were simulated from. The reduction never reads the truth file; tests compare
the workflow's tables with it.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pandas as pd

PARTS = (
    "nmr",
    "exsy",
    "exsy3",
    "ndp",
    "linewidth",
    "operando_nmr",
    "hybrid",
    "cp",
    "pfg",
)
#: the parts built unless asked otherwise (``exsy3``, the three-site exchange
#: campaign, on request: ``--parts exsy3``)
DEFAULT_PARTS = (
    "nmr",
    "exsy",
    "ndp",
    "linewidth",
    "operando_nmr",
    "hybrid",
    "cp",
    "pfg",
)
#: The columns of the demo's NDP sheet, as a user writes them from the sheet
#: format (``config/schemas/ndp.schema.yaml``); optional columns the demo has
#: no value for (``deposit_thickness_um``) are left out.
NDP_SHEET_COLUMNS = (
    "run",
    "listmode",
    "cell",
    "stack",
    "area_cm2",
    "format",
    "listmode_start_utc",
    "cycler",
    "cycler_timezone",
    "cycler_date_order",
    "plating_sign",
    "li6_fraction",
    "slice_s",
    "background",
    "reference",
)
#: the columns of the demo's operando_nmr sheet
#: (``config/schemas/operando_nmr.schema.yaml``)
OPERANDO_NMR_SHEET_COLUMNS = (
    "run",
    "cell",
    "path",
    "area_cm2",
    "cycler",
    "cycler_timezone",
    "cycler_date_order",
    "plating_sign",
    "reference",
    "counter_area_cm2",
    "counter_thickness_um",
)


def _write_tsv(path: Path, rows: list[dict], columns: list[str]) -> None:
    frame = pd.DataFrame(rows)
    for column in columns:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame[columns]
    frame.to_csv(path, sep="\t", index=False)


def _relative(path: str | Path, base: Path) -> str:
    """A path relative to the working directory the sheets are used from."""
    return os.path.relpath(Path(path).resolve(), base.resolve())


def build_demo(
    outdir: str | Path,
    parts: tuple[str, ...] = DEFAULT_PARTS,
    seed: int = 20261122,
    workdir: str | Path = ".",
) -> dict:
    """Simulate the demo campaign into ``outdir``; return the truth mapping.

    Paths inside the sheets are written relative to ``workdir`` (the folder the
    workflow runs from), as a user's sheets would be.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    base = Path(workdir)
    nmr_rows: list[dict] = []
    region_rows: list[dict] = []
    ndp_rows: list[dict] = []
    operando_rows: list[dict] = []
    site_rows: list[dict] = []
    truth: dict = {"seed": seed, "parts": list(parts)}

    def add(part: dict, key: str | None) -> None:
        """Add a part's nmr, regions and sites rows, and its truth under ``key``."""
        nmr_rows.extend(part.get("nmr", []))
        region_rows.extend(part.get("regions", []))
        site_rows.extend(part.get("sites", []))
        if key is not None:
            truth[key] = part["truth"]

    if "nmr" in parts:
        from liprobe.simulate.nmr import write_satrec_campaign

        add(write_satrec_campaign(outdir / "nmr", seed=seed), "slr")
    if "exsy" in parts:
        from liprobe.simulate.exsy import write_demo_exsy, write_demo_exsy_two_site

        exsy = write_demo_exsy(outdir / "exsy", seed=seed + 1)
        # the rate-limited sample: data the two-site model describes
        two_site = write_demo_exsy_two_site(outdir / "exsy", seed=seed + 3)
        add(exsy, None)
        add(two_site, None)
        truth["exsy"] = {**exsy["truth"], "two_site": two_site["truth"]}
    if "linewidth" in parts:
        from liprobe.simulate.linewidth import write_narrowing_series

        add(write_narrowing_series(outdir / "linewidth", seed=seed + 4), "linewidth")
    if "exsy3" in parts:
        from liprobe.simulate.exsy3 import write_demo_exsy3

        # three sites (electrolyte - coating - electrode): 2D and 1D exchange
        add(write_demo_exsy3(outdir / "exsy3", seed=seed + 4), "exsy3")
    if "cp" in parts:
        from liprobe.simulate.cp import write_cp_campaign

        add(write_cp_campaign(outdir / "cp", seed=seed + 4), "cp")
    if "pfg" in parts:
        from liprobe.simulate.pfg import write_demo_pfg

        add(write_demo_pfg(outdir / "pfg", seed=seed + 4), "pfg")
    if "ndp" in parts:
        from liprobe.simulate.ndp import write_demo_ndp

        ndp = write_demo_ndp(outdir / "ndp", seed=seed + 2)
        ndp_rows += ndp["ndp"]
        truth["ndp"] = ndp["truth"]
    if "operando_nmr" in parts:
        from liprobe.simulate.operando_nmr import write_demo_operando_nmr

        operando = write_demo_operando_nmr(outdir / "operando_nmr", seed=seed + 4)
        operando_rows += operando["operando_nmr"]
        truth["operando_nmr"] = operando["truth"]
    if "hybrid" in parts:
        from liprobe.simulate.hybrid import write_hybrid_campaign

        add(write_hybrid_campaign(outdir / "hybrid", seed=seed + 4), "hybrid")

    for row in nmr_rows:
        row["path"] = _relative(row["path"], base)
    path_columns = ("listmode", "cycler", "background", "reference")
    for row in ndp_rows:
        for column in path_columns:
            if row.get(column):
                row[column] = _relative(row[column], base)
    _write_tsv(
        outdir / "nmr.tsv",
        nmr_rows,
        [
            "experiment",
            "sample",
            "path",
            "kind",
            "series",
            "temperature_K",
            "particle_radius_um",
        ]
        # the columns of the newer methods only when a part has values for them,
        # so that a campaign of the older parts reads with an older liprobe
        + [
            column
            for column in ("state", "mass_mg", "mas_rate_Hz", "inverted_site")
            if any(r.get(column) not in (None, "") for r in nmr_rows)
        ],
    )
    _write_tsv(
        outdir / "sites.tsv",
        site_rows,
        [
            "sample",
            "site",
            "shift_ppm",
            "shift_min_ppm",
            "shift_max_ppm",
            "shape",
            "sidebands",
            "shared",
        ],
    )
    _write_tsv(
        outdir / "regions.tsv", region_rows, ["sample", "region", "ppm_min", "ppm_max"]
    )
    _write_tsv(outdir / "ndp.tsv", ndp_rows, list(NDP_SHEET_COLUMNS))
    for row in operando_rows:
        for column in ("path", "cycler"):
            row[column] = _relative(row[column], base)
    _write_tsv(
        outdir / "operando_nmr.tsv", operando_rows, list(OPERANDO_NMR_SHEET_COLUMNS)
    )
    (outdir / "truth.json").write_text(json.dumps(truth, indent=2, default=str))
    return truth


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", help="folder to write the demo campaign into")
    parser.add_argument(
        "--parts",
        default=",".join(DEFAULT_PARTS),
        help="comma-separated, of: " + ",".join(PARTS),
    )
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)
    parts = tuple(p for p in args.parts.split(",") if p)
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {PARTS}")
    build_demo(args.outdir, parts=parts, seed=args.seed)
    print(f"demo campaign written to {args.outdir}")


if __name__ == "__main__":
    main()
