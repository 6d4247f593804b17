"""Rule ndp_profiles: calibrate, invert and normalise one run's slice spectra.

The work is :func:`liprobe.steps.ndp_profiles.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.ndp_profiles:run", snakemake)
