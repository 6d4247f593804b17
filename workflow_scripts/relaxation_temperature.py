"""Rule relaxation_temperature: relaxation_fits -> relaxation_arrhenius.

The work is :func:`liprobe.steps.relaxation_temperature.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.relaxation_temperature:run", snakemake)
