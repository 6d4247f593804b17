"""Rule pfg_arrhenius: pfg_diffusion -> pfg_arrhenius.

The work is :func:`liprobe.steps.pfg_arrhenius.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.pfg_arrhenius:run", snakemake)
