"""Paper figures 6 (interface) and 7 (dynamics): drawn from small synthetic
tables, the bars, error bars, points and curves carry the tables' numbers; a
missing table leaves its panel with a note; and the ``paper`` rule draws the
figures, reading only the tables of the stages the campaign has."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from liprobe.constants import KB_EV
from liprobe.cp.models import classical
from liprobe.linewidth.arrhenius import hendrickson_bray
from liprobe.plots import paper, paper_methods

from conftest import forced_dag, simulate_demo

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _bars(ax) -> list:
    return [p for c in ax.containers if hasattr(c, "patches") for p in c.patches]


def _errorbar_lines(ax):
    """(data line, vertical error segments) of every errorbar container."""
    out = []
    for c in ax.containers:
        if c.__class__.__name__ == "ErrorbarContainer":
            line, _caps, (segments,) = c.lines
            out.append((line, segments))
    return out


def _half_heights(segments) -> np.ndarray:
    return np.array([abs(s[1, 1] - s[0, 1]) / 2 for s in segments.get_segments()])


EXCHANGE = pd.DataFrame(
    {
        "sample": ["H1"] * 6,
        "site": ["LAGP", "PEO", "interface"] * 2,
        "state": ["pristine"] * 3 + ["cycled"] * 3,
        "method": ["receptivity"] * 6,
        "preferred": [True] * 6,
        "li6_fraction": [0.075, 0.076, 0.074, 0.12, 0.30, 0.55],
        "li6_fraction_err": [0.004, 0.005, 0.006, 0.01, 0.02, 0.03],
    }
)


def test_interface_bars_carry_the_fractions_and_errors():
    # a non-preferred row of another method must not be drawn
    extra = EXCHANGE.iloc[[0]].assign(preferred=False, li6_fraction=0.9)
    fig = paper_methods.fig_interface(pd.concat([EXCHANGE, extra]), None, None)
    ax = fig.axes[0]
    bars = _bars(ax)
    assert len(bars) == 6
    # pristine first: three bars per state in site order
    heights = [b.get_height() for b in bars]
    np.testing.assert_allclose(heights, EXCHANGE["li6_fraction"], rtol=1e-12)
    errors = np.concatenate([_half_heights(s) for _, s in _errorbar_lines(ax)])
    np.testing.assert_allclose(errors, EXCHANGE["li6_fraction_err"], rtol=1e-9)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["LAGP", "PEO", "interface"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "pristine",
        "cycled",
    ]
    # the CP panel without its tables says so
    assert any("no CP build-up" in t for t in _texts(fig.axes[1]))


def _cp_tables():
    t = np.array([0.0, 0.1, 0.3, 1.0, 3.0, 10.0]) * 1e-3
    truth = {  # (site, state): I0, T_IS, T1rho_H
        ("PEO", "pristine"): (10.0, 0.3e-3, 8e-3),
        ("PEO", "cycled"): (6.0, 0.5e-3, 6e-3),
        ("LAGP", "pristine"): (3.0, 1.0e-3, 8e-3),
        ("LAGP", "cycled"): (2.0, 1.5e-3, 6e-3),
    }
    integrals, buildup, members = [], [], []
    for state in ("pristine", "cycled"):
        for k, tc in enumerate(t):
            experiment = f"cp_{state}_{k}"
            members.append({"experiment": experiment, "state": state})
            for site in ("PEO", "LAGP"):
                i0, tis, trho = truth[(site, state)]
                integrals.append(
                    {
                        "experiment": experiment,
                        "region": site,
                        "list_time_s": tc,
                        "integral_norm": float(classical(tc, i0, tis, trho)),
                        "integral_norm_err": 0.05,
                    }
                )
    for (site, state), (i0, tis, trho) in truth.items():
        for model, chosen in (("classical", True), ("non_classical", False)):
            buildup.append(
                {
                    "series": "H1",
                    "site": site,
                    "state": state,
                    "model": model,
                    "I0": i0 if chosen else 1e3,
                    "T_IS_s": tis,
                    "T1rho_H_s": trho,
                    "T_df_s": 1e-4,
                    "T2_s": 1e-4,
                    "lambda": 0.5,
                    "fit_ok": True,
                    "chosen": chosen,
                }
            )
    return pd.DataFrame(integrals), pd.DataFrame(buildup), {"H1": members}, truth


def test_interface_cp_panel_draws_points_and_the_chosen_fit_per_site_and_state():
    integrals, buildup, series, truth = _cp_tables()
    fig = paper_methods.fig_interface(None, buildup, integrals, series)
    assert any("isotope exchange" in t for t in _texts(fig.axes[0]))
    ax = fig.axes[1]
    points = _errorbar_lines(ax)
    assert len(points) == 4  # two sites x two states
    fits = [ln for ln in ax.lines if len(ln.get_xdata()) == 300]
    assert len(fits) == 4  # the chosen model only, one per site and state
    for ln in fits:
        t = np.asarray(ln.get_xdata()) * 1e-3
        y = np.asarray(ln.get_ydata())
        hits = [
            key
            for key, (i0, tis, trho) in truth.items()
            if np.allclose(y, classical(t, i0, tis, trho), rtol=1e-9)
        ]
        assert len(hits) == 1
    for _line, segments in points:
        np.testing.assert_allclose(_half_heights(segments), 0.05, rtol=1e-9)
    assert ax.get_xlabel() == "contact time / ms"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "PEO, pristine (I-S)"
    assert all(t.endswith("(I-S)") for t in legend)


def _dynamics_tables():
    T = np.array([200.0, 250.0, 300.0, 350.0, 400.0])
    hb = {"A_Hz": 7000.0, "B_Hz": 6000.0, "Ea_eV": 0.3, "D_Hz": 1e8}
    widths = pd.DataFrame(
        {
            "series": "S",
            "site": "Li",
            "temperature_K": T,
            "fwhm_Hz": hendrickson_bray(
                T, hb["A_Hz"], hb["B_Hz"], hb["Ea_eV"], hb["D_Hz"]
            ),
            "fwhm_Hz_err": 50.0,
        }
    )
    lw_fits = pd.DataFrame(
        [
            {
                "series": "S",
                "site": "Li",
                "model": "hendrickson_bray",
                **hb,
                "Ea_eV_err": 0.01,
                "temperature_min_K": 200.0,
                "temperature_max_K": 400.0,
                "onset_temperature_K": math.nan,
                "onset_temperature_K_err": math.nan,
            },
            {
                "series": "S",
                "site": "Li",
                "model": "waugh_fedin",
                "Ea_eV": 0.25,
                "Ea_eV_err": 0.02,
                "onset_temperature_K": 280.0,
                "onset_temperature_K_err": 5.0,
            },
        ]
    )
    Tp = np.array([300.0, 330.0, 360.0])
    D0, EaD = 1e-7, 0.25
    diffusion = pd.DataFrame(
        {
            "series": "",
            "sample": "LLZO",
            "region": "Li",
            "model": "mono",
            "fit_ok": True,
            "temperature_K": Tp,
            "D_m2_per_s": D0 * np.exp(-EaD / (KB_EV * Tp)),
            "D_m2_per_s_err": 1e-13,
        }
    )
    d_fit = pd.DataFrame(
        [
            {
                "series": "LLZO",
                "region": "Li",
                "Ea_eV": EaD,
                "Ea_eV_err": 0.01,
                "D0_m2_per_s": D0,
            }
        ]
    )
    Te = np.array([300.0, 320.0, 340.0, 360.0])
    rates, lines = [], []
    pairs = [
        ("X", "exsy_2d", "n_site", "k", "SE", "coat", 0.40, 25.0),
        ("X", "exsy_2d", "n_site", "k", "coat", "SE", 0.45, 26.0),
        ("X", "selective_exchange", "n_site", "k", "SE", "coat", 0.41, 25.2),
        ("Y", "exsy_2d", "two_site", "k_AB", "A", "B", 0.30, 20.0),
    ]
    for sample, method, model, quantity, a, b, ea, lnA in pairs:
        k = np.exp(lnA - ea / (KB_EV * Te))
        for Ti, ki in zip(Te, k, strict=True):
            rates.append(
                {
                    "sample": sample,
                    "method": method,
                    "model": model,
                    "temperature_K": Ti,
                    "site_from": a,
                    "site_to": b,
                    "k_per_s": ki,
                    "k_per_s_err": 0.05 * ki,
                    "fit_ok": True,
                }
            )
        lines.append(
            {
                "sample": sample,
                "method": method,
                "model": model,
                "quantity": quantity,
                "site_from": a,
                "site_to": b,
                "Ea_eV": ea,
                "Ea_eV_err": 0.01,
                "ln_prefactor": lnA,
            }
        )
    # a D row of the two-site sample (no pair) is not drawn as a rate line
    lines.append({**lines[-1], "quantity": "D", "site_from": None, "site_to": None})
    return widths, lw_fits, diffusion, d_fit, pd.DataFrame(rates), pd.DataFrame(lines)


def test_dynamics_panels_draw_points_curves_and_onset():
    widths, lw_fits, diffusion, d_fit, rates, lines = _dynamics_tables()
    fig = paper_methods.fig_dynamics(widths, lw_fits, diffusion, d_fit, rates, lines)
    ax_a, ax_b, ax_c = fig.axes[:3]
    # (a) the measured widths, the Hendrickson-Bray curve and the onset line
    ((points, segs),) = _errorbar_lines(ax_a)
    np.testing.assert_allclose(
        np.asarray(points.get_ydata(), float), widths["fwhm_Hz"], rtol=1e-12
    )
    np.testing.assert_allclose(_half_heights(segs), 50.0, rtol=1e-9)
    curve = next(ln for ln in ax_a.lines if len(ln.get_xdata()) == 300)
    T = np.asarray(curve.get_xdata())
    np.testing.assert_allclose(
        curve.get_ydata(), hendrickson_bray(T, 7000.0, 6000.0, 0.3, 1e8), rtol=1e-12
    )
    onset = [ln for ln in ax_a.lines if list(ln.get_xdata()) == [280.0, 280.0]]
    assert len(onset) == 1
    # (b) one region, its points at 1000/T and the Arrhenius line
    ((points, _),) = _errorbar_lines(ax_b)
    np.testing.assert_allclose(
        np.asarray(points.get_xdata(), float), 1000.0 / diffusion["temperature_K"]
    )
    ((line),) = [ln for ln in ax_b.lines if len(ln.get_xdata()) == 50]
    x = np.asarray(line.get_xdata())
    np.testing.assert_allclose(
        line.get_ydata(), 1e-7 * np.exp(-0.25 * x / (1000.0 * KB_EV)), rtol=1e-9
    )
    # (c) four pair series (three N-site, one two-site k_AB), four lines
    assert len(_errorbar_lines(ax_c)) == 4
    rate_lines = [ln for ln in ax_c.lines if len(ln.get_xdata()) == 50]
    assert len(rate_lines) == 4
    for ln in rate_lines:
        x, y = np.asarray(ln.get_xdata()), np.asarray(ln.get_ydata())
        slope = np.polyfit(x, np.log(y), 1)[0]
        assert any(
            math.isclose(-slope * 1000.0 * KB_EV, ea, rel_tol=1e-9)
            for ea in (0.40, 0.45, 0.41, 0.30)
        )
    legend = [t.get_text() for t in ax_c.get_legend().get_texts()]
    assert sum("(1D)" in t for t in legend) == 1
    assert any(t.startswith("Y: A → B") for t in legend)


def test_dynamics_panels_without_tables_say_so():
    widths, lw_fits, *_ = _dynamics_tables()
    fig = paper_methods.fig_dynamics(widths, lw_fits)
    ax_a, ax_b, ax_c = fig.axes[:3]
    assert not _texts(ax_a) or all("no " not in t for t in _texts(ax_a))
    assert any("no PFG diffusion" in t for t in _texts(ax_b))
    assert any("no exchange rate" in t for t in _texts(ax_c))
    empty = pd.DataFrame(columns=["series", "site", "temperature_K"])
    fig = paper_methods.fig_dynamics(empty)
    assert any("no line-width" in t for t in _texts(fig.axes[0]))


def test_the_figures_are_in_the_paper_set():
    assert {"fig6_interface", "fig7_dynamics"} <= set(paper.PAPER_FIGURES)


def _paper_job(workdir: Path):
    """(outputs, named inputs) of the forced dry DAG's ``paper`` job."""
    cfg = workdir / "config.yaml"
    cfg.write_text((REPO / "config" / "config.yaml").read_text())
    jobs = forced_dag(
        workdir,
        [cfg],
        ["paper"],
        lambda job: (
            job.rule.name,
            [str(f) for f in job.output],
            dict(job.input.items()),
        ),
    )
    ((outputs, inputs),) = [(o, i) for rule, o, i in jobs if rule == "paper"]
    return outputs, inputs


def test_paper_rule_draws_fig6_and_fig7_from_the_demo_tables(tmp_path):
    workdir = simulate_demo(tmp_path, parts=("hybrid", "cp", "linewidth", "pfg"))
    # the CP rows name their kind, so that the plan does not depend on kind
    # detection (tested with the CP stage)
    sheet = workdir / "demo" / "nmr.tsv"
    nmr = pd.read_csv(sheet, sep="\t", dtype=str, keep_default_na=False)
    nmr.loc[nmr["path"].str.startswith("demo/cp/"), "kind"] = "cp"
    nmr.to_csv(sheet, sep="\t", index=False)
    outputs, inputs = _paper_job(workdir)
    for stem in ("fig6_interface", "fig7_dynamics"):
        for ext in ("png", "pdf", "svg"):
            assert f"results/paper/{stem}.{ext}" in outputs
    assert inputs["isotope_exchange"] == "results/tables/isotope_exchange.parquet"
    assert inputs["cp_buildup"] == "results/tables/cp_buildup.parquet"
    assert inputs["linewidth_arrhenius"] == "results/tables/linewidth_arrhenius.parquet"
    assert inputs["pfg_arrhenius"] == "results/tables/pfg_arrhenius.parquet"
    # no EXSY stage in this campaign: the rates panel reads nothing
    assert "exsy_rates" not in inputs


def test_paper_rule_reads_only_the_stages_the_campaign_has(tmp_path):
    workdir = simulate_demo(tmp_path, parts=("linewidth",))
    outputs, inputs = _paper_job(workdir)
    assert "results/paper/fig7_dynamics.svg" in outputs
    assert not any("fig6_interface" in o for o in outputs)
    assert {"linewidth", "linewidth_arrhenius"} <= set(inputs)
    for name in ("cp_buildup", "isotope_exchange", "pfg_diffusion", "exsy_rates"):
        assert name not in inputs
