"""Rule plot_nmr_spectra: stacked processed spectra with the regions shaded.

The work is :func:`liprobe.steps.plot_nmr_spectra.run`, run through the job server
(:mod:`liprobe.jobs.server`) so that each experiment does not pay the imports.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_nmr_spectra:run", snakemake, serve=True)
