"""Rule bodies: one module per rule, each with one function ``run(job)``.

A rule's script in ``workflow_scripts/`` only hands Snakemake's job to
:func:`liprobe.steps.run.run_step`; the work (read via :mod:`liprobe.io`, call
the science, write via :mod:`liprobe.io`) is the step's ``run``, which takes a
plain :class:`liprobe.steps.job.Job` and can be unit tested without Snakemake.
"""
