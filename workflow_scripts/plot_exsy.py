"""Rule plot_exsy: cross-peak build-up and Arrhenius figures of one sample.

The work is :func:`liprobe.steps.plot_exsy.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_exsy:run", snakemake)
