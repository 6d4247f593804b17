"""Rule plot_selective_exchange: the site integrals of one 1D selective-inversion
series against the mixing time with the fitted N-site curves.

The work is :func:`liprobe.steps.plot_selective_exchange.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_selective_exchange:run", snakemake)
