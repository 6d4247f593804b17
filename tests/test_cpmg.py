"""CPMG echo trains: echo parity, points no decay passes through, model choice
among mono, stretched and two-component decays, and the mean T2 with its error.

Synthetic trains are written out here (no model function of the code under
test): ``I(t) = A exp(-t/T)`` or ``A (f exp(-t/Ta) + (1 - f) exp(-t/Tb))`` with
Gaussian noise of known sigma (and, where stated, a multiplicative scatter of
known relative size). Recovered values are judged by z-scores from
the reported errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liprobe.relaxation import fit_relaxation_table, fitting
from liprobe.relaxation.cpmg import (
    decay_outliers,
    echo_parity,
    excess_scatter,
    select_echoes,
)

from conftest import relax, with_schema_defaults

fit_curve = with_schema_defaults(fitting.fit_curve, "relaxation")

LOOP_S = 15.92e-6  # one echo (2 d6 + p2) of the shared 7Li folder
SIGMA = 0.002  # of the first echo


def _tables(counts, y, sigma=SIGMA):
    counts = np.asarray(counts, float)
    ints = pd.DataFrame(
        {
            "experiment": "cpmg",
            "increment": np.arange(counts.size),
            "list_time_s": counts * LOOP_S,
            "loop_count": counts,
            "region": "li",
            "integral": y,
            "integral_err": np.full(counts.size, sigma),
        }
    )
    exps = pd.DataFrame(
        [{"experiment": "cpmg", "sample": "s", "kind": "t2", "temperature_K": 300.0}]
    )
    return ints, exps


def test_parity_of_loop_count_lists():
    assert echo_parity([2, 4, 8, 512]) == "even"
    assert echo_parity([1, 3, 5]) == "odd"
    assert echo_parity([1, 2, 3]) == "mixed"
    assert echo_parity([np.nan, 2.0]) == "unknown"
    assert echo_parity(None) == "unknown"
    keep, text = select_echoes([1, 2, 3, 4], "even")
    assert list(keep) == [False, True, False, True]
    assert text == "mixed: even echoes fitted (2 left out)"
    keep, text = select_echoes([2, 4], "odd")
    assert keep.all() and text == "even"


def test_odd_echoes_off_the_curve_are_left_out_by_default():
    # refocusing-pulse error: every odd echo 15 % low; T2 = 2 ms
    rng = np.random.default_rng(4)
    counts = np.arange(2, 402, 8) + np.tile([0, 1], 25)
    t = counts * LOOP_S
    y = np.exp(-t / 2e-3) * np.where(counts % 2 == 1, 0.85, 1.0)
    y = y + SIGMA * rng.standard_normal(t.size)
    ints, exps = _tables(counts, y)
    fits = fit_relaxation_table(ints, exps, relax({"models": {"t2": "decay"}}))
    row = fits[fits["quantity"] == "integral"].iloc[0]
    assert row["echo_parity"] == "mixed: even echoes fitted (25 left out)"
    assert row["n_points"] == 25 and row["fit_ok"], row["flags"]
    z = (row["time_constant_s"] - 2e-3) / row["time_constant_s_err"]
    assert abs(z) < 4
    mixed = fit_relaxation_table(
        ints, exps, relax({"models": {"t2": "decay"}, "cpmg_echoes": "all"})
    ).iloc[0]
    assert mixed["n_points"] == 50
    # mixed in, the odd/even zigzag is scatter beyond the thermal noise: it is
    # measured and carried by the point errors, so T2 is far less certain
    assert mixed["excess_scatter_rel"] > 0.05 > row["excess_scatter_rel"]
    assert mixed["time_constant_s_err"] > 3 * row["time_constant_s_err"]
    thermal = fit_relaxation_table(
        ints,
        exps,
        relax(
            {
                "models": {"t2": "decay"},
                "cpmg_echoes": "all",
                "cpmg_excess_scatter": False,
            }
        ),
    ).iloc[0]
    assert np.isnan(thermal["excess_scatter_rel"])
    assert not thermal["fit_ok"] and "poor_fit" in thermal["flags"]


def test_a_point_no_decay_passes_through_is_left_out_with_its_reason():
    rng = np.random.default_rng(7)
    counts = 2 ** np.arange(1, 10)
    t = counts * LOOP_S
    y = 0.4 * np.exp(-t / 4e-5) + 0.6 * np.exp(-t / 2e-3)
    y = y + SIGMA * rng.standard_normal(t.size)
    y[2] *= 0.2  # a broken increment, as in the shared SEI folder
    ints, exps = _tables(counts, y)
    fits = fit_relaxation_table(ints, exps, relax({}))
    assert set(fits["model"]) == {"decay", "decay_stretched", "decay_2"}
    assert (fits["n_excluded"] == 1).all()
    assert (fits["n_points"] == 8).all()  # every candidate on the same points
    text = fits["excluded_points"].iloc[0]
    assert text.startswith("increment 2 (list 0.0001274 s, 8 echoes): not_a_decay(")
    assert "below 4 later points" in text
    sel = fits[fits["selected"]].iloc[0]
    assert sel["model"] == "decay_2" and sel["fit_ok"], sel["flags"]
    assert sel["selection"] == "aic among decay,decay_stretched,decay_2"
    # mean T2 of two components: 0.4 x 40 us + 0.6 x 2 ms
    z = (sel["mean_time_s"] - (0.4 * 4e-5 + 0.6 * 2e-3)) / sel["mean_time_s_err"]
    assert abs(z) < 4
    # without the test the broken point stays in: the scatter it makes is
    # measured (errors grow many times over); with thermal errors alone no
    # candidate passes
    kept = fit_relaxation_table(ints, exps, relax({"cpmg_outlier_sigma": None}))
    assert (kept["n_excluded"] == 0).all() and (kept["excluded_points"] == "").all()
    assert (kept["excess_scatter_rel"] > 10 * fits["excess_scatter_rel"]).all()
    chosen = kept[kept["selected"]].iloc[0]
    assert chosen["mean_time_s_err"] > 3 * sel["mean_time_s_err"]
    kept = fit_relaxation_table(
        ints, exps, relax({"cpmg_outlier_sigma": None, "cpmg_excess_scatter": False})
    )
    assert not kept["fit_ok"].any()


def test_clean_decays_lose_no_point():
    counts = 2 ** np.arange(1, 10)
    t = counts * LOOP_S
    lost = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        y = np.exp(-t / 1e-3) + SIGMA * rng.standard_normal(t.size)
        lost += len(decay_outliers(t, y, np.full(t.size, SIGMA), 5.0))
    assert lost == 0
    # without errors there is no noise to judge a rise by: nothing is left out
    y = np.exp(-t / 1e-3)
    y[2] *= 0.2
    assert decay_outliers(t, y, None, 5.0) == []
    assert len(decay_outliers(t, y, np.full(t.size, SIGMA), 5.0)) == 1


def test_two_component_mean_time_error_covers_the_truth():
    # the mean time's error uses the covariance of (T, Tb, f): its z-scores over
    # repeated noise have unit spread (within the spread of 150 draws)
    t = np.geomspace(2e-5, 2e-2, 24)
    truth = 0.5 * 1e-4 + 0.5 * 3e-3
    zs = []
    for seed in range(150):
        rng = np.random.default_rng(100 + seed)
        y = 0.5 * np.exp(-t / 1e-4) + 0.5 * np.exp(-t / 3e-3)
        y = y + 0.005 * rng.standard_normal(t.size)
        r = fit_curve(t, y, np.full(t.size, 0.005), "decay_2")
        if r["fit_ok"]:
            zs.append((r["mean_time_s"] - truth) / r["mean_time_s_err"])
    zs = np.array(zs)
    assert zs.size > 140
    assert np.std(zs) == pytest.approx(1.0, abs=0.2)
    assert abs(np.mean(zs)) < 0.3


def test_excess_scatter_is_measured_without_a_model():
    # echo counts 2 ... 512 as in the shared SEI folder; thermal noise 1e-3
    t = 2 ** np.arange(1, 10) * LOOP_S
    err = np.full(t.size, 1e-3)
    for scatter in (0.1, 0.0):
        s2 = []
        for seed in range(300):
            rng = np.random.default_rng(seed)
            y = np.exp(-t / 2e-3) * (1 + scatter * rng.standard_normal(t.size))
            s, n = excess_scatter(t, y + 1e-3 * rng.standard_normal(t.size), err)
            assert n == 5
            s2.append(s * s * (n - 2) / n)  # without the Student-t factor
        s2 = np.array(s2)
        if scatter:
            # the squared estimate is unbiased (clipping at 0 is rare here)
            z = (s2.mean() - scatter**2) / (s2.std() / np.sqrt(s2.size))
            assert abs(z) < 4
        else:
            # no scatter: what remains is the curvature of ln I in ln t
            assert np.sqrt(s2.mean()) < 0.02
    # a noise-free two-component decay, components 50 times apart
    y = 0.4 * np.exp(-t / 4e-5) + 0.6 * np.exp(-t / 2e-3)
    assert excess_scatter(t, y, np.full(t.size, 1e-12))[0] < 0.02 * np.sqrt(5 / 3)
    # too few points (three differences need seven), mixed signs or no
    # errors: nothing to measure
    assert np.isnan(excess_scatter(t[:6], y[:6], err[:6])[0])
    assert excess_scatter(t[:7], y[:7], err[:7])[1] == 3
    assert np.isnan(excess_scatter(t, y - 0.1, err)[0])
    assert np.isnan(excess_scatter(t, y, None)[0])


def test_errors_with_the_measured_scatter_are_calibrated():
    # 10 % scatter between nine echoes: the z-scores of T2 spread by 1 (the
    # Student-t factor makes up for a scatter measured from five differences;
    # their tails stay those of a Student-t, hence 300 draws)
    t = 2 ** np.arange(1, 10) * LOOP_S
    opts = relax({"models": {"t2": "decay"}, "quantities": ["integral"]})
    zs = []
    for seed in range(300):
        rng = np.random.default_rng(500 + seed)
        y = np.exp(-t / 2e-3) * (1 + 0.1 * rng.standard_normal(t.size))
        y = y + 1e-3 * rng.standard_normal(t.size)
        ints, exps = _tables(2 ** np.arange(1, 10), y, sigma=1e-3)
        row = fit_relaxation_table(ints, exps, opts).iloc[0]
        zs.append((row["time_constant_s"] - 2e-3) / row["time_constant_s_err"])
    zs = np.array(zs)
    assert np.std(zs) == pytest.approx(1.0, abs=0.2)
    assert abs(np.mean(zs)) < 0.3
    assert np.mean(np.abs(zs) > 3) < 0.05


def test_fits_carry_the_measured_scatter():
    # 10 % scatter between echoes, thermal errors 100 times smaller: with the
    # measured scatter the mono decay passes and T2 is recovered within its
    # error; with the thermal errors alone it fails the chi-square test
    t = 2 ** np.arange(1, 10) * LOOP_S
    rng = np.random.default_rng(11)
    y = np.exp(-t / 2e-3) * (1 + 0.1 * rng.standard_normal(t.size))
    ints, exps = _tables(2 ** np.arange(1, 10), y, sigma=1e-3)
    opts = {"models": {"t2": "decay"}, "quantities": ["integral"]}
    row = fit_relaxation_table(ints, exps, relax(opts)).iloc[0]
    assert row["fit_ok"], row["flags"]
    assert 0.03 < row["excess_scatter_rel"] < 0.3
    z = (row["time_constant_s"] - 2e-3) / row["time_constant_s_err"]
    assert abs(z) < 4
    thermal = fit_relaxation_table(
        ints, exps, relax({**opts, "cpmg_excess_scatter": False})
    ).iloc[0]
    assert not thermal["fit_ok"] and "poor_fit" in thermal["flags"]
