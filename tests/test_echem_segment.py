"""Half-cycle segmentation and Coulombic efficiency on synthetic traces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liprobe.echem import (
    assign_cycles,
    coulombic_efficiency,
    segment,
    step_boundaries,
)
from liprobe.errors import InputError

from conftest import with_schema_defaults

T0 = pd.Timestamp("2024-01-01 00:00", tz="UTC")
segment_half_cycles = with_schema_defaults(segment.segment_half_cycles, "echem")


def make_trace(blocks, dt_s=10.0, rng=None):
    """Trace from blocks of (duration_s, current_mA, step id, technique).

    Charge is the exact integral of the piecewise constant current.
    """
    times, cur, steps, tech = [], [], [], []
    t = 0.0
    for duration, current, step, technique in blocks:
        n = max(int(round(duration / dt_s)), 1)
        for k in range(n):
            times.append(t + k * dt_s)
            if technique == "EIS" and rng is not None:
                cur.append(rng.normal(0.0, 0.5))
            else:
                cur.append(current)
            steps.append(step)
            tech.append(technique)
        t += n * dt_s
    times.append(t)
    cur.append(0.0)
    steps.append(steps[-1])
    tech.append("Rest")
    times = np.array(times)
    cur = np.array(cur)
    dq = np.concatenate([[0.0], cur[:-1] * np.diff(times) / 3600.0])
    return pd.DataFrame(
        {
            "t_utc": T0 + pd.to_timedelta(times, unit="s"),
            "current_mA": cur,
            "voltage_V": 0.0,
            "charge_mAh": np.cumsum(dq),
            "step": steps,
            "technique": tech,
        }
    )


def test_plate_strip_cycles_and_ce():
    trace = make_trace(
        [
            (600, 0.0, 0, "Rest"),
            (3600, -1.0, 1, "CC"),
            (600, 0.0, 2, "Rest"),
            (1800, 1.0, 3, "CC"),
            (600, 0.0, 4, "Rest"),
            (3600, -1.0, 1, "CC"),
            (600, 0.0, 2, "Rest"),
            (3600, 1.0, 3, "CC"),
        ]
    )
    cycles = segment_half_cycles(trace)
    assert cycles["step"].tolist() == ["plate", "strip", "plate", "strip"]
    assert cycles["cycle"].tolist() == [1, 1, 2, 2]
    np.testing.assert_allclose(cycles["charge_mAh"], [1.0, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(cycles["duration_s"], [3600, 1800, 3600, 3600])
    assert cycles["t_start_utc"].iloc[0] == T0 + pd.Timedelta(seconds=600)
    assert cycles["t_end_utc"].iloc[0] == T0 + pd.Timedelta(seconds=4200)
    ce = coulombic_efficiency(cycles)
    np.testing.assert_allclose(ce["coulombic_efficiency"], [0.5, 1.0])
    assert (ce["flags"] == "").all()


def test_plating_sign_positive_swaps_roles():
    trace = make_trace([(3600, -1.0, 1, "CC"), (3600, 1.0, 2, "CC")])
    neg = segment_half_cycles(trace, "negative")
    pos = segment_half_cycles(trace, "positive")
    assert neg["step"].tolist() == ["plate", "strip"]
    assert pos["step"].tolist() == ["strip", "plate"]
    assert pos["cycle"].tolist() == [0, 1]


def test_pulses_separated_by_rests_stay_separate():
    """Two plating pulses with one instrument step id and a rest between."""
    blocks = [
        (600, -1.0, 1, "CC"),
        (300, 0.0, 1, "CC"),
        (600, -1.0, 1, "CC"),
        (300, 0.0, 2, "Rest"),
        (1200, 1.0, 3, "CC"),
    ]
    cycles = segment_half_cycles(make_trace(blocks))
    assert cycles["step"].tolist() == ["plate", "plate", "strip"]
    assert cycles["cycle"].tolist() == [1, 1, 1]
    ce = coulombic_efficiency(cycles)
    assert ce["coulombic_efficiency"].iloc[0] == pytest.approx(1.0)


def test_step_change_without_sign_change_splits():
    blocks = [(600, -1.0, 1, "CC"), (600, -0.5, 2, "CC"), (600, 1.0, 3, "CC")]
    cycles = segment_half_cycles(make_trace(blocks))
    assert cycles["instrument_step"].tolist() == [1, 2, 3]
    assert cycles["step"].tolist() == ["plate", "plate", "strip"]


def test_impedance_sweeps_are_excluded():
    rng = np.random.default_rng(3)
    blocks = [
        (600, -1.0, 1, "CC"),
        (200, 0.0, 2, "EIS"),
        (600, -1.0, 1, "CC"),
        (200, 0.0, 2, "PEIS"),
        (600, 1.0, 3, "CC"),
    ]
    trace = make_trace(blocks, dt_s=10.0, rng=rng)
    trace.loc[trace["technique"] == "PEIS", "current_mA"] = rng.normal(
        0, 0.5, (trace["technique"] == "PEIS").sum()
    )
    cycles = segment_half_cycles(trace)
    assert cycles["step"].tolist() == ["plate", "plate", "strip"]
    # without exclusion, the sweep's noisy current makes spurious steps
    noisy = segment_half_cycles(trace, exclude_techniques=())
    assert len(noisy) > len(cycles)


def test_leading_strip_is_cycle_zero_and_trailing_plate_is_flagged():
    blocks = [
        (600, 1.0, 1, "CC"),
        (600, -1.0, 2, "CC"),
        (600, 1.0, 1, "CC"),
        (600, -1.0, 2, "CC"),
    ]
    cycles = segment_half_cycles(make_trace(blocks))
    assert cycles["cycle"].tolist() == [0, 1, 1, 2]
    ce = coulombic_efficiency(cycles)
    assert ce["cycle"].tolist() == [0, 1, 2]
    assert np.isnan(ce["coulombic_efficiency"].iloc[0])
    assert "no plating step" in ce["flags"].iloc[0]
    assert np.isnan(ce["coulombic_efficiency"].iloc[2])
    assert ce["flags"].iloc[2] == "no stripping step"


def test_run_without_stripping_is_flagged_not_an_error():
    cycles = segment_half_cycles(make_trace([(3600, -1.0, 1, "CC")]))
    ce = coulombic_efficiency(cycles)
    assert len(ce) == 1 and ce["flags"].iloc[0] == "no stripping step"


def test_short_glitches_dropped():
    blocks = [(3600, -1.0, 1, "CC"), (20, 1.0, 2, "CC"), (3600, 1.0, 3, "CC")]
    trace = make_trace(blocks)
    assert len(segment_half_cycles(trace, min_step_s=60)) == 2
    assert len(segment_half_cycles(trace)) == 3
    assert len(segment_half_cycles(trace, min_points=3)) == 2


def test_rest_threshold():
    trace = make_trace([(600, -1.0, 1, "CC"), (600, -0.01, 1, "CC")])
    # the automatic threshold (2 % of the typical current) calls -0.01 mA rest
    assert len(segment_half_cycles(trace)) == 1
    assert len(segment_half_cycles(trace, rest_current_mA=0.001)) == 1
    # same step id and same sign: one segment when both count as current
    assert segment_half_cycles(trace, rest_current_mA=0.001)["n_points"].iloc[0] == 120


def test_step_boundaries_sorted_unique():
    blocks = [(600, -1.0, 1, "CC"), (600, 1.0, 2, "CC"), (600, 0.0, 3, "Rest")]
    cycles = segment_half_cycles(make_trace(blocks))
    bounds = step_boundaries(cycles)
    assert bounds == [T0 + pd.Timedelta(seconds=s) for s in (0, 600, 1200)]
    assert all(b.tz is not None for b in bounds)
    assert step_boundaries(cycles.iloc[:0]) == []


def test_bad_plating_sign_is_an_input_error():
    trace = make_trace([(600, -1.0, 1, "CC")])
    with pytest.raises(InputError, match="plating_sign"):
        segment_half_cycles(trace, "sideways", source="ndp.tsv")


def test_missing_columns_is_an_input_error():
    with pytest.raises(InputError, match="trace columns"):
        segment_half_cycles(pd.DataFrame({"t_utc": [T0]}))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([-1.0, 1.0]),
            st.integers(min_value=3, max_value=30),
            st.integers(min_value=1, max_value=10),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_alternating_schedule_is_recovered(schedule):
    """Random steps separated by rests: every step found, charge exact."""
    blocks = []
    for k, (sign, minutes, rest_minutes) in enumerate(schedule):
        blocks.append((minutes * 60, sign * 0.3, 2 * k, "CC"))
        blocks.append((rest_minutes * 60, 0.0, 2 * k + 1, "Rest"))
    cycles = segment_half_cycles(make_trace(blocks, dt_s=30.0))
    expected = ["plate" if s < 0 else "strip" for s, _, _ in schedule]
    assert cycles["step"].tolist() == expected
    np.testing.assert_allclose(
        cycles["charge_mAh"], [0.3 * m / 60 for _, m, _ in schedule], rtol=1e-9
    )
    assert cycles["cycle"].tolist() == assign_cycles(expected)


def test_rare_pulses_in_long_rests_are_found():
    """Rests recorded as zero make up 99.5 % of the points: pulses still found."""
    blocks = [(20000, 0.0, 0, "Rest"), (60, -1.0, 1, "CC")]
    blocks += [(20000, 0.0, 2, "Rest"), (60, 1.0, 3, "CC"), (600, 0.0, 4, "Rest")]
    trace = make_trace(blocks, dt_s=10.0)
    trace.loc[trace["current_mA"] == 0, "current_mA"] = 1e-6  # offset noise
    cycles = segment_half_cycles(trace)
    assert cycles["step"].tolist() == ["plate", "strip"]
    np.testing.assert_allclose(cycles["charge_mAh"], 1 / 60, rtol=1e-3)


def test_mixed_rates_fifty_times_apart_need_no_setting():
    """1 mA and 0.02 mA steps in one file: the old file-wide threshold (2 % of
    1 mA) called the slow steps rest; each step's own current finds them."""
    blocks = [
        (600, -1.0, 1, "CC"),
        (300, 0.0, 2, "Rest"),
        (3600, -0.02, 3, "CC"),
        (300, 0.0, 4, "Rest"),
        (3600, 0.02, 5, "CC"),
        (300, 0.0, 6, "Rest"),
        (600, 1.0, 7, "CC"),
    ]
    cycles = segment_half_cycles(make_trace(blocks))
    assert cycles["step"].tolist() == ["plate", "plate", "strip", "strip"]
    np.testing.assert_allclose(
        cycles["charge_mAh"], [1 / 6, 0.02, 0.02, 1 / 6], rtol=1e-9
    )
    np.testing.assert_allclose(cycles["current_mA"], [-1.0, -0.02, 0.02, 1.0])
    # the within-step rule still calls a 100x drop inside one step rest
    assert segment.rest_thresholds(
        np.array([-1.0, -1.0, -1.0, -0.01]), np.array([1, 1, 1, 1]), None, 0.02
    ) == pytest.approx([0.02] * 4)


def test_real_neware_rates_eighty_times_apart(shared_dir):
    """The real 54-cycle Neware file (0.079 to 3.17 mA) with its fastest
    cycles doubled (6.34 mA: 80x the slowest): every step is still found."""
    from liprobe.io import cycler

    read = with_schema_defaults(cycler.read_cycler, "echem")
    trace = read(
        shared_dir / "cycler" / "Neware_NewareNDA_Issue5_test_2.ndax", "Europe/Berlin"
    )
    before = segment_half_cycles(trace)
    fast = trace["current_mA"].abs().groupby(trace["step"]).transform("max") > 3.0
    scaled = trace.copy()
    scaled.loc[fast, "current_mA"] *= 2
    dq = np.diff(trace["charge_mAh"].to_numpy(), prepend=trace["charge_mAh"].iloc[0])
    # the increment ending a fast step was passed at its current too
    at_fast = fast.to_numpy() | np.concatenate([[False], fast.to_numpy()[:-1]])
    dq = np.where(at_fast, 2 * dq, dq)
    scaled["charge_mAh"] = np.cumsum(dq) - dq[0]
    # the old file-wide threshold: 2 % of 6.34 mA is above the 0.079 mA rate
    assert 0.02 * scaled["current_mA"].abs().max() > 0.0793
    after = segment_half_cycles(scaled)
    assert len(after) == len(before) == 108
    assert (after["step"] == before["step"]).all()
    ratio = after["charge_mAh"].to_numpy() / before["charge_mAh"].to_numpy()
    is_fast = after["current_mA"].abs().to_numpy() > 3.0
    assert is_fast.sum() == 6
    np.testing.assert_allclose(ratio[is_fast], 2.0, rtol=1e-9)
    np.testing.assert_allclose(ratio[~is_fast], 1.0, rtol=1e-9)
