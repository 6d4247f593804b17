"""Rule operando_nmr_components: spectrum times and Li-metal components of one run.

The work is :func:`liprobe.steps.operando_nmr_components.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.operando_nmr_components:run", snakemake)
