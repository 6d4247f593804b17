"""Rule plot_isotope_exchange: the 6Li fraction per site and state (tables only)."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.peaks import plot_exchange
from liprobe.plots.save import save_figure
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Plot the isotope_exchange table (PNG and PDF)."""
    with rule_log(job.log[0]):
        fig = plot_exchange(read_table(job.input.exchange))
        save_figure(fig, job.output.png, job.output.pdf)
