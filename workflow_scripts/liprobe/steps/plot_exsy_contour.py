"""Rule plot_exsy_contour: 2D contour of a series at its longest mixing time.

Reads the tidy tables of the spectrum (f1_ppm, f2_ppm, intensity) and of the
site intervals written by rule exsy_volumes."""

from __future__ import annotations

import numpy as np

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.exsy import plot_contour
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """2D contour of a series at its longest mixing time."""
    with rule_log(job.log[0]) as log:
        spectrum = read_table(job.input.spectrum)
        site_rows = read_table(job.input.sites)
        ppm_f1 = np.unique(spectrum["f1_ppm"].to_numpy())[::-1]
        ppm_f2 = np.unique(spectrum["f2_ppm"].to_numpy())[::-1]
        grid = spectrum.pivot_table(
            index="f1_ppm", columns="f2_ppm", values="intensity", sort=True
        )
        data = grid.loc[ppm_f1, ppm_f2].to_numpy()
        sites = {}
        for name in dict.fromkeys(site_rows["site"]):
            rows = site_rows[site_rows["site"] == name]
            sites[str(name)] = [
                (float(a), float(b))
                for a, b in zip(rows["ppm_min"], rows["ppm_max"], strict=True)
            ]
        mixing_time_s = float(spectrum["mixing_time_s"].iloc[0])
        plot_contour(
            data,
            ppm_f1,
            ppm_f2,
            sites,
            title=f"{job.params.series}, mixing time {mixing_time_s:g} s",
            paths=[job.output.png, job.output.pdf],
        )
        log.info("contour %s", job.output.png)
