"""Run a rule's step on Snakemake's job, in the script's own process."""

from __future__ import annotations

import os

from liprobe.io.software import write_software_record
from liprobe.steps.job import Job, resolve


def run_step(target: str, smk) -> None:
    """Run the step ``target`` (``"liprobe.steps.<rule>:run"``) on a Snakemake job.

    When the step has finished, the distributions the interpreter imported are
    written beside the job's log (:mod:`liprobe.io.software`), for the report's
    software page.
    """
    # numerical libraries use the job's threads, not every core of the node
    threads = str(getattr(smk, "threads", 1) or 1)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, threads)
    job = Job.from_snakemake(smk)
    resolve(target)(job)
    if job.log:
        write_software_record(job.log[0], getattr(smk, "rule", ""), job.output_files)
