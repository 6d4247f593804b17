"""Rule linewidth_measure.

The work is :func:`liprobe.steps.linewidth_measure.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.linewidth_measure:run", snakemake)
