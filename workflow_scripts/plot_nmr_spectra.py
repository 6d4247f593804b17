"""Rule plot_nmr_spectra: stacked processed spectra with the regions shaded.

The work is :func:`liprobe.jobs.plot_nmr_spectra.run`, run through the job
server (:mod:`liprobe.jobs.server`).
"""

from liprobe.jobs.server import run_job

run_job("liprobe.jobs.plot_nmr_spectra:run", snakemake)
