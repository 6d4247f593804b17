"""Rule linewidth_arrhenius: the series' width tables -> the ``linewidth`` and
``linewidth_arrhenius`` contract tables."""

from __future__ import annotations

import json

from liprobe.io.runlog import rule_log
from liprobe.io.tables import concat_tables, input_hashes, read_table, write_table
from liprobe.linewidth.arrhenius import linewidth_arrhenius
from liprobe.options import LinewidthOptions
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Gather the widths; fit Hendrickson-Bray and the Waugh-Fedin onset."""
    with rule_log(job.log[0]) as log:
        params = json.loads(json.dumps(dict(job.params.options)))
        options = LinewidthOptions.from_params(params, "linewidth")
        n = concat_tables(list(job.input.tables), job.output.linewidth, config=params)
        widths = read_table(job.output.linewidth)
        hashes = input_hashes(job.output.linewidth)
        table = linewidth_arrhenius(
            widths,
            fraction=options.onset_fraction,
            n_resample=options.n_resample,
            poor_fit_p=options.poor_fit_p_value,
            seed=options.seed,
        )
        write_table(table, job.output.arrhenius, input_hashes=hashes, config=params)
        log.info("%d widths, %d temperature-analysis rows", n, len(table))
