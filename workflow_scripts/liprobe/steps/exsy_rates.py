"""Rule exsy_rates: exchange rate constants per ordered site pair of every
EXSY series (two sites: the two-site fit's numbers; three or more: the N-site
fit of all N^2 volumes); write exsy_rates."""

from __future__ import annotations

import json

import pandas as pd

from liprobe.exsy.rates import RATE_COLUMNS, nsite_rates, two_site_rates
from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_metadata, read_table, write_table
from liprobe.options import ExsyOptions
from liprobe.progress import Progress
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Rate constants per ordered site pair of every EXSY series."""
    with rule_log(job.log[0]) as log:
        opts = ExsyOptions.from_params(job.params.options, "exsy")
        volumes = read_table(job.input.volumes)
        fits = read_table(job.input.fits)
        frames = []
        progress = Progress(
            log, "exsy rates", volumes["series"].nunique(), unit="series"
        )
        for series, grp in volumes.groupby("series", sort=True):
            if grp["region_F1"].nunique() == 2:
                rates = two_site_rates(fits[fits["series"] == series], grp)
            else:
                rates = nsite_rates(
                    grp,
                    detailed_balance=opts.n_site_detailed_balance,
                    poor_fit_p=opts.poor_fit_p_value,
                )
            for _, r in rates.iterrows():
                log.info(
                    "%s %s %s -> %s: k = %.4g +- %.2g 1/s (fit_ok %s) %s",
                    series,
                    r["model"],
                    r["site_from"],
                    r["site_to"],
                    r["k_per_s"],
                    r["k_per_s_err"],
                    r["fit_ok"],
                    r["flags"],
                )
            frames.append(rates)
            progress.advance()
        progress.done()
        frames = [f for f in frames if not f.empty]
        table = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=RATE_COLUMNS)
        )
        hashes = json.loads(
            read_metadata(job.input.volumes).get("liprobe.inputs_sha256", "{}")
        )
        write_table(table, job.output.rates, input_hashes=hashes, config=opts.params())
