"""Rule plot_ndp: heat map and step-end profiles of one run (reads Parquet only).

The work is :func:`liprobe.steps.plot_ndp.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_ndp:run", snakemake)
