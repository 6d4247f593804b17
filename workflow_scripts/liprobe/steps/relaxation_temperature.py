"""Rule relaxation_temperature: relaxation_fits -> relaxation_arrhenius."""

from __future__ import annotations

import json

from liprobe.io.runlog import rule_log
from liprobe.io.tables import input_hashes, read_table, write_table
from liprobe.options import RelaxationOptions
from liprobe.relaxation.temperature import arrhenius_table
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """relaxation_fits -> relaxation_arrhenius."""
    with rule_log(job.log[0]) as log:
        params = json.loads(json.dumps(dict(job.params.options)))
        options = RelaxationOptions.from_params(params, "relaxation")
        fits = read_table(job.input.fits)
        hashes = input_hashes(job.input.fits)
        table = arrhenius_table(fits, options)
        log.info("%d temperature-analysis rows", len(table))
        write_table(table, job.output.arrhenius, input_hashes=hashes, config=params)
