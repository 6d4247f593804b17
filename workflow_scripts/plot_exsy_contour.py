"""Rule plot_exsy_contour: 2D contour of a series at its longest mixing time."""

import numpy as np

from liprobe.io.runlog import rule_log
from liprobe.plots.exsy import plot_contour

with rule_log(snakemake.log[0]) as log:
    with np.load(snakemake.input.spectrum) as z:
        names = [str(n) for n in z["site_names"]]
        sites = {
            names[0]: [tuple(map(float, r)) for r in z["site_a"]],
            names[1]: [tuple(map(float, r)) for r in z["site_b"]],
        }
        title = f"{snakemake.params.series}, d8 = {float(z['mixing_time_s']):g} s"
        plot_contour(
            z["data"],
            z["ppm_f1"],
            z["ppm_f2"],
            sites,
            title=title,
            paths=[snakemake.output.png, snakemake.output.pdf],
        )
    log.info("contour %s", snakemake.output.png)
