"""Rule nmr_convert: one 1D or pseudo-2D Bruker folder -> experiment record,
integrals, spectra.

True 2D (EXSY) folders are read and processed once, by the EXSY stage, which
writes their experiment records too.
"""

from __future__ import annotations

import pandas as pd

from liprobe.errors import InputError
from liprobe.io.bruker import read_intrng, read_processed
from liprobe.io.runlog import rule_log
from liprobe.io.tables import write_table
from liprobe.nmr import (
    experiment_record,
    integrate_regions,
    process,
    topspin_parity,
)
from liprobe.nmr.acquisition import read_experiment
from liprobe.options import NmrOptions
from liprobe.steps.job import Job
from liprobe.tidy import spectra_frame


def _number(value):
    """Sheet numbers as floats; absent values as NaN (a float column, not None)."""
    return float("nan") if value is None else float(value)


def run(job: Job) -> None:
    """Read, process and integrate one experiment; write its four tables."""
    p = job.params
    options = NmrOptions.from_params(p.options, "nmr")
    with rule_log(job.log[0]) as log:
        fid = read_experiment(
            p.path,
            p.procno,
            dict(p.overrides),
            mixing_delay_index=p.mixing_delay_index,
            plausible_temperature_K=options.plausible_temperature_K,
        )
        reference = read_processed(p.path, p.procno)
        log.info("read %s: kind %s, %d rows", p.path, fid.kind, fid.data.shape[0])
        if p.regions:
            regions = pd.DataFrame(list(p.regions))
            region_source = "sheet"
            region_file = f"regions sheet (sample {p.sample})"
        else:
            regions = read_intrng(p.path, p.procno)
            region_source = "topspin_intrng"
            region_file = f"{p.path}/pdata/{p.procno}/intrng"
        if fid.kind == "exsy":
            raise InputError(
                p.path,
                "kind",
                "a 1D or pseudo-2D experiment (true 2D folders go to the EXSY stage)",
                "a 2D EXSY acquisition (set its kind in the nmr sheet)",
            )
        spectra = process(fid, options)
        integrals = integrate_regions(
            spectra, fid, regions, noise_ppm=options.noise_ppm, source=region_file
        )
        integrals.insert(0, "experiment", p.experiment)
        record = experiment_record(fid, spectra)
        parity = topspin_parity(spectra, reference, fid.td1)
        frame = spectra_frame(spectra, fid)
        frame.insert(0, "experiment", p.experiment)
        record.update(
            experiment=p.experiment,
            sample=p.sample,
            series=p.series or "",
            path=p.path,
            procno=p.procno,
            particle_radius_um=_number(p.particle_radius_um),
            spinlock_kHz=_number(p.overrides.get("spinlock_kHz")),
            region_source=region_source,
            topspin_parity_r=parity,
        )
        front = ["experiment", "sample", "series", "path"]
        exp = pd.DataFrame([record])
        exp = exp[front + [c for c in exp.columns if c not in front]]
        raw = [str(f) for f in fid.raw_files]
        write_table(exp, job.output.experiment, inputs=raw, config=p.options)
        write_table(integrals, job.output.integrals, inputs=raw, config=p.options)
        write_table(frame, job.output.spectra, inputs=raw, config=p.options)
        if regions is None:
            regions = pd.DataFrame(columns=["region", "ppm_min", "ppm_max"])
        regions = regions[["region", "ppm_min", "ppm_max"]].copy()
        regions.insert(0, "experiment", p.experiment)
        write_table(regions, job.output.regions, inputs=raw, config=p.options)
        log.info("wrote %d integrals", len(integrals))
