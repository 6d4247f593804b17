"""Rule cp_buildup: nmr_integrals + nmr_experiments -> cp_buildup.

The work is :func:`liprobe.steps.cp_buildup.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.cp_buildup:run", snakemake)
