"""Rule plot_relaxation: curve and Arrhenius figures of one series (tables only)."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.relaxation import plot_arrhenius, plot_series_curves
from liprobe.plots.style import save_figure
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """curve and Arrhenius figures of one series (tables only)."""
    with rule_log(job.log[0]) as log:
        series = str(job.params.series)
        fits = read_table(job.input.fits)
        integrals = read_table(job.input.integrals)
        arrhenius = read_table(job.input.arrhenius)
        fig = plot_series_curves(fits, integrals, series)
        save_figure(fig, job.output.curves_png, job.output.curves_pdf)
        fig = plot_arrhenius(fits, arrhenius, series)
        save_figure(fig, job.output.arrhenius_png, job.output.arrhenius_pdf)
        log.info("figures of series %s written", series)
