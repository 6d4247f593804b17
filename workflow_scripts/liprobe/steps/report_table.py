"""Rule report_table: one result table as an HTML page for the report."""

from __future__ import annotations

from liprobe.io.atomic import write_text_atomic
from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.report import frame_to_html
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """one result table as an HTML page for the report."""
    with rule_log(job.log[0]):
        frame = read_table(job.input.table)
        write_text_atomic(
            job.output.html,
            frame_to_html(frame.head(job.params.max_rows), job.wildcards.table),
        )
