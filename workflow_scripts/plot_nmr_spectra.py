"""Rule plot_nmr_spectra: stacked processed spectra with the regions shaded."""

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots.nmr import plot_stacked_spectra
from liprobe.plots.save import save_figure

with rule_log(snakemake.log[0]):
    fig = plot_stacked_spectra(
        read_table(snakemake.input.spectra),
        read_table(snakemake.input.regions),
        title=snakemake.params.experiment,
    )
    save_figure(fig, snakemake.output.png, snakemake.output.pdf)
