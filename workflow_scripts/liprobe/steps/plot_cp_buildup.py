"""Rule plot_cp_buildup: build-up curves with both fits of one CP series
(tables only)."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.cp import plot_cp_buildup
from liprobe.plots.style import save_figure
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """build-up curves with both fits of one CP series (tables only)."""
    with rule_log(job.log[0]) as log:
        series = str(job.params.series)
        buildup = read_table(job.input.buildup)
        integrals = read_table(job.input.integrals)
        fig = plot_cp_buildup(buildup, integrals, series, list(job.params.members))
        save_figure(fig, job.output.png, job.output.pdf)
        log.info("CP build-up figure of series %s written", series)
