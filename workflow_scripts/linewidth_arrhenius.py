"""Rule linewidth_arrhenius.

The work is :func:`liprobe.steps.linewidth_arrhenius.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.linewidth_arrhenius:run", snakemake)
