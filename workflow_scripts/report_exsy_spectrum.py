"""Rule paper_exsy_spectrum: the longest-mixing 2D spectrum of an EXSY series as tidy
tables (points cropped around the sites, and the site intervals).

The work is :func:`liprobe.steps.report_exsy_spectrum.run`.
"""

from liprobe.steps.job import run_step

run_step("liprobe.steps.report_exsy_spectrum:run", snakemake)
