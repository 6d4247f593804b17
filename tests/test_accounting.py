"""Li inventory and Li-efficiency accounting against the demo cells' truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liprobe.accounting import (
    LI_PER_MAH,
    efficiency,
    li_inventory,
    slice_mean_charge,
)
from liprobe.echem import segment, step_boundaries
from liprobe.errors import InputError
from liprobe.ndp.concentration import inventory
from liprobe.simulate.cells import DemoCell, demo_cells, true_efficiency, true_inventory
from liprobe.simulate.cycler import demo_cycler_frame

from conftest import with_schema_defaults

segment_half_cycles = with_schema_defaults(segment.segment_half_cycles, "echem")

#: Li atoms per count of the synthetic Poisson inventory (about 0.7 % per 10 min
#: slice at the end of a plating step, typical of operando NDP count rates)
LI_PER_COUNT = 2.5e14


def demo_trace(cell: DemoCell) -> pd.DataFrame:
    frame = demo_cycler_frame(cell, dt_s=60.0)
    return pd.DataFrame(
        {
            "t_utc": frame["t_utc"],
            "current_mA": frame["current_mA"],
            "voltage_V": frame["voltage_V"],
            "charge_mAh": frame["charge_mAh"],
            "step": frame["Ns"],
            "technique": "",
        }
    )


def noisy_slices(cell, cycles, trace, seed, slice_s=600.0):
    """NDP-like slices cut at the step boundaries, Poisson-noisy truth."""
    rng = np.random.default_rng(seed)
    t0, t1 = trace["t_utc"].iloc[0], trace["t_utc"].iloc[-1]
    grid = pd.date_range(t0, t1, freq=pd.Timedelta(seconds=slice_s))
    edges = sorted(set(grid) | set(step_boundaries(cycles)) | {t1})
    s = pd.DataFrame(
        {
            "slice": range(len(edges) - 1),
            "t_start_utc": edges[:-1],
            "t_end_utc": edges[1:],
        }
    )
    mid = s["t_start_utc"] + (s["t_end_utc"] - s["t_start_utc"]) / 2
    truth = true_inventory(cell, mid)["li_total_per_cm2"].to_numpy()
    counts = rng.poisson(truth / LI_PER_COUNT)
    s["li_per_cm2"] = counts * LI_PER_COUNT
    s["li_per_cm2_err"] = np.sqrt(np.maximum(counts, 1)) * LI_PER_COUNT
    return s


@pytest.mark.parametrize("cell", demo_cells(), ids=lambda c: c.name)
def test_demo_li_efficiency_recovered(cell):
    trace = demo_trace(cell)
    cycles = segment_half_cycles(trace)
    slices = noisy_slices(cell, cycles, trace, seed=11)
    inv = li_inventory(slices, trace, area_cm2=cell.area_cm2, run=cell.name)
    eff = efficiency(inv, cycles, area_cm2=cell.area_cm2, run=cell.name)
    truth = true_efficiency(cell)
    assert eff["cycle"].tolist() == truth["cycle"].tolist()
    assert (eff["flags"] == "").all()
    np.testing.assert_allclose(eff["li_efficiency"], cell.li_efficiency, atol=0.03)
    np.testing.assert_allclose(
        eff["inactive_li_per_cm2"], truth["inactive_li_per_cm2"], rtol=0.10
    )
    np.testing.assert_allclose(
        eff["coulombic_efficiency"], cell.coulombic_efficiency, rtol=1e-9
    )
    assert (eff["li_efficiency_err"] > 0).all()
    assert (eff["li_efficiency_err"] < 0.05).all()
    np.testing.assert_allclose(
        eff["ce_minus_li_efficiency"],
        eff["coulombic_efficiency"] - eff["li_efficiency"],
    )
    # electrolyte reduction: CE below the Li efficiency on average
    assert eff["ce_minus_li_efficiency"].mean() < 0
    assert eff["run"].eq(cell.name).all()


def test_li_efficiency_errors_are_calibrated():
    """Over repeated noisy inventories, |eta - truth| / err behaves like N(0, 1)."""
    cell = DemoCell(name="bare_Cu", n_cycles=2)
    trace = demo_trace(cell)
    cycles = segment_half_cycles(trace)
    pulls = []
    for seed in range(40):
        slices = noisy_slices(cell, cycles, trace, seed=seed, slice_s=1200.0)
        inv = li_inventory(slices, trace, area_cm2=cell.area_cm2)
        eff = efficiency(inv, cycles, area_cm2=cell.area_cm2)
        pulls.extend(
            (eff["li_efficiency"] - cell.li_efficiency) / eff["li_efficiency_err"]
        )
    pulls = np.asarray(pulls)
    assert 0.6 < pulls.std() < 1.5
    assert abs(pulls.mean()) < 0.5


def test_inventory_charge_alignment():
    cell = DemoCell(name="bare_Cu", n_cycles=1)
    trace = demo_trace(cell)
    cycles = segment_half_cycles(trace)
    slices = noisy_slices(cell, cycles, trace, seed=2)
    inv = li_inventory(slices, trace, area_cm2=2.0, run="r1")
    assert list(inv.columns[:11]) == [
        "run",
        "slice",
        "t_start_utc",
        "t_end_utc",
        "t_mid_utc",
        "li_per_cm2",
        "li_per_cm2_err",
        "li_mAh_per_cm2",
        "li_mAh_per_cm2_err",
        "charge_mAh_per_cm2",
        "flags",
    ]
    assert str(inv["t_mid_utc"].dt.tz) == "UTC"
    # first slice (0-10 min of plating at 0.05 mA): mean charge = 0.05 * 5 min
    assert inv["charge_mAh_per_cm2"].iloc[0] == pytest.approx(0.05 * 5 / 60 / 2.0)
    # at the end of plating the plated charge is 0.2 mAh
    end_plate = cycles["t_end_utc"].iloc[0]
    rest = inv[inv["t_start_utc"] == end_plate]
    assert rest["charge_mAh_per_cm2"].iloc[0] == pytest.approx(0.2 / 2.0)
    np.testing.assert_allclose(inv["li_mAh_per_cm2"], inv["li_per_cm2"] / LI_PER_MAH)
    assert LI_PER_MAH == pytest.approx(2.247e19, rel=1e-3)


def test_slice_mean_charge_outside_record_is_nan():
    cell = DemoCell(name="bare_Cu", n_cycles=1)
    trace = demo_trace(cell)
    t0 = trace["t_utc"].iloc[0]
    starts = [t0 - pd.Timedelta(hours=1), t0]
    ends = [t0, t0 + pd.Timedelta(hours=1)]
    q = slice_mean_charge(trace, starts, ends)
    assert np.isnan(q[0])
    assert q[1] == pytest.approx(0.05 * 0.5)


def test_cycler_not_overlapping_ndp_is_an_input_error():
    cell = DemoCell(name="bare_Cu", n_cycles=1)
    trace = demo_trace(cell)
    cycles = segment_half_cycles(trace)
    slices = noisy_slices(cell, cycles, trace, seed=1)
    shifted = slices.copy()
    for col in ("t_start_utc", "t_end_utc"):
        shifted[col] = shifted[col] + pd.Timedelta(days=30)
    with pytest.raises(InputError, match="overlapping") as info:
        li_inventory(shifted, trace, area_cm2=1.0, source="cell.mpt")
    assert info.value.file == "cell.mpt"


def test_partial_overlap_is_flagged():
    cell = DemoCell(name="bare_Cu", n_cycles=1)
    trace = demo_trace(cell)
    cycles = segment_half_cycles(trace)
    slices = noisy_slices(cell, cycles, trace, seed=1)
    shifted = slices.copy()
    for col in ("t_start_utc", "t_end_utc"):
        shifted[col] = shifted[col] + pd.Timedelta(hours=2)
    inv = li_inventory(shifted, trace, area_cm2=1.0)
    late = inv["t_end_utc"] > trace["t_utc"].iloc[-1]
    assert late.any() and (~late).any()
    assert (inv.loc[late, "flags"] == "outside the cycler record").all()
    assert inv.loc[late, "charge_mAh_per_cm2"].isna().all()


def test_bad_area_is_an_input_error():
    cell = DemoCell(name="bare_Cu", n_cycles=1)
    trace = demo_trace(cell)
    slices = noisy_slices(cell, segment_half_cycles(trace), trace, seed=1)
    with pytest.raises(InputError, match="area_cm2"):
        li_inventory(slices, trace, area_cm2=0.0)


def test_run_without_stripping_gives_flagged_rows():
    cell = DemoCell(name="bare_Cu", n_cycles=2)
    trace = demo_trace(cell)
    cycles = segment_half_cycles(trace)
    slices = noisy_slices(cell, cycles, trace, seed=5)
    inv = li_inventory(slices, trace, area_cm2=1.0)
    plates_only = cycles[cycles["step"] == "plate"]
    eff = efficiency(inv, plates_only, area_cm2=1.0, run="x")
    assert len(eff) == 2
    assert eff["li_efficiency"].isna().all()
    assert eff["flags"].str.contains("no stripping step").all()
    # the plating inventory is still reported
    assert np.isfinite(eff["n_end_plating_per_cm2"]).all()


def test_cycle_without_ndp_slices_is_flagged():
    cell = DemoCell(name="bare_Cu", n_cycles=2)
    trace = demo_trace(cell)
    cycles = segment_half_cycles(trace)
    slices = noisy_slices(cell, cycles, trace, seed=5)
    first_cycle_end = cycles.loc[cycles["cycle"] == 1, "t_end_utc"].max()
    inv = li_inventory(
        slices[slices["t_start_utc"] > first_cycle_end], trace, area_cm2=1.0
    )
    eff = efficiency(inv, cycles, area_cm2=1.0)
    assert np.isnan(eff["li_efficiency"].iloc[0])
    assert "no NDP slice" in eff["flags"].iloc[0]
    assert abs(eff["li_efficiency"].iloc[1] - cell.li_efficiency) < 0.03


def test_inventory_of_a_box_profile():
    """A box of 1e22 Li/cm3 over 2 um in 0.1 um bins is 2e18 Li/cm2."""
    depth = np.arange(0.05, 5.0, 0.1)
    c = np.where(depth < 2.0, 1e22, 0.0)
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    frames = []
    for k in range(3):
        frames.append(
            pd.DataFrame(
                {
                    "run": "r",
                    "slice": k,
                    "t_start_utc": t0 + pd.Timedelta(minutes=10 * k),
                    "t_end_utc": t0 + pd.Timedelta(minutes=10 * (k + 1)),
                    "depth_um": depth,
                    "li_per_cm3": c * (k + 1),
                    "li_per_cm3_err": np.full(depth.size, 1e20),
                    "li_density_rel": c / 4.63e22,
                }
            )
        )
    out = inventory(pd.concat(frames))
    np.testing.assert_allclose(out["li_per_cm2"], [2e18, 4e18, 6e18], rtol=1e-9)
    np.testing.assert_allclose(
        out["li_per_cm2_err"], 1e20 * 0.1e-4 * np.sqrt(depth.size), rtol=1e-9
    )
    window = inventory(pd.concat(frames), (None, 1.0))
    np.testing.assert_allclose(window["li_per_cm2"], [1e18, 2e18, 3e18], rtol=1e-9)


def test_inventory_missing_columns():
    with pytest.raises(InputError, match="columns"):
        inventory(pd.DataFrame({"run": ["a"]}))


def test_sensitivity_error_reaches_amounts_not_the_efficiency():
    """A common error of the sensitivity K: every slice scaled by one factor.

    Over many draws of that factor (1 % sd) on top of the counting noise, the
    end-of-plating amounts' z-scores have sd ~1 only with K's error included,
    and the Li efficiency (a ratio of amounts) is untouched by it.
    """
    cell = DemoCell(name="bare_Cu", n_cycles=2)
    trace = demo_trace(cell)
    cycles = segment_half_cycles(trace)
    truth_end = true_inventory(cell, cycles[cycles["step"] == "plate"]["t_end_utc"])
    rng = np.random.default_rng(5)
    z_amount, z_eta = [], []
    for seed in range(40):
        slices = noisy_slices(cell, cycles, trace, seed=seed, slice_s=1200.0)
        f = 1.0 + 0.01 * rng.normal()
        slices["li_per_cm2_err_counting"] = slices["li_per_cm2_err"] * f
        slices["li_per_cm2"] *= f
        slices["sensitivity_rel_err"] = 0.01
        slices["li_per_cm2_err"] = np.hypot(
            slices["li_per_cm2_err_counting"], 0.01 * slices["li_per_cm2"]
        )
        inv = li_inventory(slices, trace, area_cm2=cell.area_cm2)
        eff = efficiency(inv, cycles, area_cm2=cell.area_cm2)
        z_amount.extend(
            (eff["n_end_plating_per_cm2"] - truth_end["li_total_per_cm2"].to_numpy())
            / eff["n_end_plating_per_cm2_err"]
        )
        z_eta.extend(
            (eff["li_efficiency"] - cell.li_efficiency) / eff["li_efficiency_err"]
        )
    z_amount, z_eta = np.asarray(z_amount), np.asarray(z_eta)
    assert 0.7 < z_amount.std() < 1.3
    assert 0.6 < z_eta.std() < 1.5
    assert abs(z_eta.mean()) < 0.5
