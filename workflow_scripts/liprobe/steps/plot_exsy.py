"""Rule plot_exsy: cross-peak build-up and Arrhenius figures of one sample."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.exsy import plot_arrhenius, plot_buildup
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """cross-peak build-up and Arrhenius figures of one sample."""
    with rule_log(job.log[0]) as log:
        sample = job.params.sample
        volumes = read_table(job.input.volumes)
        fits = read_table(job.input.fits)
        arrhenius = read_table(job.input.arrhenius)
        volumes = volumes[volumes["sample"] == sample]
        fits = fits[fits["sample"] == sample]
        arrhenius = arrhenius[arrhenius["sample"] == sample]
        out = job.output
        plot_buildup(
            volumes, fits, title=sample, paths=[out.buildup_png, out.buildup_pdf]
        )
        plot_arrhenius(
            fits, arrhenius, title=sample, paths=[out.arrhenius_png, out.arrhenius_pdf]
        )
        log.info("figures of %s written", sample)
