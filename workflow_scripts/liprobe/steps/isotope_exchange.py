"""Rule isotope_exchange: nmr_peaks (+ relaxation_fits) -> isotope_exchange."""

from __future__ import annotations

from liprobe.io.runlog import rule_log
from liprobe.io.tables import input_hashes, read_table, write_table
from liprobe.isotope import dominant_lines, exchange_table
from liprobe.options import PeaksOptions
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """The 6Li fraction per sample, site and state (see :mod:`liprobe.isotope`)."""
    options = PeaksOptions.from_params(job.params.peaks, "peaks")
    with rule_log(job.log[0]) as log:
        peaks = read_table(job.input.peaks)
        hashes = input_hashes(job.input.peaks)
        relaxation = None
        given = job.input.get("relaxation") or []
        paths = [given] if isinstance(given, str) else list(given)
        if paths:
            relaxation = read_table(paths[0])
        table = exchange_table(
            peaks,
            relaxation,
            natural_li6_fraction=options.natural_li6_fraction,
            saturation_t1_factor=options.saturation_t1_factor,
        )
        log.info("%d rows", len(table))
        for line in dominant_lines(table):
            log.info(line)
        write_table(
            table, job.output.exchange, input_hashes=hashes, config=job.params.peaks
        )
