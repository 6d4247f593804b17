"""The simulated PEO-LAGP hybrid electrolyte end to end: raw 6Li and 7Li MAS
folders of a pristine and a cycled sample through the workflow; nmr_peaks
recovers the site fractions, widths and the MAS rate, isotope_exchange the 6Li
fraction per site, within their reported errors (z-scores); figures, captions
and the summary line naming the dominant path are written.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from liprobe.io.tables import read_table
from liprobe.io.units import unit_of

from conftest import REPO, run_snakemake, simulate_demo

#: largest |z| of one recovered value (a few dozen values are checked)
Z_MAX = 3.5


@pytest.fixture(scope="module")
def hybrid_run(tmp_path_factory):
    workdir = simulate_demo(tmp_path_factory.mktemp("hybrid"), parts=("hybrid",))
    cfg = workdir / "config.yaml"
    cfg.write_text((REPO / "config" / "config.yaml").read_text())
    run_snakemake(workdir, cfg, cores=2)
    return workdir


def _truth(workdir):
    return json.loads((workdir / "demo" / "truth.json").read_text())["hybrid"]


def test_site_fractions_widths_and_mas_rate_are_recovered(hybrid_run):
    truth = _truth(hybrid_run)
    peaks = read_table(hybrid_run / "results/tables/nmr_peaks.parquet")
    for column in peaks.columns:
        assert unit_of(column) is not None, column
    assert peaks["fit_ok"].all(), peaks["flags"].tolist()
    assert peaks["joint"].all()  # the sites sheet says shared: series jointly
    z = []
    for spectrum in truth["spectra"]:
        rows = peaks[peaks["experiment"] == spectrum["experiment"]].set_index("site")
        for site, fraction in spectrum["fractions"].items():
            r = rows.loc[site]
            z.append((r.fraction - fraction) / r.fraction_err)
            z.append((r.fwhm_Hz - spectrum["fwhm_Hz"][site]) / r.fwhm_Hz_err)
    z = np.asarray(z)
    assert np.abs(z).max() < Z_MAX, z
    li7 = peaks[peaks["nucleus"] == "7Li"]
    # acqus MASR is 1.5 % off; the rate fitted from the sideband positions
    assert set(li7["mas_rate_source"]) == {"fitted (start acqus MASR)"}
    assert (li7["masr_Hz"] - truth["mas_Hz"]).abs().min() > 100.0
    z_mas = (li7["mas_rate_Hz"] - truth["mas_Hz"]) / li7["mas_rate_Hz_err"]
    assert np.abs(z_mas).max() < Z_MAX
    li6 = peaks[peaks["nucleus"] == "6Li"]
    assert set(li6["mas_rate_source"]) == {"sheet"}


def test_li6_fractions_per_site_are_recovered(hybrid_run):
    truth = _truth(hybrid_run)["li6_fraction"]
    table = read_table(hybrid_run / "results/tables/isotope_exchange.parquet")
    for column in table.columns:
        assert unit_of(column) is not None, column
    checked = 0
    for r in table.itertuples():
        if r.method == "pristine_ratio" and r.state == "pristine":
            assert r.li6_fraction == truth["pristine"][r.site]  # the reference
            continue
        z = (r.li6_fraction - truth[r.state][r.site]) / r.li6_fraction_err
        assert abs(z) < Z_MAX, (r.site, r.state, r.method, z)
        checked += 1
    assert checked == 9  # receptivity: 3 sites x 2 states; pristine_ratio: 3
    dominant = table[table["dominant_path"]]
    assert list(dominant["site"]) == ["interface"]
    summary = (hybrid_run / "results/summary.md").read_text()
    assert "dominant Li path through site interface" in summary


def test_figures_and_captions_are_written(hybrid_run):
    figures = hybrid_run / "results/figures/peaks"
    for experiment in ("hybrid_pristine_7Li", "hybrid_cycled_6Li"):
        assert (figures / f"{experiment}_fit.png").stat().st_size > 10_000
    assert (figures / "isotope_exchange.png").stat().st_size > 10_000
    captions = hybrid_run / "results/report/captions"
    fit_caption = (captions / "peaks_fit.rst").read_text()
    assert "hybrid\\_cycled\\_6Li" in fit_caption or "hybrid_cycled_6Li" in fit_caption
    assert "interface" in (captions / "isotope_exchange.rst").read_text()
