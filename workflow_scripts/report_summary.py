"""Rule report_summary: results/summary.md, one line per headline number.

The work is :func:`liprobe.steps.report_summary.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.report_summary:run", snakemake)
