"""Rule nmr_tables: gather per-experiment tables into the contract tables.

The work is :func:`liprobe.steps.nmr_tables.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.nmr_tables:run", snakemake)
