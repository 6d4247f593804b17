"""Gather rules (nmr_tables, echem_tables, accounting_tables): every named
output is the concatenation of the same-named list of per-item tables, their
raw-input hashes merged."""

from __future__ import annotations

import json

from liprobe.io.runlog import rule_log
from liprobe.io.tables import concat_tables
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Concatenate each named input list into its output table."""
    with rule_log(job.log[0]) as log:
        config = json.loads(json.dumps(dict(job.params.config)))
        for key, out in job.output.items():
            n = concat_tables(list(job.input[key]), out, config=config)
            log.info("%s: %d rows", key, n)
