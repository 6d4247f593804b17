"""Physically impossible results are flagged rows or stop the run with a message.

A Li efficiency outside [0, 1] by more than IMPOSSIBLE_Z of its own errors and a
negative inventory below zero by as much are flagged (a background pulled into
the signal gives either); an inventory window that holds no depth bin stops the
run instead of writing an empty table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_accounting import demo_trace, noisy_slices, segment_half_cycles

from liprobe.accounting import (
    IMPOSSIBLE_Z,
    check_inventory,
    efficiency,
    impossible_efficiency,
    li_inventory,
)
from liprobe.errors import InputError
from liprobe.ndp.concentration import inventory
from liprobe.simulate.cells import DemoCell


@pytest.mark.parametrize(
    ("eta", "err", "flagged"),
    [
        (1.95, 0.02, True),  # the signal glob that caught the background
        (-0.33, 0.02, True),
        (-1.02, 0.05, True),  # another cell's file read for lm/run[1].BIN
        (1.0 + 0.9 * IMPOSSIBLE_Z * 0.02, 0.02, False),  # within its errors
        (-0.9 * IMPOSSIBLE_Z * 0.01, 0.01, False),
        (1.0 + 1.1 * IMPOSSIBLE_Z * 0.02, 0.02, True),
        (1.2, 0.0, True),
        (0.97, 0.01, False),
        (float("nan"), 0.01, False),  # NaN rows carry their own flag
    ],
)
def test_efficiency_outside_zero_one_beyond_its_error_is_flagged(eta, err, flagged):
    text = impossible_efficiency(eta, err)
    assert bool(text) is flagged
    if flagged:
        assert "outside [0, 1]" in text and "impossible" in text


def _cell():
    cell = DemoCell(name="bare_Cu", n_cycles=2)
    trace = demo_trace(cell)
    cycles = segment_half_cycles(trace)
    return cell, trace, cycles, noisy_slices(cell, cycles, trace, seed=3)


def test_background_subtracted_twice_gives_a_flagged_efficiency_row():
    """Stripping slices that lose far more Li than was plated (as when the
    background is also counted as signal): eta > 1 by many sigma, flagged."""
    cell, trace, cycles, slices = _cell()
    first = cycles[cycles["cycle"] == 1]
    strip = first[first["step"] == "strip"]
    t0, t1 = strip["t_start_utc"].min(), strip["t_end_utc"].max()
    inside = (slices["t_start_utc"] >= t0) & (slices["t_end_utc"] <= t1)
    ramp = np.linspace(0.0, 1.0, int(inside.sum()))
    slices.loc[inside, "li_per_cm2"] -= ramp * slices["li_per_cm2"].max()
    inv = li_inventory(slices, trace, area_cm2=cell.area_cm2, run="r")
    eff = efficiency(inv, cycles, area_cm2=cell.area_cm2, run="r")
    row = eff.iloc[0]
    assert row["li_efficiency"] > 1.0 + IMPOSSIBLE_Z * row["li_efficiency_err"]
    assert "outside [0, 1]" in row["flags"]
    # the untouched second cycle stays unflagged
    assert "outside [0, 1]" not in eff.iloc[1]["flags"]


def test_negative_inventory_is_flagged_per_slice():
    cell, trace, cycles, slices = _cell()
    err = slices["li_per_cm2_err"]
    slices.loc[3, "li_per_cm2"] = -10.0 * err[3]  # impossible
    slices.loc[4, "li_per_cm2"] = -0.5 * err[4]  # a noisy zero
    inv = li_inventory(slices, trace, area_cm2=cell.area_cm2, run="r")
    by_slice = inv.set_index("slice")["flags"]
    assert "negative Li inventory" in by_slice[3]
    assert "negative Li inventory" not in by_slice[4]
    assert (~inv["flags"].str.contains("negative")).sum() == len(inv) - 1


def _profiles() -> pd.DataFrame:
    depth = np.arange(0.05, 5.0, 0.1)
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "run": "r",
            "slice": 0,
            "t_start_utc": t0,
            "t_end_utc": t0 + pd.Timedelta(minutes=10),
            "depth_um": depth,
            "li_per_cm3": np.full(depth.size, 1e22),
            "li_per_cm3_err": np.full(depth.size, 1e20),
        }
    )


def test_inventory_window_beyond_the_profile_stops_the_run():
    profiles = _profiles()
    window = (20.0, 30.0)
    with pytest.raises(InputError, match="0.05 to 4.95 um") as info:
        check_inventory(profiles, inventory(profiles, window), window, "r", "p.pq")
    assert info.value.field == "accounting.inventory_depth_um"
    assert info.value.found == [20.0, 30.0]


def test_run_without_profile_rows_stops_the_run():
    profiles = _profiles().iloc[0:0]
    with pytest.raises(InputError, match="depth profiles of run r") as info:
        check_inventory(profiles, inventory(profiles, None), None, "r", "p.pq")
    assert info.value.file == "p.pq"


def test_inventory_window_inside_the_profile_passes():
    profiles = _profiles()
    slices = inventory(profiles, (1.0, 2.0))
    check_inventory(profiles, slices, (1.0, 2.0), "r", "p.pq")
    assert slices["li_per_cm2"].iloc[0] == pytest.approx(1e22 * 1.0e-4, rel=0.1)
