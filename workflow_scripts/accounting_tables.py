"""Rule accounting_tables: gather per-run inventories and efficiencies."""

import json

from liprobe.io.runlog import rule_log
from liprobe.io.tables import concat_tables

with rule_log(snakemake.log[0]) as log:
    config = json.loads(json.dumps(dict(snakemake.params.config)))
    for key in ("inventory", "efficiency"):
        n = concat_tables(
            list(snakemake.input[key]), snakemake.output[key], config=config
        )
        log.info("%s: %d rows", key, n)
