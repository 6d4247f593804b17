"""Rule nmr_convert: the 1D and pseudo-2D Bruker folders of one series ->
experiment records, integrals, spectra and regions.

The work is :func:`liprobe.steps.nmr_convert.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.nmr_convert:run", snakemake)
