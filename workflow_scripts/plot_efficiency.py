"""Rule plot_efficiency: inventory-vs-charge figure per run and the efficiency figure
of all runs (reads only Parquet tables).

The work is :func:`liprobe.steps.plot_efficiency.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_efficiency:run", snakemake)
