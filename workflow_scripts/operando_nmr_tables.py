"""Rule operando_nmr_tables: gather the operando NMR runs' tables.

The work is :func:`liprobe.steps.operando_nmr_tables.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.operando_nmr_tables:run", snakemake)
