"""Rule plot_cp_buildup: build-up curves with both fits of one CP series.

The work is :func:`liprobe.steps.plot_cp_buildup.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_cp_buildup:run", snakemake)
