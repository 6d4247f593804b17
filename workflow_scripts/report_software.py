"""Rule report_software: software versions of every rule environment.

The work is :func:`liprobe.steps.report_software.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.report_software:run", snakemake)
