"""Rule plot_relaxation: curve and Arrhenius figures of one series (tables only)."""

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.relaxation import plot_arrhenius, plot_series_curves
from liprobe.plots.style import save_figure

with rule_log(snakemake.log[0]) as log:
    series = str(snakemake.params.series)
    fits = read_table(snakemake.input.fits)
    integrals = read_table(snakemake.input.integrals)
    arrhenius = read_table(snakemake.input.arrhenius)
    fig = plot_series_curves(fits, integrals, series)
    save_figure(fig, snakemake.output.curves_png, snakemake.output.curves_pdf)
    fig = plot_arrhenius(fits, arrhenius, series)
    save_figure(fig, snakemake.output.arrhenius_png, snakemake.output.arrhenius_pdf)
    log.info("figures of series %s written", series)
