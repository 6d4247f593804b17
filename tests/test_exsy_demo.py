"""The simulated 6Li EXSY campaign, reduced end to end by the library.

Two samples: diffusion-limited exchange with a finite partner phase and
rate-limited (two-site) exchange. Recovery is judged by z-scores from the
reported errors.
"""

import json

import numpy as np
import pandas as pd
import pytest

from liprobe.exsy import arrhenius
from liprobe.exsy import series as exsy_series
from liprobe.exsy.arrhenius import add_exchange_current
from liprobe.exsy.volumes import site_regions
from liprobe.io.bruker import read_processed
from liprobe.io.tables import read_metadata, read_table, write_table
from liprobe.simulate.exsy import (
    SAMPLE,
    TWO_SITE_SAMPLE,
    demo_exsy_regions,
    two_site_regions,
    write_demo_exsy,
    write_demo_exsy_two_site,
)

from conftest import read_experiment, with_schema_defaults

arrhenius_table = with_schema_defaults(arrhenius.arrhenius_table, "exsy")
experiment_volumes = with_schema_defaults(exsy_series.experiment_volumes, "exsy")
fit_series = with_schema_defaults(exsy_series.fit_series, "exsy")

# |z| above this for one value is a failure (p < 1e-4 for an honest error)
MAX_Z = 4.0


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("exsy_demo")
    demo = write_demo_exsy(out, seed=4)
    two = write_demo_exsy_two_site(out, seed=5)
    assert demo["regions"] == demo_exsy_regions()
    assert two["regions"] == two_site_regions()
    assert demo["truth"]["Ea_eV"] == 0.27
    return out, demo["nmr"] + two["nmr"]


@pytest.fixture(scope="module")
def reduced(demo):
    out, rows = demo
    regions = pd.DataFrame(demo_exsy_regions() + two_site_regions())
    frames = []
    for r in rows:
        sites = site_regions(regions, r["sample"])
        fid = read_experiment(r["path"], 1, {"kind": "auto"})
        frame, _ = experiment_volumes(
            fid,
            sites,
            experiment=r["experiment"],
            sample=r["sample"],
            series=r["series"],
            reference=read_processed(r["path"], 1),
        )
        frames.append(frame)
    volumes = pd.concat(frames, ignore_index=True)
    radius = {r["series"]: r.get("particle_radius_um", np.nan) for r in rows}
    fits = pd.concat(
        [
            fit_series(g, particle_radius_um=radius[name])
            for name, g in volumes.groupby("series")
        ],
        ignore_index=True,
    )
    sample = {r["series"]: r["sample"] for r in rows}
    fits["sample"] = fits["series"].map(sample)
    fits = add_exchange_current(
        fits, li_density_per_cm3=2.2e22, interface_area_fraction=1.0
    )
    arr = arrhenius_table(fits, li_density_per_cm3=2.2e22, interface_area_fraction=1)
    return volumes, fits, arr


def _z(value, err, truth):
    assert np.isfinite(err) and err > 0, (value, err)
    return (value - truth) / err


def test_demo_rows_and_files(demo):
    out, all_rows = demo
    rows = [r for r in all_rows if r["sample"] == SAMPLE]
    temps = sorted({r["temperature_K"] for r in rows})
    assert temps == [298.0, 323.0, 348.0, 373.0]
    per_series = pd.DataFrame(all_rows).groupby("series").size()
    assert len(per_series) == 8 and (per_series == 8).all()
    assert {
        "experiment",
        "sample",
        "path",
        "kind",
        "series",
        "temperature_K",
        "particle_radius_um",
    } <= set(rows[0])
    assert all(r["kind"] == "exsy" for r in all_rows)
    # the rate-limited sample has no particle radius
    assert all(
        "particle_radius_um" not in r
        for r in all_rows
        if r["sample"] == TWO_SITE_SAMPLE
    )
    regions = demo_exsy_regions()
    assert [r["region"] for r in regions] == ["Li6PS5Br", "Li6PS5Cl"]
    truth = json.loads((out / "exsy_truth.json").read_text())
    assert truth["Ea_eV"] == 0.27 and truth["pA"] + truth["pB"] == 1.0
    two = json.loads((out / "exsy_two_site_truth.json").read_text())
    assert two["Ea_k_AB_eV"] == 0.30
    for item in two["series"].values():  # detailed balance
        assert item["k_AB_per_s"] * two["pA"] == pytest.approx(
            item["k_BA_per_s"] * (1 - two["pA"]), rel=1e-12
        )
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
    assert len(volumes) == 8 * 8 * 4
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
    for _, sample in first.groupby(first["series"].str.rsplit("_", n=1).str[0]):
        total = sample.groupby("temperature_K")["volume"].sum()
        curie = total * total.index
        assert curie.std() / curie.mean() < 0.02
        assert sample["rg"].nunique() == 4


def test_demo_recovers_D_and_Ea(demo, reduced):
    out, _ = demo
    truth = json.loads((out / "exsy_truth.json").read_text())
    _, fits, arr = reduced
    diff = fits[(fits["model"] == "diffusion_sphere") & (fits["sample"] == SAMPLE)]
    assert len(diff) == 4 and diff["fit_ok"].all(), diff["flags"].tolist()
    for _, row in diff.iterrows():
        d_true = truth["series"][row["series"]]["D_m2_per_s"]
        assert row["D_m2_per_s_err"] > 0
        z = _z(row["D_m2_per_s"], row["D_m2_per_s_err"], d_true)
        assert abs(z) < MAX_Z, (row["series"], row["D_m2_per_s"], d_true, z)
        # the finite partner's share of the Li, from the fitted populations
        assert abs(row["partner_fraction"] - (1 - truth["pA"])) < (
            MAX_Z * row["partner_fraction_err"]
        )
        assert row["chi2_p_value"] > 1e-3 and "absolute weights" in row["err_method"]
    ea = arr[(arr["quantity"] == "D") & (arr["sample"] == SAMPLE)].iloc[0]
    z = _z(ea["Ea_eV"], ea["Ea_eV_err"], truth["Ea_eV"])
    assert abs(z) < MAX_Z, (ea["Ea_eV"], ea["Ea_eV_err"])
    assert 0 < ea["Ea_eV_err"] < 0.02
    assert ea["i0_bound"] == "lower_bound"
    # the two-site model does not describe diffusion-limited exchange: its fits
    # are poor, marked, and feed no activation energy
    two = fits[(fits["model"] == "two_site") & (fits["sample"] == SAMPLE)]
    assert not two["fit_ok"].any()
    assert two["flags"].str.contains("diffusion_limited").all()
    k_ab = arr[(arr["quantity"] == "k_AB") & (arr["sample"] == SAMPLE)].iloc[0]
    assert not k_ab["fit_ok"]


def test_diffusion_sample_model_choice_and_exchange_current(reduced):
    _, fits, arr = reduced
    ea = arr[(arr["quantity"] == "D") & (arr["sample"] == SAMPLE)].iloc[0]
    assert ea["i0_A_per_cm2"] > 0 and ea["particle_radius_um"] == 1.5
    diff_fits = fits[fits["sample"] == SAMPLE]
    # the two-site model is the wrong model here: AIC says so for every series
    for series, grp in diff_fits.groupby("series"):
        aic = grp.set_index("model")["aic"]
        assert aic["diffusion_sphere"] < aic["two_site"], series
    assert np.isfinite(diff_fits["i0_A_per_cm2"]).all()


def test_two_site_sample_recovers_rates(demo, reduced):
    """k_AB and k_BA per temperature of the rate-limited sample, as z-scores."""
    out, _ = demo
    truth = json.loads((out / "exsy_two_site_truth.json").read_text())
    _, fits, _ = reduced
    site = fits[(fits["model"] == "two_site") & (fits["sample"] == TWO_SITE_SAMPLE)]
    assert sorted(site["series"]) == sorted(truth["series"])
    for _, row in site.iterrows():
        # ok, or flagged poor with honestly inflated errors (see the next test)
        assert row["fit_ok"] or (
            "poor_fit" in row["flags"] and "inflated" in row["err_method"]
        ), row["flags"]
        item = truth["series"][row["series"]]
        for name in ("k_AB", "k_BA"):
            z = _z(
                row[f"{name}_per_s"], row[f"{name}_per_s_err"], item[f"{name}_per_s"]
            )
            assert abs(z) < MAX_Z, (row["series"], name, z)
        z = _z(row["pA"], row["pA_err"], truth["pA"])
        assert abs(z) < MAX_Z, (row["series"], "pA", z)
    # no particle radius: the diffusion model is not fitted, and says why
    diff = fits[
        (fits["model"] == "diffusion_sphere") & (fits["sample"] == TWO_SITE_SAMPLE)
    ]
    assert not diff["fit_ok"].any()


def test_two_site_fits_are_ok_on_two_site_data(reduced):
    """The two-site model describes the rate-limited sample: every fit is ok,
    its chi-square a plausible draw of its distribution (0.001 < p < 0.999)."""
    _, fits, _ = reduced
    site = fits[(fits["model"] == "two_site") & (fits["sample"] == TWO_SITE_SAMPLE)]
    assert site["fit_ok"].all(), site["flags"].tolist()
    # the four volumes of a spectrum enter with their noise correlation
    assert site["err_method"].str.contains("generalised least squares").all()
    p = site["chi2_p_value"]
    assert ((p > 1e-3) & (p < 1 - 1e-3)).all(), p.tolist()


def test_two_site_sample_recovers_Ea_k_AB(demo, reduced):
    """Ea(k_AB) of the rate-limited sample within 4 sigma of 0.30 eV, from
    fits that are all ok (its coverage over many seeds is measured by
    benchmarks/bench_coverage.py)."""
    out, _ = demo
    truth = json.loads((out / "exsy_two_site_truth.json").read_text())
    _, _, arr = reduced
    row = arr[(arr["quantity"] == "k_AB") & (arr["sample"] == TWO_SITE_SAMPLE)]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["fit_ok"] and row["n_temperatures"] == 4, row["flags"]
    z = _z(row["Ea_eV"], row["Ea_eV_err"], truth["Ea_k_AB_eV"])
    assert abs(z) < MAX_Z, (row["Ea_eV"], row["Ea_eV_err"], z)
