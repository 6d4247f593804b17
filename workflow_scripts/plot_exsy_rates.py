"""Rule plot_exsy_rates: rate constants per ordered site pair of one sample
against 1/T with their Arrhenius lines.

The work is :func:`liprobe.steps.plot_exsy_rates.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_exsy_rates:run", snakemake)
