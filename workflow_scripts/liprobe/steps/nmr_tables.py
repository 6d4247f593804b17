"""Rule nmr_tables: gather per-experiment tables into the contract tables."""

from __future__ import annotations

import json

from liprobe.io.runlog import rule_log
from liprobe.io.tables import concat_tables
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """gather per-experiment tables into the contract tables."""
    with rule_log(job.log[0]) as log:
        for kind in ("experiments", "integrals"):
            n = concat_tables(
                list(job.input[kind]),
                job.output[kind],
                config=json.loads(json.dumps(dict(job.params.config))),
            )
            log.info("%s: %d rows", kind, n)
