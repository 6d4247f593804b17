"""Rule plot_exsy_contour: 2D contour of a series at its longest mixing time.

The work is :func:`liprobe.steps.plot_exsy_contour.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_exsy_contour:run", snakemake)
