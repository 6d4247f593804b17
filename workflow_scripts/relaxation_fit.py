"""Rule relaxation_fit: nmr_integrals + nmr_experiments -> relaxation_fits."""

import json

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_metadata, read_table, write_table
from liprobe.options import RelaxationOptions
from liprobe.relaxation.table import fit_relaxation_table

with rule_log(snakemake.log[0]) as log:
    params = json.loads(json.dumps(dict(snakemake.params.options)))
    options = RelaxationOptions.from_params(params, "relaxation")
    integrals = read_table(snakemake.input.integrals)
    experiments = read_table(snakemake.input.experiments)
    hashes = {}
    for path in (snakemake.input.integrals, snakemake.input.experiments):
        hashes.update(
            json.loads(read_metadata(path).get("liprobe.inputs_sha256", "{}"))
        )
    fits = fit_relaxation_table(
        integrals,
        experiments,
        options,
        integrals_name=snakemake.input.integrals,
        experiments_name=snakemake.input.experiments,
    )
    n_bad = int((~fits["fit_ok"]).sum()) if len(fits) else 0
    log.info("%d fits (%d flagged not ok)", len(fits), n_bad)
    write_table(fits, snakemake.output.fits, input_hashes=hashes, config=params)
