"""Rule report_table: one result table as an HTML page for the report."""

from pathlib import Path

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.report import frame_to_html

with rule_log(snakemake.log[0]):
    frame = read_table(snakemake.input.table)
    Path(snakemake.output.html).write_text(
        frame_to_html(frame.head(snakemake.params.max_rows), snakemake.wildcards.table)
    )
