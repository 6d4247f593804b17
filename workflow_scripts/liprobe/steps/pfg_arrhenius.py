"""Rule pfg_arrhenius: pfg_diffusion -> pfg_arrhenius."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import input_hashes, read_table, write_table
from liprobe.pfg.arrhenius import arrhenius_table
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """pfg_diffusion -> pfg_arrhenius."""
    with rule_log(job.log[0]) as log:
        diffusion = read_table(job.input.diffusion)
        hashes = input_hashes(job.input.diffusion)
        table = arrhenius_table(diffusion)
        log.info("%d PFG Arrhenius rows", len(table))
        write_table(table, job.output.arrhenius, input_hashes=hashes)
