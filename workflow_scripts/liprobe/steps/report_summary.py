"""Rule report_summary: results/summary.md, one line per headline number."""

from __future__ import annotations

from liprobe.io.atomic import write_text_atomic
from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.report import summary_markdown, summary_sections
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """results/summary.md, one line per headline number."""
    with rule_log(job.log[0]) as log:
        tables = {name: read_table(job.input[name]) for name in job.params.tables}
        text = summary_markdown(summary_sections(**tables))
        write_text_atomic(job.output.md, text, encoding="utf-8")
        log.info("summary of %s written", ", ".join(job.params.tables) or "nothing")
