"""Rule relaxation_fit: nmr_integrals + nmr_experiments -> relaxation_fits.

The work is :func:`liprobe.steps.relaxation_fit.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.relaxation_fit:run", snakemake)
