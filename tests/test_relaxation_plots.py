"""Relaxation figures: drawn from tables only, PNG + PDF, deterministic PDF."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liprobe.plots.relaxation import plot_arrhenius, plot_series_curves
from liprobe.plots.style import PALETTE, figure, label, save_figure
from liprobe.relaxation import arrhenius_table, fit_relaxation_table, r1_bpp
from liprobe.relaxation.models import inversion_recovery

from conftest import relax


@pytest.fixture(scope="module")
def tables():
    rng = np.random.default_rng(0)
    temps = np.linspace(200, 400, 6)
    rates = r1_bpp(temps, 9.5, 0.2, -13.0, 2.0, 194.4)
    t = np.geomspace(1e-3, 10, 10)
    exps, ints = [], []
    for i, (T, R) in enumerate(zip(temps, rates, strict=True)):
        exps.append(
            {
                "experiment": f"e{i}",
                "sample": "s",
                "kind": "t1_ir",
                "temperature_K": T,
                "larmor_MHz": 194.4,
            }
        )
        for region in ("a", "b"):
            y = inversion_recovery(t, 100.0, -195.0, 1 / R, 1.0)
            y = y + rng.normal(0, 0.5, t.size)
            for k, (tt, yy) in enumerate(zip(t, y, strict=True)):
                ints.append(
                    {
                        "experiment": f"e{i}",
                        "increment": k,
                        "region": region,
                        "list_time_s": tt,
                        "integral": yy,
                        "integral_err": 0.5,
                    }
                )
    ints = pd.DataFrame(ints)
    fits = fit_relaxation_table(ints, pd.DataFrame(exps), relax({}))
    return fits, ints, arrhenius_table(fits, relax({}))


def test_figures_written_png_and_pdf(tables, tmp_path):
    fits, ints, arr = tables
    two = fits[fits["experiment"].isin(["e0", "e1"])]  # two panels keep it quick
    paths = []
    for name, fig in (
        ("curves", plot_series_curves(two, ints, "s")),
        ("arrhenius", plot_arrhenius(fits, arr, "s")),
    ):
        # every visible axis has a label with its unit or a ratio
        for ax in fig.axes:
            if ax.get_visible() and ax.axison and ax.get_xlabel():
                assert "/" in ax.get_xlabel() or ax.get_xlabel().startswith("1000")
        png, pdf = tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"
        save_figure(fig, png, pdf)
        paths += [png, pdf]
    for p in paths:
        assert p.stat().st_size > 5000
        assert p.read_bytes()[:4] in (b"\x89PNG", b"%PDF")


def test_arrhenius_figure_annotates_slopes_in_ev(tables):
    fits, _, arr = tables
    fig = plot_arrhenius(fits, arr, "s")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any(t.endswith(" eV") for t in texts)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert "Ea" in ax.get_title()


def test_pdf_is_deterministic(tables, tmp_path):
    fits, ints, _ = tables
    fits = fits[fits["experiment"].isin(["e0", "e1"])]  # two panels keep it quick
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    save_figure(plot_series_curves(fits, ints, "s"), a)
    save_figure(plot_series_curves(fits, ints, "s"), b)
    assert a.read_bytes() == b.read_bytes()


def test_series_without_fits_gives_a_captioned_figure(tables, tmp_path):
    fits, ints, arr = tables
    fig = plot_series_curves(fits, ints, "unknown")
    assert "no relaxation fits" in fig.axes[0].texts[0].get_text()
    fig2 = plot_arrhenius(fits, arr, "unknown")
    assert "fewer than two temperatures" in fig2.axes[0].texts[0].get_text()
    save_figure(fig, tmp_path / "x.png")


def test_style_helpers():
    assert label("T1", "s") == "T1 / s"
    assert label("beta") == "beta"
    fig, ax = figure("single", 0.75)
    assert fig.get_figwidth() == pytest.approx(3.5)
    assert len(set(PALETTE)) == len(PALETTE) == 8
