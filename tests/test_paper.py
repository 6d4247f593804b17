"""The paper target: every figure of the set is drawn from the demo tables in
PNG, PDF and SVG, and the vector files are byte-identical from one build to
the next (and between the workflow's process and this one)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from liprobe.io.tables import read_table
from liprobe.nmr.kinds import peek_kind
from liprobe.plan.campaign import cp_series
from liprobe.plots import paper, paper_methods

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def paper_run(demo_run) -> Path:
    """The demo working directory after ``snakemake paper``."""
    from conftest import run_snakemake

    configs = sorted(demo_run.glob("*.yaml"))
    run_snakemake(demo_run, configs[-1], ["paper"])
    return demo_run


def build_all(
    workdir: Path, outdir: Path, formats: tuple[str, ...] = ("pdf", "svg")
) -> list[Path]:
    """The figure set drawn in this process from the tables of ``workdir``."""
    t = workdir / "results" / "tables"
    data = workdir / "results" / "exsy"
    sheet = pd.read_csv(workdir / "demo" / "ndp.tsv", sep="\t")
    cells = dict(zip(sheet["run"].astype(str), sheet["cell"].astype(str), strict=True))
    written = []
    fig = paper.fig_slr_arrhenius(
        read_table(t / "relaxation_fits.parquet"),
        read_table(t / "relaxation_arrhenius.parquet"),
    )
    written += paper.save_paper_figure(fig, outdir / "fig1_slr_arrhenius", formats)
    fits = read_table(t / "exsy_fits.parquet")
    spectra = pd.concat(
        [read_table(p) for p in sorted(data.glob("*/spectrum_longest_mixing.parquet"))]
    )
    sites = pd.concat([read_table(p) for p in sorted(data.glob("*/sites.parquet"))])
    series, title = paper.exsy_spectrum_choice(fits, spectra)
    fig = paper.fig_exsy(
        read_table(t / "exsy_volumes.parquet"),
        fits,
        read_table(t / "exsy_arrhenius.parquet"),
        spectra[spectra["series"] == series],
        sites[sites["series"] == series],
        spectrum_title=title,
    )
    written += paper.save_paper_figure(fig, outdir / "fig2_exsy", formats)
    fig = paper.fig_ndp_profiles(
        read_table(t / "ndp_depth_profiles.parquet"),
        read_table(t / "cycles.parquet"),
        cells,
    )
    written += paper.save_paper_figure(fig, outdir / "fig3_ndp_profiles", formats)
    fig = paper.fig_inventory(read_table(t / "li_inventory.parquet"), cells)
    written += paper.save_paper_figure(fig, outdir / "fig4_inventory", formats)
    fig = paper.fig_efficiency(read_table(t / "efficiency.parquet"), cells)
    written += paper.save_paper_figure(fig, outdir / "fig5_efficiency", formats)
    fig = paper_methods.fig_interface(
        _table(t, "isotope_exchange"),
        _table(t, "cp_buildup"),
        _table(t, "nmr_integrals"),
        _cp_series(workdir),
    )
    written += paper.save_paper_figure(fig, outdir / "fig6_interface", formats)
    fig = paper_methods.fig_dynamics(
        *(
            _table(t, name)
            for name in (
                "linewidth",
                "linewidth_arrhenius",
                "pfg_diffusion",
                "pfg_arrhenius",
                "exsy_rates",
                "exsy_arrhenius",
            )
        )
    )
    written += paper.save_paper_figure(fig, outdir / "fig7_dynamics", formats)
    return written


def _table(tables: Path, name: str) -> pd.DataFrame | None:
    """The table ``name``, None when the campaign's plan has not its stage."""
    path = tables / f"{name}.parquet"
    return read_table(path) if path.is_file() else None


def _cp_series(workdir: Path) -> dict:
    """The CP plan of the demo sheet, as the workflow makes it."""
    if not (workdir / "results" / "tables" / "cp_buildup.parquet").is_file():
        return {}
    nmr = pd.read_csv(
        workdir / "demo" / "nmr.tsv", sep="\t", dtype=str, keep_default_na=False
    ).set_index("experiment")
    kinds = {
        e: k if k != "auto" else peek_kind(workdir / nmr.at[e, "path"])
        for e, k in nmr["kind"].items()
    }
    return cp_series(nmr, kinds)


def test_paper_target_writes_every_figure(paper_run):
    out = paper_run / "results" / "paper"
    for stem in paper.PAPER_FIGURES:
        for ext in ("png", "pdf", "svg"):
            path = out / f"{stem}.{ext}"
            assert path.is_file() and path.stat().st_size > 1000, path


def test_paper_vector_files_are_deterministic(paper_run, tmp_path):
    """A second build, in this process, gives the workflow's bytes exactly."""
    vectors = build_all(paper_run, tmp_path)
    assert len(vectors) == 2 * len(paper.PAPER_FIGURES)
    for ours in vectors:
        theirs = paper_run / "results" / "paper" / ours.name
        assert ours.read_bytes() == theirs.read_bytes(), ours.name


def test_vector_files_carry_no_date(paper_run):
    out = paper_run / "results" / "paper"
    for svg in out.glob("*.svg"):
        assert "<dc:date>" not in svg.read_text(encoding="utf-8")
    for pdf in out.glob("*.pdf"):
        assert b"/CreationDate" not in pdf.read_bytes()


def _axes_texts(fig) -> list[str]:
    return [t for ax in fig.axes for t in (ax.get_xlabel(), ax.get_ylabel()) if t]


def test_every_axis_has_a_unit_or_is_dimensionless(paper_run):
    """Axis labels: 'quantity / unit', or a named dimensionless quantity."""
    t = paper_run / "results" / "tables"
    figs = [
        paper.fig_slr_arrhenius(
            read_table(t / "relaxation_fits.parquet"),
            read_table(t / "relaxation_arrhenius.parquet"),
        ),
        paper.fig_ndp_profiles(read_table(t / "ndp_depth_profiles.parquet")),
        paper.fig_inventory(read_table(t / "li_inventory.parquet")),
        paper.fig_efficiency(read_table(t / "efficiency.parquet")),
        paper_methods.fig_interface(
            read_table(t / "isotope_exchange.parquet"), None, None
        ),
        paper_methods.fig_dynamics(
            read_table(t / "linewidth.parquet"),
            read_table(t / "linewidth_arrhenius.parquet"),
            read_table(t / "pfg_diffusion.parquet"),
            read_table(t / "pfg_arrhenius.parquet"),
            read_table(t / "exsy_rates.parquet"),
            read_table(t / "exsy_arrhenius.parquet"),
        ),
    ]
    dimensionless = (
        "cycle",
        "efficiency (fraction)",
        "Li density / Li metal",
        "$^6$Li fraction",
    )
    try:
        for fig in figs:
            labels = _axes_texts(fig)
            assert labels
            for text in labels:
                assert " / " in text or text in dimensionless, text
    finally:
        for fig in figs:
            plt.close(fig)


def test_empty_tables_give_a_figure_not_a_crash():
    empty = pd.DataFrame(
        columns=[
            "run",
            "cycle",
            "coulombic_efficiency",
            "li_efficiency",
            "li_efficiency_err",
        ]
    )
    fig = paper.fig_efficiency(empty)
    assert fig.axes
    plt.close(fig)
