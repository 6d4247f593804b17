"""Rule cp_buildup: nmr_integrals + nmr_experiments -> cp_buildup."""

from __future__ import annotations

import json

from liprobe.cp.table import fit_cp_table, n_curves
from liprobe.io.runlog import rule_log
from liprobe.io.tables import input_hashes, read_table, write_table
from liprobe.options import CpOptions
from liprobe.progress import Progress
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """nmr_integrals + nmr_experiments -> cp_buildup (both models per curve)."""
    with rule_log(job.log[0]) as log:
        params = json.loads(json.dumps(dict(job.params.options)))
        options = CpOptions.from_params(params, "cp")
        series = json.loads(json.dumps(dict(job.params.series)))
        integrals = read_table(job.input.integrals)
        experiments = read_table(job.input.experiments)
        hashes = input_hashes(job.input.integrals, job.input.experiments)
        progress = Progress(
            log, "CP build-up fits", n_curves(integrals, series), unit="curves"
        )
        table = fit_cp_table(
            integrals,
            experiments,
            series,
            options,
            integrals_name=job.input.integrals,
            progress=progress.advance,
        )
        progress.done()
        n_bad = int((~table["fit_ok"]).sum()) if len(table) else 0
        log.info("%d CP build-up fits (%d flagged not ok)", len(table), n_bad)
        write_table(table, job.output.buildup, input_hashes=hashes, config=params)
