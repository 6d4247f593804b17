"""Accounting figures from tables (no workflow)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from liprobe.plots.echem import LI_G_PER_MAH, plot_efficiency, plot_inventory
from liprobe.plots.style import save_figure

T0 = pd.Timestamp("2024-03-04 08:00", tz="UTC")


def _efficiency():
    rows = []
    for run, eta in (("bare_Cu", 0.45), ("ZnO_Cu", 0.80)):
        for cycle in (0, 1, 2, 3):
            ok = cycle > 0
            rows.append(
                {
                    "run": run,
                    "cycle": cycle,
                    "coulombic_efficiency": eta * 0.95 if ok else np.nan,
                    "li_efficiency": eta if ok else np.nan,
                    "li_efficiency_err": 0.01,
                }
            )
    return pd.DataFrame(rows)


def test_efficiency_figure_one_panel_per_run(tmp_path):
    fig = plot_efficiency(_efficiency())
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["bare_Cu", "ZnO_Cu"]
    # Li efficiency (errorbar line) and CE line per panel, flagged cycle 0 left out
    li_line = axes[1].lines[0]
    np.testing.assert_allclose(np.asarray(li_line.get_xdata(), float), [1, 2, 3])
    np.testing.assert_allclose(np.asarray(li_line.get_ydata(), float), 0.80)
    save_figure(fig, tmp_path / "eff.png", tmp_path / "eff.pdf")
    assert (tmp_path / "eff.png").stat().st_size > 1000
    assert (tmp_path / "eff.pdf").read_bytes().startswith(b"%PDF")


def test_inventory_figure_shares_time_axis(tmp_path):
    t = T0 + pd.to_timedelta(np.arange(0, 7200, 60), unit="s")
    trace = pd.DataFrame(
        {
            "t_utc": t,
            "voltage_V": np.full(t.size, -0.03),
            "net_plated_mAh_per_cm2": np.arange(t.size) * 0.001,
        }
    )
    inv = pd.DataFrame(
        {
            "run": "r",
            "t_mid_utc": T0 + pd.to_timedelta([300, 900], unit="s"),
            "li_mAh_per_cm2": [0.004, 0.014],
            "li_mAh_per_cm2_err": [0.001, 0.001],
        }
    )
    fig = plot_inventory(inv, trace, "r")
    top, bottom = fig.axes[0], fig.axes[1]
    assert top.get_shared_x_axes().joined(top, bottom)
    # cycler line in hours since the first trace point
    np.testing.assert_allclose(top.lines[0].get_xdata()[:2], [0, 1 / 60])
    save_figure(fig, tmp_path / "inv.png")
    assert (tmp_path / "inv.png").stat().st_size > 1000
    # 1 mAh of Li weighs 0.259 mg
    assert abs(LI_G_PER_MAH * 1e3 - 0.259) < 0.001
