"""What a rule's step receives: Snakemake's job as plain, picklable data.

:class:`Job` copies the named inputs, outputs, params and wildcards of a
Snakemake job (``job.input.spectra``, ``job.params.options``), the full lists of
input and output files (``job.input_files``, ``job.output_files``) and the log
files. :func:`run_step` runs a step on it: in the script's own process, or, for
the many small per-experiment rules, through the job server
(:mod:`liprobe.jobs.server`), which saves each job the imports.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field


class Fields(dict):
    """A dict whose keys are also attributes (``job.input.spectra``)."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _named(items) -> Fields:
    return Fields((name, value) for name, value in items.items())


@dataclass
class Job:
    """What a step needs of a Snakemake job, as plain picklable data."""

    input: Fields
    output: Fields
    params: Fields
    log: list[str]
    wildcards: Fields = field(default_factory=Fields)
    input_files: list[str] = field(default_factory=list)
    output_files: list[str] = field(default_factory=list)

    @classmethod
    def from_snakemake(cls, smk) -> Job:
        """Copy the named inputs, outputs, params and wildcards, and the logs."""
        wildcards = getattr(smk, "wildcards", None)
        return cls(
            input=_named(smk.input),
            output=_named(smk.output),
            params=_named(smk.params),
            log=[str(path) for path in smk.log],
            wildcards=_named(wildcards) if wildcards is not None else Fields(),
            input_files=[str(p) for p in smk.input],
            output_files=[str(p) for p in smk.output],
        )


def resolve(target: str):
    """The function named by ``"package.module:function"``."""
    module_name, _, function = target.partition(":")
    if not module_name or not function:
        raise ValueError(f"step {target!r}: expected 'package.module:function'")
    return getattr(importlib.import_module(module_name), function)


def run_step(target: str, smk, *, serve: bool = False) -> None:
    """Run the step ``target`` (``"liprobe.steps.<rule>:run"``) on a Snakemake job.

    ``serve``: hand it to the job server (per-experiment rules whose imports
    cost more than their work); it falls back to this process when the server
    cannot be used.
    """
    # numerical libraries use the job's threads, not every core of the node
    threads = str(getattr(smk, "threads", 1) or 1)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, threads)
    if serve:
        from liprobe.jobs.server import run_job

        run_job(target, smk)
        return
    resolve(target)(Job.from_snakemake(smk))
