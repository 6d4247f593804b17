"""Exchange fits, Arrhenius and exchange current on synthetic volumes."""

import math

import numpy as np
import pandas as pd
import pytest

from liprobe.exsy import arrhenius, fit, models
from liprobe.exsy.arrhenius import E_CHARGE_C
from liprobe.exsy.models import KB_EV, PEAKS, two_site_volumes

from conftest import with_schema_defaults

TM = np.geomspace(1e-3, 10, 10)
arrhenius_table = with_schema_defaults(arrhenius.arrhenius_table, "exsy")
exchange_current_density = with_schema_defaults(
    arrhenius.exchange_current_density, "exsy"
)
fit_arrhenius = with_schema_defaults(arrhenius.fit_arrhenius, "exsy")
fit_diffusion_sphere = with_schema_defaults(fit.fit_diffusion_sphere, "exsy")
fit_two_site = with_schema_defaults(fit.fit_two_site, "exsy")
diffusion_volumes = with_schema_defaults(models.diffusion_volumes, "exsy")


def _noisy(v, sigma, seed):
    rng = np.random.default_rng(seed)
    return (
        {p: v[p] + rng.normal(0, sigma, v[p].shape) for p in PEAKS},
        {p: np.full(v[p].shape, sigma) for p in PEAKS},
    )


@pytest.mark.parametrize("detailed_balance", [True, False])
def test_two_site_recovers_rates(detailed_balance):
    truth = dict(k_AB=0.6, k_BA=0.4, R1A=0.05, R1B=0.03, MA0=0.4, MB0=0.6)
    vol, err = _noisy(two_site_volumes(TM, **truth), 2e-3, 7)
    row = fit_two_site(TM, vol, err, detailed_balance=detailed_balance)
    assert row["fit_ok"], row["flags"]
    for key, col in (("k_AB", "k_AB_per_s"), ("k_BA", "k_BA_per_s")):
        assert abs(row[col] - truth[key]) < 4 * row[col + "_err"] + 1e-3
        assert row[col] == pytest.approx(truth[key], rel=0.1)
    assert row["pA"] == pytest.approx(0.4, abs=0.01)
    assert row["n_points"] == 40
    assert np.isfinite([row["aic"], row["bic"], row["redchi"]]).all()


def test_two_site_overlap_leakage_is_recovered():
    truth = dict(k_AB=0.6, k_BA=0.4, R1A=0.05, R1B=0.05, MA0=0.4, MB0=0.6)
    clean = two_site_volumes(TM, **truth)
    from liprobe.exsy.models import with_overlap

    vol, err = _noisy(with_overlap(clean, 0.01, 0.02), 1e-3, 2)
    row = fit_two_site(TM, vol, err, overlap=True)
    assert row["k_AB_per_s"] == pytest.approx(0.6, rel=0.05)
    assert row["eps_F2"] == pytest.approx(0.02, abs=0.005)
    no = fit_two_site(TM, vol, err, overlap=False)
    assert no["aic"] > row["aic"]


def test_diffusion_recovers_D():
    D = 2.5e-14
    vol, err = _noisy(diffusion_volumes(TM, D, 1.5e-6, 0.45, 0.03, 1.0), 2e-3, 11)
    row = fit_diffusion_sphere(TM, vol, err, radius_um=1.5)
    assert row["fit_ok"], row["flags"]
    assert row["D_m2_per_s"] == pytest.approx(D, rel=0.05, abs=0)
    assert abs(row["D_m2_per_s"] - D) < 4 * row["D_m2_per_s_err"]
    assert row["particle_radius_um"] == 1.5
    assert math.isnan(row["k_AB_per_s"])


def test_failed_fits_are_flagged_rows():
    vol = {p: np.array([1.0, 0.9]) for p in PEAKS}
    err = {p: np.array([0.01, 0.01]) for p in PEAKS}
    row = fit_two_site(np.array([0.01, 0.1]), vol, err)
    assert not row["fit_ok"] and "too_few_mixing_times" in row["flags"]
    row = fit_diffusion_sphere(
        TM,
        *_noisy(diffusion_volumes(TM, 1e-14, 1e-6, 0.5, 0.0, 1.0), 1e-3, 1),
        radius_um=float("nan"),
    )
    assert not row["fit_ok"] and "particle_radius_missing" in row["flags"]


def test_slow_exchange_is_flagged():
    # exchange far slower than the longest mixing time
    vol, err = _noisy(diffusion_volumes(TM, 1e-18, 1.5e-6, 0.5, 0.01, 1.0), 1e-3, 4)
    row = fit_diffusion_sphere(TM, vol, err, radius_um=1.5)
    assert "exchange_slower_than_longest_mixing_time" in row["flags"]


def test_arrhenius_recovers_ea():
    T = np.array([290.0, 310.0, 330.0, 350.0, 370.0])
    y = 1e-9 * np.exp(-0.31 / (KB_EV * T))
    rng = np.random.default_rng(0)
    y_noisy = y * (1 + rng.normal(0, 0.01, T.size))
    row = fit_arrhenius(T, y_noisy, 0.01 * y)
    assert row["fit_ok"]
    assert row["Ea_eV"] == pytest.approx(0.31, abs=3 * row["Ea_eV_err"] + 1e-4)
    assert 0 < row["Ea_eV_err"] < 0.02
    one = fit_arrhenius(T[:1], y[:1], y[:1] * 0.01)
    assert not one["fit_ok"] and "fewer_than_two_temperatures" in one["flags"]
    two = fit_arrhenius(T[:2], y[:2], y[:2] * 0.01)
    assert two["Ea_eV"] == pytest.approx(0.31, rel=1e-6)
    assert "two_temperatures" in two["flags"]


def test_exchange_current_density_by_hand():
    # e * n * (r/3) * k = 1.602e-19 C * 2e22 cm^-3 * (1e-4 cm / 3) * 0.5 s^-1
    i0, err = exchange_current_density(
        0.5, 0.05, particle_radius_um=1.0, li_density_per_cm3=2e22
    )
    assert i0 == pytest.approx(E_CHARGE_C * 2e22 * 1e-4 / 3 * 0.5)
    assert err == pytest.approx(i0 * 0.1)
    half, _ = exchange_current_density(
        0.5,
        0.0,
        particle_radius_um=1.0,
        li_density_per_cm3=2e22,
        interface_area_fraction=0.5,
    )
    assert half == pytest.approx(2 * i0)


def test_arrhenius_table_from_fits():
    T = np.array([300.0, 325.0, 350.0])
    D = 1e-9 * np.exp(-0.27 / (KB_EV * T))
    fits = pd.DataFrame(
        {
            "sample": "s",
            "series": [f"s_{t:g}" for t in T],
            "temperature_K": T,
            "model": "diffusion_sphere",
            "D_m2_per_s": D,
            "D_m2_per_s_err": 0.01 * D,
            "k_AB_per_s": np.nan,
            "k_AB_per_s_err": np.nan,
            "k_BA_per_s": np.nan,
            "k_BA_per_s_err": np.nan,
            "particle_radius_um": 1.5,
            "fit_ok": [True, True, False],
        }
    )
    table = arrhenius_table(fits, li_density_per_cm3=2.2e22, interface_area_fraction=1)
    row = table[table["quantity"] == "D"].iloc[0]
    assert row["Ea_eV"] == pytest.approx(0.27, abs=1e-6)
    assert row["n_temperatures"] == 2
    assert "1_failed_fits_excluded" in row["flags"]
    assert row["i0_A_per_cm2"] > 0 and row["li_density_per_cm3"] == 2.2e22
    assert {"sample", "quantity", "Ea_eV", "Ea_eV_err"} <= set(table.columns)
