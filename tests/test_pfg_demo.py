"""End-to-end: the workflow on the demo's 7Li PFG series (random walkers with
known D) recovers D per temperature, Ea and D0, and the distribution sample's
two populations, within the reported errors (z-scores); TopSpin's own D sits
beside ours; figures, captions and the summary carry the results."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

# |z| above this for one value is a failure (p < 1e-4 for an honest error)
MAX_Z = 4.0


def _truth(demo_run):
    return json.loads((demo_run / "demo" / "truth.json").read_text())["pfg"]


@pytest.fixture(scope="module")
def tables(demo_run):
    read = lambda name: pd.read_parquet(demo_run / f"results/tables/{name}.parquet")  # noqa: E731
    return {
        name: read(name)
        for name in (
            "nmr_experiments",
            "pfg_diffusion",
            "pfg_attenuation",
            "pfg_arrhenius",
        )
    }


def test_pfg_kind_detected_from_the_folders(demo_run, tables):
    truth = _truth(demo_run)
    sheet = pd.read_csv(demo_run / "demo" / "nmr.tsv", sep="\t")
    ids = [e["experiment"] for e in truth["experiments"]]
    ids.append(truth["distribution"]["experiment"])
    assert (sheet.set_index("experiment").loc[ids, "kind"] == "auto").all()
    exp = tables["nmr_experiments"].set_index("experiment").loc[ids]
    assert (exp["kind"] == "pfg").all() and (exp["list_name"] == "difflist").all()


def test_pfg_d_per_temperature_within_errors(demo_run, tables):
    truth = _truth(demo_run)
    d = tables["pfg_diffusion"]
    points = tables["pfg_attenuation"]
    for item in truth["experiments"]:
        rows = d[d["experiment"] == item["experiment"]].set_index("model")
        mono = rows.loc["mono"]
        assert mono["fit_ok"], item["experiment"]
        z = (mono["D_m2_per_s"] - item["D_m2_per_s"]) / mono["D_m2_per_s_err"]
        assert abs(z) < MAX_Z, (item["experiment"], z)
        # a relative error of a few per cent: the test has power
        assert mono["D_m2_per_s_err"] < 0.05 * item["D_m2_per_s"]
        assert rows["selected"].sum() == 1
        assert mono["temperature_K"] == pytest.approx(item["temperature_K"])
        grads = points[points["experiment"] == item["experiment"]]
        assert sorted(grads["gradient_G_per_cm"]) == pytest.approx(
            sorted(item["gradients_G_per_cm"])
        )
        if item["topspin_D_m2_per_s"] is None:
            assert mono["encoding_source"] == "pulse_program"
            assert mono["gradient_shape"] == item["gradient_shape"] == "sine"
            assert "2 x P30 (bipolar)" in mono["convention"]
            assert math.isnan(mono["topspin_D_m2_per_s"])
        else:
            assert mono["encoding_source"] == "topspin_ct1t2"
            assert mono["delta_s"] == pytest.approx(truth["delta_s"])
            assert mono["big_delta_s"] == pytest.approx(truth["big_delta_s"])
            assert mono["topspin_D_m2_per_s"] == pytest.approx(
                item["topspin_D_m2_per_s"], rel=1e-3
            )
            # TopSpin's D and ours agree within our error and a bit
            assert (
                abs(mono["topspin_D_m2_per_s"] - mono["D_m2_per_s"])
                < 3 * (mono["D_m2_per_s_err"])
            )


def test_pfg_arrhenius_recovers_ea_and_d0(demo_run, tables):
    truth = _truth(demo_run)
    a = tables["pfg_arrhenius"].set_index("series").loc[truth["sample"]]
    assert a["fit_ok"] and a["n_temperatures"] == 3
    z_ea = (a["Ea_eV"] - truth["Ea_eV"]) / a["Ea_eV_err"]
    assert abs(z_ea) < MAX_Z, z_ea
    z_d0 = math.log(a["D0_m2_per_s"] / truth["D0_m2_per_s"]) / (
        a["D0_m2_per_s_err"] / a["D0_m2_per_s"]
    )
    assert abs(z_d0) < MAX_Z, z_d0
    assert a["Ea_eV_err"] < 0.02


def test_pfg_distribution_sample(demo_run, tables):
    dist = _truth(demo_run)["distribution"]
    d = tables["pfg_diffusion"]
    rows = d[d["experiment"] == dist["experiment"]].set_index("model")
    assert rows.loc["two_component", "selected"]
    r = rows.loc["two_component"]
    for name, value in (
        ("D_m2_per_s", dist["D_fast_m2_per_s"]),
        ("D_2_m2_per_s", dist["D_slow_m2_per_s"]),
        ("fraction", dist["fraction_fast"]),
    ):
        z = (r[name] - value) / r[f"{name}_err"]
        assert abs(z) < MAX_Z, (name, z)
    # the mono law does not describe a distribution: far worse AICc
    assert rows.loc["mono", "aic"] - r["aic"] > 20
    arr = tables["pfg_arrhenius"].set_index("series").loc[dist["sample"]]
    assert not arr["fit_ok"] and "too_few_temperatures" in arr["flags"]


def test_pfg_figures_caption_and_summary(demo_run):
    truth = _truth(demo_run)
    for series in (truth["sample"], truth["distribution"]["sample"]):
        for figure in ("attenuation", "arrhenius"):
            png = demo_run / f"results/figures/pfg/{series}_{figure}.png"
            assert png.is_file() and png.stat().st_size > 10_000, png
    caption = (demo_run / "results/report/captions/pfg.rst").read_text()
    assert "Stejskal-Tanner" in caption and "TopSpin" in caption
    assert f'snakemake.wildcards.series == "{truth["sample"]}"' in caption
    summary = (demo_run / "results/summary.md").read_text()
    assert "## PFG diffusion (pfg_diffusion, pfg_arrhenius)" in summary
    assert f"PFG Ea, series {truth['sample']}, region Li:" in summary
    # no demo sample is measured by PFG and another method: no side-by-side
    # lines for the PFG samples (the side-by-side is tested in test_pfg_fit)
    assert f"D, sample {truth['sample']}, PFG" not in summary
