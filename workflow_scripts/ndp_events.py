"""Rule ndp_events: stream one run's list-mode files into per-slice spectra.

The work is :func:`liprobe.steps.ndp_events.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.ndp_events:run", snakemake)
