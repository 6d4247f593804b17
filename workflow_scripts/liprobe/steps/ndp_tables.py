"""Rule ndp_tables: combine the runs' NDP tables and the per-slice inventory."""

from __future__ import annotations

import json

import pandas as pd

from liprobe.io.runlog import rule_log
from liprobe.io.tables import input_hashes, read_table, write_table
from liprobe.ndp.concentration import inventory
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """combine the runs' NDP tables and the per-slice inventory."""
    with rule_log(job.log[0]) as log:
        config = json.loads(json.dumps({"ndp": dict(job.params.options)}, default=str))
        outputs = {
            "profiles": job.output.profiles,
            "baseline": job.output.baseline,
            "calibration": job.output.calibration,
            "accounting": job.output.accounting,
            "inversion": job.output.inversion,
        }
        frames = {}
        for key, out in outputs.items():
            paths = list(job.input[key])
            hashes = input_hashes(*paths)
            frames[key] = pd.concat([read_table(x) for x in paths], ignore_index=True)
            write_table(frames[key], out, input_hashes=hashes, config=config)
            log.info("%s: %d rows", out, len(frames[key]))
        inv = inventory(frames["profiles"])
        write_table(inv, job.output.inventory, config=config)
