"""Rule plot_linewidth.

The work is :func:`liprobe.steps.plot_linewidth.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_linewidth:run", snakemake)
