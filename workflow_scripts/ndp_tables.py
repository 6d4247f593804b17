"""Rule ndp_tables: combine the runs' NDP tables and the per-slice inventory."""

import json

import pandas as pd

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_metadata, read_table, write_table
from liprobe.ndp.concentration import inventory

with rule_log(snakemake.log[0]) as log:
    config = json.loads(
        json.dumps({"ndp": dict(snakemake.params.options)}, default=str)
    )
    outputs = {
        "profiles": snakemake.output.profiles,
        "baseline": snakemake.output.baseline,
        "calibration": snakemake.output.calibration,
        "accounting": snakemake.output.accounting,
        "inversion": snakemake.output.inversion,
    }
    frames = {}
    for key, out in outputs.items():
        paths = list(snakemake.input[key])
        hashes = {}
        for path in paths:
            hashes.update(json.loads(read_metadata(path)["liprobe.inputs_sha256"]))
        frames[key] = pd.concat([read_table(x) for x in paths], ignore_index=True)
        write_table(frames[key], out, input_hashes=hashes, config=config)
        log.info("%s: %d rows", out, len(frames[key]))
    inv = inventory(frames["profiles"])
    write_table(inv, snakemake.output.inventory, config=config)
