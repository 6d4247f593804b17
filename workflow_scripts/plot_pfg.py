"""Rule plot_pfg: pfg_diffusion + nmr_integrals + pfg_arrhenius -> PFG figures.

The work is :func:`liprobe.steps.plot_pfg.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_pfg:run", snakemake)
