"""Rule plot_peaks: one experiment's spectrum with its fitted sites (tables only).

The work is :func:`liprobe.steps.plot_peaks.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_peaks:run", snakemake)
