"""Rule plot_operando_nmr: NMR and NDP inventories and CE on one time axis,
and Li efficiency by both methods against CE (reads only Parquet tables)."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.operando import plot_efficiency_methods, plot_inventories
from liprobe.plots.style import save_figure
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """The two operando NMR figures."""
    with rule_log(job.log[0]) as log:
        inventory = read_table(job.input.inventory)
        efficiency = read_table(job.input.efficiency)
        fig = plot_inventories(inventory, efficiency)
        save_figure(fig, job.output.inventories_png, job.output.inventories_pdf)
        fig = plot_efficiency_methods(efficiency)
        save_figure(fig, job.output.efficiency_png, job.output.efficiency_pdf)
        log.info("operando NMR figures written")
