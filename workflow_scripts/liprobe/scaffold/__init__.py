"""``liprobe init``: draft a campaign's sheets and config from raw data folders.

:func:`scaffold_campaign` scans data folders at any depth for Bruker
experiment folders (folders with ``acqus``), list-mode and cycler files, and
drafts ``nmr.tsv``, ``regions.tsv``, ``ndp.tsv``, a ``config.yaml`` holding only
what differs from the schema's defaults, and ``init_report.md``: what was
found per kind and series, what was skipped and why, what was listed with a
flag, and the command to run next. A file the user has edited is never
overwritten: the new draft goes beside it as ``<name>.new``.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from liprobe.io.bruker.scan import find_experiment_folders
from liprobe.io.drafts import write_drafts
from liprobe.options import Options, defaults
from liprobe.scaffold.ndp import find_files, plan_ndp
from liprobe.scaffold.nmr import (
    SheetRow,
    describe_experiment,
    drop_duplicates,
    plan_rows,
    sheet_columns,
)
from liprobe.scaffold.regions import REGION_COLUMNS, draft_regions


@dataclass
class Scaffold:
    """What :func:`scaffold_campaign` found and wrote."""

    rows: list[SheetRow]
    skipped: list[tuple[str, str]]
    regions: pd.DataFrame
    region_sources: dict[str, str]
    ndp: pd.DataFrame
    written: list[tuple[Path, str]] = field(default_factory=list)
    report: str = ""


def _relative(path: str, base: Path) -> str:
    """``path`` relative to the campaign folder when it can be, else absolute."""
    try:
        return os.path.relpath(path, base)
    except ValueError:  # another drive
        return str(path)


def _tsv(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, sep="\t", index=False, lineterminator="\n", na_rep="")
    return buf.getvalue()


def nmr_sheet(rows: list[SheetRow], base: Path) -> pd.DataFrame:
    """The drafted ``nmr`` sheet (paths relative to the campaign folder)."""
    records = [
        {
            "experiment": r.experiment,
            "sample": r.sample,
            "path": _relative(r.path, base),
            "kind": r.kind,
            "series": r.series,
            "temperature_K": "" if r.temperature_K is None else r.temperature_K,
            "note": r.note,
        }
        for r in rows
    ]
    return pd.DataFrame(records, columns=sheet_columns("nmr", records))


def _regions(rows: list[SheetRow], options: Options):
    frames, sources = [], {}
    for sample in dict.fromkeys(r.sample for r in rows):
        first = next(r for r in rows if r.sample == sample)
        frame, source = draft_regions(Path(first.path), first.kind, options)
        sources[sample] = source
        if len(frame):
            frame.insert(0, "sample", sample)
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["sample", *REGION_COLUMNS]), sources
    regions = pd.concat(frames, ignore_index=True)
    return regions[sheet_columns("regions", [dict.fromkeys(regions)])], sources


def config_text(has_nmr: bool, has_regions: bool, ndp: pd.DataFrame) -> str:
    """A config holding only what differs from the defaults: the sheets."""
    lines = [
        "# Drafted by liprobe init. Every other key keeps its default",
        "# (config/README.md of the workflow lists them all).",
        "sheets:",
    ]
    if has_nmr:
        lines.append("  nmr: nmr.tsv")
    if has_regions:
        lines.append("  regions: regions.tsv")
    if len(ndp):
        lines += [
            "  # ndp.tsv needs stack and area_cm2 (and listmode_start_utc for formats",
            "  # that store no time) before the NDP stage can run: fill them in,",
            "  # describe the stacks under ndp.stacks, then uncomment:",
            "  # ndp: ndp.tsv",
        ]
    if not (has_nmr or has_regions):
        lines[-1] = "sheets: {}"
    return "\n".join(lines) + "\n"


def report_text(scaffold: Scaffold, out_dir: Path, snakefile: str) -> str:
    """The init report (markdown): found, skipped, flagged, next command."""
    rows = scaffold.rows
    lines = ["# liprobe init report", ""]
    lines.append(
        f"{len(rows)} NMR experiments listed, {len(scaffold.skipped)} skipped."
    )
    lines.append("")
    if rows:
        lines += ["## NMR experiments by kind and series", ""]
        lines += ["| series | kind | sample | experiments | temperatures (K) |"]
        lines += ["|---|---|---|---|---|"]
        by_series: dict[str, list[SheetRow]] = {}
        for r in rows:
            by_series.setdefault(r.series, []).append(r)
        for series, members in by_series.items():
            temps = sorted(
                {
                    round(m.source.temperature_K)
                    for m in members
                    if m.source.temperature_K is not None
                }
            )
            kinds = ", ".join(sorted({m.kind for m in members}))
            lines.append(
                f"| {series} | {kinds} | {members[0].sample} | {len(members)} | "
                f"{', '.join(map(str, temps)) or 'unknown'} |"
            )
        counts = Counter(r.kind for r in rows)
        lines += [
            "",
            "Kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())),
            "",
        ]
        lines += ["How each kind was told:", ""]
        for r in rows:
            lines.append(f"* `{r.experiment}`: {r.kind} from {r.source.kind_reason}")
        lines.append("")
    flagged = [r for r in rows if r.source.flags or r.note]
    if flagged:
        lines += ["## Listed with a flag or a note (review these rows)", ""]
        for r in flagged:
            what = "; ".join([*r.source.flags, r.note] if r.note else r.source.flags)
            lines.append(f"* `{r.experiment}` ({r.path}): {what}")
        lines.append("")
    if scaffold.skipped:
        lines += ["## Skipped", ""]
        for path, why in scaffold.skipped:
            lines.append(f"* {path}: {why}")
        lines.append("")
    if scaffold.region_sources:
        lines += ["## Regions (marked for review)", ""]
        for sample, source in scaffold.region_sources.items():
            n = int((scaffold.regions["sample"] == sample).sum())
            lines.append(f"* {sample}: {n} regions, {source}")
        lines.append("")
    if len(scaffold.ndp):
        lines += ["## NDP runs", ""]
        for row in scaffold.ndp.itertuples():
            lines.append(f"* `{row.run}` ({row.listmode}): {row.note}")
        lines.append("")
    if any(r.kind == "exsy" for r in rows):
        lines += [
            "EXSY series: add `particle_radius_um` (and `particle_radius_um_err`) to",
            "their rows in nmr.tsv for diffusion coefficients and exchange currents.",
            "",
        ]
    lines += ["## Files", ""]
    for path, status in scaffold.written:
        shown = _relative(str(path), out_dir)
        if status == "kept":
            lines.append(
                f"* {shown}: new draft; the file you edited was kept: compare "
                "them and merge what you need"
            )
        else:
            lines.append(f"* {shown}: {status}")
    lines += [
        "",
        "## Next",
        "",
        "Review the sheets (rows with a note first), then run:",
        "",
        "```",
        f"cd {out_dir} && snakemake -s {snakefile} --cores 8 --configfile config.yaml",
        "```",
        "",
    ]
    return "\n".join(lines)


def scaffold_campaign(
    data_dirs,
    out_dir: str | Path,
    *,
    snakefile: str,
    cycler_timezone: str | None = None,
    options: Options | None = None,
) -> Scaffold:
    """Scan ``data_dirs``, draft the campaign in ``out_dir``, return what was done.

    ``cycler_timezone`` (an IANA name) lets cycler files be read for pairing by
    time overlap; without it, runs are paired by file name. ``options``: the
    schema defaults unless given (``nmr.plausible_temperature_K``,
    ``exsy.mixing_delay_index``, ``ndp.chunk_events``, ``scaffold``).
    """
    options = options or defaults()
    out = Path(out_dir).resolve()
    roots = [Path(d).resolve() for d in data_dirs]
    found = [
        describe_experiment(
            p,
            plausible_temperature_K=options.nmr.plausible_temperature_K,
            mixing_delay_index=options.exsy.mixing_delay_index,
        )
        for p in find_experiment_folders(roots)
    ]
    found = drop_duplicates(found)
    rows = plan_rows(found)
    skipped = [(str(e.path), e.skip) for e in found if e.skip]
    regions, region_sources = _regions(rows, options)
    files, skipped_files = find_files(
        roots,
        chunk_events=options.ndp.chunk_events,
        cycler_timezone=cycler_timezone,
        max_gap_s=options.echem.max_gap_s,
        reader_timeout_s=options.echem.reader_timeout_s,
    )
    skipped += [(str(p), why) for p, why in skipped_files]
    ndp = plan_ndp(files, cycler_timezone)
    for column in ("listmode", "cycler", "background", "reference"):
        if column in ndp:
            ndp[column] = [_relative(v, out) if v else "" for v in ndp[column]]
    scaffold = Scaffold(rows, skipped, regions, region_sources, ndp)
    drafts = {}
    if rows:
        drafts["nmr.tsv"] = _tsv(nmr_sheet(rows, out))
    if len(regions):
        drafts["regions.tsv"] = _tsv(regions)
    if len(ndp):
        drafts["ndp.tsv"] = _tsv(ndp)
    drafts["config.yaml"] = config_text(bool(rows), len(regions) > 0, ndp)
    scaffold.written = write_drafts(out, drafts)
    scaffold.report = report_text(scaffold, out, snakefile)
    scaffold.written += write_drafts(out, {"init_report.md": scaffold.report})
    return scaffold
