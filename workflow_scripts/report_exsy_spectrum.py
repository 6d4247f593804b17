"""Rule paper_exsy_spectrum: the longest-mixing 2D spectrum of an EXSY series
as tidy tables (points cropped around the sites, and the site intervals)."""

import numpy as np

from liprobe.io.runlog import rule_log
from liprobe.io.tables import write_table
from liprobe.plots.paper import spectrum_frame

with rule_log(snakemake.log[0]) as log:
    with np.load(snakemake.input.spectrum) as z:
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
            pad_fraction=float(snakemake.params.pad_fraction),
        )
        mixing_time_s = float(z["mixing_time_s"])
    spectrum["series"] = snakemake.params.series
    spectrum["mixing_time_s"] = mixing_time_s
    site_rows["series"] = snakemake.params.series
    config = {"pad_fraction": float(snakemake.params.pad_fraction)}
    write_table(
        spectrum,
        snakemake.output.spectrum,
        inputs=[snakemake.input.spectrum],
        config=config,
    )
    write_table(
        site_rows,
        snakemake.output.sites,
        inputs=[snakemake.input.spectrum],
        config=config,
    )
    log.info("%s: %d spectrum points", snakemake.params.series, len(spectrum))
