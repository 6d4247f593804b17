"""What a rule's step receives: Snakemake's job as plain, picklable data.

:class:`Job` copies the named inputs, outputs, params and wildcards of a
Snakemake job (``job.input.spectra``, ``job.params.options``), the full lists of
input and output files (``job.input_files``, ``job.output_files``) and the log
files. :func:`liprobe.steps.run.run_step` runs a step on it.
"""

from __future__ import annotations

import importlib
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
