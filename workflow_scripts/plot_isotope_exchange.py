"""Rule plot_isotope_exchange: 6Li fraction per site and state (tables only).

The work is :func:`liprobe.steps.plot_isotope_exchange.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_isotope_exchange:run", snakemake)
