"""Rule plot_efficiency: inventory-vs-charge figure per run and the efficiency
figure of all runs (reads only Parquet tables)."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.echem import plot_efficiency, plot_inventory
from liprobe.plots.style import save_figure
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """inventory-vs-charge figure per run and the efficiency figure of all runs (reads
    only Parquet tables)."""
    with rule_log(job.log[0]) as log:
        inventory = read_table(job.input.inventory)
        efficiency = read_table(job.input.efficiency)
        runs = list(job.params.runs)
        for run, trace_path, png, pdf in zip(
            runs,
            job.input.traces,
            job.output.inventory_png,
            job.output.inventory_pdf,
            strict=True,
        ):
            fig = plot_inventory(inventory, read_table(trace_path), run)
            save_figure(fig, png, pdf)
            log.info("inventory figure of %s written", run)
        fig = plot_efficiency(efficiency)
        save_figure(fig, job.output.efficiency_png, job.output.efficiency_pdf)
        log.info("efficiency figure written")
