"""Rule isotope_exchange: nmr_peaks (+ relaxation_fits) -> 6Li fraction per site.

The work is :func:`liprobe.steps.isotope_exchange.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.isotope_exchange:run", snakemake)
