"""Rule plot_selective_exchange: the site integrals of one 1D selective-inversion
series against the mixing time with the fitted N-site curves."""

from __future__ import annotations

import numpy as np

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.exsy_rates import plot_selective
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Selective-inversion recoveries of one series with the N-site fit."""
    with rule_log(job.log[0]) as log:
        series = job.params.series
        entry = job.params.selective
        inverted = dict(entry["inverted"])
        rates = read_table(job.input.rates)
        rates = rates[(rates["series"] == series) & (rates["method"] != "exsy_2d")]
        integrals = read_table(job.input.integrals)
        points = integrals[integrals["experiment"].isin(list(inverted))].copy()
        exps = read_table(job.input.experiments).set_index("experiment")
        listed = points["list_time_s"].to_numpy(dtype=float)
        mixing = exps.loc[points["experiment"], "mixing_time_s"].to_numpy(dtype=float)
        points["mixing_time_s"] = np.where(np.isfinite(listed), listed, mixing)
        points["inverted_site"] = points["experiment"].map(inverted)
        sites = list(entry["sites"]) or list(dict.fromkeys(points["region"]))
        plot_selective(
            points, rates, sites, title=series, paths=[job.output.png, job.output.pdf]
        )
        log.info("selective-exchange figure of %s: %d points", series, len(points))
