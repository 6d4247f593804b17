"""The simulated static 7Li variable-temperature series, reduced end to end by
the workflow (demo part ``linewidth``).

The spectra come from the Anderson-Kubo jump model of
:mod:`liprobe.simulate.linewidth`; the reduction measures each width at half
height and fits the Hendrickson-Bray model. Recovery is judged by z-scores from
the reported errors: the widths against the model's true width at each
temperature, the Hendrickson-Bray Ea against the true Ea of the jumps, and the
Waugh-Fedin Ea against the onset rule applied to the true width curve (the rule
is empirical: its reference is not the true Ea).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from liprobe.io.tables import read_table
from liprobe.linewidth.arrhenius import WAUGH_FEDIN_EV_PER_K
from liprobe.simulate.linewidth import NarrowingTruth, true_fwhm_Hz

from conftest import run_snakemake, simulate_demo

# |z| above this for one value is a failure (p < 1e-4 for an honest error)
MAX_Z = 4.0


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = simulate_demo(tmp_path_factory.mktemp("linewidth"), parts=("linewidth",))
    cfg = workdir / "config.yaml"
    cfg.write_text("sheets:\n  nmr: demo/nmr.tsv\n  regions: demo/regions.tsv\n")
    run_snakemake(workdir, cfg, cores=2)
    truth = json.loads((workdir / "demo" / "truth.json").read_text())["linewidth"]
    return workdir, truth


def test_widths_cover_the_true_widths(run):
    workdir, truth = run
    widths = read_table(workdir / "results/tables/linewidth.parquet")
    true = {e["experiment"]: e for e in truth["experiments"]}
    assert sorted(widths["experiment"]) == sorted(true)
    assert set(widths["method"]) == {"half_height"}
    assert widths["fit_ok"].all()
    z = [
        (r.fwhm_Hz - true[r.experiment]["fwhm_Hz"]) / r.fwhm_Hz_err
        for r in widths.itertuples()
    ]
    assert np.all(np.abs(z) < MAX_Z), z
    # the temperatures: acqus TE, and the sheet's where TE is 0 K
    for r in widths.itertuples():
        assert r.temperature_K == true[r.experiment]["temperature_K"]
        from_sheet = true[r.experiment]["acqus_TE_K"] == 0.0
        assert ("temperature_K_from_sheet" in r.flags) == from_sheet
        assert ("acqus_TE_implausible" in r.flags) == from_sheet
    # the contract columns
    for column in (
        "experiment",
        "series",
        "site",
        "temperature_K",
        "fwhm_Hz",
        "fwhm_Hz_err",
        "method",
        "err_method",
        "flags",
    ):
        assert column in widths


def test_hendrickson_bray_recovers_the_true_Ea(run):
    workdir, truth = run
    table = read_table(workdir / "results/tables/linewidth_arrhenius.parquet")
    hb = table[table["model"] == "hendrickson_bray"].iloc[0]
    assert bool(hb["fit_ok"]), hb["flags"]
    z = (hb["Ea_eV"] - truth["narrowing"]["Ea_eV"]) / hb["Ea_eV_err"]
    assert abs(z) < MAX_Z, (hb["Ea_eV"], hb["Ea_eV_err"])
    # an error from the covariance, not a token one: 1 to 10 % of Ea here
    assert 0.003 < hb["Ea_eV_err"] < 0.03
    # the plateaus: the rigid-lattice width and the residual width
    sim = NarrowingTruth()
    rigid = float(true_fwhm_Hz(sim, [100.0])[0])
    assert abs(hb["rigid_width_Hz"] - rigid) < MAX_Z * hb["rigid_width_Hz_err"]


def test_waugh_fedin_matches_the_rule_on_the_true_curve(run):
    workdir, _ = run
    table = read_table(workdir / "results/tables/linewidth_arrhenius.parquet")
    wf = table[table["model"] == "waugh_fedin"].iloc[0]
    sim = NarrowingTruth()
    # the onset rule on the true width curve, 0.25 K steps
    T = np.arange(100.0, 600.0, 0.25)
    w = true_fwhm_Hz(sim, T)
    rigid, narrowed = w[0], sim.residual_fwhm_Hz
    level = rigid - 0.1 * (rigid - narrowed)
    i = int(np.argmax(w < level))
    onset = np.interp(level, [w[i], w[i - 1]], [T[i], T[i - 1]])
    reference = WAUGH_FEDIN_EV_PER_K * onset
    z = (wf["Ea_eV"] - reference) / wf["Ea_eV_err"]
    assert abs(z) < MAX_Z, (wf["Ea_eV"], wf["Ea_eV_err"], reference)
    assert wf["onset_temperature_K"] == pytest.approx(
        wf["Ea_eV"] / WAUGH_FEDIN_EV_PER_K
    )
    # no measurement lies near the onset: the error says so
    assert "onset_shape_dependent" in wf["flags"]


def test_figure_caption_and_summary(run):
    workdir, _ = run
    series = NarrowingTruth().series
    for ext in ("png", "pdf"):
        assert (
            workdir / f"results/figures/linewidth/{series}_narrowing.{ext}"
        ).stat().st_size > 0
    caption = (workdir / "results/report/captions/linewidth.rst").read_text()
    assert "Hendrickson-Bray" in caption and series in caption
    summary = (workdir / "results/summary.md").read_text()
    assert "Motional narrowing (linewidth_arrhenius)" in summary
    assert "hendrickson_bray" in summary and "waugh_fedin" in summary
