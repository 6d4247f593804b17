"""Bodies of the per-experiment rules, run through :mod:`liprobe.jobs.server`.

Each module is named after its rule and has one function, ``run(job)``, taking a
:class:`liprobe.jobs.server.Job` (the job's named inputs, outputs, params and
logs as plain data). The rule script only hands its ``snakemake`` object to
:func:`liprobe.jobs.server.run_job`, which runs ``run`` in a child of a warm
server (or in the script's own process), so hundreds of small jobs do not each
pay the imports of numpy, pandas, nmrglue and matplotlib.
"""
