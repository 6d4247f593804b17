"""The simulated 6Li EXSY campaign, reduced end to end by the library."""

import json

import numpy as np
import pandas as pd
import pytest

from liprobe.exsy.arrhenius import add_exchange_current, arrhenius_table
from liprobe.exsy.series import experiment_volumes, fit_series
from liprobe.exsy.volumes import site_regions
from liprobe.io.bruker import read_processed
from liprobe.io.tables import read_metadata, read_table, write_table
from liprobe.simulate.exsy import demo_exsy_regions, write_demo_exsy

from conftest import read_experiment


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("exsy_demo")
    demo = write_demo_exsy(out, seed=4)
    assert demo["regions"] == demo_exsy_regions()
    assert demo["truth"]["Ea_eV"] == 0.27
    return out, demo["nmr"]


@pytest.fixture(scope="module")
def reduced(demo):
    out, rows = demo
    sites = site_regions(pd.DataFrame(demo_exsy_regions()), rows[0]["sample"])
    frames = []
    for r in rows:
        fid = read_experiment(r["path"], 1, {"kind": "auto"})
        frame, _ = experiment_volumes(
            fid,
            sites,
            experiment=r["experiment"],
            sample=r["sample"],
            series=r["series"],
            phase_mode="procs",
            delay_index=8,
            baseline=True,
            margin_fraction=0.5,
            reference=read_processed(r["path"], 1),
        )
        frames.append(frame)
    volumes = pd.concat(frames, ignore_index=True)
    fits = pd.concat(
        [
            fit_series(g, particle_radius_um=r)
            for (_, r), g in volumes.assign(r=1.5).groupby(["series", "r"])
        ],
        ignore_index=True,
    )
    fits = add_exchange_current(
        fits, li_density_per_cm3=2.2e22, interface_area_fraction=1.0
    )
    arr = arrhenius_table(fits, li_density_per_cm3=2.2e22, interface_area_fraction=1)
    return volumes, fits, arr


def test_demo_rows_and_files(demo):
    out, rows = demo
    temps = sorted({r["temperature_K"] for r in rows})
    assert len(temps) >= 4 and temps[0] == 298.0 and temps[-1] == 373.0
    per_series = pd.DataFrame(rows).groupby("series").size()
    assert (per_series >= 8).all()
    assert {
        "experiment",
        "sample",
        "path",
        "kind",
        "series",
        "temperature_K",
        "particle_radius_um",
    } <= set(rows[0])
    assert all(r["kind"] == "exsy" for r in rows)
    regions = demo_exsy_regions()
    assert len({r["region"] for r in regions}) == 2
    truth = json.loads((out / "exsy_truth.json").read_text())
    assert truth["Ea_eV"] == 0.27
    fid = read_experiment(rows[-1]["path"], 1, {"kind": "auto"})
    assert fid.kind == "exsy"  # detected from the noesyph pulse program
    assert fid.fnmode == 5 and fid.td1 == 64 and fid.data.shape == (64, 128)
    assert fid.mixing_time_s == pytest.approx(10.0)
    assert fid.ns == 16 and fid.acqus["TE"] == rows[-1]["temperature_K"]
    assert fid.acqus["DTYPA"] == 0 and fid.group_delay_points > 60
    # the exchange half-time spans the mixing-time range over the temperatures
    halves = [s["exchange_half_time_s"] for s in truth["series"].values()]
    assert min(halves) < 1.0 < max(halves) < 10.0


def test_volumes_table_contract(reduced, tmp_path):
    volumes, _, _ = reduced
    required = [
        "experiment",
        "series",
        "temperature_K",
        "mixing_time_s",
        "peak",
        "volume",
        "volume_err",
    ]
    assert set(required) <= set(volumes.columns)
    assert set(volumes["peak"]) == {"AA", "AB", "BA", "BB"}
    assert (volumes["volume_err"] > 0).all()
    # the demo folders carry no TopSpin 2rr to compare with
    assert volumes["topspin_parity_r"].isna().all()
    path = write_table(volumes, tmp_path / "exsy_volumes.parquet")
    back = read_table(path)
    pd.testing.assert_frame_equal(back, volumes)
    units = json.loads(read_metadata(path)["liprobe.units"])
    assert units["mixing_time_s"] == "s" and units["volume"] == "arb"


def test_normalisation_by_ns_and_rg(reduced):
    volumes, _, _ = reduced
    # receiver gain differs per temperature; normalised diagonal volumes at the
    # shortest mixing time follow Curie's law (1/T) instead of RG
    first = volumes[volumes["mixing_time_s"] == volumes["mixing_time_s"].min()]
    total = first.groupby("temperature_K")["volume"].sum()
    curie = total * total.index
    assert curie.std() / curie.mean() < 0.02
    assert first["rg"].nunique() == 4


def test_demo_recovers_D_and_Ea(demo, reduced):
    out, _ = demo
    truth = json.loads((out / "exsy_truth.json").read_text())
    _, fits, arr = reduced
    diff = fits[fits["model"] == "diffusion_sphere"]
    assert diff["fit_ok"].all(), diff["flags"].tolist()
    for _, row in diff.iterrows():
        d_true = truth["series"][row["series"]]["D_m2_per_s"]
        assert row["D_m2_per_s_err"] > 0
        assert abs(row["D_m2_per_s"] - d_true) < 3.5 * row["D_m2_per_s_err"]
        # the finite partner's share of the Li, from the fitted populations
        assert abs(row["partner_fraction"] - (1 - truth["pA"])) < (
            3.5 * row["partner_fraction_err"]
        )
        assert row["chi2_p_value"] > 1e-3 and "absolute weights" in row["err_method"]
    ea = arr[arr["quantity"] == "D"].iloc[0]
    assert abs(ea["Ea_eV"] - truth["Ea_eV"]) < 3 * ea["Ea_eV_err"]
    assert 0 < ea["Ea_eV_err"] < 0.02
    assert ea["i0_bound"] == "lower_bound"
    # the two-site model does not describe diffusion-limited exchange: its fits
    # are poor, marked, and feed no activation energy
    two = fits[fits["model"] == "two_site"]
    assert not two["fit_ok"].any()
    assert two["flags"].str.contains("diffusion_limited").all()
    assert not arr.set_index("quantity").loc["k_AB", "fit_ok"]
    assert ea["i0_A_per_cm2"] > 0 and ea["particle_radius_um"] == 1.5
    # the two-site model is the wrong model here: AIC says so for every series
    for series, grp in fits.groupby("series"):
        aic = grp.set_index("model")["aic"]
        assert aic["diffusion_sphere"] < aic["two_site"], series
    assert np.isfinite(fits["i0_A_per_cm2"]).all()
