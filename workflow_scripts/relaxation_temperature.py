"""Rule relaxation_temperature: relaxation_fits -> relaxation_arrhenius."""

import json

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_metadata, read_table, write_table
from liprobe.options import RelaxationOptions
from liprobe.relaxation.temperature import arrhenius_table

with rule_log(snakemake.log[0]) as log:
    params = json.loads(json.dumps(dict(snakemake.params.options)))
    options = RelaxationOptions.from_params(params, "relaxation")
    fits = read_table(snakemake.input.fits)
    hashes = json.loads(
        read_metadata(snakemake.input.fits).get("liprobe.inputs_sha256", "{}")
    )
    table = arrhenius_table(fits, options)
    log.info("%d temperature-analysis rows", len(table))
    write_table(table, snakemake.output.arrhenius, input_hashes=hashes, config=params)
