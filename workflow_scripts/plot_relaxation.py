"""Rule plot_relaxation: curve and Arrhenius figures of one series (tables only).

The work is :func:`liprobe.steps.plot_relaxation.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_relaxation:run", snakemake)
