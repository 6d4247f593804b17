"""Rule plot_nmr_spectra: the stacked processed spectra of one series, a panel
per experiment, with the regions shaded."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.nmr import plot_series_spectra
from liprobe.plots.save import save_figure
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Plot one series' spectra (PNG and PDF)."""
    with rule_log(job.log[0]):
        fig = plot_series_spectra(
            read_table(job.input.spectra),
            read_table(job.input.regions),
            title=job.params.series,
        )
        save_figure(fig, job.output.png, job.output.pdf)
