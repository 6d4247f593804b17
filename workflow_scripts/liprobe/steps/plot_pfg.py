"""Rule plot_pfg: attenuation and Arrhenius figures of one PFG series (tables only)."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.pfg import plot_attenuation, plot_pfg_arrhenius
from liprobe.plots.style import save_figure
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """attenuation and Arrhenius figures of one PFG series (tables only)."""
    with rule_log(job.log[0]) as log:
        series = str(job.params.series)
        diffusion = read_table(job.input.diffusion)
        attenuation = read_table(job.input.attenuation)
        arrhenius = read_table(job.input.arrhenius)
        fig = plot_attenuation(diffusion, attenuation, series)
        save_figure(fig, job.output.curves_png, job.output.curves_pdf)
        fig = plot_pfg_arrhenius(diffusion, arrhenius, series)
        save_figure(fig, job.output.arrhenius_png, job.output.arrhenius_pdf)
        log.info("PFG figures of series %s written", series)
