"""Rule exsy_rates: exchange rate constants per ordered site pair of every EXSY
series; write exsy_rates.

The work is :func:`liprobe.steps.exsy_rates.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.exsy_rates:run", snakemake)
