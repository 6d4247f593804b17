"""Rule exsy_volumes: process the experiments of one EXSY series, box volumes.

Writes the series' peak volumes and the spectrum at the longest mixing time
(for the contour figure)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from liprobe.exsy.series import experiment_volumes
from liprobe.exsy.volumes import site_regions
from liprobe.io.bruker import read_intrng, read_processed
from liprobe.io.runlog import rule_log
from liprobe.io.tables import write_table
from liprobe.nmr.acquisition import read_experiment
from liprobe.options import ExsyOptions
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """process the experiments of one EXSY series, box volumes."""
    with rule_log(job.log[0]) as log:
        p = job.params
        opts = ExsyOptions.from_params(p.options, "exsy")
        columns = ["sample", "region", "ppm_min", "ppm_max"]
        regions = pd.DataFrame(list(p.regions), columns=columns)
        source = p.regions_sheet
        if regions.empty:  # no sheet rows: TopSpin's integral regions of the first one
            first = p.experiments[0]
            intrng = read_intrng(first["path"], first["procno"])
            source = f"{first['path']}/pdata/{first['procno']}/intrng"
            if intrng is not None:
                regions = intrng.assign(sample=p.sample)[columns]
            log.info("regions from %s", source)
        sites = site_regions(regions, p.sample, source=source)
        frames, raw = [], []
        longest = None
        for exp in p.experiments:
            fid = read_experiment(
                exp["path"],
                exp["procno"],
                dict(exp["overrides"]),
                mixing_delay_index=opts.mixing_delay_index,
                plausible_temperature_K=opts.plausible_temperature_K,
            )
            raw.extend(str(f) for f in fid.raw_files)
            frame, spectrum = experiment_volumes(
                fid,
                sites,
                experiment=exp["experiment"],
                sample=p.sample,
                series=p.series,
                phase_mode=opts.phase,
                delay_index=opts.mixing_delay_index,
                baseline=opts.baseline,
                margin_fraction=opts.noise_margin_fraction,
                reference=read_processed(exp["path"], exp["procno"]),
            )
            frame["particle_radius_um"] = exp["particle_radius_um"]
            frame["particle_radius_um_err"] = exp["particle_radius_um_err"]
            tm = float(frame["mixing_time_s"].iloc[0])
            log.info(
                "%s: tm = %g s, volumes %s",
                exp["experiment"],
                tm,
                frame["volume"].round(6).tolist(),
            )
            if longest is None or tm > longest[0]:
                longest = (tm, spectrum, exp["experiment"])
            frames.append(frame)
        volumes = pd.concat(frames, ignore_index=True)
        write_table(volumes, job.output.volumes, inputs=raw, config=opts.params())
        tm, spectrum, experiment = longest
        np.savez_compressed(
            job.output.spectrum,
            data=spectrum.data.astype(np.float32),
            ppm_f1=spectrum.ppm_f1,
            ppm_f2=spectrum.ppm_f2,
            mixing_time_s=tm,
            experiment=experiment,
            site_names=np.array(list(sites)),
            site_a=np.array(sites[list(sites)[0]]),
            site_b=np.array(sites[list(sites)[1]]),
        )
