"""Rule plot_exsy_rates: rate constants per ordered site pair of one sample
against 1/T with their Arrhenius lines."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.exsy_rates import plot_rates
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Rates per ordered site pair of one sample with their Arrhenius lines."""
    with rule_log(job.log[0]) as log:
        sample = job.params.sample
        rates = read_table(job.input.rates)
        arrhenius = read_table(job.input.arrhenius)
        rates = rates[rates["sample"] == sample]
        arrhenius = arrhenius[arrhenius["sample"] == sample]
        plot_rates(
            rates, arrhenius, title=sample, paths=[job.output.png, job.output.pdf]
        )
        log.info("rates figure of %s: %d pair rows", sample, len(rates))
