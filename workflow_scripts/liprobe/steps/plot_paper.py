"""Rule paper: the paper figure set from the tables (PNG, PDF and SVG)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.plots import paper, paper_methods
from liprobe.steps.job import Job


def _optional(inp, name: str) -> pd.DataFrame | None:
    """The table of input ``name``, None when the campaign has not its stage."""
    return read_table(getattr(inp, name)) if name in inp.keys() else None


def run(job: Job) -> None:
    """Rule paper: the paper figure set from the tables (PNG, PDF and SVG)."""
    with rule_log(job.log[0]) as log:
        inp = job.input
        out = Path(job.output_files[0]).parent  # results/paper
        cells = dict(job.params.cells)
        figures = list(job.params.figures)
        if "fig1_slr_arrhenius" in figures:
            fig = paper.fig_slr_arrhenius(
                read_table(inp.relaxation_fits), read_table(inp.relaxation_arrhenius)
            )
            paper.save_paper_figure(fig, out / "fig1_slr_arrhenius")
        if "fig2_exsy" in figures:
            fits = read_table(inp.exsy_fits)
            spectra = pd.concat([read_table(p) for p in inp.exsy_spectra])
            sites = pd.concat([read_table(p) for p in inp.exsy_sites])
            series, title = paper.exsy_spectrum_choice(fits, spectra)
            fig = paper.fig_exsy(
                read_table(inp.exsy_volumes),
                fits,
                read_table(inp.exsy_arrhenius),
                spectra[spectra["series"] == series],
                sites[sites["series"] == series],
                spectrum_title=title,
            )
            paper.save_paper_figure(fig, out / "fig2_exsy")
        if "fig3_ndp_profiles" in figures:
            cycles = read_table(inp.cycles) if "cycles" in inp.keys() else None
            fig = paper.fig_ndp_profiles(read_table(inp.profiles), cycles, cells)
            paper.save_paper_figure(fig, out / "fig3_ndp_profiles")
        if "fig4_inventory" in figures:
            fig = paper.fig_inventory(read_table(inp.inventory), cells)
            paper.save_paper_figure(fig, out / "fig4_inventory")
        if "fig5_efficiency" in figures:
            fig = paper.fig_efficiency(read_table(inp.efficiency), cells)
            paper.save_paper_figure(fig, out / "fig5_efficiency")
        if "fig6_interface" in figures:
            fig = paper_methods.fig_interface(
                _optional(inp, "isotope_exchange"),
                _optional(inp, "cp_buildup"),
                _optional(inp, "nmr_integrals"),
                dict(job.params.cp_series),
            )
            paper.save_paper_figure(fig, out / "fig6_interface")
        if "fig7_dynamics" in figures:
            fig = paper_methods.fig_dynamics(
                *(
                    _optional(inp, name)
                    for name in (
                        "linewidth",
                        "linewidth_arrhenius",
                        "pfg_diffusion",
                        "pfg_arrhenius",
                        "exsy_rates",
                        "exsy_rates_arrhenius",
                    )
                )
            )
            paper.save_paper_figure(fig, out / "fig7_dynamics")
        log.info("paper figures written: %s", ", ".join(figures))
