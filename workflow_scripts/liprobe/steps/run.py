"""Run a rule's step on Snakemake's job: in the script's own process, or, for
the many small per-experiment rules, through the job server
(:mod:`liprobe.jobs.server`), which saves each job the imports."""

from __future__ import annotations

import os

from liprobe.jobs.server import run_job
from liprobe.steps.job import Job, resolve


def run_step(target: str, smk, *, serve: bool = False) -> None:
    """Run the step ``target`` (``"liprobe.steps.<rule>:run"``) on a Snakemake job.

    ``serve``: hand it to the job server (per-experiment rules whose imports
    cost more than their work); it falls back to this process when the server
    cannot be used.
    """
    # numerical libraries use the job's threads, not every core of the node
    threads = str(getattr(smk, "threads", 1) or 1)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, threads)
    if serve:
        run_job(target, smk)
        return
    resolve(target)(Job.from_snakemake(smk))
