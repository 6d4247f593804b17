"""Rule paper_exsy_spectrum: the longest-mixing 2D spectrum of an EXSY series
as tidy tables (points cropped around the sites, and the site intervals)."""

from __future__ import annotations

import numpy as np

from liprobe.io.runlog import rule_log
from liprobe.io.tables import write_table
from liprobe.plots.paper import spectrum_frame
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Rule paper_exsy_spectrum: the longest-mixing 2D spectrum of an EXSY series as
    tidy tables (points cropped around the sites, and the site intervals)."""
    with rule_log(job.log[0]) as log:
        with np.load(job.input.spectrum) as z:
            names = [str(n) for n in z["site_names"]]
            sites = {
                names[0]: [tuple(map(float, r)) for r in z["site_a"]],
                names[1]: [tuple(map(float, r)) for r in z["site_b"]],
            }
            spectrum, site_rows = spectrum_frame(
                z["data"],
                z["ppm_f1"],
                z["ppm_f2"],
                sites,
                pad_fraction=float(job.params.pad_fraction),
            )
            mixing_time_s = float(z["mixing_time_s"])
        spectrum["series"] = job.params.series
        spectrum["mixing_time_s"] = mixing_time_s
        site_rows["series"] = job.params.series
        config = {"pad_fraction": float(job.params.pad_fraction)}
        write_table(
            spectrum,
            job.output.spectrum,
            inputs=[job.input.spectrum],
            config=config,
        )
        write_table(
            site_rows,
            job.output.sites,
            inputs=[job.input.spectrum],
            config=config,
        )
        log.info("%s: %d spectrum points", job.params.series, len(spectrum))
