"""Rule report_software: software versions of every rule environment."""

from __future__ import annotations

from pathlib import Path

import yaml

from liprobe.io.atomic import write_text_atomic
from liprobe.io.runlog import rule_log
from liprobe.io.software import SUFFIX, read_software_record
from liprobe.report import software_page_html, software_versions
from liprobe.steps.job import Job


def current_records(logs: str | Path) -> list[dict]:
    """The software records below ``logs`` whose job outputs all still exist.

    A record whose outputs are gone (a sample removed from the campaign, a
    job that is to run again) no longer describes a result and is left out.
    """
    records = []
    for path in sorted(Path(logs).rglob(f"*{SUFFIX}")):
        record = read_software_record(path)
        if record["outputs"] and all(Path(p).exists() for p in record["outputs"]):
            records.append(record)
    return records


def run(job: Job) -> None:
    """Software versions of every rule environment, as declared and as they ran."""
    with rule_log(job.log[0]) as log:
        envs = {
            Path(p).name: yaml.safe_load(Path(p).read_text()) for p in job.input.envs
        }
        records = current_records(job.params.logs)
        packages, rules = software_versions(envs, job.params.rule_envs, records)
        write_text_atomic(job.output.html, software_page_html(packages, rules))
        log.info(
            "%d packages in %d environments, %d job records of %d rules",
            len(packages),
            len(envs),
            len(records),
            len({r["rule"] for r in records}),
        )
