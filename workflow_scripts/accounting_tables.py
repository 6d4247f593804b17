"""Rule accounting_tables: gather per-run inventories and efficiencies.

The work is :func:`liprobe.steps.accounting_tables.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.accounting_tables:run", snakemake)
