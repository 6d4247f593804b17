"""Rule nmr_tables: gather per-experiment tables into the contract tables."""

import json

from liprobe.io.runlog import rule_log
from liprobe.io.tables import concat_tables

with rule_log(snakemake.log[0]) as log:
    for kind in ("experiments", "integrals"):
        n = concat_tables(
            list(snakemake.input[kind]),
            snakemake.output[kind],
            config=json.loads(json.dumps(dict(snakemake.params.config))),
        )
        log.info("%s: %d rows", kind, n)
