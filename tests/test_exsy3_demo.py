"""End to end: the three-site demo (electrolyte - coating - electrode), 2D EXSY
at four temperatures and a 1D selective-inversion series, reduced by the
workflow; rates and Ea per ordered pair against the simulated truth (z-scores
from the reported errors), 1D against 2D, and the two-site rows of exsy_rates
against exsy_fits on the full demo."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, run_snakemake, simulate_demo

Z_MAX = 4.0


@pytest.fixture(scope="module")
def exsy3_run(tmp_path_factory) -> Path:
    workdir = simulate_demo(tmp_path_factory.mktemp("exsy3"), parts=("exsy3",))
    cfg = workdir / "config.yaml"
    cfg.write_text((REPO / "config" / "config.yaml").read_text())
    run_snakemake(workdir, cfg, cores=2)
    return workdir


def _truth(workdir: Path) -> dict:
    return json.loads((workdir / "demo" / "truth.json").read_text())["exsy3"]


def _rates(workdir: Path) -> pd.DataFrame:
    rates = pd.read_parquet(workdir / "results/tables/exsy_rates.parquet")
    truth = _truth(workdir)["series"]
    rates["true"] = [
        truth[s]["k_per_s"][f"{a}->{b}"]
        for s, a, b in zip(
            rates["series"], rates["site_from"], rates["site_to"], strict=True
        )
    ]
    rates["z"] = (rates["k_per_s"] - rates["true"]) / rates["k_per_s_err"]
    return rates


def test_2d_rates_per_pair_recovered(exsy3_run):
    rates = _rates(exsy3_run)
    two_d = rates[rates["method"] == "exsy_2d"]
    assert set(two_d["model"]) == {"n_site"}
    assert two_d["series"].nunique() == 4
    assert len(two_d) == 4 * 6  # every ordered pair of three sites
    assert (two_d["fit_ok"]).sum() >= 18, two_d[["series", "flags"]]
    ok = two_d[two_d["fit_ok"]]
    assert (ok["k_per_s_err"] > 0).all()
    assert (ok["z"].abs() < Z_MAX).all(), ok[["series", "site_from", "site_to", "z"]]


def test_2d_activation_energy_per_pair(exsy3_run):
    arr = pd.read_parquet(exsy3_run / "results/tables/exsy_arrhenius.parquet")
    truth = _truth(exsy3_run)["Ea_eV"]
    pairs = arr[(arr["model"] == "n_site") & (arr["method"] == "exsy_2d")]
    assert len(pairs) == 6
    for _, r in pairs.iterrows():
        true = truth[f"{r['site_from']}->{r['site_to']}"]
        assert math.isfinite(r["Ea_eV_err"]) and r["Ea_eV_err"] > 0
        z = (r["Ea_eV"] - true) / r["Ea_eV_err"]
        assert abs(z) < Z_MAX, (r["site_from"], r["site_to"], r["Ea_eV"], true)


def test_selective_inversion_recovers_rates_and_agrees_with_2d(exsy3_run):
    rates = _rates(exsy3_run)
    one_d = rates[rates["method"] == "selective_exchange"]
    assert len(one_d) == 6 and one_d["fit_ok"].all(), one_d["flags"]
    assert (one_d["z"].abs() < Z_MAX).all(), one_d[["site_from", "site_to", "z"]]
    two_d = rates[(rates["method"] == "exsy_2d") & rates["fit_ok"]]
    T = float(one_d["temperature_K"].iloc[0])
    same_T = two_d[np.isclose(two_d["temperature_K"], T)]
    assert len(same_T) == 6
    merged = one_d.merge(same_T, on=["site_from", "site_to"], suffixes=("_1d", "_2d"))
    diff = merged["k_per_s_1d"] - merged["k_per_s_2d"]
    sigma = np.hypot(merged["k_per_s_err_1d"], merged["k_per_s_err_2d"])
    assert (np.abs(diff / sigma) < Z_MAX).all(), merged
    for site in ("LiI", "Li2S"):
        assert one_d[f"inversion_{site}"].iloc[0] == pytest.approx(-0.9, abs=0.1)


def test_three_site_figures_and_captions(exsy3_run):
    figures = exsy3_run / "results/figures/exsy"
    for name in ("SE_coating_electrode_rates", "sel3_318K_selective"):
        for ext in ("png", "pdf"):
            assert (figures / f"{name}.{ext}").stat().st_size > 1000
    # no two-site figures for a three-site sample
    assert not (figures / "SE_coating_electrode_buildup.png").exists()
    captions = exsy3_run / "results/report/captions"
    rates = (captions / "exsy_rates.rst").read_text()
    assert "Li6PS5Cl -> LiI" in rates and "Ea = " in rates
    assert "sel3_318K" in (captions / "selective_exchange.rst").read_text()


def test_two_site_rates_are_the_two_site_fit(demo_run):
    rates = pd.read_parquet(demo_run / "results/tables/exsy_rates.parquet")
    fits = pd.read_parquet(demo_run / "results/tables/exsy_fits.parquet")
    two = rates[rates["model"] == "two_site"]
    fits = fits[fits["model"] == "two_site"].set_index("series")
    assert len(two) == 2 * len(fits)
    volumes = pd.read_parquet(demo_run / "results/tables/exsy_volumes.parquet")
    ab = volumes[volumes["peak"] == "AB"].drop_duplicates("series")
    site_a = dict(zip(ab["series"], ab["region_F1"], strict=True))
    for _, r in two.iterrows():
        f = fits.loc[r["series"]]
        key = "k_AB_per_s" if r["site_from"] == site_a[r["series"]] else "k_BA_per_s"
        assert r["k_per_s"] == f[key] and r["k_per_s_err"] == f[key + "_err"]
    arr = pd.read_parquet(demo_run / "results/tables/exsy_arrhenius.parquet")
    k_ab = arr[arr["quantity"] == "k_AB"]
    assert k_ab["site_from"].notna().all() and k_ab["site_to"].notna().all()
