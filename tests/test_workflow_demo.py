"""End-to-end: the workflow on the simulated demo campaign recovers the truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from liprobe.io.tables import read_metadata

pytestmark = pytest.mark.slow


def _truth(demo_run):
    return json.loads((demo_run / "demo" / "truth.json").read_text())


def test_nmr_tables_have_contract_columns(demo_run):
    exp = pd.read_parquet(demo_run / "results/tables/nmr_experiments.parquet")
    for column in (
        "experiment",
        "sample",
        "path",
        "kind",
        "pulse_program",
        "nucleus",
        "larmor_MHz",
        "temperature_K",
        "n_increments",
        "topspin_parity_r",
        "topspin_unsupported",
    ):
        assert column in exp.columns, column
    integ = pd.read_parquet(demo_run / "results/tables/nmr_integrals.parquet")
    for column in (
        "experiment",
        "region",
        "list_time_s",
        "integral",
        "integral_err",
    ):
        assert column in integ.columns, column
    assert (integ["integral_err"] > 0).all()


def test_slr_demo_read_as_simulated(demo_run):
    truth = _truth(demo_run)["slr"]
    exp = pd.read_parquet(demo_run / "results/tables/nmr_experiments.parquet")
    integ = pd.read_parquet(demo_run / "results/tables/nmr_integrals.parquet")
    for item in truth["experiments"]:
        row = exp.set_index("experiment").loc[item["experiment"]]
        assert row["kind"] == "t1_sr"
        assert row["nucleus"] == "7Li"
        assert row["temperature_K"] == pytest.approx(item["temperature_K"])
        assert row["larmor_MHz"] == pytest.approx(194.4, rel=1e-5)
        times = integ.loc[integ["experiment"] == item["experiment"], "list_time_s"]
        np.testing.assert_allclose(
            np.sort(times.to_numpy()), np.sort(item["delays_s"]), rtol=1e-4
        )


def test_slr_integrals_follow_truth_recovery(demo_run):
    """Integrals normalised per scan and gain follow M0 (1 - a exp(-t/T1))."""
    truth = _truth(demo_run)["slr"]
    a = truth["satrec"]["saturation_a"]
    integ = pd.read_parquet(demo_run / "results/tables/nmr_integrals.parquet")
    scales = []
    for item in truth["experiments"]:
        rows = integ[integ["experiment"] == item["experiment"]]
        t = rows["list_time_s"].to_numpy()
        shape = item["m0"] * (1 - a * np.exp(-t / item["T1_s"]))
        strong = shape > 0.3 * item["m0"]  # the ratio is noise where M ~ 0
        ratio = rows["integral_norm"].to_numpy()[strong] / shape[strong]
        # one scale per experiment (region fraction of the Lorentzian)
        assert np.std(ratio) / np.mean(ratio) < 0.05
        scales.append(np.median(ratio))
    # the per-scan, per-gain normalisation makes experiments comparable
    assert np.std(scales) / np.mean(scales) < 0.1


def test_tables_carry_provenance(demo_run):
    meta = read_metadata(demo_run / "results/tables/nmr_integrals.parquet")
    for key in (
        "liprobe.schema_version",
        "liprobe.version",
        "liprobe.git_commit",
        "liprobe.config_hash",
        "liprobe.inputs_sha256",
        "liprobe.units",
    ):
        assert key in meta
    hashes = json.loads(meta["liprobe.inputs_sha256"])
    assert any(k.endswith("ser") for k in hashes)
    assert all(len(v) == 64 for v in hashes.values())
    units = json.loads(meta["liprobe.units"])
    assert units["list_time_s"] == "s"


def test_spectra_figures_exist(demo_run):
    """One figure per conversion series (here the relaxation series' sample)."""
    experiments = pd.read_parquet(demo_run / "results/tables/nmr_experiments.parquet")
    relaxation = experiments[~experiments["kind"].isin(["exsy", "1d"])]
    assert len(relaxation) == len(_truth(demo_run)["slr"]["experiments"])
    for sample in set(relaxation["sample"]):
        png = demo_run / f"results/figures/nmr/{sample}_spectra.png"
        assert png.is_file() and png.stat().st_size > 10_000


def test_relaxation_recovers_truth(demo_run):
    """Every T1 and the BPP Ea within 3.5 reported sigma of the truth."""
    truth = _truth(demo_run)["slr"]
    fits = pd.read_parquet(demo_run / "results/tables/relaxation_fits.parquet")
    fits = fits[(fits["quantity"] == "integral") & fits["fit_ok"]]
    for item in truth["experiments"]:
        row = fits[fits["experiment"] == item["experiment"]]
        assert len(row) >= 1, item["experiment"]
        row = row.iloc[0]
        dev = abs(row["time_constant_s"] - item["T1_s"])
        assert 0 < row["time_constant_s_err"] < 0.05 * item["T1_s"]
        assert dev <= 3.5 * row["time_constant_s_err"], (
            item["experiment"],
            row["time_constant_s"],
            item["T1_s"],
            row["time_constant_s_err"],
        )
    arr = pd.read_parquet(demo_run / "results/tables/relaxation_arrhenius.parquet")
    for model in ("bpp", "bpp_beta2"):
        row = arr[(arr["model"] == model) & (arr["quantity"] == "integral")].iloc[0]
        assert row["fit_ok"]
        assert 0 < row["Ea_eV_err"] < 0.01
        assert abs(row["Ea_eV"] - truth["satrec"]["Ea_eV"]) < 3.5 * row["Ea_eV_err"]
        assert "absolute weights" in row["err_method"]


def test_flank_activation_energies_without_hand_tuning(demo_run):
    """Both flanks from the default config (no flank_margin_K): the points are
    chosen from the fitted BPP curve, the slopes within 2 sigma of Ea and
    (beta - 1) Ea."""
    truth = _truth(demo_run)["slr"]["satrec"]
    arr = pd.read_parquet(demo_run / "results/tables/relaxation_arrhenius.parquet")
    arr = arr[arr["quantity"] == "integral"].set_index("model")
    expected = {
        "arrhenius_high_T": truth["Ea_eV"],
        "arrhenius_low_T": (truth["beta"] - 1) * truth["Ea_eV"],
    }
    for model, value in expected.items():
        row = arr.loc[model]
        assert row["fit_ok"], row["flags"]
        assert row["n_points"] >= 2
        assert 0 < row["Ea_eV_err"] < 0.01
        assert abs(row["Ea_eV"] - value) < 2 * row["Ea_eV_err"], (model, row["Ea_eV"])
        assert "asymptote" in row["flank_selection"]


def test_exsy_recovers_truth(demo_run):
    """Diffusion-model D at every temperature and Ea within 3.5 reported sigma."""
    truth = _truth(demo_run)["exsy"]
    fits = pd.read_parquet(demo_run / "results/tables/exsy_fits.parquet")
    diff = fits[fits["model"] == "diffusion_sphere"].set_index("series")
    for series, item in truth["series"].items():
        row = diff.loc[series]
        assert row["fit_ok"], series
        assert row["D_m2_per_s_err"] > 0
        dev = abs(row["D_m2_per_s"] - item["D_m2_per_s"])
        assert dev < 3.5 * row["D_m2_per_s_err"], series
    arr = pd.read_parquet(demo_run / "results/tables/exsy_arrhenius.parquet")
    row = arr[(arr["quantity"] == "D") & (arr["sample"] == truth["sample"])].iloc[0]
    assert 0 < row["Ea_eV_err"] < 0.02
    assert abs(row["Ea_eV"] - truth["Ea_eV"]) < 3.5 * row["Ea_eV_err"]


def test_ndp_events_all_accounted(demo_run):
    acc = pd.read_parquet(demo_run / "results/tables/ndp_event_accounting.parquet")
    for run, item in acc.groupby("run"):
        read = item.loc[item["reason"] == "read", "n_events"].sum()
        counted = item.loc[item["reason"] != "read", "n_events"].sum()
        if read:
            assert counted == read, run
        assert item.loc[item["reason"] == "accepted", "n_events"].sum() > 0


def test_ndp_plated_thickness_recovers_truth(demo_run):
    """Li-metal-equivalent thickness within 10 % (or 100 nm) at each plating end."""
    truth = _truth(demo_run)["ndp"]["cells"]
    inv = pd.read_parquet(demo_run / "results/tables/li_inventory.parquet")
    for cell in truth.values():
        rows = inv[inv["run"] == cell["run"]].sort_values("t_mid_utc")
        for end in cell["step_ends"]:
            if end["step"] != "plate":
                continue
            t_end = pd.Timestamp(end["t_end_utc"])
            before = rows[rows["t_mid_utc"] < t_end]
            assert len(before), (cell["run"], end)
            measured_um = before.iloc[-1]["li_per_cm2"] / 4.63e22 * 1e4
            true_um = end["dense_equivalent_um"]
            assert abs(measured_um - true_um) <= max(0.10 * true_um, 0.1), (
                cell["run"],
                end["cycle"],
                measured_um,
                true_um,
            )


def test_li_efficiency_recovers_truth(demo_run):
    """Li efficiency 0.45 and 0.80 within 0.03; inactive Li within 10 %."""
    truth = _truth(demo_run)["ndp"]["cells"]
    eff = pd.read_parquet(demo_run / "results/tables/efficiency.parquet")
    for cell in truth.values():
        rows = eff[(eff["run"] == cell["run"]) & (eff["cycle"] >= 1)]
        rows = rows.dropna(subset=["li_efficiency"])
        assert len(rows) >= 4, cell["run"]
        np.testing.assert_allclose(
            rows["li_efficiency"], cell["li_efficiency"], atol=0.03
        )
        np.testing.assert_allclose(
            rows["coulombic_efficiency"], cell["coulombic_efficiency"], atol=0.005
        )
        assert (rows["li_efficiency_err"] > 0).all()
        strips = [e for e in cell["step_ends"] if e["step"] == "strip"]
        last = rows.sort_values("cycle").iloc[-1]
        true_inactive = strips[int(last["cycle"]) - 1]["li_inactive_per_cm2"]
        assert last["inactive_li_per_cm2"] == pytest.approx(true_inactive, rel=0.10)
