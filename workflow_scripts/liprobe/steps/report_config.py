"""Rule report_config: the configuration this campaign ran with."""

from __future__ import annotations

import yaml

from liprobe.io.atomic import write_text_atomic
from liprobe.io.runlog import rule_log
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """the configuration this campaign ran with."""
    with rule_log(job.log[0]):
        write_text_atomic(
            job.output.config,
            "# Configuration of this run (defaults filled in from the schema)\n"
            + yaml.safe_dump(dict(job.params.config), sort_keys=False),
        )
