"""Rule plot_nmr_spectra: one series' stacked spectra, a panel per experiment.

The work is :func:`liprobe.steps.plot_nmr_spectra.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.plot_nmr_spectra:run", snakemake)
