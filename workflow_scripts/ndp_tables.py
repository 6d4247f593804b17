"""Rule ndp_tables: combine the runs' NDP tables and the per-slice inventory.

The work is :func:`liprobe.steps.ndp_tables.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.ndp_tables:run", snakemake)
