"""Rule report_front_page: the report's front page (methods, headline numbers).

The work is :func:`liprobe.steps.report_front_page.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.report_front_page:run", snakemake)
