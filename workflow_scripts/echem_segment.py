"""Rule echem_segment: read one run's cycler file, segment it into half-cycles.

The work is :func:`liprobe.steps.echem_segment.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.echem_segment:run", snakemake)
