"""PFG diffusion: the diffusion weighting and its conventions, the
Stejskal-Tanner fits with honest errors and AICc model choice, the Arrhenius
law of D, and D side by side from PFG, EXSY and SLR in the summary."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from liprobe import report
from liprobe.pfg.arrhenius import KB_EV_PER_K, arrhenius_table, fit_arrhenius
from liprobe.pfg.encoding import (
    Encoding,
    from_acquisition,
    from_topspin,
    gamma_Hz_per_G,
)
from liprobe.pfg.fit import fit_curve
from liprobe.pfg.table import fit_pfg_table

PP = "1 ze\n2 d1\n  p30:gp6*diff\n  d20\n  p30:gp6*-1*diff\nexit\n"


def _acqus(shape="SINE.100", p30=1500.0, d20=0.2):
    pulses = [0.0] * 32
    pulses[30] = p30
    delays = [0.0] * 32
    delays[20] = d20
    names = ["SMSQ10.100"] * 32
    names[6] = f"<{shape}>"
    return {"P": pulses, "D": delays, "GPNAM": names}


def test_gamma_of_7li_and_1h():
    # 7Li: 16.546 MHz/T = 1654.6 Hz/G; 1H: 4257.7 Hz/G
    assert gamma_Hz_per_G("7Li") == pytest.approx(1654.6, rel=2e-4)
    assert gamma_Hz_per_G("1H") == pytest.approx(4257.7478)
    assert math.isnan(gamma_Hz_per_G("99Xx"))


def test_encoding_from_acquisition_bipolar_sine():
    enc = from_acquisition(_acqus(), "stebpgp1s", PP, "7Li")
    assert enc.delta_s == pytest.approx(3e-3)  # 2 x P30
    assert enc.big_delta_s == pytest.approx(0.2)
    assert enc.shape == "sine" and enc.source == "pulse_program" and not enc.flags
    assert "2 x P30 (bipolar)" in enc.convention and "SINE.100" in enc.convention
    g = 100.0  # G/cm
    q = 2 * math.pi * gamma_Hz_per_G("7Li") * g * 3e-3 * 2 / math.pi
    assert enc.b_s_per_m2(g) == pytest.approx(q**2 * (0.2 - 3e-3 / 4) * 1e4)


def test_encoding_monopolar_rect_and_unknown_shapes():
    enc = from_acquisition(_acqus("RECT.1"), "diffSte", PP, "7Li")
    assert enc.delta_s == pytest.approx(1.5e-3) and enc.shape == "rectangular"
    assert not enc.flags
    q = 2 * math.pi * gamma_Hz_per_G("7Li") * 50.0 * 1.5e-3
    assert enc.b_s_per_m2(50.0) == pytest.approx(q**2 * (0.2 - 1.5e-3 / 3) * 1e4)
    smsq = from_acquisition(_acqus("SMSQ10.100"), "ledbpgp2s", PP, "7Li")
    assert smsq.shape == "rectangular"
    assert smsq.flags == ("gradient_shape_SMSQ10100_taken_as_rectangular",)
    bare = from_acquisition({"P": [], "D": []}, "stebpgp1s", "", "")
    assert set(bare.flags) == {
        "gradient_shape_unknown_taken_as_rectangular",
        "acqus_P30_missing",
        "acqus_D20_missing",
        "gamma_unknown_for_nucleus",
    }


def test_encoding_from_topspin_is_its_printed_law():
    enc = from_topspin(
        {"little_delta_s": 2e-3, "big_delta_s": 0.1, "gamma_Hz_per_G": 1655.0}
    )
    assert enc.source == "topspin_ct1t2" and enc.shape == "rectangular"
    q = 2 * math.pi * 1655.0 * 30.0 * 2e-3
    assert enc.b_s_per_m2(30.0) == pytest.approx(q**2 * (0.1 - 2e-3 / 3) * 1e4)


def _curve(rng, b, truth, rel_noise=0.01):
    y = truth(b)
    s = np.full(b.size, rel_noise * y.max())
    return y + rng.normal(0, s), s


def test_mono_fit_errors_are_honest():
    """Over many noisy curves the D errors cover the truth as 1-sigma errors
    should (68 % within 1 sigma, z spread 1), and AICc picks mono mostly."""
    rng = np.random.default_rng(3)
    D = 2.0e-12
    b = np.linspace(0.02, 1.5, 8) * 1e12
    z, picked = [], []
    for _ in range(150):
        y, s = _curve(rng, b, lambda x: 5.0 * np.exp(-D * x))
        fits = {
            m: fit_curve(b, y, s, m) for m in ("mono", "two_component", "stretched")
        }
        assert fits["mono"].fit_ok
        z.append(
            (fits["mono"].params["D_m2_per_s"] - D) / fits["mono"].errors["D_m2_per_s"]
        )
        ok = [f for f in fits.values() if f.fit_ok]
        picked.append(min(ok, key=lambda f: f.aic).model)
    z = np.asarray(z)
    assert 0.8 < z.std() < 1.25
    assert abs(z.mean()) < 0.3
    assert 0.58 < np.mean(np.abs(z) < 1) < 0.78
    assert picked.count("mono") / len(picked) > 0.8


def test_two_component_recovered_and_chosen():
    rng = np.random.default_rng(8)
    b = np.geomspace(0.01, 8, 14) * 1e12
    truth = lambda x: 4.0 * (0.6 * np.exp(-3e-12 * x) + 0.4 * np.exp(-2e-13 * x))  # noqa: E731
    y, s = _curve(rng, b, truth, 0.003)
    fits = {m: fit_curve(b, y, s, m) for m in ("mono", "two_component", "stretched")}
    best = min((f for f in fits.values() if f.fit_ok), key=lambda f: f.aic)
    assert best.model == "two_component"
    p, e = best.params, best.errors
    assert abs(p["D_m2_per_s"] - 3e-12) / e["D_m2_per_s"] < 4
    assert abs(p["D_2_m2_per_s"] - 2e-13) / e["D_2_m2_per_s"] < 4
    assert abs(p["fraction"] - 0.6) / e["fraction"] < 4


def test_stretched_and_failures():
    rng = np.random.default_rng(9)
    b = np.geomspace(0.01, 10, 12) * 1e12
    y, s = _curve(rng, b, lambda x: 2.0 * np.exp(-((1e-12 * x) ** 0.6)), 0.003)
    fit = fit_curve(b, y, s, "stretched")
    assert fit.fit_ok and abs(fit.params["beta"] - 0.6) / fit.errors["beta"] < 4
    few = fit_curve(b[:3], y[:3], s[:3], "two_component")
    assert not few.fit_ok and few.flags == ["too_few_points"]
    weak = fit_curve(b * 1e-3, y * 0 + 2.0, s, "mono")
    assert "weak_attenuation" in weak.flags
    with pytest.raises(ValueError, match="model must be one of"):
        fit_curve(b, y, s, "triple")


def _table_inputs():
    enc = Encoding(2e-3, 0.1, 1654.7, "rectangular", "pulse_program", "test law")
    grads = np.linspace(5, 300, 8)
    b = enc.b_s_per_m2(grads)
    rng = np.random.default_rng(1)
    rows, inputs = [], {}
    for k, T in enumerate((300.0, 330.0, 360.0)):
        D = 1e-7 * math.exp(-0.25 / (KB_EV_PER_K * T))
        y = 1e3 * np.exp(-D * b)
        s = np.full(b.size, 3.0)
        for i in range(b.size):
            rows.append(
                {
                    "experiment": f"e{k}",
                    "region": "Li",
                    "increment": i,
                    "integral": y[i] + rng.normal(0, 3.0),
                    "integral_err": s[i],
                    "peak_ppm": 1.0,
                }
            )
        topspin = (
            pd.DataFrame({"peak_ppm": [1.1], "D_m2_per_s": [D * 1.01]})
            if k == 1
            else None
        )
        inputs[f"e{k}"] = {
            "gradients_G_per_cm": grads,
            "encoding": enc,
            "topspin": topspin,
            "flags": [],
        }
    experiments = pd.DataFrame(
        {
            "experiment": ["e0", "e1", "e2"],
            "sample": "S",
            "series": "",
            "temperature_K": [300.0, 330.0, 360.0],
        }
    )
    return pd.DataFrame(rows), experiments, inputs


def test_table_and_arrhenius():
    integrals, experiments, inputs = _table_inputs()
    table, points = fit_pfg_table(integrals, experiments, inputs)
    assert len(table) == 9 and len(points) == 24
    assert table.groupby("experiment")["selected"].sum().max() == 1
    assert table["topspin_D_m2_per_s"].notna().sum() == 3  # e1, every model row
    assert set(table["convention"]) == {"test law"}
    arr = arrhenius_table(table)
    r = arr.iloc[0]
    assert r["series"] == "S" and r["n_temperatures"] == 3
    assert abs(r["Ea_eV"] - 0.25) / r["Ea_eV_err"] < 4
    assert (
        abs(math.log(r["D0_m2_per_s"] / 1e-7))
        / (r["D0_m2_per_s_err"] / r["D0_m2_per_s"])
        < 4
    )


def test_arrhenius_exact_and_too_few():
    T = np.array([300.0, 350.0, 400.0])
    D = 2e-8 * np.exp(-0.4 / (KB_EV_PER_K * T))
    r = fit_arrhenius(T, D, 0.01 * D)
    assert r["Ea_eV"] == pytest.approx(0.4, rel=1e-9)
    assert r["D0_m2_per_s"] == pytest.approx(2e-8, rel=1e-9)
    # the error of Ea from 1 % errors of D over 300-400 K, by hand
    x = 1 / (KB_EV_PER_K * T)
    w = np.full(3, 1e4)
    var = w.sum() / (w.sum() * (w * x**2).sum() - (w * x).sum() ** 2)
    assert r["Ea_eV_err"] == pytest.approx(math.sqrt(var), rel=1e-9)
    assert fit_arrhenius(T[:1], D[:1], D[:1] * 0.01)["flags"] == [
        "too_few_temperatures"
    ]


def test_summary_puts_d_from_pfg_exsy_slr_side_by_side():
    integrals, experiments, inputs = _table_inputs()
    experiments["sample"] = "LPS"
    diffusion, _ = fit_pfg_table(integrals, experiments, inputs)
    exsy_fits = pd.DataFrame(
        {
            "series": ["LPS_323K", "other_323K"],
            "sample": ["LPS", "other"],
            "model": "diffusion_sphere",
            "temperature_K": 323.0,
            "D_m2_per_s": [2.0e-15, 3.0e-15],
            "D_m2_per_s_err": [1.0e-16, 1.0e-16],
            "fit_ok": True,
        }
    )
    relax = pd.DataFrame(
        {
            "series": ["LPS"],
            "region": ["Li"],
            "quantity": ["integral"],
            "kind": ["t1_sr"],
            "model": ["bpp"],
            "Ea_eV": [0.2],
            "Ea_eV_err": [0.01],
            "reference_temperature_K": [298.15],
            "D_m2_per_s": [4.0e-12],
            "D_m2_per_s_err": [5.0e-13],
            "fit_ok": [True],
        }
    )
    sections = dict(
        report.summary_sections(
            relaxation_arrhenius=relax,
            exsy_fits=exsy_fits,
            pfg_diffusion=diffusion,
            pfg_arrhenius=arrhenius_table(diffusion),
        )
    )
    lines = sections["D from PFG, EXSY and SLR side by side"]
    methods = [line.split(", ")[2] for line in lines]
    assert methods == ["PFG"] * 3 + ["EXSY", "SLR"]
    assert all(", sample LPS," in line for line in lines)  # 'other' has EXSY only
    assert "2.00e-15" in lines[3] or "2.000e-15" in lines[3]
    pfg_lines = sections["PFG diffusion (pfg_diffusion, pfg_arrhenius)"]
    assert any("TopSpin" in line for line in pfg_lines)
    assert any(line.startswith("PFG Ea, series LPS") for line in pfg_lines)
