"""Rule operando_nmr_accounting: Li per cm2 and efficiencies of one operando NMR run.

The work is :func:`liprobe.steps.operando_nmr_accounting.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.operando_nmr_accounting:run", snakemake)
