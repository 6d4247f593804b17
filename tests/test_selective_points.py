"""1D selective-inversion series in both layouts a spectrometer writes: one
EXPNO per mixing time (the time from each experiment's vdlist entry, in
``nmr_experiments``) or one pseudo-2D experiment whose rows step through a
vdlist (the time per row, ``list_time_s`` of ``nmr_integrals``). Both must
give the same points and the rates the recoveries were computed from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp

from liprobe.exsy.rates import selective_rates
from liprobe.steps.exsy_rates import selective_points

K_AB, P_A = 3.0, 0.35  # 1/s; k_BA from detailed balance
R1 = {"A": 0.5, "B": 0.2}
TIMES = np.array([0.002, 0.01, 0.03, 0.08, 0.15, 0.3, 0.6, 1.2, 2.5])
ERR = 0.004  # of the total equilibrium magnetisation


def _recovery(inverted: str) -> np.ndarray:
    """Bloch-McConnell for two sites, integrated numerically; the inverted
    site starts at -0.9 of its equilibrium value."""
    eq = np.array([P_A, 1 - P_A])
    k_ba = K_AB * P_A / (1 - P_A)
    start = eq.copy()
    start["AB".index(inverted)] *= -0.9

    def rhs(_, m):
        a, b = m - eq
        return [
            -R1["A"] * a - K_AB * a + k_ba * b,
            -R1["B"] * b + K_AB * a - k_ba * b,
        ]

    sol = solve_ivp(rhs, (0, TIMES[-1]), start, t_eval=TIMES, rtol=1e-11, atol=1e-13)
    return sol.y.T  # (time, site)


def _layouts():
    per_expno, pseudo_2d = [], []
    exps_a, exps_b = [], []
    for inverted in "AB":
        m = _recovery(inverted)
        name = f"inv{inverted}"
        exps_b.append({"experiment": name, "mixing_time_s": np.nan})
        for i, t in enumerate(TIMES):
            exps_a.append({"experiment": f"{name}_{i}", "mixing_time_s": t})
            for j, site in enumerate("AB"):
                point = {"region": site, "integral_norm": m[i, j]}
                point["integral_norm_err"] = ERR
                per_expno.append(
                    {"experiment": f"{name}_{i}", "list_time_s": np.nan, **point}
                )
                pseudo_2d.append({"experiment": name, "list_time_s": t, **point})
    plans = (
        {f"invA_{i}": "A" for i in range(len(TIMES))}
        | {f"invB_{i}": "B" for i in range(len(TIMES))},
        {"invA": "A", "invB": "B"},
    )
    out = []
    for rows, exps, inverted in zip(
        (per_expno, pseudo_2d), (exps_a, exps_b), plans, strict=True
    ):
        experiments = pd.DataFrame(exps).assign(temperature_K=300.0)
        out.append(
            (
                pd.DataFrame(rows),
                experiments.set_index("experiment"),
                {"inverted": inverted, "sample": "S"},
            )
        )
    return out


def test_both_layouts_give_the_same_points():
    (ia, ea, pa), (ib, eb, pb) = _layouts()
    a = selective_points(ia, ea, "sel", pa)
    b = selective_points(ib, eb, "sel", pb)
    cols = ["mixing_time_s", "inverted_site", "region", "integral", "integral_err"]
    key = ["inverted_site", "mixing_time_s", "region"]
    left = a[cols].sort_values(key).reset_index(drop=True)
    right = b[cols].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)
    assert sorted(b["mixing_time_s"].unique()) == pytest.approx(sorted(TIMES))
    assert (b["temperature_K"] == 300.0).all() and (b["series"] == "sel").all()


@pytest.mark.parametrize("layout", [0, 1], ids=["expno_per_time", "pseudo_2d"])
def test_rates_of_either_layout_recover_the_truth(layout):
    integrals, experiments, plan = _layouts()[layout]
    points = selective_points(integrals, experiments, "sel", plan)
    rates = selective_rates(
        points, ["A", "B"], detailed_balance=False, poor_fit_p=0.001
    )
    k_ba = K_AB * P_A / (1 - P_A)
    for (src, dst), truth in {("A", "B"): K_AB, ("B", "A"): k_ba}.items():
        row = rates[(rates["site_from"] == src) & (rates["site_to"] == dst)].iloc[0]
        assert bool(row["fit_ok"])
        # noise-free points with honest errors: the fit sits on the truth
        assert abs(row["k_per_s"] - truth) < 0.05 * row["k_per_s_err"]


def test_nothing_to_fit_when_the_series_has_no_integrals():
    integrals, experiments, plan = _layouts()[1]
    none = selective_points(integrals.iloc[0:0], experiments, "sel", plan)
    assert none.empty
