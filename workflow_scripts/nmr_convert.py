"""Rule nmr_convert: one Bruker folder -> experiment record, integrals, spectra.

The work is :func:`liprobe.steps.nmr_convert.run`, run through the job server
(:mod:`liprobe.jobs.server`) so that each experiment does not pay the imports.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.nmr_convert:run", snakemake, serve=True)
