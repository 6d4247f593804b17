"""Relaxation models and single-curve fits: formulas, flags, selection, fast path."""

from __future__ import annotations

import math

import numpy as np
import pytest

from liprobe.relaxation import fitting
from liprobe.relaxation.models import (
    MODELS,
    decay,
    inversion_recovery,
    mean_time,
    models_for_kind,
    saturation_recovery,
)

from conftest import with_schema_defaults

T_LIST = np.geomspace(1e-3, 5.0, 14)
fit_curve = with_schema_defaults(fitting.fit_curve, "relaxation")
fit_curves_fast = with_schema_defaults(fitting.fit_curves_fast, "relaxation")


def test_model_formulas_at_special_points():
    # saturation recovery starts at I0 (1 - a) and ends at I0
    assert saturation_recovery(0.0, 2.0, 0.9, 1.0, 1.0) == pytest.approx(0.2)
    assert saturation_recovery(1e6, 2.0, 0.9, 1.0, 0.5) == pytest.approx(2.0)
    # one time constant in: 1 - 1/e
    assert saturation_recovery(1.0, 1.0, 1.0, 1.0, 1.0) == pytest.approx(
        1 - math.exp(-1)
    )
    # inversion recovery: I0 + P at t = 0, zero crossing at T1 ln 2 when P = -2 I0
    assert inversion_recovery(0.0, 1.0, -2.0, 3.0, 1.0) == pytest.approx(-1.0)
    assert inversion_recovery(3.0 * math.log(2), 1.0, -2.0, 3.0, 1.0) == pytest.approx(
        0.0, abs=1e-12
    )
    # stretched decay at t = T is I0 / e whatever b, plus the offset
    for b in (0.4, 1.0, 1.7):
        assert decay(0.02, 5.0, 0.02, b, 0.1) == pytest.approx(5 / math.e + 0.1)


def test_mean_time_matches_numerical_integral():
    t = np.linspace(0, 400, 400001)
    for b in (0.5, 0.8, 1.0, 1.5):
        numeric = np.trapezoid(np.exp(-((t / 2.0) ** b)), t)
        assert mean_time(2.0, b) == pytest.approx(numeric, rel=1e-4)
    assert mean_time(3.0, 1.0) == pytest.approx(3.0)
    assert mean_time(1.0, 0.5) == pytest.approx(2.0)


def test_models_for_kind():
    assert models_for_kind("t1_ir") == ["ir"]
    assert set(models_for_kind("t1_sr", "auto")) == {"sr", "sr_stretched", "sr_2"}
    assert models_for_kind("t2", ["decay", "decay_2"]) == ["decay", "decay_2"]
    with pytest.raises(KeyError):
        models_for_kind("exsy")


@pytest.mark.parametrize(
    "model,truth",
    [
        ("ir", {"I0": 1.0, "P": -1.9, "T1": 0.4, "b": 1.0}),
        ("sr_stretched", {"I0": 3.0, "a": 0.95, "T1": 0.2, "b": 0.7}),
        ("decay_stretched", {"I0": 1.0, "T": 0.05, "b": 0.8, "c": 0.0}),
        ("decay_offset", {"I0": 1.0, "T": 0.3, "b": 1.0, "c": 0.05}),
    ],
)
def test_fit_recovers_truth_and_fast_path_equals_lmfit(model, truth):
    rng = np.random.default_rng(11)
    sigma = 0.005 * abs(truth["I0"])
    y = MODELS[model].func(T_LIST, **truth) + rng.normal(0, sigma, T_LIST.size)
    e = np.full_like(y, sigma)
    ref = fit_curve(T_LIST, y, e, model)
    fast = fit_curve(T_LIST, y, e, model, engine="fast")
    tau = MODELS[model].tau
    assert ref["fit_ok"], ref["flags"]
    assert abs(ref["time_constant_s"] - truth[tau]) < 4 * ref["time_constant_s_err"]
    for key in ("time_constant_s", "time_constant_s_err", "beta", "chisqr", "aic"):
        assert fast[key] == pytest.approx(ref[key], rel=2e-3, nan_ok=True), key
    assert fast["fit_ok"] == ref["fit_ok"]
    assert ref["n_points"] == T_LIST.size
    assert "absolute weights" in ref["err_method"]
    assert "weighted by integral_err" in ref["err_method"]
    assert fast["chi2_p_value"] == pytest.approx(ref["chi2_p_value"], rel=1e-2)
    assert ref["chi2_p_value"] > 0.001 and "poor_fit" not in ref["flags"]


def test_batch_fast_path_matches_single_fits():
    rng = np.random.default_rng(5)
    taus = rng.uniform(0.05, 1.0, 20)
    Y = np.array(
        [inversion_recovery(T_LIST, 1.0, -2.0, tau, 1.0) for tau in taus]
    ) + rng.normal(0, 0.01, (20, T_LIST.size))
    batch = fit_curves_fast(T_LIST, Y, np.full_like(Y, 0.01), "ir")
    for i in (0, 7, 19):
        one = fit_curve(T_LIST, Y[i], np.full(T_LIST.size, 0.01), "ir")
        assert batch["time_constant_s"][i] == pytest.approx(
            one["time_constant_s"], rel=1e-3
        )
        assert batch["time_constant_s_err"][i] == pytest.approx(
            one["time_constant_s_err"], rel=1e-2
        )


def test_absolute_errors_not_scaled():
    rng = np.random.default_rng(2)
    y = inversion_recovery(T_LIST, 1.0, -2.0, 0.5, 1.0) + rng.normal(0, 0.01, 14)
    scaled = fit_curve(T_LIST, y, np.full(14, 0.01), "ir", scale_covar=True)
    absolute = fit_curve(T_LIST, y, np.full(14, 0.01), "ir", scale_covar=False)
    ratio = scaled["time_constant_s_err"] / absolute["time_constant_s_err"]
    assert ratio == pytest.approx(math.sqrt(scaled["redchi"]), rel=1e-3)
    assert "absolute weights" in absolute["err_method"]


def test_errors_of_a_scatter_free_curve_are_the_propagated_ones():
    # no scatter at all: the reduced chi-square is ~0, and scaling by it would
    # report ~0 errors; the propagated error must equal the spread of fits to
    # noisy copies with the stated noise
    truth = {"I0": 1.0, "a": 0.98, "T1": 0.3, "b": 0.8}
    clean = MODELS["sr_stretched"].func(T_LIST, **truth)
    e = np.full(T_LIST.size, 0.01)
    for engine in ("lmfit", "fast"):
        r = fit_curve(T_LIST, clean, e, "sr_stretched", engine=engine)
        assert r["redchi"] < 1e-6 and r["fit_ok"]
        rng = np.random.default_rng(17)
        Y = clean + rng.normal(0, 0.01, (400, T_LIST.size))
        spread = fit_curves_fast(T_LIST, Y, np.broadcast_to(e, Y.shape), "sr_stretched")
        ok = spread["fit_ok"]
        for key in ("time_constant_s", "beta"):
            sd = np.std(spread[key][ok], ddof=1)
            assert sd / r[f"{key}_err"] == pytest.approx(1.0, abs=0.15), (engine, key)


@pytest.mark.parametrize("engine", ["lmfit", "fast"])
def test_a_model_that_does_not_describe_the_data_is_a_poor_fit(engine):
    # two well separated components fitted with one exponential
    t = np.geomspace(1e-4, 10, 24)
    rng = np.random.default_rng(8)
    y = 0.4 * saturation_recovery(t, 1.0, 1.0, 0.01, 1.0) + 0.6 * (
        saturation_recovery(t, 1.0, 1.0, 1.0, 1.0)
    )
    y = y + rng.normal(0, 1e-3, t.size)
    e = np.full(t.size, 1e-3)
    poor = fit_curve(t, y, e, "sr", engine=engine)
    legacy = fit_curve(t, y, e, "sr", engine=engine, poor_fit_p=0.0)
    assert poor["chi2_p_value"] < 1e-3
    assert "poor_fit" in poor["flags"] and not poor["fit_ok"]
    assert "inflated by sqrt(reduced chi-square)" in poor["err_method"]
    # the value is kept, its errors grow by sqrt(redchi), never shrink
    assert poor["time_constant_s"] == legacy["time_constant_s"]
    ratio = poor["time_constant_s_err"] / legacy["time_constant_s_err"]
    assert ratio == pytest.approx(math.sqrt(poor["redchi"]), rel=1e-9)
    assert legacy["fit_ok"] and "poor_fit" not in legacy["flags"]
    # the model that describes the data is not flagged
    good = fit_curve(t, y, e, "sr_2")
    assert good["fit_ok"] and good["chi2_p_value"] > 1e-3


def test_unweighted_when_errors_missing():
    y = inversion_recovery(T_LIST, 1.0, -2.0, 0.5, 1.0)
    y = y + 0.001 * np.sin(np.arange(14))
    r = fit_curve(T_LIST, y, np.full(14, np.nan), "ir")
    assert r["fit_ok"]
    assert "unweighted" in r["err_method"]
    assert "residual variance" in r["err_method"]
    assert math.isnan(r["chi2_p_value"])
    assert "errors_from_few_residuals" not in r["flags"]  # 11 dof
    few = fit_curve(T_LIST[::2], y[::2], None, "ir")
    assert "errors_from_few_residuals(dof=4)" in few["flags"]
    assert r["time_constant_s"] == pytest.approx(0.5, rel=1e-2)


def test_too_few_points_is_a_flagged_row():
    r = fit_curve([0.1, 0.2, 0.3], [1.0, 2.0, 2.5], None, "sr_stretched")
    assert not r["fit_ok"]
    assert "too_few_points" in r["flags"]
    assert math.isnan(r["time_constant_s"])
    assert r["model"] == "sr_stretched"


def test_nonfinite_points_are_dropped():
    y = inversion_recovery(T_LIST, 1.0, -2.0, 0.5, 1.0)
    y[3] = np.nan
    r = fit_curve(T_LIST, y, None, "ir")
    assert r["n_points"] == T_LIST.size - 1
    assert r["time_constant_s"] == pytest.approx(0.5, rel=1e-6)


def test_time_constant_beyond_list_is_flagged():
    t = np.geomspace(0.01, 2.0, 10)
    rng = np.random.default_rng(0)
    y = inversion_recovery(t, 1.0, -2.0, 8.0, 1.0) + rng.normal(0, 0.002, t.size)
    r = fit_curve(t, y, np.full(t.size, 0.002), "ir")
    assert "time_constant_beyond_list" in r["flags"]


def test_parameter_at_bound_is_flagged():
    # a mono-exponential recovery: the stretch exponent runs into its bound b = 1
    rng = np.random.default_rng(4)
    y = saturation_recovery(T_LIST, 1.0, 1.0, 0.3, 1.0)
    y = y + rng.normal(0, 1e-4, T_LIST.size)
    r = fit_curve(T_LIST, y, np.full(T_LIST.size, 1e-4), "sr_stretched")
    if r["beta"] > 0.9999:
        assert "at_bound:b" in r["flags"]
    # a flat curve has no time constant: it ends on a bound, the fit is not ok
    flat = fit_curve(T_LIST, np.ones(14) + rng.normal(0, 1e-3, 14), None, "decay")
    assert not flat["fit_ok"]
    assert flat["flags"]


def test_selection_by_aic_prefers_two_components_only_when_needed():
    t = np.geomspace(1e-4, 10, 24)
    rng = np.random.default_rng(8)
    bi = (
        saturation_recovery(t, 1.0, 1.0, 0.01, 1.0) * 0.4
        + saturation_recovery(t, 1.0, 1.0, 1.0, 1.0) * 0.6
    )
    bi = bi + rng.normal(0, 1e-3, t.size)
    mono = saturation_recovery(t, 1.0, 1.0, 0.2, 1.0) + rng.normal(0, 1e-3, t.size)
    e = np.full(t.size, 1e-3)
    fits_bi = {m: fit_curve(t, bi, e, m) for m in ("sr", "sr_2")}
    fits_mono = {m: fit_curve(t, mono, e, m) for m in ("sr", "sr_2")}
    assert fits_bi["sr_2"]["aic"] < fits_bi["sr"]["aic"] - 10
    assert fits_mono["sr"]["aic"] <= fits_mono["sr_2"]["aic"] + 2
    two = fits_bi["sr_2"]
    # components ordered: shorter first, f its fraction
    assert two["time_constant_s"] == pytest.approx(0.01, rel=0.05)
    assert two["p_T1b"] == pytest.approx(1.0, rel=0.05)
    assert two["p_f"] == pytest.approx(0.4, abs=0.02)
    assert two["mean_time_s"] == pytest.approx(0.4 * 0.01 + 0.6 * 1.0, rel=0.05)


def test_bootstrap_errors_close_to_covariance():
    rng = np.random.default_rng(21)
    y = inversion_recovery(T_LIST, 1.0, -2.0, 0.5, 1.0) + rng.normal(0, 0.01, 14)
    r = fit_curve(T_LIST, y, np.full(14, 0.01), "ir", n_bootstrap=300, seed=1)
    assert r["n_bootstrap"] == 300
    assert "bootstrap" in r["err_method"]
    ratio = r["time_constant_s_boot_err"] / r["time_constant_s_err"]
    assert 0.5 < ratio < 2.0


def test_mean_time_error_by_delta_method():
    rng = np.random.default_rng(3)
    y = decay(T_LIST, 1.0, 0.1, 0.6, 0.0) + rng.normal(0, 0.003, T_LIST.size)
    r = fit_curve(T_LIST, y, np.full(T_LIST.size, 0.003), "decay_stretched")
    assert r["mean_time_s"] == pytest.approx(mean_time(r["time_constant_s"], r["beta"]))
    assert 0 < r["mean_time_s_err"] < r["mean_time_s"]
    assert abs(r["mean_time_s"] - mean_time(0.1, 0.6)) < 4 * r["mean_time_s_err"]


def test_fast_engine_falls_back_to_lmfit_for_two_components():
    t = np.geomspace(1e-4, 10, 20)
    y = 0.5 * inversion_recovery(t, 1.0, -2.0, 0.01, 1.0) + 0.5 * inversion_recovery(
        t, 1.0, -2.0, 1.0, 1.0
    )
    a = fit_curve(t, y + 1e-4 * np.cos(np.arange(20)), None, "ir_2", engine="fast")
    b = fit_curve(t, y + 1e-4 * np.cos(np.arange(20)), None, "ir_2")
    assert a["time_constant_s"] == b["time_constant_s"]
    assert a["time_constant_s"] == pytest.approx(0.01, rel=0.02)
