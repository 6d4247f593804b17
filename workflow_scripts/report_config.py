"""Rule report_config: the configuration this campaign ran with."""

from pathlib import Path

import yaml

from liprobe.io.runlog import rule_log

with rule_log(snakemake.log[0]):
    Path(snakemake.output.config).write_text(
        "# Configuration of this run (defaults filled in from the schema)\n"
        + yaml.safe_dump(dict(snakemake.params.config), sort_keys=False)
    )
