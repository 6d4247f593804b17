"""Honest errors over temperature: absolute weights, inflation only for scatter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liprobe.relaxation import temperature
from liprobe.relaxation.temperature import arrhenius_table, r1_bpp

from conftest import relax, with_schema_defaults

analyse_series = with_schema_defaults(temperature.analyse_series, "relaxation")
fit_bpp = with_schema_defaults(temperature.fit_bpp, "relaxation")
fit_flank = with_schema_defaults(temperature.fit_flank, "relaxation")

EA, LOG_TAU0, LARMOR, LOG_C = 0.20, -13.0, 194.4, 9.5
T = np.linspace(180.0, 420.0, 9)
R = r1_bpp(T, LOG_C, EA, LOG_TAU0, 2.0, LARMOR)
REL = 0.03


def test_scatter_free_bpp_gets_the_propagated_errors_not_scaled_down():
    # exact rates with stated 3 % errors: the reduced chi-square is ~0; the
    # reported errors must be the propagated ones, i.e. the spread of fits to
    # rates that do scatter by 3 %
    clean = fit_bpp(T, R, REL * R, "t1_sr", LARMOR, beta=2.0)
    assert clean["redchi"] < 1e-8 and clean["fit_ok"]
    assert "absolute weights" in clean["err_method"]
    rng = np.random.default_rng(3)
    ea, tau = [], []
    for _ in range(200):
        Rn = R * (1 + REL * rng.normal(size=T.size))
        r = fit_bpp(T, Rn, REL * R, "t1_sr", LARMOR, beta=2.0)
        ea.append(r["Ea_eV"])
        tau.append(r["log10_tau0_s"])
    assert np.std(ea, ddof=1) / clean["Ea_eV_err"] == pytest.approx(1.0, abs=0.15)
    assert np.std(tau, ddof=1) / clean["log10_tau0_s_err"] == pytest.approx(
        1.0, abs=0.15
    )
    # and the z-scores of those fits have unit spread, centred on the truth
    z = (np.array(ea) - EA) / clean["Ea_eV_err"]
    assert abs(z.mean()) < 0.25 and np.std(z) == pytest.approx(1.0, abs=0.15)


def test_scatter_free_flank_gets_the_propagated_error():
    Tf = np.linspace(500.0, 800.0, 5)
    Rf = 10.0**4 * np.exp(EA / (8.617333262e-5 * Tf))
    r = fit_flank(Tf, Rf, REL * Rf, "high_T")
    x = 1 / (8.617333262e-5 * Tf)
    # weighted straight line in ln R: var(slope) = s^2 / sum((x - mean x)^2)
    expected = REL / np.sqrt(np.sum((x - x.mean()) ** 2))
    assert r["Ea_eV_err"] == pytest.approx(expected, rel=1e-3)
    assert r["Ea_eV"] == pytest.approx(EA, rel=1e-6)


def test_scatter_beyond_the_errors_is_inflated_and_flagged():
    rng = np.random.default_rng(5)
    Rn = R * (1 + 0.15 * rng.normal(size=T.size))  # errors claim 3 %
    honest = fit_bpp(T, Rn, REL * Rn, "t1_sr", LARMOR, beta=2.0)
    bare = fit_bpp(T, Rn, REL * Rn, "t1_sr", LARMOR, beta=2.0, poor_fit_p=0.0)
    assert honest["chi2_p_value"] < 1e-3
    assert "scatter_exceeds_errors" in honest["flags"]
    assert "scatter_exceeds_errors" not in bare["flags"]
    assert "inflated by sqrt(reduced chi-square)" in honest["err_method"]
    ratio = honest["Ea_eV_err"] / bare["Ea_eV_err"]
    assert ratio == pytest.approx(np.sqrt(honest["redchi"]), rel=1e-6)
    assert honest["Ea_eV"] == bare["Ea_eV"]


def test_transport_assumptions_are_columns_beside_the_numbers():
    rows = {
        r["model"]: r
        for r in analyse_series(
            T,
            R,
            REL * R,
            "t1_sr",
            LARMOR,
            jump_distance_nm=0.3,
            correlation_factor=0.5,
            haven_ratio=0.4,
        )
    }
    one = analyse_series(T, R, REL * R, "t1_sr", LARMOR, jump_distance_nm=0.3)
    bpp, plain = rows["bpp_beta2"], {r["model"]: r for r in one}["bpp_beta2"]
    assert bpp["correlation_factor"] == 0.5 and bpp["haven_ratio"] == 0.4
    assert bpp["jump_distance_nm"] == 0.3 and bpp["dimensionality"] == 3
    assert "1/tau_c" in bpp["jump_rate_definition"]
    assert bpp["D_m2_per_s"] == pytest.approx(0.5 * plain["D_m2_per_s"])
    assert bpp["sigma_S_per_cm"] == pytest.approx(0.5 / 0.4 * plain["sigma_S_per_cm"])
    assert bpp["jump_rate_per_s"] == pytest.approx(plain["jump_rate_per_s"])


def test_fits_not_ok_do_not_feed_the_bpp_fit():
    tau = 1 / R
    fits = pd.DataFrame(
        {
            "series": "s",
            "region": "r",
            "quantity": "integral",
            "kind": "t1_sr",
            "model": "sr_stretched",
            "temperature_K": T,
            "time_constant_s": tau,
            "time_constant_s_err": REL * tau,
            "fit_ok": True,
            "selected": True,
            "larmor_MHz": LARMOR,
        }
    )
    # one poor fit with a wild value: excluded, counted, flagged
    fits.loc[4, "time_constant_s"] *= 5.0
    fits.loc[4, "fit_ok"] = False
    arr = arrhenius_table(fits, relax({})).set_index("model")
    row = arr.loc["bpp_beta2"]
    assert row["n_fits_excluded"] == 1 and "1_fits_not_ok_excluded" in row["flags"]
    assert row["n_points"] == T.size - 1
    assert abs(row["Ea_eV"] - EA) < 1e-6


def test_a_poor_candidate_is_not_selected_and_not_ok():
    from liprobe.relaxation.models import saturation_recovery
    from liprobe.relaxation.table import fit_relaxation_table

    t = np.geomspace(1e-4, 10, 24)
    rng = np.random.default_rng(8)
    y = 0.4 * saturation_recovery(t, 1.0, 1.0, 0.01, 1.0) + 0.6 * (
        saturation_recovery(t, 1.0, 1.0, 1.0, 1.0)
    )
    ints = pd.DataFrame(
        {
            "experiment": "e1",
            "region": "r",
            "list_time_s": t,
            "integral": y + rng.normal(0, 1e-3, t.size),
            "integral_err": 1e-3,
        }
    )
    exps = pd.DataFrame(
        {
            "experiment": ["e1"],
            "sample": ["s"],
            "kind": ["t1_sr"],
            "temperature_K": [300.0],
        }
    )
    fits = fit_relaxation_table(
        ints,
        exps,
        relax({"models": {"t1_sr": ["sr", "sr_2"]}, "quantities": ["integral"]}),
    ).set_index("model")
    assert not fits.loc["sr", "fit_ok"] and "poor_fit" in fits.loc["sr", "flags"]
    assert not fits.loc["sr", "selected"]
    assert fits.loc["sr_2", "selected"] and fits.loc["sr_2", "fit_ok"]
    # alone, the poor model is selected (the only candidate) but stays not ok
    alone = fit_relaxation_table(
        ints, exps, relax({"models": {"t1_sr": "sr"}, "quantities": ["integral"]})
    )
    assert alone["selected"].all() and not alone["fit_ok"].any()
