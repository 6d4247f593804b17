"""EXSY exchange models against independent formulations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from liprobe.exsy import models
from liprobe.exsy.models import (
    PEAKS,
    normalised_cross_ratio,
    sphere_exchanged_fraction,
    two_site_volumes,
    with_overlap,
)

from conftest import with_schema_defaults

rates = st.floats(min_value=1e-3, max_value=50.0)
diffusion_volumes = with_schema_defaults(models.diffusion_volumes, "exsy")


@settings(max_examples=40, deadline=None)
@given(k_ab=rates, k_ba=rates, r1a=rates, r1b=rates, tm=st.floats(0.0, 5.0))
def test_two_site_matches_matrix_exponential(k_ab, k_ba, r1a, r1b, tm):
    L = np.array([[r1a + k_ab, -k_ba], [-k_ab, r1b + k_ba]])
    ref = expm(-L * tm) @ np.diag([0.3, 0.7])
    v = two_site_volumes(np.array([tm]), k_ab, k_ba, r1a, r1b, 0.3, 0.7)
    got = np.array([[v["AA"][0], v["BA"][0]], [v["AB"][0], v["BB"][0]]])
    np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-12)


def test_two_site_degenerate_eigenvalues():
    # k_AB = k_BA = 0 and equal R1: L is a multiple of the identity
    tm = np.linspace(0, 3, 7)
    v = two_site_volumes(tm, 0.0, 0.0, 0.5, 0.5, 1.0, 2.0)
    np.testing.assert_allclose(v["AA"], np.exp(-0.5 * tm))
    np.testing.assert_allclose(v["BB"], 2 * np.exp(-0.5 * tm))
    np.testing.assert_allclose(v["AB"], 0.0, atol=1e-15)


def test_cross_ratio_formula_equals_matrix_model_with_equal_r1():
    tm = np.geomspace(1e-3, 10, 20)
    k_ab, k_ba = 0.8, 0.3
    v = two_site_volumes(tm, k_ab, k_ba, 0.07, 0.07, 0.3, 0.8)
    np.testing.assert_allclose(
        v["AB"] / v["AA"], normalised_cross_ratio(tm, k_ab, k_ba), rtol=1e-9
    )


def test_sphere_fraction_limits_and_half_time():
    r = 2e-6
    D = 1e-14
    assert sphere_exchanged_fraction(np.array([0.0]), D, r)[0] == 0.0
    assert sphere_exchanged_fraction(np.array([1e6]), D, r)[0] == pytest.approx(1.0)
    t_half = 0.0305465 * r**2 / D
    assert sphere_exchanged_fraction(np.array([t_half]), D, r)[0] == pytest.approx(
        0.5, abs=2e-4
    )


def test_sphere_short_time_expansion_joins_series():
    # the series (x >= 1e-6) and the short-time expansion (x < 1e-6) are two
    # different formulas: they must agree where they meet
    below = sphere_exchanged_fraction(np.array([0.999e-6]), 1.0, 1.0)[0]
    above = sphere_exchanged_fraction(np.array([1.001e-6]), 1.0, 1.0)[0]
    assert above == pytest.approx(below, rel=2e-3)
    # and at small x the series equals the expansion
    x = np.array([1e-5, 1e-4, 1e-3])
    np.testing.assert_allclose(
        sphere_exchanged_fraction(x, 1.0, 1.0),
        6 * np.sqrt(x / np.pi) - 3 * x,
        rtol=1e-6,
    )
    series_only = 1 - (6 / np.pi**2) * sum(
        np.exp(-(n**2) * np.pi**2 * 2e-3) / n**2 for n in range(1, 5000)
    )
    got = sphere_exchanged_fraction(np.array([2e-3]), 1.0, 1.0)[0]
    assert got == pytest.approx(series_only, rel=1e-6)


def test_diffusion_volumes_keep_detailed_balance_and_column_sums():
    tm = np.geomspace(1e-3, 10, 9)
    v = diffusion_volumes(tm, 3e-14, 1.5e-6, 0.4, 0.0, 1.0)
    np.testing.assert_allclose(v["AB"], v["BA"])
    # detected-on-A column sums to pA at every mixing time (no relaxation)
    np.testing.assert_allclose(v["AA"] + v["BA"], 0.4)
    np.testing.assert_allclose(sum(v[p] for p in PEAKS), 1.0)


def test_overlap_is_the_matrix_product():
    rng = np.random.default_rng(3)
    vals = rng.uniform(0.1, 2.0, 4)
    v = {p: np.array([x]) for p, x in zip(PEAKS, vals, strict=True)}
    e1, e2 = 0.03, 0.07
    got = with_overlap(v, e1, e2)
    V = np.array([[vals[0], vals[1]], [vals[2], vals[3]]])  # rows F1, cols F2
    L1 = np.array([[1, e1], [e1, 1]])
    L2 = np.array([[1, e2], [e2, 1]])
    ref = L1 @ V @ L2.T
    np.testing.assert_allclose([got[p][0] for p in PEAKS], ref.ravel(), rtol=1e-12)
    same = with_overlap(v, 0.0, 0.0)
    np.testing.assert_allclose([same[p][0] for p in PEAKS], vals)
