"""Rule nmr_convert: the 1D and pseudo-2D Bruker folders of one series ->
experiment records, integrals, spectra and regions of the series.

One job per series (a series is what a scientist reruns anyway): the job pays
its imports once for all its folders. True 2D (EXSY) folders are read and
processed once, by the EXSY stage, which writes their experiment records too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from liprobe.errors import InputError
from liprobe.io.bruker import read_intrng, read_processed
from liprobe.io.runlog import rule_log
from liprobe.io.tables import sha256_file, write_table
from liprobe.nmr import (
    experiment_record,
    integrate_regions,
    process,
    topspin_parity,
)
from liprobe.nmr.acquisition import read_experiment
from liprobe.nmr.kinds import KINDS, peek_kind
from liprobe.options import NmrOptions
from liprobe.steps.job import Job
from liprobe.tidy import spectra_frame

TABLES = ("experiments", "integrals", "spectra", "regions")

#: Files of an experiment folder whose hashes a flagged (unreadable) experiment
#: still records, so that the tables say which bytes failed.
_RAW_NAMES = ("acqus", "acqu2s", "fid", "ser")


def _number(value):
    """Sheet numbers as floats; absent values as NaN (a float column, not None)."""
    return float("nan") if value is None else float(value)


def convert_experiment(
    item: dict, options: NmrOptions, *, mixing_delay_index: int, log
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Read, process and integrate one experiment of the sheet.

    ``item``: the sheet row as the rule hands it (experiment, sample, series,
    path, procno, particle_radius_um, overrides, regions). Returns its four
    tables (keys of :data:`TABLES`) and the raw files read.
    """
    path, procno = item["path"], int(item["procno"])
    overrides = dict(item["overrides"])
    fid = read_experiment(
        path,
        procno,
        overrides,
        mixing_delay_index=mixing_delay_index,
        plausible_temperature_K=options.plausible_temperature_K,
    )
    if fid.kind == "exsy":
        raise InputError(
            path,
            "kind",
            "a 1D or pseudo-2D experiment (true 2D folders go to the EXSY stage)",
            "a 2D EXSY acquisition (set its kind in the nmr sheet)",
        )
    reference = read_processed(path, procno)
    log.info("read %s: kind %s, %d rows", path, fid.kind, fid.data.shape[0])
    if item["regions"]:
        regions = pd.DataFrame(list(item["regions"]))
        region_source = "sheet"
        region_file = f"regions sheet (sample {item['sample']})"
    else:
        regions = read_intrng(path, procno)
        region_source = "topspin_intrng"
        region_file = f"{path}/pdata/{procno}/intrng"
    spectra = process(fid, options)
    integrals = integrate_regions(
        spectra, fid, regions, noise_ppm=options.noise_ppm, source=region_file
    )
    integrals.insert(0, "experiment", item["experiment"])
    record = experiment_record(fid, spectra)
    parity = topspin_parity(spectra, reference, fid.td1)
    frame = spectra_frame(spectra, fid)
    frame.insert(0, "experiment", item["experiment"])
    record.update(
        experiment=item["experiment"],
        sample=item["sample"],
        series=item["series"] or "",
        path=path,
        procno=procno,
        particle_radius_um=_number(item["particle_radius_um"]),
        spinlock_kHz=_number(overrides.get("spinlock_kHz")),
        region_source=region_source,
        topspin_parity_r=parity,
    )
    front = ["experiment", "sample", "series", "path"]
    experiment = pd.DataFrame([record])
    experiment = experiment[front + [c for c in experiment.columns if c not in front]]
    if regions is None:
        regions = pd.DataFrame(columns=["region", "ppm_min", "ppm_max"])
    regions = regions[["region", "ppm_min", "ppm_max"]].copy()
    regions.insert(0, "experiment", item["experiment"])
    tables = {
        "experiments": experiment,
        "integrals": integrals,
        "spectra": frame,
        "regions": regions,
    }
    return tables, [str(f) for f in fid.raw_files]


def failed_experiment(item: dict, error: InputError) -> tuple[pd.DataFrame, list]:
    """The flagged ``experiments`` row of an experiment that could not be read.

    It keeps the sheet's identity columns, the kind (the sheet's, else the one
    the parameter files tell, ``unknown`` when they cannot be read), status
    ``input_error`` and the error's one-line message in ``error``, so that the
    tables and fits downstream carry it instead of losing the series. Returns
    the row and the folder's raw files that exist (their hashes are recorded).
    """
    path = str(item["path"])
    kind = str(dict(item["overrides"]).get("kind") or "auto").strip().lower()
    if kind not in KINDS:
        kind = peek_kind(path)
    row = {
        "experiment": item["experiment"],
        "sample": item["sample"],
        "series": item["series"] or "",
        "path": path,
        "procno": int(item["procno"]),
        "kind": kind,
        "particle_radius_um": _number(item["particle_radius_um"]),
        "spinlock_kHz": _number(dict(item["overrides"]).get("spinlock_kHz")),
        "status": "input_error",
        "error": f"InputError: {error}",
        "flags": "input_error",
    }
    folder = Path(path)
    files = [str(folder / n) for n in _RAW_NAMES if (folder / n).is_file()]
    return pd.DataFrame([row]), files


def run(job: Job) -> None:
    """Convert every experiment of one series; write the series' four tables.

    An experiment whose files raise :class:`InputError` does not take the
    series down: it becomes a flagged row of the experiments table (status
    ``input_error``, the message in ``error``; no integrals, spectra or
    regions), the message goes to the log and to stderr, and the other
    experiments are converted.
    """
    p = job.params
    options = NmrOptions.from_params(p.options, "nmr")
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    raw: list[str] = []
    failed = 0
    with rule_log(job.log[0]) as log:
        for item in p.experiments:
            try:
                tables, files = convert_experiment(
                    item, options, mixing_delay_index=p.mixing_delay_index, log=log
                )
            except InputError as exc:
                failed += 1
                log.error(
                    "InputError: %s (experiment %s flagged, the series goes on)",
                    exc,
                    item["experiment"],
                )
                print(f"liprobe InputError: {exc}", file=sys.stderr)
                row, files = failed_experiment(item, exc)
                tables = {"experiments": row}
            else:
                tables["experiments"] = tables["experiments"].assign(
                    status="ok", error=""
                )
            for name in TABLES:
                if name in tables:
                    parts[name].append(tables[name])
            raw.extend(files)
        hashes = {f: sha256_file(f) for f in raw}  # once, not once per table
        for name in TABLES:
            frames = [f for f in parts[name] if len(f)] or parts[name][:1]
            table = (
                pd.concat(frames, ignore_index=True)
                if frames
                else pd.DataFrame({"experiment": pd.Series(dtype=str)})
            )
            write_table(table, job.output[name], input_hashes=hashes, config=p.options)
        log.info(
            "series %s: %d experiments (%d flagged input_error), %d integrals",
            job.wildcards.get("series", ""),
            len(p.experiments),
            failed,
            sum(len(f) for f in parts["integrals"]),
        )
