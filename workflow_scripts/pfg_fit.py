"""Rule pfg_fit: nmr_integrals + nmr_experiments -> pfg_diffusion.

The work is :func:`liprobe.steps.pfg_fit.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.pfg_fit:run", snakemake)
