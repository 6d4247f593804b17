"""Rule plot_ndp: heat map and step-end profiles of one run (reads Parquet only)."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.ndp import plot_heatmap, plot_step_profiles
from liprobe.plots.style import save_figure
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """heat map and step-end profiles of one run (reads Parquet only)."""
    with rule_log(job.log[0]) as log:
        run = job.params.run
        profiles = read_table(job.input.profiles)
        cycles_in = job.input.get("cycles")
        if cycles_in and not isinstance(cycles_in, str):
            cycles_in = cycles_in[0] if len(cycles_in) else None
        cycles = read_table(cycles_in) if cycles_in else None
        fig = plot_heatmap(profiles, run)
        save_figure(fig, job.output.heatmap_png, job.output.heatmap_pdf)
        fig = plot_step_profiles(profiles, run, cycles)
        save_figure(fig, job.output.profiles_png, job.output.profiles_pdf)
        log.info("NDP figures of %s written", run)
