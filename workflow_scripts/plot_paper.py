"""Rule paper: the paper figure set from the tables (PNG, PDF and SVG).

The work is :func:`liprobe.steps.plot_paper.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_paper:run", snakemake)
