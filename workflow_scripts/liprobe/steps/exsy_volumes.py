"""Rule exsy_volumes: process the experiments of one EXSY series, box volumes.

Each raw folder is read and 2D-processed here, once per run. Writes the
series' peak volumes, its experiment records (for ``nmr_experiments``), and the
spectrum at the longest mixing time with the site intervals as tidy tables (for
the contour and paper figures), all with provenance."""

from __future__ import annotations

import pandas as pd

from liprobe.exsy.series import experiment_volumes, pool_series_noise, spectrum_frame
from liprobe.exsy.volumes import site_regions
from liprobe.io.bruker import read_intrng, read_processed
from liprobe.io.runlog import rule_log
from liprobe.io.tables import sha256_file, write_table
from liprobe.nmr.acquisition import read_experiment
from liprobe.nmr.integrate import experiment_record
from liprobe.options import ExsyOptions
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Process the experiments of one EXSY series; write its four tables."""
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
        frames, raw, records = [], [], []
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
            record = experiment_record(fid, None)
            record.update(
                experiment=exp["experiment"],
                sample=p.sample,
                series=p.series,
                path=exp["path"],
                procno=exp["procno"],
                particle_radius_um=_number(exp["particle_radius_um"]),
                spinlock_kHz=_number(exp["overrides"].get("spinlock_kHz")),
                region_source="sheet" if p.regions else "topspin_intrng",
                topspin_parity_r=float(frame["topspin_parity_r"].iloc[0]),
                topspin_unsupported=";".join(spectrum.unsupported),
            )
            records.append(record)
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
        volumes = pool_series_noise(
            pd.concat(frames, ignore_index=True),
            baseline=opts.baseline,
            p_value=opts.poor_fit_p_value,
        )
        log.info(
            "%s: receiver noise pooled over %d of %d spectra",
            p.series,
            int(volumes.drop_duplicates("experiment")["noise_pooled"].sum()),
            len(frames),
        )
        config = opts.params()
        hashes = {f: sha256_file(f) for f in raw}
        write_table(volumes, job.output.volumes, input_hashes=hashes, config=config)
        front = ["experiment", "sample", "series", "path"]
        exps = pd.DataFrame(records)
        exps = exps[front + [c for c in exps.columns if c not in front]]
        write_table(exps, job.output.experiments, input_hashes=hashes, config=config)
        tm, spectrum, experiment = longest
        points, site_rows = spectrum_frame(
            spectrum.data,
            spectrum.ppm_f1,
            spectrum.ppm_f2,
            sites,
            pad_fraction=opts.spectrum_pad_fraction,
        )
        points["series"] = p.series
        points["experiment"] = experiment
        points["mixing_time_s"] = tm
        site_rows["series"] = p.series
        kw = {"input_hashes": hashes, "config": config}
        write_table(points, job.output.spectrum, **kw)
        write_table(site_rows, job.output.sites, **kw)
        log.info("%s: %d spectrum points stored", p.series, len(points))


def _number(value) -> float:
    """Sheet numbers as floats; absent values as NaN (a float column)."""
    return float("nan") if value is None else float(value)
