"""The demo cells' truth: charge bookkeeping, inventory and cycler trace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liprobe.simulate.cells import (
    LI_METAL_PER_CM3,
    current_trace,
    demo_cells,
    schedule,
    true_efficiency,
    true_inventory,
    true_layers,
    true_profile,
)


def test_two_cells_with_the_seed_efficiencies():
    cells = {c.name: c for c in demo_cells()}
    assert set(cells) == {"bare_Cu", "ZnO_Cu"}
    assert cells["bare_Cu"].li_efficiency == 0.45
    assert cells["ZnO_Cu"].li_efficiency == 0.80
    for c in cells.values():
        assert c.start_utc.tz is not None
        assert c.coulombic_efficiency == pytest.approx(
            c.li_efficiency * (1 - c.reduction_fraction)
        )


@pytest.mark.parametrize("cell", demo_cells(), ids=lambda c: c.name)
def test_schedule_and_inventory_bookkeeping(cell):
    s = schedule(cell)
    assert list(s.columns) == [
        "cycle",
        "step",
        "t_start_utc",
        "t_end_utc",
        "current_mA",
    ]
    assert (
        s["t_start_utc"].iloc[1:].to_numpy() == s["t_end_utc"].iloc[:-1].to_numpy()
    ).all()
    dur_h = (s["t_end_utc"] - s["t_start_utc"]).dt.total_seconds() / 3600
    plate = s["step"] == "plate"
    strip = s["step"] == "strip"
    assert (s.loc[plate, "current_mA"] < 0).all() and (
        s.loc[strip, "current_mA"] > 0
    ).all()
    np.testing.assert_allclose(dur_h[plate], cell.plate_h)
    np.testing.assert_allclose(
        dur_h[strip], cell.plate_h * cell.coulombic_efficiency, rtol=1e-6
    )
    q_plate = cell.current_density_mA_per_cm2 * cell.plate_h  # mAh/cm2
    ends = s[s["step"] != "rest"]
    inv = true_inventory(cell, ends["t_end_utc"])
    per_cycle = (1 - cell.reduction_fraction) * q_plate * 2.247e19
    assert inv["li_total_per_cm2"].iloc[0] == pytest.approx(per_cycle, rel=1e-3)
    # after each stripping the active Li is gone and the dead Li accumulates
    after_strip = inv[ends["step"].to_numpy() == "strip"]
    assert np.allclose(after_strip["li_active_per_cm2"], 0.0)
    eff = true_efficiency(cell)
    np.testing.assert_allclose(
        after_strip["li_inactive_per_cm2"], eff["inactive_li_per_cm2"], rtol=1e-9
    )
    np.testing.assert_allclose(
        eff["inactive_li_per_cm2"].diff().dropna(),
        per_cycle * (1 - cell.li_efficiency),
        rtol=1e-3,
    )
    # Li efficiency from the inventory, as the accounting defines it
    n = inv["li_total_per_cm2"].to_numpy()
    n_before = np.r_[0.0, n[1::2][:-1]]
    eta = (n[0::2] - n[1::2]) / (n[0::2] - n_before)
    np.testing.assert_allclose(eta, cell.li_efficiency, rtol=1e-9)
    # 1 mAh/cm2 of dense Li is 4.85 um
    lay = true_layers(cell, ends["t_end_utc"].iloc[:1])
    assert lay["dense_equivalent_um"].iloc[0] == pytest.approx(
        (1 - cell.reduction_fraction) * q_plate * 4.85, rel=0.01
    )
    prof = true_profile(cell, ends["t_end_utc"].iloc[2], np.linspace(0, 10, 2001))
    areal = prof.sum() * (10 / 2000) * 1e-4 * LI_METAL_PER_CM3
    assert areal == pytest.approx(n[2], rel=0.01)


def test_current_trace_is_plausible():
    cell = demo_cells()[0]
    tr = current_trace(cell, 60.0)
    assert tr["t_utc"].dt.tz is not None
    plating = tr["current_mA"] < 0
    stripping = tr["current_mA"] > 0
    assert tr.loc[plating, "voltage_V"].between(-0.06, -0.02).all()
    mid = tr.loc[stripping, "voltage_V"]
    assert mid.median() == pytest.approx(0.035, abs=0.015)
    assert mid.max() > 0.5  # rise at the cutoff
    rest = tr["current_mA"] == 0
    assert tr.loc[rest, "voltage_V"].abs().median() < 0.2
    charge = np.sum(tr["current_mA"].to_numpy()) * 60 / 3600
    sched = schedule(cell)
    expected = np.sum(
        sched["current_mA"]
        * (sched["t_end_utc"] - sched["t_start_utc"]).dt.total_seconds()
        / 3600
    )
    assert charge == pytest.approx(expected, abs=0.005)
    assert isinstance(tr["t_utc"].iloc[0], pd.Timestamp)
