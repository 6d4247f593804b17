"""Rule accounting_run: Li inventory per NDP slice and efficiencies of one run.

The work is :func:`liprobe.steps.accounting_run.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.accounting_run:run", snakemake)
