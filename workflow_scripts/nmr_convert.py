"""Rule nmr_convert: one Bruker folder -> experiment record, integrals, spectra.

The work is :func:`liprobe.jobs.nmr_convert.run`, run through the job server
(:mod:`liprobe.jobs.server`) so that each experiment does not pay the imports.
"""

from liprobe.jobs.server import run_job

run_job("liprobe.jobs.nmr_convert:run", snakemake)
