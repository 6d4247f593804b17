"""Rule report_front_page: the report's front page (methods, headline numbers)."""

from __future__ import annotations

from liprobe.io.atomic import write_text_atomic
from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.report import front_page_rst, summary_sections
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """results/report/front_page.rst from the stages run and the summary tables."""
    with rule_log(job.log[0]) as log:
        tables = {name: read_table(job.input[name]) for name in job.params.tables}
        text = front_page_rst(job.params.stages, summary_sections(**tables))
        write_text_atomic(job.output.rst, text)
        log.info(
            "front page of stages %s written",
            ", ".join(k for k, n in job.params.stages.items() if n) or "none",
        )
