"""The demo operando cell end to end: MC list-mode file -> profiles -> inventory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liprobe.io.listmode import open_listmode
from liprobe.ndp.concentration import (
    LI_METAL_PER_CM3,
    inventory,
    reduce_run,
    reference_sensitivity,
)
from liprobe.ndp.events import accumulate_files, make_slices
from liprobe.ndp.response import stack_from_config
from liprobe.simulate.cells import demo_cells, schedule
from liprobe.simulate.ndp import write_demo_ndp


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("ndp_demo")
    res = write_demo_ndp(out, seed=7, with_cycler=False, cells=["bare_Cu"])
    cell = next(c for c in demo_cells() if c.name == "bare_Cu")
    row = res["sheet"].iloc[0]
    start = pd.Timestamp(row["listmode_start_utc"])
    sched = schedule(cell)
    end = sched["t_end_utc"].iloc[-1]
    bounds = [*sched["t_start_utc"], end]
    slices = make_slices(start, end, float(row["slice_s"]), bounds)
    cfg = res["config"]
    ev = accumulate_files(
        [open_listmode(row["listmode"])], slices, start, n_channels=cfg["n_channels"]
    )
    bg_reader = open_listmode(row["background"])
    _, t_hi = bg_reader.time_span()
    origin = pd.Timestamp(0, tz="UTC")
    one = make_slices(origin, origin + pd.Timedelta(seconds=t_hi + 1), t_hi + 2)
    bg = accumulate_files([bg_reader], one, origin, n_channels=cfg["n_channels"])
    layers = stack_from_config(row["stack"], cfg["stacks"])
    red = reduce_run(
        ev["hist"],
        ev["slices"],
        layers,
        cfg,
        li6_fraction=float(row["li6_fraction"]),
        area_cm2=float(row["area_cm2"]),
        background=(bg["hist"][0], float(bg["slices"]["live_s"].sum())),
    )
    prof = red["profiles"]
    prof.insert(0, "run", row["run"])
    ref_reader = open_listmode(row["reference"])
    _, t_ref = ref_reader.time_span()
    one = make_slices(origin, origin + pd.Timedelta(seconds=t_ref + 1), t_ref + 2)
    ref = accumulate_files([ref_reader], one, origin, n_channels=cfg["n_channels"])
    h = ref["hist"].sum(axis=0)
    nz = np.flatnonzero(h)
    ref_frame = pd.DataFrame(
        {"channel": nz, "counts": h[nz], "live_s": ref["slices"]["live_s"].sum()}
    )
    return {
        "reference": ref_frame,
        "layers": layers,
        "config": cfg,
        "truth": res["truth"]["cells"]["bare_Cu"],
        "cell": cell,
        "sched": sched,
        "events": ev,
        "reduced": red,
        "inventory": inventory(prof),
    }


def test_every_event_is_accounted_for(demo):
    acc = demo["events"]["accounting"]
    assert acc["n_events"].sum() == demo["truth"]["n_events_written"]
    by = acc.set_index("reason")["n_events"]
    assert by["timestamp_disorder"] == demo["truth"]["n_disorder"]
    # a pile-up record whose time tag was also corrupted counts as disorder
    n_pu, n_dis = demo["truth"]["n_pileup"], demo["truth"]["n_disorder"]
    assert n_pu - n_dis <= by["pileup_saturation"] <= n_pu
    split = demo["reduced"]["energy_reasons"]
    assert sum(split.values()) == by["in_slices"]
    assert split["interference_window"] > 0  # the 14N(n,p) protons


def test_calibration_recovers_the_detector_scale(demo):
    cal = demo["reduced"]["calibration"]
    truth = demo["truth"]["calibration"]
    for ch in (2000, 3700):  # alpha and triton edges
        fitted = cal["offset_keV"] + cal["gain_keV_per_channel"] * ch
        true = truth["offset_keV"] + truth["gain_keV_per_channel"] * ch
        assert fitted == pytest.approx(true, abs=3.0)


def test_plated_thickness_at_the_end_of_each_plating(demo):
    inv = demo["inventory"]
    sched = demo["sched"]
    truth = pd.DataFrame(demo["truth"]["step_ends"])
    truth["t_end_utc"] = pd.to_datetime(truth["t_end_utc"], utc=True)
    plate_ends = truth[truth["step"] == "plate"]
    # the rest that follows each plating holds the end-of-plating inventory
    rests = sched[(sched["step"] == "rest")].reset_index(drop=True)
    for _, p in plate_ends.iterrows():
        rest = rests[rests["t_start_utc"] == p["t_end_utc"]].iloc[0]
        sl = inv[
            (inv["t_start_utc"] >= rest["t_start_utc"])
            & (inv["t_end_utc"] <= rest["t_end_utc"])
        ]
        measured = (sl["li_per_cm2"] / LI_METAL_PER_CM3 * 1e4).mean()
        true = p["dense_equivalent_um"]
        assert abs(measured - true) <= max(0.10 * true, 0.1), (p["cycle"], measured)
        err_um = sl["li_per_cm2_err"].iloc[0] / LI_METAL_PER_CM3 * 1e4
        assert 0 < err_um < 0.05 * true


def test_li_efficiency_from_the_profiles(demo):
    inv = demo["inventory"].set_index("t_end_utc")["li_per_cm2"]
    sched = demo["sched"]
    eta = []
    for cycle in range(1, 6):
        rows = sched[sched["cycle"] == cycle]
        rest_after = rows["t_end_utc"].to_numpy()
        n_plate = inv[inv.index <= rest_after[1]].iloc[-1]
        n_strip = inv[inv.index <= rest_after[3]].iloc[-1]
        start = rows["t_start_utc"].iloc[0]
        n_start = inv[inv.index <= start].iloc[-1]
        eta.append((n_plate - n_strip) / (n_plate - n_start))
    np.testing.assert_allclose(eta, demo["cell"].li_efficiency, atol=0.05)


def test_profiles_table_has_the_contract_columns(demo):
    prof = demo["reduced"]["profiles"]
    for col in (
        "slice",
        "t_start_utc",
        "t_end_utc",
        "depth_um",
        "li_per_cm3",
        "li_per_cm3_err",
        "li_density_rel",
        "fit_ok",
        "flags",
    ):
        assert col in prof.columns
    assert prof["t_start_utc"].dt.tz is not None
    assert (prof["li_per_cm3"] >= 0).all()
    assert prof["fit_ok"].mean() > 0.9


def test_reference_standard_normalisation(demo):
    truth = demo["truth"]
    norm = {
        "method": "reference",
        "areal_density_per_cm2": truth["reference_B10"]["areal_density_per_cm2"],
        "cross_section_b": truth["reference_B10"]["cross_section_b"],
        "window_keV": [1300.0, 1900.0],
    }
    k, k_err = reference_sensitivity(
        demo["events"]["hist"].sum(axis=0),
        demo["reference"],
        demo["layers"],
        demo["config"],
        norm,
    )
    k_true = truth["counts_per_s_per_li6_per_cm2"]
    assert k == pytest.approx(k_true, abs=3 * k_err)
    assert k_err / k < 0.02
