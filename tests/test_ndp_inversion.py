"""Forward response and inversion: MC agreement, sharp interfaces, calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liprobe.ndp import invert as inversion
from liprobe.ndp.calibration import edge_calibration, linear_from_points
from liprobe.ndp.concentration import reduce_run
from liprobe.ndp.response import Layer, response_matrix
from liprobe.ndp.stopping import catima_table

from conftest import ndp_opts, with_schema_defaults

invert = with_schema_defaults(inversion.invert, "ndp")
invert_run = with_schema_defaults(inversion.invert_run, "ndp")

STACK = [Layer("Cu", "Cu", 8.96, 1.0), Layer("Li", "Li", 0.534, 12.0)]
CONE = 20.0
FWHM = 20.0


def _mc_layer(thickness_um, n, rng, particles=("alpha", "triton")):
    """MC exit energies (keV; -1 when stopped) of particles born uniformly in
    a dense Li layer behind 1 um of Cu, event by event with the reduction's own
    stopping tables and straggling: these tests check the response matrix's
    and the inversion's numerics, not the physics (the demo simulator, with
    its own stopping, does that)."""
    out = []
    mu_min = np.cos(np.radians(CONE))
    for p, e0 in (("alpha", 2055.0), ("triton", 2727.0)):
        if p not in particles:
            continue
        li, cu = catima_table(p, "Li", 0.534), catima_table(p, "Cu", 8.96)
        x = rng.uniform(0, thickness_um, n)
        mu = rng.uniform(mu_min, 1.0, n)
        e = cu.energy_after(li.energy_after(np.full(n, e0), x / mu), 1.0 / mu)
        var = li.bohr_variance_keV2(x / mu) + cu.bohr_variance_keV2(1.0 / mu)
        e_det = e + rng.normal(0.0, 1.0, n) * np.sqrt(var + (FWHM / 2.3548) ** 2)
        out.append(np.where(e > 0, e_det, -1.0))
    return np.concatenate(out)


def test_response_matches_the_monte_carlo():
    rng = np.random.default_rng(5)
    e = _mc_layer(1.5, 200_000, rng, particles=("alpha",))
    edges = np.arange(1000.0, 1700.0, 5.0)
    mc = np.histogram(e, edges)[0] / 200_000
    r = response_matrix(
        STACK,
        np.linspace(0, 1.5, 31),
        edges,
        particles=("alpha",),
        resolution_fwhm_keV=FWHM,
        cone_half_angle_deg=CONE,
    ).mean(axis=1)
    centre = 0.5 * (edges[1:] + edges[:-1])
    assert (r * centre).sum() == pytest.approx((mc * centre).sum(), abs=1.0)
    assert np.abs(np.cumsum(r) - np.cumsum(mc)).max() < 0.01


def _interface_width(depth, rho, lo=0.1, hi=0.9):
    """Depth span over which the profile falls from hi to lo of its plateau."""
    plateau = np.median(rho[depth < 1.0])
    below_hi = depth[(rho < hi * plateau) & (depth > 0.5)]
    below_lo = depth[(rho < lo * plateau) & (depth > 0.5)]
    return below_lo.min() - below_hi.min()


def test_inversion_resolves_an_interface_better_than_the_channel_map():
    rng = np.random.default_rng(11)
    gain, offset, n_ch = 0.7, 12.0, 4096
    thick = 2.0
    n_per_particle = 150_000
    e = _mc_layer(thick, n_per_particle, rng)
    e = e[e > 0]
    ch = np.floor((e - offset) / gain).astype(int)
    hist = np.bincount(ch[(ch >= 0) & (ch < n_ch)], minlength=n_ch)[None, :]
    n_li = thick * 1e-4 * 4.63e22
    slices = pd.DataFrame(
        {
            "slice": [0],
            "t_start_utc": [pd.Timestamp("2024-01-01", tz="UTC")],
            "t_end_utc": [pd.Timestamp("2024-01-01 01:00", tz="UTC")],
            "live_s": [3600.0],
        }
    )
    cfg = ndp_opts(
        {
            "calibration": {
                "method": "configured",
                "offset_keV": offset,
                "gain_keV_per_channel": gain,
            },
            "energy_window_keV": [700.0, 2800.0],
            "interference_windows_keV": [],
            "depth_max_um": 5.0,
            "depth_step_um": 0.1,
            "resolution_fwhm_keV": FWHM,
            "cone_half_angle_deg": CONE,
        }
    )
    k = n_per_particle / (3600.0 * 1.0 * n_li)
    res = reduce_run(
        hist, slices, STACK, cfg, li6_fraction=1.0, area_cm2=1.0, sensitivity=k
    )
    prof, base = res["profiles"], res["baseline"]
    d = prof["depth_um"].to_numpy()
    truth = np.where(d < thick, 1.0, 0.0)
    reg, bl = prof["li_density_rel"].to_numpy(), base["li_density_rel"].to_numpy()
    # both conserve the inventory; the regularised one is closer to the truth
    width = 0.1
    assert reg.sum() * width == pytest.approx(thick, rel=0.03)
    assert bl.sum() * width == pytest.approx(thick, rel=0.1)
    err_reg = np.abs(reg - truth).sum() * width
    err_bl = np.abs(bl - truth).sum() * width
    assert err_reg < 0.6 * err_bl
    w_reg, w_bl = _interface_width(d, reg), _interface_width(d, bl)
    print(f"L1 {err_reg:.3f} vs {err_bl:.3f} um; 10-90 % {w_reg:.2f} vs {w_bl:.2f} um")
    assert w_reg < w_bl
    assert w_reg < 0.6  # um; tritons alone smear over ~1.5 um in Li
    assert prof["fit_ok"].all()
    assert prof["chi2_red"].iloc[0] < 2.0


def _dense_layer_problem(thick_um=1.5, counts=20_000):
    """Response of the test stack and the expected counts of a dense Li layer."""
    d_edges = np.arange(0.0, 4.0 + 1e-9, 0.1)
    e_edges = np.arange(700.0, 2800.0, 8.0)
    R = response_matrix(
        STACK, d_edges, e_edges, resolution_fwhm_keV=FWHM, cone_half_angle_deg=CONE
    )
    truth = np.where(d_edges[:-1] < thick_um - 1e-9, 1.0, 0.0)
    M = R * counts / (R @ truth).sum()
    return M, truth


def test_discrepancy_principle_and_flags():
    M, _ = _dense_layer_problem(counts=30_000)
    depth = np.arange(M.shape[1]) * 0.1
    x_true = np.clip(1.2 - 0.5 * depth, 0, None)  # a smooth, ill-posed case
    rng = np.random.default_rng(0)
    y = rng.poisson(M @ x_true).astype(float)
    res = invert(M, y)
    # chi-square within the effective degrees of freedom (nu - trace A)
    assert res.method == "discrepancy"
    dof = res.run_effective_dof
    assert res.run_chi2 <= dof + np.sqrt(2 * dof)
    assert 0 < res.effective_dof < res.dof
    assert res.flags == ""
    assert np.all(res.x >= 0)
    z = (res.x.sum() - x_true.sum()) / np.sqrt(res.cov.sum())
    assert abs(z) < 3
    # a model that cannot describe the data is flagged, not hidden
    bad = invert(M, y + 500 * (np.arange(y.size) % 2))
    assert bad.method == "gcv_fallback"
    assert "discrepancy_not_met" in bad.flags


def test_box_qp_matches_bounded_least_squares():
    from scipy.optimize import lsq_linear

    from liprobe.ndp.invert import bounded_tikhonov, difference_operator

    rng = np.random.default_rng(4)
    for _ in range(5):
        M = np.abs(rng.normal(size=(80, 30))) * 20
        x_true = np.r_[np.full(12, 1.0), rng.uniform(0, 0.5, 18)]
        y = rng.poisson(M @ x_true).astype(float)
        w = 1 / np.sqrt(np.maximum(y, 1))
        L = difference_operator(30, 1)
        for lam in (10.0, 1.0, 0.1):
            x = bounded_tikhonov(M, y, w, lam, L, np.ones(30))
            A = np.vstack([M * w[:, None], lam * L])
            b = np.concatenate([y * w, np.zeros(29)])
            ref = lsq_linear(A, b, bounds=(0, 1), method="bvls", tol=1e-12).x
            np.testing.assert_allclose(x, ref, atol=1e-8)


def test_bounded_inversion_areal_content_is_unbiased_with_honest_errors():
    """Truth on the bound (a dense deposit): no bin above it, the bins on it
    flagged, and the areal content unbiased with z-scores of sd ~1."""
    M, truth = _dense_layer_problem()
    rng = np.random.default_rng(21)
    z = []
    for _ in range(40):
        y = rng.poisson(M @ truth).astype(float)
        res = invert(M, y, upper=1.0)
        assert np.all(res.x <= 1.0 + 1e-12) and np.all(res.x >= 0)
        assert res.at_bound.any()
        # the model reproduces the counts (conservation, not a rescaling)
        assert (M @ res.x).sum() == pytest.approx(y.sum(), rel=1e-9)
        err = np.sqrt(res.cov.sum())
        z.append((res.x.sum() - truth.sum()) / err)
    z = np.asarray(z)
    print(f"z mean {z.mean():+.2f} sd {z.std():.2f}")
    assert abs(z.mean()) < 3 * 1.0 / np.sqrt(z.size) + 0.1
    assert 0.75 < z.std() < 1.3


def test_one_strength_per_run_and_kernels():
    from liprobe.ndp.invert import SliceData

    M, truth = _dense_layer_problem(counts=8_000)
    rng = np.random.default_rng(2)
    data = []
    for k in range(6):
        x_k = truth * (k + 1) / 6
        y = rng.poisson(M @ x_k).astype(float)
        data.append(SliceData(M, y, np.zeros_like(y), np.zeros_like(y)))
    out = invert_run(data, 1.0)
    assert len({r.lam for r in out}) == 1
    assert {r.method for r in out} == {"discrepancy"}
    # the summed chi-square the strength was chosen on meets the discrepancy
    dof = out[0].run_effective_dof
    assert out[0].run_chi2 <= dof + np.sqrt(2 * dof)
    assert out[0].run_effective_dof < sum(r.dof for r in out)
    for r in out:
        # averaging-kernel widths are finite where the bins are free
        free = (r.x > 1e-6) & ~r.at_bound
        width = r.resolution_bins[free]
        assert np.all(np.isfinite(width)) and np.all(width > 0)


def test_edge_calibration_recovers_a_thick_layer_scale():
    rng = np.random.default_rng(3)
    e = _mc_layer(8.0, 200_000, rng)
    gain, offset = 0.65, 20.0
    ch = np.floor((e[e > 0] - offset) / gain).astype(int)
    counts = np.bincount(ch[ch >= 0], minlength=4200)
    from liprobe.ndp.calibration import model_edge_energy

    edges = np.arange(100.0, 3000.0, 2.0)
    model = {}
    for p in ("alpha", "triton"):
        spec = response_matrix(
            STACK,
            np.linspace(0, 5, 26),
            edges,
            particles=(p,),
            resolution_fwhm_keV=FWHM,
            cone_half_angle_deg=CONE,
        ).sum(axis=1)
        model[p] = model_edge_energy(edges, spec)
    cal = edge_calibration(counts, model["alpha"], model["triton"])
    assert cal["gain_keV_per_channel"] == pytest.approx(gain, rel=0.01)
    assert cal["offset_keV"] + gain * 3000 == pytest.approx(offset + gain * 3000, abs=5)
    off, g = linear_from_points([[100, 120.0], [3000, 2100.0]])
    assert (off, g) == pytest.approx((120.0 - 100 * 1980 / 2900, 1980 / 2900))


def _edge_depth(depth, rho):
    """Depth where the profile falls to half its plateau (linear interpolation)."""
    half = 0.5 * np.median(rho[depth < 1.0])
    k = int(np.flatnonzero((rho < half) & (depth > 0.5))[0])
    return depth[k - 1] + (rho[k - 1] - half) / (rho[k - 1] - rho[k]) * (
        depth[k] - depth[k - 1]
    )


def test_a_stopping_power_error_moves_the_thickness_by_its_size(monkeypatch):
    """Stopping 5 % too high in the reduction: a layer below the bound reads
    5 % thinner (depth = energy loss / stopping), so such errors are visible."""
    import liprobe.ndp.response as response
    from liprobe.ndp.stopping import StoppingTable

    rng = np.random.default_rng(8)
    gain, offset, n_ch, thick = 0.7, 12.0, 4096, 3.0
    e = _mc_layer(thick, 120_000, rng)
    ch = np.floor((e[e > 0] - offset) / gain).astype(int)
    hist = np.bincount(ch[(ch >= 0) & (ch < n_ch)], minlength=n_ch)[None, :]
    slices = pd.DataFrame(
        {
            "slice": [0],
            "t_start_utc": [pd.Timestamp("2024-01-01", tz="UTC")],
            "t_end_utc": [pd.Timestamp("2024-01-01 01:00", tz="UTC")],
            "live_s": [3600.0],
        }
    )
    cfg = ndp_opts(
        {
            "calibration": {
                "method": "configured",
                "offset_keV": offset,
                "gain_keV_per_channel": gain,
            },
            "interference_windows_keV": [],
            "depth_max_um": 6.0,
            "depth_step_um": 0.05,
        }
    )
    # the layer holds half the Li its material could: off the bound
    k = 120_000 / (3600.0 * 0.5 * thick * 1e-4 * 4.63e22)

    def edge():
        res = reduce_run(
            hist, slices, STACK, cfg, li6_fraction=1.0, area_cm2=1.0, sensitivity=k
        )
        p = res["profiles"]
        assert not p["at_bound"].any()
        return _edge_depth(p["depth_um"].to_numpy(), p["li_density_rel"].to_numpy())

    nominal = edge()
    real = response.stopping_table

    def high(*args, **kwargs):
        t = real(*args, **kwargs)
        if t.material != "Li":
            return t
        return StoppingTable(
            t.particle,
            t.material,
            t.density_g_cm3,
            t.energy_keV,
            1.05 * t.stopping_keV_per_um,
            t.source + "+5%",
        )

    monkeypatch.setattr(response, "stopping_table", high)
    shifted = edge()
    print(f"edge {nominal:.3f} um nominal, {shifted:.3f} um with S x 1.05")
    assert nominal == pytest.approx(thick, abs=0.1)
    assert shifted / nominal == pytest.approx(1 / 1.05, abs=0.01)


def test_upper_bound_is_the_materials_own_li():
    from liprobe.ndp.concentration import LI_METAL_PER_CM3, li_per_cm3_max

    dense = li_per_cm3_max(Layer("Li", "Li", 0.534, 10.0))
    assert dense == pytest.approx(LI_METAL_PER_CM3, rel=0.002)
    # a porous layer given at 80 % density holds 80 % of Li metal's Li per cm3
    assert li_per_cm3_max(Layer("Li", "Li", 0.4272, 10.0)) == pytest.approx(
        0.8 * dense, rel=1e-9
    )
    # LiC6 (2.2 g/cm3): one Li per 79 g/mol
    lic6 = li_per_cm3_max(Layer("LiC6", "LiC6", 2.2, 10.0))
    assert lic6 == pytest.approx(2.2 * 6.02214076e23 / (6.94 + 6 * 12.011), rel=0.002)
    # a Li-free host is bounded by Li metal
    assert li_per_cm3_max(Layer("PEO", "C2H4O", 1.2, 10.0)) == LI_METAL_PER_CM3
