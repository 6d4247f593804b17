"""Rule report_config: the configuration this campaign ran with.

The work is :func:`liprobe.steps.report_config.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.report_config:run", snakemake)
