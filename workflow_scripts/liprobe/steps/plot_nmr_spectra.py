"""Rule plot_nmr_spectra: stacked processed spectra with the regions shaded."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.nmr import plot_stacked_spectra
from liprobe.plots.save import save_figure
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Plot one experiment's spectra (PNG and PDF)."""
    with rule_log(job.log[0]):
        fig = plot_stacked_spectra(
            read_table(job.input.spectra),
            read_table(job.input.regions),
            title=job.params.experiment,
        )
        save_figure(fig, job.output.png, job.output.pdf)
