"""N-site exchange: the kinetic model against integrated rate equations, the 2D
fit (two sites: the two-site fit's numbers), the 1D selective-inversion fit,
both recovering known rates within their reported errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from liprobe.exsy.fit import fit_two_site
from liprobe.exsy.models import PEAKS
from liprobe.exsy.nsite import (
    exchange_volumes,
    fit_exchange_2d,
    fit_selective,
    selective_recovery,
)

SITES = ("se", "coating", "electrode")
# k[i, j]: i -> j (1/s); detailed balance with populations P
P = np.array([0.5, 0.2, 0.3])
K_UP = {(0, 1): 6.0, (1, 2): 9.0, (0, 2): 1.5}
R1 = np.array([0.4, 0.7, 0.25])
TM = np.array([0.005, 0.02, 0.05, 0.1, 0.2, 0.4])


def true_rates() -> np.ndarray:
    k = np.zeros((3, 3))
    for (i, j), v in K_UP.items():
        k[i, j] = v
        k[j, i] = v * P[i] / P[j]
    return k


def integrate(k, r1, m_eq, m0, times):
    """dM_i/dt = -R1_i (M_i - M_eq,i) - sum_j k_ij M_i + sum_j k_ji M_j,
    written site by site and integrated numerically."""

    def rhs(_, m):
        out = -r1 * (m - m_eq)
        for i in range(len(m)):
            for j in range(len(m)):
                if i != j:
                    out[i] += -k[i, j] * m[i] + k[j, i] * m[j]
        return out

    sol = solve_ivp(rhs, (0, times.max()), m0, t_eval=times, rtol=1e-10, atol=1e-12)
    return sol.y.T


def volumes_by_integration(k, r1, m_eq, times):
    """V[t, x, y]: labelled on x (deviation from equilibrium), detected on y."""
    n = len(m_eq)
    out = np.empty((times.size, n, n))
    for x in range(n):
        start = np.zeros(n)
        start[x] = m_eq[x]
        # the labelled deviation relaxes to zero: integrate with M_eq = 0
        out[:, x, :] = integrate(k, r1, np.zeros(n), start, times)
    return out


def test_model_matches_integrated_rate_equations():
    k = true_rates()
    v = exchange_volumes(TM, k, R1, P)
    ref = volumes_by_integration(k, R1, P, TM)
    np.testing.assert_allclose(v, ref, rtol=1e-7, atol=1e-10)
    m0 = P.copy()
    m0[1] = -0.9 * P[1]
    rec = selective_recovery(TM, k, R1, P, m0)
    np.testing.assert_allclose(rec, integrate(k, R1, P, m0, TM), rtol=1e-7, atol=1e-10)


def test_propagators_are_the_matrix_exponential():
    from scipy.linalg import expm

    from liprobe.exsy.nsite import kinetic_matrix, propagators

    rng = np.random.default_rng(2)
    for detailed in (true_rates(), rng.uniform(0, 5, (3, 3))):
        L = kinetic_matrix(detailed, R1)
        ref = np.stack([expm(-t * L) for t in TM])
        np.testing.assert_allclose(propagators(TM, L), ref, rtol=1e-9, atol=1e-13)
    # a defective matrix (one Jordan block) goes through expm itself
    jordan = np.array([[1.0, 1.0], [0.0, 1.0]])
    ref = np.stack([expm(-t * jordan) for t in TM])
    np.testing.assert_allclose(propagators(TM, jordan), ref, rtol=1e-9)


def test_two_sites_gives_the_two_site_numbers():
    rng = np.random.default_rng(3)
    k = np.array([[0.0, 8.0], [8.0 * 0.4 / 0.6, 0.0]])
    m_eq = np.array([0.4, 0.6])
    v = exchange_volumes(TM, k, [0.5, 0.3], m_eq)
    err = np.full_like(v, 2e-3)
    v = v + rng.normal(0, 2e-3, v.shape)
    vol = {p: v[:, "AB".index(p[0]), "AB".index(p[1])] for p in PEAKS}
    errs = {p: err[:, 0, 0] for p in PEAKS}
    two = fit_two_site(
        TM,
        vol,
        errs,
        detailed_balance=True,
        equal_R1=False,
        overlap=False,
        poor_fit_p=1e-3,
    )
    nsite = fit_exchange_2d(
        TM, v, err, ("A", "B"), detailed_balance=True, poor_fit_p=1e-3
    )
    got = {(r["site_from"], r["site_to"]): r for r in nsite["pairs"]}
    for key, col in ((("A", "B"), "k_AB_per_s"), (("B", "A"), "k_BA_per_s")):
        assert got[key]["k_per_s"] == pytest.approx(two[col], rel=1e-4)
        assert got[key]["k_per_s_err"] == pytest.approx(two[col + "_err"], rel=1e-3)
    assert nsite["summary"]["chisqr"] == pytest.approx(two["chisqr"], rel=1e-6)


@pytest.mark.parametrize("detailed_balance", [True, False])
def test_three_site_2d_fit_recovers_rates(detailed_balance):
    rng = np.random.default_rng(11)
    k = true_rates()
    clean = volumes_by_integration(k, R1, P, TM)
    sigma = 1.5e-3
    zs = []
    for _ in range(3):
        noisy = clean + rng.normal(0, sigma, clean.shape)
        res = fit_exchange_2d(
            TM,
            noisy,
            np.full_like(noisy, sigma),
            SITES,
            detailed_balance=detailed_balance,
            poor_fit_p=1e-3,
        )
        assert res["summary"]["fit_ok"], res["summary"]["flags"]
        assert len(res["pairs"]) == 6
        for r in res["pairs"]:
            i, j = SITES.index(r["site_from"]), SITES.index(r["site_to"])
            zs.append((r["k_per_s"] - k[i, j]) / r["k_per_s_err"])
    assert np.all(np.abs(zs) < 4.0), zs


def test_selective_inversion_fit_recovers_rates():
    rng = np.random.default_rng(5)
    k = true_rates()
    m_eq = 10.0 * P
    times = np.array([0.002, 0.01, 0.03, 0.06, 0.1, 0.2, 0.4, 0.8, 1.5, 3.0])
    m0 = m_eq.copy()
    m0[1] = -0.95 * m_eq[1]
    clean = integrate(k, R1, m_eq, m0, times)
    sigma = 0.01
    noisy = clean + rng.normal(0, sigma, clean.shape)
    res = fit_selective(
        times,
        noisy,
        np.full_like(noisy, sigma),
        np.ones(times.size, int),
        SITES,
        detailed_balance=True,
        poor_fit_p=1e-3,
    )
    assert res["summary"]["fit_ok"], res["summary"]["flags"]
    assert res["summary"]["inversion_coating"] == pytest.approx(-0.95, abs=0.05)
    for r in res["pairs"]:
        i, j = SITES.index(r["site_from"]), SITES.index(r["site_to"])
        assert abs(r["k_per_s"] - k[i, j]) < 4 * r["k_per_s_err"], r
    for r in res["sites"]:
        i = SITES.index(r["site"])
        assert abs(r["R1_per_s"] - R1[i]) < 4 * r["R1_per_s_err"], r
        assert abs(r["population"] - P[i]) < 4 * r["population_err"], r


def test_too_few_mixing_times_is_a_flagged_row():
    v = np.ones((2, 3, 3))
    res = fit_exchange_2d(
        TM[:2], v, v * 0.1, SITES, detailed_balance=True, poor_fit_p=1e-3
    )
    assert not res["summary"]["fit_ok"]
    assert "too_few_mixing_times" in res["summary"]["flags"]
    assert res["pairs"] == []
