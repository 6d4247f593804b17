"""Rule report_table: one result table as an HTML page for the report.

The work is :func:`liprobe.steps.report_table.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.report_table:run", snakemake)
