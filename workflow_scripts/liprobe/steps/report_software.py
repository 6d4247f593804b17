"""Rule report_software: software versions of every rule environment."""

from __future__ import annotations

from pathlib import Path

import yaml

from liprobe.io.atomic import write_text_atomic
from liprobe.io.runlog import rule_log
from liprobe.report import frame_to_html, software_versions
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """software versions of every rule environment."""
    with rule_log(job.log[0]) as log:
        envs = {
            Path(p).name: yaml.safe_load(Path(p).read_text()) for p in job.input.envs
        }
        table = software_versions(envs)
        write_text_atomic(
            job.output.html,
            frame_to_html(table, "Software versions of the rule environments"),
        )
        log.info("%d packages in %d environments", len(table), len(envs))
