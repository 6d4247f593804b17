"""Rule report_table: one result table as an HTML page for the report."""

from __future__ import annotations

from pathlib import Path

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.report import frame_to_html
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """one result table as an HTML page for the report."""
    with rule_log(job.log[0]):
        frame = read_table(job.input.table)
        Path(job.output.html).write_text(
            frame_to_html(frame.head(job.params.max_rows), job.wildcards.table)
        )
