"""Rule exsy_volumes: process the experiments of one EXSY series, box volumes.

The work is :func:`liprobe.steps.exsy_volumes.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.exsy_volumes:run", snakemake)
