"""Rule report_caption: a figure caption for the report, from the tables.

The work is :func:`liprobe.steps.report_caption.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.report_caption:run", snakemake)
