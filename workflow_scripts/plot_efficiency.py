"""Rule plot_efficiency: inventory-vs-charge figure per run and the efficiency
figure of all runs (reads only Parquet tables)."""

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.echem import plot_efficiency, plot_inventory
from liprobe.plots.style import save_figure

with rule_log(snakemake.log[0]) as log:
    inventory = read_table(snakemake.input.inventory)
    efficiency = read_table(snakemake.input.efficiency)
    runs = list(snakemake.params.runs)
    for run, trace_path, png, pdf in zip(
        runs,
        snakemake.input.traces,
        snakemake.output.inventory_png,
        snakemake.output.inventory_pdf,
        strict=True,
    ):
        fig = plot_inventory(inventory, read_table(trace_path), run)
        save_figure(fig, png, pdf)
        log.info("inventory figure of %s written", run)
    fig = plot_efficiency(efficiency)
    save_figure(fig, snakemake.output.efficiency_png, snakemake.output.efficiency_pdf)
    log.info("efficiency figure written")
