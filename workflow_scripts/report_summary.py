"""Rule report_summary: results/summary.md, one line per headline number."""

from pathlib import Path

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.report import summary_markdown, summary_sections

with rule_log(snakemake.log[0]) as log:
    tables = {
        name: read_table(snakemake.input[name]) for name in snakemake.params.tables
    }
    text = summary_markdown(summary_sections(**tables))
    Path(snakemake.output.md).write_text(text, encoding="utf-8")
    log.info("summary of %s written", ", ".join(snakemake.params.tables) or "nothing")
