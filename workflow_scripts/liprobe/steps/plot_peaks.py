"""Rule plot_peaks: one experiment's spectrum with its fitted sites, sum and
residual (tables only)."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.peaks import plot_fit
from liprobe.plots.save import save_figure
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Plot one experiment's deconvolution (PNG and PDF)."""
    experiment = job.params.experiment
    with rule_log(job.log[0]):
        curves = read_table(job.input.curves)
        peaks = read_table(job.input.peaks)
        fig = plot_fit(
            curves[curves["experiment"] == experiment],
            peaks[peaks["experiment"] == experiment],
            title=str(experiment),
        )
        save_figure(fig, job.output.png, job.output.pdf)
