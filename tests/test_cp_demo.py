"""The simulated 1H-6Li CP campaign (demo part ``cp``), reduced end to end.

* The simulator's spin dynamics against solutions computed here: the linear
  rate equations as a matrix exponential, and the classical closed form in the
  dilute limit (no 6Li heat capacity, no 6Li relaxation).
* The workflow on the raw folders of the part alone: the kind and contact
  time of every experiment as simulated, and every known T_IS and T1rho_H
  recovered within its reported error (z-scores), the cycled/pristine
  amplitude ratio per site likewise, the classical model chosen by AICc.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import expm

from liprobe.simulate.cp import polarisation_transfer

from conftest import run_snakemake, simulate_demo

# |z| above this for one value is a failure (p < 1e-4 for an honest error)
MAX_Z = 4.0


def test_rate_equations_match_the_matrix_exponential():
    t = np.array([1e-5, 3e-4, 2e-3, 1e-2])
    T_IS, T1, eps, T1S = 0.5e-3, 5e-3, 0.3, 0.02
    rates = np.array(
        [[-1 / T_IS - 1 / T1S, 1 / T_IS], [eps / T_IS, -eps / T_IS - 1 / T1]]
    )
    expected = [(expm(rates * x) @ [0.0, 1.0])[0] for x in t]
    got = polarisation_transfer(t, T_IS, T1, epsilon=eps, T1rho_S=T1S)
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-12)


def test_dilute_limit_is_the_classical_build_up():
    t = np.geomspace(1e-5, 3e-2, 25)[::-1]  # any order
    T_IS, T1 = 0.4e-3, 7e-3
    closed = (np.exp(-t / T1) - np.exp(-t / T_IS)) / (1 - T_IS / T1)
    got = polarisation_transfer(t, T_IS, T1, epsilon=0.0, T1rho_S=1e30)
    np.testing.assert_allclose(got, closed, rtol=1e-8, atol=1e-12)


@pytest.fixture(scope="module")
def cp_run(tmp_path_factory):
    workdir = simulate_demo(tmp_path_factory.mktemp("cp_demo"), parts=("cp",))
    cfg = workdir / "config.yaml"
    cfg.write_text("sheets:\n  nmr: demo/nmr.tsv\n  regions: demo/regions.tsv\n")
    run_snakemake(workdir, cfg, cores=2)
    return workdir


def _truth(workdir):
    return json.loads((workdir / "demo" / "truth.json").read_text())["cp"]


def test_experiments_are_cp_with_their_contact_times(cp_run):
    truth = _truth(cp_run)
    sheet = pd.read_csv(cp_run / "demo" / "nmr.tsv", sep="\t")
    assert (sheet["kind"] == "auto").all()  # detected, not told
    exp = pd.read_parquet(cp_run / "results/tables/nmr_experiments.parquet")
    assert (exp["kind"] == "cp").all()
    assert (exp["list_name"] == "P15").all()
    assert (exp["nucleus"] == "6Li").all()
    contact = np.array(truth["cp"]["contact_times_s"])
    states = sheet.set_index("experiment")["state"]
    for state in ("pristine", "cycled"):
        rows = exp[exp["experiment"].map(states) == state]
        np.testing.assert_allclose(
            np.sort(rows["list_time_min_s"].to_numpy()), contact, rtol=1e-9
        )


def test_build_up_times_recovered_within_their_errors(cp_run):
    truth = _truth(cp_run)
    table = pd.read_parquet(cp_run / "results/tables/cp_buildup.parquet")
    assert set(table["series"]) == {truth["cp"]["sample"]}
    assert len(table) == 2 * len(truth["values"])
    for value in truth["values"]:
        sel = table[
            (table["state"] == value["state"]) & (table["site"] == value["site"])
        ]
        (chosen,) = sel[sel["chosen"]].itertuples()
        assert chosen.model == "classical", (value, chosen.flags)
        assert chosen.fit_ok
        assert chosen.n_experiments == len(truth["cp"]["contact_times_s"])
        assert chosen.err_method.startswith("covariance (absolute weights")
        for column in ("T_IS_s", "T1rho_H_s"):
            err = getattr(chosen, f"{column}_err")
            z = (getattr(chosen, column) - value[column]) / err
            assert abs(z) < MAX_Z, (value["state"], value["site"], column, z)
            assert err < 0.3 * value[column]  # resolved, not a wide error bar


def test_weaker_build_up_after_cycling(cp_run):
    """I0 (cycled) / I0 (pristine) per site against the simulated amplitudes,
    and the slower transfer near the polymer the seed reads as mobile Li."""
    truth = _truth(cp_run)
    amp = {(v["state"], v["site"]): v["amplitude"] for v in truth["values"]}
    table = pd.read_parquet(cp_run / "results/tables/cp_buildup.parquet")
    chosen = table[table["chosen"]].set_index(["state", "site"])
    for site in ("PEO", "LAGP"):
        cyc, pri = chosen.loc[("cycled", site)], chosen.loc[("pristine", site)]
        ratio = cyc["I0"] / pri["I0"]
        err = ratio * np.hypot(cyc["I0_err"] / cyc["I0"], pri["I0_err"] / pri["I0"])
        expected = amp[("cycled", site)] / amp[("pristine", site)]
        assert abs(ratio - expected) < MAX_Z * err, (site, ratio, expected, err)
        assert ratio + 3 * err < 1.0
    cyc, pri = chosen.loc[("cycled", "PEO")], chosen.loc[("pristine", "PEO")]
    gap = cyc["T_IS_s"] - pri["T_IS_s"]
    assert gap > 3 * np.hypot(cyc["T_IS_s_err"], pri["T_IS_s_err"])


def test_figure_and_caption(cp_run):
    sample = _truth(cp_run)["cp"]["sample"]
    for ext in ("png", "pdf"):
        assert (cp_run / f"results/figures/cp/{sample}_buildup.{ext}").stat().st_size
    caption = (cp_run / "results/report/captions/cp_buildup.rst").read_text()
    assert f'snakemake.wildcards.series == "{sample}"' in caption
    for state in ("pristine", "cycled"):
        for site in ("PEO", "LAGP"):
            assert f"{site}, {state}, classical: T_IS = " in caption
