"""Rule exsy_arrhenius: Ea of k_AB, k_BA and D per sample, with i0 at the reference
temperature.

The work is :func:`liprobe.steps.exsy_arrhenius.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.exsy_arrhenius:run", snakemake)
