"""EXSY: finite-volume Crank model, honest errors, poor fits, radius error, i0."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import expm

from liprobe.exsy import arrhenius, fit, models, series
from liprobe.exsy.arrhenius import add_exchange_current
from liprobe.exsy.models import (
    KB_EV,
    PEAKS,
    crank_roots,
    sphere_exchanged_fraction,
    sphere_half_time_x,
    two_site_volumes,
)

from conftest import with_schema_defaults

TM = np.geomspace(1e-3, 10, 10)
arrhenius_table = with_schema_defaults(arrhenius.arrhenius_table, "exsy")
fit_arrhenius = with_schema_defaults(arrhenius.fit_arrhenius, "exsy")
fit_diffusion_sphere = with_schema_defaults(fit.fit_diffusion_sphere, "exsy")
fit_two_site = with_schema_defaults(fit.fit_two_site, "exsy")
diffusion_volumes = with_schema_defaults(models.diffusion_volumes, "exsy")
fit_series = with_schema_defaults(series.fit_series, "exsy")


def brute_force_fraction(x: np.ndarray, alpha: float, shells: int = 400):
    """Label leaving a sphere (radius 1, D = 1) into a well-stirred partner
    holding ``alpha`` times the sphere's Li: finite volumes in r, exact in time.

    Returns the partner's label over its final value at times ``x``.
    """
    edges = np.linspace(0.0, 1.0, shells + 1)
    vol = (edges[1:] ** 3 - edges[:-1] ** 3) / 3.0
    centres = 0.5 * (edges[1:] + edges[:-1])
    n = shells + 1  # last state: the partner
    A = np.zeros((n, n))
    for i in range(shells):
        if i + 1 < shells:
            g = edges[i + 1] ** 2 / (centres[i + 1] - centres[i])
            j = i + 1
        else:
            g = 1.0 / (1.0 - centres[i])  # outer half shell to the surface
            j = shells
        A[i, i] -= g
        A[i, j] += g
        A[j, j] -= g
        A[j, i] += g
    capacity = np.concatenate([vol, [alpha / 3.0]])
    M = A / capacity[:, None]
    c0 = np.concatenate([np.ones(shells), [0.0]])
    final = (alpha / 3.0) * (1.0 / 3.0) / (1.0 / 3.0 + alpha / 3.0)
    return np.array([(expm(M * xi) @ c0)[-1] * alpha / 3.0 / final for xi in x])


@pytest.mark.parametrize("alpha", [0.3, 55 / 45, 4.0])
def test_finite_volume_crank_matches_a_brute_force_solution(alpha):
    x = np.array([2e-3, 1e-2, 0.03, 0.1, 0.3])
    brute = brute_force_fraction(x, alpha)
    series = sphere_exchanged_fraction(x, 1.0, 1.0, alpha=alpha)
    np.testing.assert_allclose(series, brute, atol=3e-3)
    # the finite partner equilibrates faster than an infinite sink
    infinite = sphere_exchanged_fraction(x, 1.0, 1.0)
    assert np.all(series > infinite)
    assert sphere_exchanged_fraction(np.array([50.0]), 1.0, 1.0, alpha=alpha)[
        0
    ] == pytest.approx(1.0, abs=1e-9)


def test_infinite_sink_limit_and_roots():
    x = np.geomspace(1e-3, 1.0, 12)
    big = sphere_exchanged_fraction(x, 1.0, 1.0, alpha=1e7)
    np.testing.assert_allclose(big, sphere_exchanged_fraction(x, 1.0, 1.0), atol=1e-6)
    q = crank_roots(2.0, 20)
    np.testing.assert_allclose(np.tan(q), 3 * q / (3 + 2.0 * q**2), rtol=1e-9)
    assert sphere_half_time_x(np.inf) == pytest.approx(0.0305465, rel=1e-4)
    assert sphere_half_time_x(55 / 45) < 0.0305465
    # the short-time branch joins the series
    a = 55 / 45
    below = sphere_exchanged_fraction(np.array([0.999e-6]), 1.0, 1.0, alpha=a)[0]
    above = sphere_exchanged_fraction(np.array([1.001e-6]), 1.0, 1.0, alpha=a)[0]
    assert below == pytest.approx(above, rel=3e-3)


def _noisy(v, sigma, seed):
    rng = np.random.default_rng(seed)
    return (
        {p: v[p] + rng.normal(0, sigma, v[p].shape) for p in PEAKS},
        {p: np.full(v[p].shape, sigma) for p in PEAKS},
    )


def test_diffusion_fit_with_a_finite_partner_and_the_radius_error():
    D, r, pA = 2.5e-14, 1.5, 0.45
    vol, err = _noisy(diffusion_volumes(TM, D, r * 1e-6, pA, 0.03, 1.0), 2e-3, 11)
    row = fit_diffusion_sphere(TM, vol, err, radius_um=r, radius_err_um=0.15)
    assert row["fit_ok"], row["flags"]
    assert row["particle_site"] == "A" and "limited volume" in row["sink_model"]
    assert abs(row["partner_fraction"] - 0.55) < 3 * row["partner_fraction_err"]
    assert row["crank_alpha"] == pytest.approx(
        row["partner_fraction"] / (1 - row["partner_fraction"])
    )
    stat = row["D_m2_per_s_stat_err"]
    assert abs(row["D_m2_per_s"] - D) < 3 * stat
    # 10 % radius error -> 20 % on D, in quadrature with the fit's part
    assert row["D_m2_per_s_err"] == pytest.approx(
        math.hypot(stat, 0.2 * row["D_m2_per_s"]), rel=1e-9
    )
    assert "particle_radius_um_err" in row["D_m2_per_s_err_method"]
    assert row["particle_radius_um_err"] == 0.15
    # the same data read with an infinite sink: the model does not fit
    inf = fit_diffusion_sphere(TM, vol, err, radius_um=r, particle_site=None)
    assert inf["chi2_p_value"] < row["chi2_p_value"]
    assert inf["aic"] > row["aic"]


def test_two_site_model_on_diffusion_limited_data_is_marked_and_not_ok():
    v = diffusion_volumes(TM, 2.5e-14, 1.5e-6, 0.45, 0.03, 1.0)
    vol, err = _noisy(v, 2e-3, 3)
    rows = []
    for i, tm in enumerate(TM):
        for p in PEAKS:
            rows.append(
                {
                    "experiment": f"e{i}",
                    "sample": "s",
                    "series": "s_300K",
                    "temperature_K": 300.0,
                    "mixing_time_s": tm,
                    "peak": p,
                    "volume": vol[p][i],
                    "volume_err": err[p][i],
                }
            )
    fits = fit_series(pd.DataFrame(rows), particle_radius_um=1.5)
    fits = add_exchange_current(
        fits, li_density_per_cm3=2.2e22, interface_area_fraction=1.0
    )
    two = fits.set_index("model").loc["two_site"]
    diff = fits.set_index("model").loc["diffusion_sphere"]
    assert not two["fit_ok"]
    assert "poor_fit" in two["flags"] and "diffusion_limited" in two["flags"]
    assert "inflated by sqrt(reduced chi-square)" in two["err_method"]
    assert diff["fit_ok"] and diff["chi2_p_value"] > 1e-3
    assert two["i0_bound"] == "lower_bound" and diff["i0_bound"] == "lower_bound"


def test_two_site_errors_are_absolute_and_cover():
    # 120 data sets the two-site model describes: z-scores of k_AB have zero
    # mean and unit spread (each known to about +-0.1)
    truth = dict(k_AB=0.6, k_BA=0.4, R1A=0.05, R1B=0.03, MA0=0.4, MB0=0.6)
    clean = two_site_volumes(TM, **truth)
    z = []
    for seed in range(120):
        vol, err = _noisy(clean, 3e-3, 100 + seed)
        row = fit_two_site(TM, vol, err, overlap=False)
        assert row["fit_ok"], row["flags"]
        z.append((row["k_AB_per_s"] - truth["k_AB"]) / row["k_AB_per_s_err"])
    z = np.array(z)
    assert abs(z.mean()) < 0.3 and 0.8 < z.std(ddof=1) < 1.25


def _correlation(matrix):
    return {
        p: {q: np.full(TM.size, matrix[i, j]) for j, q in enumerate(PEAKS)}
        for i, p in enumerate(PEAKS)
    }


def test_two_site_errors_cover_with_correlated_volume_noise():
    """Volumes of one spectrum with correlated noise (boxes sharing F2 columns
    share their F1 baseline): the fit that uses the correlation has z-scores
    of unit spread; ignoring it misstates the errors (here 40 % too large)."""
    truth = dict(k_AB=0.6, k_BA=0.4, R1A=0.05, R1B=0.03, MA0=0.4, MB0=0.6)
    clean = two_site_volumes(TM, **truth)
    corr = np.array(
        [
            [1, 0.1, 0.7, 0.05],
            [0.1, 1, 0.05, 0.7],
            [0.7, 0.05, 1, 0.1],
            [0.05, 0.7, 0.1, 1],
        ]
    )
    sigma = 3e-3
    chol = np.linalg.cholesky(corr) * sigma
    err = {p: np.full(TM.size, sigma) for p in PEAKS}
    z_gls, z_indep = [], []
    for seed in range(60):
        noise = chol @ np.random.default_rng(seed).standard_normal((4, TM.size))
        vol = {p: clean[p] + noise[i] for i, p in enumerate(PEAKS)}
        gls = fit_two_site(TM, vol, err, overlap=False, correlation=_correlation(corr))
        assert gls["fit_ok"] and "generalised" in gls["err_method"], gls["flags"]
        z_gls.append((gls["k_AB_per_s"] - truth["k_AB"]) / gls["k_AB_per_s_err"])
        indep = fit_two_site(TM, vol, err, overlap=False)
        z_indep.append((indep["k_AB_per_s"] - truth["k_AB"]) / indep["k_AB_per_s_err"])
    z_gls, z_indep = np.array(z_gls), np.array(z_indep)
    # 60 values: the sample sd of unit-normal z is 1 +- 0.09
    assert abs(z_gls.mean()) < 0.5 and 0.75 < z_gls.std(ddof=1) < 1.3
    assert z_indep.std(ddof=1) < 0.75


def test_uncorrelated_volumes_give_the_weighted_fit():
    truth = dict(k_AB=0.6, k_BA=0.4, R1A=0.05, R1B=0.03, MA0=0.4, MB0=0.6)
    vol, err = _noisy(two_site_volumes(TM, **truth), 3e-3, 5)
    plain = fit_two_site(TM, vol, err)
    same = fit_two_site(TM, vol, err, correlation=_correlation(np.eye(4)))
    for key in ("k_AB_per_s", "k_AB_per_s_err", "chisqr", "pA_err"):
        assert same[key] == pytest.approx(plain[key], rel=1e-6), key


def test_arrhenius_of_k_ab_is_unbiased_on_two_site_data():
    Ea, ln_A = 0.30, math.log(0.6) + 0.30 / (KB_EV * 330.0)
    temps = np.array([300.0, 320.0, 340.0, 360.0])
    z = []
    for seed in range(15):
        fits = []
        for i, T in enumerate(temps):
            k_ab = math.exp(ln_A - Ea / (KB_EV * T))
            v = two_site_volumes(TM, k_ab, k_ab * 0.4 / 0.6, 0.05, 0.03, 0.4, 0.6)
            vol, err = _noisy(v, 3e-3, 1000 * seed + i)
            fits.append(
                {
                    "sample": "s",
                    "temperature_K": T,
                    "model": "two_site",
                    **fit_two_site(TM, vol, err),
                }
            )
        table = arrhenius_table(
            pd.DataFrame(fits), li_density_per_cm3=2.2e22, interface_area_fraction=1
        )
        row = table.set_index("quantity").loc["k_AB"]
        assert row["fit_ok"] and "absolute weights" in row["err_method"]
        z.append((row["Ea_eV"] - Ea) / row["Ea_eV_err"])
    z = np.array(z)
    assert abs(z.mean()) < 0.7 and 0.5 < z.std(ddof=1) < 1.6


def test_scatter_free_arrhenius_gets_the_propagated_error():
    T = np.array([298.0, 323.0, 348.0, 373.0])
    y = 1e-9 * np.exp(-0.27 / (KB_EV * T))
    row = fit_arrhenius(T, y, 0.05 * y)
    x = 1 / (KB_EV * T)
    assert row["Ea_eV_err"] == pytest.approx(
        0.05 / np.sqrt(np.sum((x - x.mean()) ** 2)), rel=1e-3
    )
    assert row["redchi"] < 1e-8 and "scatter_exceeds_errors" not in row["flags"]
    rng = np.random.default_rng(2)
    wild = y * np.exp(rng.normal(0, 0.5, T.size))
    bad = fit_arrhenius(T, wild, 0.05 * wild)
    bare = fit_arrhenius(T, wild, 0.05 * wild, poor_fit_p=0.0)
    assert "scatter_exceeds_errors" in bad["flags"]
    assert bad["Ea_eV_err"] / bare["Ea_eV_err"] == pytest.approx(
        math.sqrt(bad["redchi"])
    )


def test_radius_error_moves_i0_and_the_prefactor_not_ea():
    T = np.array([300.0, 325.0, 350.0])
    D = 1e-9 * np.exp(-0.27 / (KB_EV * T))
    base = {
        "sample": "s",
        "temperature_K": T,
        "model": "diffusion_sphere",
        "D_m2_per_s": D,
        "D_m2_per_s_stat_err": 0.02 * D,
        "D_m2_per_s_err": np.hypot(0.02, 0.2) * D,
        "k_AB_per_s": np.nan,
        "k_AB_per_s_err": np.nan,
        "k_BA_per_s": np.nan,
        "k_BA_per_s_err": np.nan,
        "particle_radius_um": 1.5,
        "fit_ok": True,
    }
    exact = arrhenius_table(
        pd.DataFrame({**base, "particle_radius_um_err": 0.0}),
        li_density_per_cm3=2.2e22,
        interface_area_fraction=1,
    ).iloc[0]
    rough = arrhenius_table(
        pd.DataFrame({**base, "particle_radius_um_err": 0.15}),
        li_density_per_cm3=2.2e22,
        interface_area_fraction=1,
    ).iloc[0]
    assert rough["Ea_eV_err"] == pytest.approx(exact["Ea_eV_err"])
    assert rough["value_at_reference_err"] == pytest.approx(
        math.hypot(exact["value_at_reference_err"], 0.2 * exact["value_at_reference"])
    )
    assert rough["i0_A_per_cm2_err"] == pytest.approx(
        math.hypot(exact["i0_A_per_cm2_err"], 0.1 * exact["i0_A_per_cm2"])
    )
    assert rough["i0_bound"] == "lower_bound"
