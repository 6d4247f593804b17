"""Rule echem_tables: gather the per-run half-cycles and Coulombic efficiencies."""

from __future__ import annotations

import json

from liprobe.io.runlog import rule_log
from liprobe.io.tables import concat_tables
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """gather the per-run half-cycles and Coulombic efficiencies."""
    with rule_log(job.log[0]) as log:
        config = json.loads(json.dumps(dict(job.params.config)))
        for key in ("cycles", "coulombic"):
            n = concat_tables(list(job.input[key]), job.output[key], config=config)
            log.info("%s: %d rows", key, n)
