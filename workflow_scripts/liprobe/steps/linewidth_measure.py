"""Rule linewidth_measure: the Bruker folders of one line-width series -> the
FWHM of every region's line in every spectrum, with its temperature.

Each folder is read and processed as the NMR stage does (acqus TE judged
plausible or not, the sheet's temperature_K overriding it), then measured on
the full processed spectrum (:mod:`liprobe.linewidth.measure`).
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.bruker import read_intrng
from liprobe.io.runlog import rule_log
from liprobe.io.tables import sha256_file, write_table
from liprobe.linewidth.measure import measure_spectrum
from liprobe.nmr import process
from liprobe.nmr.acquisition import read_experiment
from liprobe.options import LinewidthOptions, NmrOptions
from liprobe.steps.job import Job

#: experiment flags that say where the temperature came from or why it is NaN
_TEMPERATURE_FLAGS = ("acqus_TE_implausible", "temperature_K_from_sheet")


def measure_experiment(
    item: dict,
    nmr: NmrOptions,
    options: LinewidthOptions,
    *,
    mixing_delay_index: int,
    rng,
) -> tuple[pd.DataFrame, list[str]]:
    """The linewidth rows of one sheet row (one per region) and its raw files."""
    path, procno = item["path"], int(item["procno"])
    fid = read_experiment(
        path,
        procno,
        dict(item["overrides"]),
        mixing_delay_index=mixing_delay_index,
        plausible_temperature_K=nmr.plausible_temperature_K,
    )
    if fid.td1 != 1:
        raise InputError(
            path, "TD1", "a 1D spectrum (kind linewidth)", f"{fid.td1} rows"
        )
    if item["regions"]:
        regions = pd.DataFrame(list(item["regions"]))
    else:
        regions = read_intrng(path, procno)
        if regions is None or regions.empty:
            raise InputError(
                path,
                "regions",
                "rows of the sample in the regions sheet, or a TopSpin intrng",
                "neither",
            )
    spectra = process(fid, nmr)
    rows = measure_spectrum(
        spectra.ppm,
        np.asarray(spectra.data)[0],
        regions,
        sf_MHz=float(fid.larmor_MHz),
        method=options.method,
        shape=options.shape,
        baseline_order=options.baseline_order,
        poor_fit_p=options.poor_fit_p_value,
        n_resample=options.n_resample,
        rng=rng,
    )
    t_flags = [f for f in fid.flags if f in _TEMPERATURE_FLAGS]
    if not math.isfinite(fid.temperature_K):
        t_flags.append("temperature_K_missing")
    rows["flags"] = [
        ";".join([f for f in str(cell).split(";") if f] + t_flags)
        for cell in rows["flags"]
    ]
    rows["fit_ok"] = rows["fit_ok"].astype(bool) & math.isfinite(fid.temperature_K)
    rows.insert(0, "experiment", item["experiment"])
    rows.insert(1, "series", item["series"])
    rows.insert(2, "sample", item["sample"])
    rows.insert(4, "temperature_K", float(fid.temperature_K))
    rows["larmor_MHz"] = float(fid.larmor_MHz)
    rows["lb_Hz"] = float(spectra.lb_Hz)
    rows["path"] = str(path)
    return rows, [str(f) for f in fid.raw_files]


def failed_rows(item: dict, error: InputError) -> pd.DataFrame:
    """One flagged row for an experiment that could not be read."""
    return pd.DataFrame(
        [
            {
                "experiment": item["experiment"],
                "series": item["series"],
                "sample": item["sample"],
                "site": "",
                "temperature_K": math.nan,
                "method": "",
                "shift_ppm": math.nan,
                "fwhm_ppm": math.nan,
                "fwhm_ppm_err": math.nan,
                "fwhm_Hz": math.nan,
                "fwhm_Hz_err": math.nan,
                "err_method": "",
                "fit_ok": False,
                "flags": "input_error",
                "larmor_MHz": math.nan,
                "lb_Hz": math.nan,
                "path": str(item["path"]),
                "error": f"InputError: {error}",
            }
        ]
    )


def run(job: Job) -> None:
    """Measure every spectrum of one line-width series; write its table."""
    p = job.params
    nmr = NmrOptions.from_params(p.nmr, "nmr")
    options = LinewidthOptions.from_params(p.options, "linewidth")
    rng = np.random.default_rng(options.seed)
    parts, raw = [], []
    with rule_log(job.log[0]) as log:
        for item in p.experiments:
            try:
                rows, files = measure_experiment(
                    item,
                    nmr,
                    options,
                    mixing_delay_index=p.mixing_delay_index,
                    rng=rng,
                )
                rows["error"] = ""
            except InputError as exc:
                log.error(
                    "InputError: %s (experiment %s flagged)", exc, item["experiment"]
                )
                print(f"liprobe InputError: {exc}", file=sys.stderr)
                rows, files = failed_rows(item, exc), []
            parts.append(rows)
            raw.extend(files)
        table = pd.concat(parts, ignore_index=True)
        write_table(
            table,
            job.output.table,
            input_hashes={f: sha256_file(f) for f in raw},
            config={"nmr": p.nmr, "linewidth": p.options},
        )
        log.info(
            "series %s: %d widths from %d experiments",
            p.series,
            len(table),
            len(p.experiments),
        )
