"""Rule plot_linewidth: width against temperature of one series (tables only)."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.linewidth import plot_narrowing
from liprobe.plots.style import save_figure
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """width against temperature with both models, of one series."""
    with rule_log(job.log[0]) as log:
        series = str(job.params.series)
        fig = plot_narrowing(
            read_table(job.input.linewidth), read_table(job.input.arrhenius), series
        )
        save_figure(fig, job.output.png, job.output.pdf)
        log.info("figure of series %s written", series)
