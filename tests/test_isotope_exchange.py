"""The isotope_exchange table from nmr_peaks rows: 6Li fractions from areas
normalised per scan, gain, mass and receptivity; the pristine calibration
that cancels an unknown detection efficiency; error propagation against a
Monte Carlo of the area errors; the D1 < 5 T1 flag; the dominant path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liprobe.constants import LI_ISOTOPES
from liprobe.io.units import unit_of
from liprobe.isotope import dominant_lines, exchange_table

NAT = 0.0759
LARMOR = {"6Li": 73.6, "7Li": 194.4}
#: per state and site: (Li amount per mg, 6Li fraction)
TRUTH = {
    "pristine": {"LAGP": (2.0, NAT), "interface": (0.3, NAT), "PEO": (1.0, NAT)},
    "cycled": {"LAGP": (2.0, 0.12), "interface": (0.3, 0.45), "PEO": (1.0, 0.20)},
}
MASS = {"pristine": 12.0, "cycled": 9.5}


def _receptivity(nucleus):
    gamma, spin = LI_ISOTOPES[nucleus]
    return gamma**3 * spin * (spin + 1)


def _peaks(efficiency_6li=1.0, rel_err=0.01, d1=(100.0, 30.0)):
    """nmr_peaks rows whose areas follow from TRUTH (6Li detected with
    ``efficiency_6li`` relative to 7Li, as a probe tuned differently would)."""
    rows = []
    for state, sites in TRUTH.items():
        for nucleus, ns, rg, sw, d in (
            ("6Li", 256, 203.0, 50000.0, d1[0]),
            ("7Li", 16, 8.0, 100000.0, d1[1]),
        ):
            for site, (amount, x6) in sites.items():
                n = amount * MASS[state] * (x6 if nucleus == "6Li" else 1 - x6)
                area = n * _receptivity(nucleus) * ns * rg * sw / LARMOR[nucleus]
                area *= efficiency_6li if nucleus == "6Li" else 1.0
                rows.append(
                    {
                        "experiment": f"{state}_{nucleus}",
                        "sample": "hybrid",
                        "state": state,
                        "nucleus": nucleus,
                        "site": site,
                        "area": area,
                        "area_err": rel_err * area,
                        "larmor_MHz": LARMOR[nucleus],
                        "sw_Hz": sw,
                        "ns": ns,
                        "rg": rg,
                        "mass_mg": MASS[state],
                        "d1_s": d,
                        "signal_weight": 1.0,
                        "flags": "",
                        "fit_ok": True,
                    }
                )
    return pd.DataFrame(rows)


def _table(peaks, relaxation=None):
    return exchange_table(
        peaks, relaxation, natural_li6_fraction=NAT, saturation_t1_factor=5.0
    )


def _row(table, site, state, method):
    sel = table["site"] == site
    sel &= (table["state"] == state) & (table["method"] == method)
    (index,) = np.flatnonzero(sel)
    return table.iloc[index]


def test_both_methods_recover_the_fractions_when_detection_is_ideal():
    table = _table(_peaks())
    for column in table.columns:
        assert unit_of(column) is not None, column
    for state, sites in TRUTH.items():
        for site, (_, x6) in sites.items():
            r = _row(table, site, state, "receptivity")
            assert r.li6_fraction == pytest.approx(x6, rel=1e-9)
            assert r.enrichment == pytest.approx(x6 / NAT, rel=1e-9)
            if state == "cycled":
                p = _row(table, site, state, "pristine_ratio")
                assert p.li6_fraction == pytest.approx(x6, rel=1e-9)
                assert p.preferred and not r.preferred


def test_pristine_ratio_cancels_an_unknown_detection_efficiency():
    """6Li detected at 80 %: the receptivity method is biased, the ratio to
    the pristine state is not."""
    table = _table(_peaks(efficiency_6li=0.8))
    r = _row(table, "interface", "cycled", "receptivity")
    p = _row(table, "interface", "cycled", "pristine_ratio")
    assert abs(r.li6_fraction - 0.45) > 0.03
    assert p.li6_fraction == pytest.approx(0.45, rel=1e-9)


def test_errors_match_a_monte_carlo_of_the_area_errors():
    peaks = _peaks(rel_err=0.02)
    table = _table(peaks)
    rng = np.random.default_rng(5)
    draws = []
    for _ in range(200):
        noisy = peaks.copy()
        noisy["area"] = peaks["area"] + rng.normal(0, 1, len(peaks)) * peaks["area_err"]
        t = _table(noisy)
        draws.append(
            [
                _row(t, "PEO", "cycled", "receptivity").li6_fraction,
                _row(t, "PEO", "cycled", "pristine_ratio").li6_fraction,
            ]
        )
    sd = np.std(draws, axis=0, ddof=1)
    reported = [
        _row(table, "PEO", "cycled", "receptivity").li6_fraction_err,
        _row(table, "PEO", "cycled", "pristine_ratio").li6_fraction_err,
    ]
    # 200 draws: the sample sd is within ~10 % (2 sigma) of the truth
    assert np.allclose(sd, reported, rtol=0.15), (sd, reported)


def test_dominant_path_is_the_site_with_the_largest_gain():
    table = _table(_peaks())
    dominant = table[table["dominant_path"]]
    assert list(dominant["site"]) == ["interface"]
    assert list(dominant["method"]) == ["pristine_ratio"]
    (line,) = dominant_lines(table)
    assert "interface" in line and "cycled" in line


def test_recycle_delay_shorter_than_5_T1_is_flagged():
    """T1 of 6Li in LAGP 30 s (D1 100 s < 150 s): flagged; the interface has
    no T1 of its own: the sample's longest 6Li T1 applies."""
    relaxation = pd.DataFrame(
        [
            {
                "sample": "hybrid",
                "nucleus": "6Li",
                "region": "LAGP",
                "kind": "t1_sr",
                "selected": True,
                "fit_ok": True,
                "time_constant_s": 30.0,
            },
            {
                "sample": "hybrid",
                "nucleus": "7Li",
                "region": "LAGP",
                "kind": "t1_sr",
                "selected": True,
                "fit_ok": True,
                "time_constant_s": 2.0,
            },
        ]
    )
    table = _table(_peaks(), relaxation)
    flagged = _row(table, "LAGP", "cycled", "receptivity")
    assert "d1_below_5T1(6Li" in flagged["flags"] and "7Li:" not in flagged["flags"]
    assert "relaxation_fits (site)" in flagged.t1_source
    other = _row(table, "interface", "cycled", "receptivity")
    assert "sample max" in other.t1_source
    assert "d1_below_5T1" in _row(table, "LAGP", "cycled", "pristine_ratio")["flags"]


def test_an_unknown_signal_weight_is_flagged_not_silent():
    peaks = _peaks()
    peaks.loc[peaks["experiment"] == "cycled_6Li", "signal_weight"] = np.nan
    table = _table(peaks)
    r = _row(table, "PEO", "cycled", "receptivity")
    assert np.isnan(r.li6_fraction)
    assert "signal_weight_unknown" in r["flags"].split(";")
    fine = _row(table, "PEO", "pristine", "receptivity")
    assert fine.li6_fraction == pytest.approx(NAT, rel=1e-9)
    assert "signal_weight_unknown" not in fine["flags"]


@pytest.mark.parametrize(
    "procs, expected",
    [
        ({"WDW": 0}, 1.0),
        ({"WDW": 1, "LB": 50.0}, np.exp(-np.pi * 50.0 * 68.0 / 10000.0)),
        ({"WDW": 2, "LB": -20.0, "GB": 0.1}, 1.0),  # Lorentz-to-Gauss: 1 at t = 0
        ({"WDW": 3, "SSB": 2.0}, 1.0),  # cosine bell
        ({"WDW": 4, "SSB": 3.0}, np.sin(np.pi / 3.0) ** 2),  # shifted squared sine
        ({"WDW": 3, "SSB": 0.0}, np.nan),  # pure sine bell: no area at all
        ({"WDW": 5}, np.nan),  # TRAF: not reproduced
    ],
)
def test_signal_start_weight_of_each_window(procs, expected):
    from types import SimpleNamespace

    from liprobe.options import defaults
    from liprobe.steps.nmr_peaks import signal_start_weight

    fid = SimpleNamespace(procs=procs, sw_Hz=10000.0, group_delay_points=68.0)
    lb = procs.get("LB", 0.0) if procs["WDW"] == 1 else 0.0
    weight = signal_start_weight(fid, lb, defaults().nmr)
    if np.isnan(expected):
        assert np.isnan(weight)
    else:
        assert weight == pytest.approx(expected, rel=1e-9)
