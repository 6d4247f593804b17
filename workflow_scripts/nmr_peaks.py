"""Rule nmr_peaks: raw 1D Bruker folders -> site lines per experiment.

The work is :func:`liprobe.steps.nmr_peaks.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.nmr_peaks:run", snakemake)
