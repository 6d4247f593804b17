"""CP build-up: the two models, their fits, the AICc choice, the table and its step.

Recovered values are judged by z-scores from the reported errors; the
coverage of those errors is checked over seeds on curves drawn from the
classical model with known Gaussian errors (in-process, a few seconds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liprobe.cp.buildup import fit_buildup, fit_model
from liprobe.cp.models import classical, non_classical
from liprobe.cp.table import COLUMNS, fit_cp_table
from liprobe.io.tables import read_table, write_table
from liprobe.options import defaults
from liprobe.steps.job import Fields, Job

CONTACT_S = (
    np.array([0.05, 0.1, 0.2, 0.4, 0.7, 1.0, 1.5, 2.5, 4.0, 6.0, 9.0, 14.0, 20.0])
    * 1e-3
)
P_POOR = defaults().cp.poor_fit_p_value
MODELS = defaults().cp.models


def test_classical_is_symmetric_in_its_two_times():
    """Swapping T_IS and T1rho_H and rescaling I0 gives the same curve: the
    reason the fit must impose T_IS < T1rho_H."""
    a, b = 0.4e-3, 6e-3
    one = classical(CONTACT_S, 1.0, a, b)
    two = classical(CONTACT_S, b / a, b, a)
    np.testing.assert_allclose(one, two, rtol=1e-10)
    # finite and continuous where the two times meet
    near = classical(CONTACT_S, 1.0, 2e-3 * (1 - 1e-7), 2e-3)
    equal = classical(CONTACT_S, 1.0, 2e-3, 2e-3)
    np.testing.assert_allclose(near, equal, rtol=1e-5)
    np.testing.assert_allclose(equal, CONTACT_S / 2e-3 * np.exp(-CONTACT_S / 2e-3))


def test_non_classical_starts_at_zero_and_decays_with_T1rho():
    t = np.array([0.0, 1.0])
    y = non_classical(t, 2.0, 1e-4, 5e-5, 0.3, 0.01)
    assert y[0] == pytest.approx(0.0, abs=1e-15)
    assert y[1] == pytest.approx(2.0 * np.exp(-100.0), rel=1e-6)


def test_fit_imposes_T_IS_below_T1rho_H():
    sigma = 0.01
    y = classical(CONTACT_S, 1.0, 0.5e-3, 5e-3)
    rng = np.random.default_rng(3)
    row = fit_model(
        "classical",
        CONTACT_S,
        y + rng.normal(0, sigma, y.size),
        np.full(y.size, sigma),
        poor_fit_p_value=P_POOR,
    )
    assert row["fit_ok"], row["flags"]
    assert row["T_IS_s"] < row["T1rho_H_s"]
    assert abs(row["T_IS_s"] - 0.5e-3) < 4 * row["T_IS_s_err"]
    assert abs(row["T1rho_H_s"] - 5e-3) < 4 * row["T1rho_H_s_err"]
    assert "absolute weights" in row["err_method"]


@pytest.mark.parametrize("tis,t1", [(0.25e-3, 8e-3), (1.5e-3, 8e-3)])
def test_classical_errors_cover_the_truth_over_seeds(tis, t1):
    """About 68 % of |z| below 1 and 95 % below 2 for T_IS, T1rho_H and I0."""
    sigma = 0.008
    truth = {"T_IS_s": tis, "T1rho_H_s": t1, "I0": 1.0}
    z = {k: [] for k in truth}
    for seed in range(120):
        rng = np.random.default_rng(seed)
        y = classical(CONTACT_S, 1.0, tis, t1) + rng.normal(0, sigma, CONTACT_S.size)
        row = fit_model(
            "classical",
            CONTACT_S,
            y,
            np.full(CONTACT_S.size, sigma),
            poor_fit_p_value=P_POOR,
        )
        for k, v in truth.items():
            z[k].append((row[k] - v) / row[f"{k}_err"])
    for k, values in z.items():
        values = np.abs(np.asarray(values))
        assert 0.56 <= np.mean(values < 1) <= 0.80, (k, np.mean(values < 1))
        assert np.mean(values < 2) >= 0.88, (k, np.mean(values < 2))


def test_aicc_chooses_the_classical_model_for_classical_data():
    rng = np.random.default_rng(11)
    y = classical(CONTACT_S, 1.0, 0.6e-3, 9e-3) + rng.normal(0, 0.01, CONTACT_S.size)
    rows = fit_buildup(
        CONTACT_S,
        y,
        np.full(CONTACT_S.size, 0.01),
        poor_fit_p_value=P_POOR,
        models=MODELS,
    )
    assert [r["model"] for r in rows] == ["classical", "non_classical"]
    chosen = [r["model"] for r in rows if r["chosen"]]
    assert chosen == ["classical"]
    assert all(np.isfinite(r["aicc"]) for r in rows)
    assert rows[0]["aicc"] < rows[1]["aicc"]


def test_aicc_chooses_the_non_classical_model_for_its_data():
    """A rigid pair: the oscillatory I*-S transfer then the slow spin diffusion
    from the bath, which the classical model cannot follow."""
    t = np.concatenate([np.linspace(0.02, 0.5, 14), np.geomspace(0.6, 15, 10)]) * 1e-3
    truth = {"T_df_s": 2e-3, "T2_s": 0.08e-3, "lambda": 0.5, "T1rho_H_s": 10e-3}
    y = non_classical(t, 1.0, 2e-3, 0.08e-3, 0.5, 10e-3)
    rng = np.random.default_rng(5)
    sigma = 0.004
    rows = fit_buildup(
        t,
        y + rng.normal(0, sigma, t.size),
        np.full(t.size, sigma),
        poor_fit_p_value=P_POOR,
        models=MODELS,
    )
    best = [r for r in rows if r["chosen"]]
    assert [r["model"] for r in best] == ["non_classical"]
    (row,) = best
    for key, value in truth.items():
        assert abs(row[key] - value) < 4 * row[f"{key}_err"], key
    # the classical model fails the chi-square test on these data
    assert "poor_fit" in rows[0]["flags"]


def test_flags_when_the_contact_times_cannot_show_the_curve():
    sigma = 0.01
    rng = np.random.default_rng(2)
    # every contact time far beyond T_IS: the rise is never sampled
    late = np.geomspace(4e-3, 40e-3, 10)
    y = classical(late, 1.0, 0.05e-3, 10e-3) + rng.normal(0, sigma, late.size)
    row = fit_model(
        "classical", late, y, np.full(late.size, sigma), poor_fit_p_value=P_POOR
    )
    assert "T_IS_not_resolved" in row["flags"]
    # every contact time before the maximum: the decay is never seen
    early = np.geomspace(0.05e-3, 1e-3, 10)
    y = classical(early, 1.0, 1e-3, 20e-3) + rng.normal(0, sigma, early.size)
    row = fit_model(
        "classical", early, y, np.full(early.size, sigma), poor_fit_p_value=P_POOR
    )
    assert "contact_times_too_short_for_decay" in row["flags"]
    # too few contact times for the five parameters of the non-classical model
    rows = fit_buildup(
        CONTACT_S[:6],
        classical(CONTACT_S[:6], 1.0, 0.5e-3, 5e-3),
        np.full(6, sigma),
        poor_fit_p_value=P_POOR,
        models=MODELS,
    )
    (nc,) = [r for r in rows if r["model"] == "non_classical"]
    assert not nc["fit_ok"]
    assert "too_few_contact_times(n=6,k=5)" in nc["flags"]


def _integrals(states: dict, sigma: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for state, sites in states.items():
        for i, t in enumerate(CONTACT_S):
            for site, (tis, t1, i0) in sites.items():
                rows.append(
                    {
                        "experiment": f"{state}_{i}",
                        "increment": 0,
                        "list_time_s": t,
                        "region": site,
                        "integral_norm": classical(t, i0, tis, t1)
                        + rng.normal(0, sigma),
                        "integral_norm_err": sigma,
                    }
                )
    return pd.DataFrame(rows)


STATES = {
    "pristine": {"PEO": (0.3e-3, 8e-3, 1.0), "LAGP": (1.5e-3, 8e-3, 0.5)},
    "cycled": {"PEO": (0.6e-3, 9e-3, 0.7), "LAGP": (2.5e-3, 9e-3, 0.3)},
}


def _series(extra: tuple[str, ...] = ()) -> dict:
    members = [
        {"experiment": f"{s}_{i}", "state": s}
        for s in STATES
        for i in range(len(CONTACT_S))
    ]
    members += [{"experiment": e, "state": "aged"} for e in extra]
    return {"HSE": members}


def test_table_per_series_state_site_and_model():
    integrals = _integrals(STATES, 0.005)
    experiments = pd.DataFrame(
        {
            "experiment": integrals["experiment"].unique(),
            "sample": "HSE",
            "nucleus": "6Li",
        }
    )
    # one experiment of the pristine series lost (unreadable folder)
    integrals = integrals[integrals["experiment"] != "pristine_3"]
    table = fit_cp_table(integrals, experiments, _series(("aged_1",)), defaults().cp)
    assert list(table.columns) == COLUMNS
    assert len(table) == 2 * 2 * 2 + 2
    assert table["sample"].iloc[0] == "HSE"
    assert table["nucleus"].iloc[0] == "6Li"
    for state, sites in STATES.items():
        for site, (tis, t1, _) in sites.items():
            sel = table[(table["state"] == state) & (table["site"] == site)]
            assert sel["chosen"].sum() == 1
            row = sel[sel["model"] == "classical"].iloc[0]
            assert abs(row["T_IS_s"] - tis) < 4 * row["T_IS_s_err"]
            assert abs(row["T1rho_H_s"] - t1) < 4 * row["T1rho_H_s_err"]
    pristine = table[table["state"] == "pristine"]
    assert pristine["flags"].str.contains(r"experiments_without_integrals\(1\)").all()
    assert (pristine["n_experiments"] == len(CONTACT_S) - 1).all()
    # a state whose experiments all failed: flagged rows, nothing fitted
    aged = table[table["state"] == "aged"]
    assert len(aged) == 2
    assert not aged["fit_ok"].any()
    assert not aged["chosen"].any()
    assert aged["flags"].str.startswith("no_integrals").all()


def test_step_runs_on_a_plain_job(tmp_path):
    from liprobe.steps import cp_buildup

    integrals = _integrals(STATES, 0.005, seed=1)
    experiments = pd.DataFrame({"experiment": integrals["experiment"].unique()})
    write_table(integrals, tmp_path / "integrals.parquet")
    write_table(experiments, tmp_path / "experiments.parquet")
    job = Job(
        input=Fields(
            integrals=str(tmp_path / "integrals.parquet"),
            experiments=str(tmp_path / "experiments.parquet"),
        ),
        output=Fields(buildup=str(tmp_path / "cp_buildup.parquet")),
        params=Fields(options=defaults().cp.params(), series=_series()),
        log=[str(tmp_path / "cp.log")],
    )
    cp_buildup.run(job)
    table = read_table(tmp_path / "cp_buildup.parquet")
    assert len(table) == 8
    assert table.groupby(["state", "site"])["chosen"].sum().eq(1).all()
    assert "CP build-up fits" in (tmp_path / "cp.log").read_text()


def test_figure_and_caption_compare_the_states_per_site():
    from liprobe.plots.cp import plot_cp_buildup
    from liprobe.report import caption_cp_buildup

    integrals = _integrals(STATES, 0.005, seed=2)
    table = fit_cp_table(integrals, pd.DataFrame(), _series(), defaults().cp)
    fig = plot_cp_buildup(table, integrals, "HSE", _series()["HSE"])
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.has_data()]
    assert [ax.get_title() for ax in axes] == ["HSE: PEO", "HSE: LAGP"]
    for ax in axes:
        labels = ax.get_legend_handles_labels()[1]
        for state in STATES:
            assert state in labels
            assert f"{state} I-S (AICc)" in labels
            assert f"{state} I-I*-S" in labels
    caption = caption_cp_buildup(table)
    assert 'snakemake.wildcards.series == "HSE"' in caption
    for state, sites in STATES.items():
        for site in sites:
            assert f"{site}, {state}, classical: T_IS = " in caption
