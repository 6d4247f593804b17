"""Rule relaxation_fit: nmr_integrals + nmr_experiments -> relaxation_fits."""

from __future__ import annotations

import json

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_metadata, read_table, write_table
from liprobe.options import RelaxationOptions
from liprobe.relaxation.table import fit_relaxation_table
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """nmr_integrals + nmr_experiments -> relaxation_fits."""
    with rule_log(job.log[0]) as log:
        params = json.loads(json.dumps(dict(job.params.options)))
        options = RelaxationOptions.from_params(params, "relaxation")
        integrals = read_table(job.input.integrals)
        experiments = read_table(job.input.experiments)
        hashes = {}
        for path in (job.input.integrals, job.input.experiments):
            hashes.update(
                json.loads(read_metadata(path).get("liprobe.inputs_sha256", "{}"))
            )
        fits = fit_relaxation_table(
            integrals,
            experiments,
            options,
            integrals_name=job.input.integrals,
            experiments_name=job.input.experiments,
        )
        n_bad = int((~fits["fit_ok"]).sum()) if len(fits) else 0
        log.info("%d fits (%d flagged not ok)", len(fits), n_bad)
        write_table(fits, job.output.fits, input_hashes=hashes, config=params)
