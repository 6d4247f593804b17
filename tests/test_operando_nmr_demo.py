"""End-to-end: operando 7Li NMR of the demo cells beside their NDP runs.

The demo's spectra were simulated from the same truth as the NDP list-mode
files (``liprobe.simulate.cells``) with the skin depth applied; the workflow
reduces both. Checked: spectrum times (audita for one cell, acqus DATE for the
other), each cell's Li efficiency by NMR against the truth (within 0.03 and
within its reported error), the NMR and NDP inventories of the same cell at
each step end against each other within their errors, dead Li and SEI growth
per cycle against the truth.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from liprobe.simulate.cells import LI_PER_MAH, demo_cells

pytestmark = pytest.mark.slow

Z = 3.0


def _tables(demo_run):
    t = demo_run / "results" / "tables"
    return {
        name: pd.read_parquet(t / f"{name}.parquet")
        for name in (
            "efficiency",
            "li_inventory",
            "li_metal_nmr",
            "operando_nmr_spectra",
        )
    }


def _truth(demo_run):
    return json.loads((demo_run / "demo" / "truth.json").read_text())["operando_nmr"]


def test_li_metal_nmr_has_the_contract_columns_and_both_time_sources(demo_run):
    tables = _tables(demo_run)
    rows = tables["li_metal_nmr"]
    for column in (
        "run",
        "spectrum",
        "t_mid_utc",
        "component",
        "shift_ppm",
        "area",
        "area_err",
        "time_source",
        "flags",
        "err_method",
    ):
        assert column in rows.columns, column
    assert set(rows["component"]) == {"counter", "plated", "microstructure", "sei"}
    assert (rows["area_err"] > 0).all()
    truth = _truth(demo_run)["cells"]
    for cell, item in truth.items():
        times = tables["operando_nmr_spectra"]
        times = times[times["run"] == item["run"]].sort_values("spectrum")
        assert set(times["time_source"]) == {item["time_source"]}
        expected = pd.DataFrame(item["spectra"]).sort_values("spectrum")
        for col in ("t_start_utc", "t_end_utc"):
            want = pd.to_datetime(expected[col], utc=True).to_numpy()
            got = pd.to_datetime(times[col], utc=True).to_numpy()
            # acqus DATE holds whole seconds
            assert np.all(np.abs(got - want) <= np.timedelta64(1, "s")), (cell, col)
        # every spectrum sits inside a plating or stripping step of the cycler
        assert set(times["step"]) == {"plate", "strip"}


def test_each_cells_nmr_li_efficiency_recovers_the_truth(demo_run):
    eff = _tables(demo_run)["efficiency"]
    for cell in demo_cells():
        g = eff[(eff["method"] == "nmr") & (eff["cell"] == cell.name)]
        assert len(g) == cell.n_cycles
        z = (g["li_efficiency"] - cell.li_efficiency) / g["li_efficiency_err"]
        assert np.all(np.abs(z) < Z + 1), (cell.name, z.to_numpy())
        # the cell's efficiency: the mean over its cycles
        mean = g["li_efficiency"].mean()
        err = np.sqrt((g["li_efficiency_err"] ** 2).sum()) / len(g)
        assert abs(mean - cell.li_efficiency) < 0.03, (cell.name, mean)
        assert abs(mean - cell.li_efficiency) < Z * err, (cell.name, mean, err)
        assert (
            "charge" in g["calibration"].iloc[0]
            or "counter" in (g["calibration"].iloc[0])
        )
        assert "skin depth" in g["skin_depth_assumption"].iloc[0]


def test_nmr_and_ndp_inventories_of_a_cell_agree_within_their_errors(demo_run):
    eff = _tables(demo_run)["efficiency"]
    n = 0
    for cell in demo_cells():
        nmr = eff[(eff["method"] == "nmr") & (eff["cell"] == cell.name)]
        ndp = eff[(eff["method"] == "ndp") & (eff["cell"] == cell.name)]
        both = nmr.merge(ndp, on="cycle", suffixes=("_nmr", "_ndp"))
        assert len(both) == cell.n_cycles
        for q in ("n_end_plating_per_cm2", "n_end_stripping_per_cm2"):
            diff = both[f"{q}_nmr"] - both[f"{q}_ndp"]
            err = np.hypot(both[f"{q}_err_nmr"], both[f"{q}_err_ndp"])
            assert np.all(np.abs(diff) < Z * err), (
                cell.name,
                q,
                (diff / err).to_numpy(),
            )
            n += len(both)
    assert n == 20


def test_dead_li_and_sei_growth_per_cycle(demo_run):
    eff = _tables(demo_run)["efficiency"]
    for cell in demo_cells():
        g = eff[(eff["method"] == "nmr") & (eff["cell"] == cell.name)]
        g = g.sort_values("cycle")
        per_cycle = cell.li_plated_per_cycle_per_cm2
        dead = per_cycle * (1 - cell.li_efficiency) * g["cycle"].to_numpy()
        z = (g["inactive_li_per_cm2"] - dead) / g["inactive_li_per_cm2_err"]
        assert np.all(np.abs(z) < Z + 1), (cell.name, z.to_numpy())
        sei = (
            cell.reduction_fraction
            * cell.current_density_mA_per_cm2
            * cell.plate_h
            * LI_PER_MAH
        )
        z = (g["sei_growth_per_cm2"] - sei) / g["sei_growth_per_cm2_err"]
        assert np.all(np.abs(z) < Z + 1), (cell.name, z.to_numpy())


def test_nmr_rows_sit_beside_ndp_rows_and_figures_exist(demo_run):
    tables = _tables(demo_run)
    for name in ("li_inventory", "efficiency"):
        assert set(tables[name]["method"]) == {"ndp", "nmr"}
        assert set(tables[name]["cell"]) == {"bare_Cu", "ZnO_Cu"}
    inv = tables["li_inventory"]
    nmr = inv[inv["method"] == "nmr"]
    assert (nmr["li_per_cm2_err"] > 0).all()
    assert nmr["skin_depth_um"].iloc[0] == pytest.approx(11.0, abs=0.1)
    for name in ("inventories", "efficiency_methods"):
        for suffix in ("png", "pdf"):
            f = demo_run / "results/figures/operando_nmr" / f"{name}.{suffix}"
            assert f.stat().st_size > 0
    caption = (demo_run / "results/report/captions/operando_nmr.rst").read_text()
    assert "NMR - NDP" in caption
