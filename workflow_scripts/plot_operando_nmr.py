"""Rule plot_operando_nmr: the operando NMR inventory and efficiency figures.

The work is :func:`liprobe.steps.plot_operando_nmr.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_operando_nmr:run", snakemake)
