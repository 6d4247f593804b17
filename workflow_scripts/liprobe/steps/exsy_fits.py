"""Rule exsy_fits: gather the series volumes, fit the exchange models per series,
add the exchange current density; write exsy_volumes and exsy_fits."""

from __future__ import annotations

import json
import math

import pandas as pd

from liprobe.exsy.arrhenius import add_exchange_current
from liprobe.exsy.series import empty_fits, fit_series
from liprobe.io.runlog import rule_log
from liprobe.io.tables import concat_tables, input_hashes, read_table, write_table
from liprobe.options import ExsyOptions
from liprobe.progress import Progress
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """gather the series volumes, fit the exchange models per series, add the exchange
    current density; write exsy_volumes and exsy_fits."""
    with rule_log(job.log[0]) as log:
        config = json.loads(json.dumps(dict(job.params.options)))
        opts = ExsyOptions.from_params(config, "exsy")
        n = concat_tables(list(job.input.volumes), job.output.volumes, config=config)
        log.info("exsy_volumes: %d rows", n)
        volumes = read_table(job.output.volumes)
        rows = []
        progress = Progress(
            log, "exsy fits", volumes["series"].nunique(), unit="series"
        )
        for series, grp in volumes.groupby("series", sort=True):
            n_sites = grp["region_F1"].nunique()
            if n_sites != 2:  # fitted by exsy_rates (N-site model)
                log.info("%s: %d sites, no two-site fit", series, n_sites)
                progress.advance()
                continue
            radius = grp["particle_radius_um"].dropna()
            radius = (
                float(radius.iloc[0])
                if len(radius)
                else opts.default_particle_radius_um
            )
            radius_err = (
                grp["particle_radius_um_err"].dropna()
                if "particle_radius_um_err" in grp
                else pd.Series(dtype=float)
            )
            radius_err = float(radius_err.iloc[0]) if len(radius_err) else 0.0
            site = opts.particle_site
            fits = fit_series(
                grp,
                models=list(opts.models),
                detailed_balance=opts.detailed_balance,
                equal_R1=opts.equal_R1,
                overlap=opts.overlap_correction,
                particle_radius_um=math.nan if radius is None else float(radius),
                particle_radius_um_err=radius_err,
                particle_site=None if site == "infinite_sink" else site,
                poor_fit_p=opts.poor_fit_p_value,
            )
            for _, r in fits.iterrows():
                log.info(
                    "%s %s: k_AB %.4g k_BA %.4g D %.4g fit_ok %s flags %s",
                    series,
                    r["model"],
                    r["k_AB_per_s"],
                    r["k_BA_per_s"],
                    r["D_m2_per_s"],
                    r["fit_ok"],
                    r["flags"],
                )
            rows.append(fits)
            progress.advance()
        progress.done()
        fits = pd.concat(rows, ignore_index=True) if rows else empty_fits()
        fits = add_exchange_current(
            fits,
            li_density_per_cm3=opts.material.li_per_cm3,
            interface_area_fraction=opts.interface_area_fraction,
        )
        hashes = input_hashes(job.output.volumes)
        write_table(fits, job.output.fits, input_hashes=hashes, config=config)
