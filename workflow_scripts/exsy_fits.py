"""Rule exsy_fits: gather the series volumes, fit the exchange models per series, add
the exchange current density; write exsy_volumes and exsy_fits.

The work is :func:`liprobe.steps.exsy_fits.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.exsy_fits:run", snakemake)
