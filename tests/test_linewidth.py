"""Line widths and their temperature dependence (motional narrowing).

* the half-height measure and the line fit against the published widths of the
  real 17O folders (``pseudoVoigtPeak_metrics.txt``, a pseudo-Voigt fit made
  with other software), within 5 %;
* the half-height errors (noise resampling) cover the truth on simulated
  spectra with correlated noise;
* the Hendrickson-Bray fit's errors are honest (z-scores over noise draws) and
  the onset temperature is where the fitted curve has fallen 10 % of the way;
* ``linewidth`` is a kind of the sheet only: no real folder, relaxation ones
  included, is detected as one, and the plan groups the sheet's rows.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from liprobe.lineshape.noise import noise_model
from liprobe.linewidth.arrhenius import (
    fit_hendrickson_bray,
    hendrickson_bray,
    linewidth_arrhenius,
    onset_temperature,
)
from liprobe.linewidth.measure import half_height_width, measure_spectrum
from liprobe.nmr import process
from liprobe.nmr.kinds import KINDS, detect_kind, peek_kind
from liprobe.plan.campaign import linewidth_series

from conftest import nmr_opts, read_experiment, schema_default

PUBLISHED = re.compile(
    r"Peak (\d+) \(Position: ([\d.]+).*?Width \(FWHM\): [\d.]+ ± [\d.]+ ppm\s*"
    r"Width \(FWHM\): ([\d.]+) ± ([\d.]+) Hz",
    re.S,
)


def _published(path) -> dict[int, tuple[float, float]]:
    """Peak number -> (position ppm, FWHM Hz) from the metrics file."""
    text = (path / "pdata/1/pseudoVoigtPeak_metrics.txt").read_text()
    return {int(m[0]): (float(m[1]), float(m[2])) for m in PUBLISHED.findall(text)}


def _measure(path, regions, method):
    fid = read_experiment(path)
    spectra = process(fid, nmr_opts())
    return measure_spectrum(
        spectra.ppm,
        spectra.data[0],
        pd.DataFrame(regions, columns=["region", "ppm_min", "ppm_max"]),
        sf_MHz=fid.larmor_MHz,
        method=method,
        shape=schema_default("linewidth.shape"),
        baseline_order=schema_default("linewidth.baseline_order"),
        poor_fit_p=schema_default("linewidth.poor_fit_p_value"),
        n_resample=100,
        rng=np.random.default_rng(1),
    ).set_index("site")


@pytest.mark.parametrize("method", ["half_height", "fit"])
def test_single_17O_line_matches_the_published_width(shared_dir, method):
    path = shared_dir / "bruker/lineshape_17O_singlepeak/10"
    ((position, width),) = _published(path).values()
    row = _measure(path, [("O", 450.0, 720.0)], method).loc["O"]
    assert row["method"] == method
    assert row["fwhm_Hz"] == pytest.approx(width, rel=0.05)
    assert row["shift_ppm"] == pytest.approx(position, abs=0.5)
    # measured: half height 817 Hz (-2.2 %), fit 845 Hz (+1.1 %); both with a
    # small, finite error
    assert 0 < row["fwhm_Hz_err"] < 0.01 * width


def test_six_17O_lines_fitted_match_the_published_widths(shared_dir):
    """The resolved lines (3, 4 and 5) within 5 %; lines 1 and 2 overlap and
    line 6 is weak: their fits are flagged."""
    path = shared_dir / "bruker/lineshape_17O_sixpeaks/4"
    published = _published(path)
    assert len(published) == 6
    regions = [
        ("p1", 350.0, 392.0),
        ("p2", 392.0, 440.0),
        ("p3", 470.0, 525.0),
        ("p4", 525.0, 567.0),
        ("p5", 567.0, 620.0),
        ("p6", 625.0, 680.0),
    ]
    rows = _measure(path, regions, "auto")
    assert set(rows["method"]) == {"fit"}
    for k in (3, 4, 5):
        row = rows.loc[f"p{k}"]
        assert row["fwhm_Hz"] == pytest.approx(published[k][1], rel=0.05), k
        assert row["shift_ppm"] == pytest.approx(published[k][0], abs=1.0), k
    for k in (1, 2, 6):
        assert rows.loc[f"p{k}", "flags"] != ""


def _lines(rng, sigma, n=4096):
    """A Gaussian and a Lorentzian line on a ppm axis, noise correlated by a
    3-point running mean (as apodization does)."""
    x = np.linspace(-100.0, 100.0, n)
    truth = {"g": 8.0, "l": 3.0}
    y = np.exp(-4 * math.log(2) * (x + 40) ** 2 / truth["g"] ** 2) + 1.0 / (
        1 + 4 * (x - 40) ** 2 / truth["l"] ** 2
    )
    noise = np.convolve(rng.normal(0, sigma, n + 2), np.ones(3) / 3, mode="valid")
    return x, y + noise, truth


def test_half_height_errors_cover_the_truth():
    x, y, truth = _lines(np.random.default_rng(0), 0.0)
    regions = pd.DataFrame(
        [("g", -70.0, -10.0), ("l", 10.0, 70.0)],
        columns=["region", "ppm_min", "ppm_max"],
    )
    for site, (lo, hi) in (("g", (-70, -10)), ("l", (10, 70))):
        inside = (x >= lo) & (x <= hi)
        w, _, flag = half_height_width(x[inside], y[inside])
        # noise-free: the width of the analytic line (a Lorentzian's far
        # tails under the edge baseline cost < 1 %)
        assert w == pytest.approx(truth[site], rel=0.01) and flag == ""
    z = {"g": [], "l": []}
    for seed in range(40):
        x, y, truth = _lines(np.random.default_rng(seed + 1), 0.01)
        rows = measure_spectrum(
            x,
            y,
            regions,
            sf_MHz=1.0,
            method="half_height",
            shape="pseudo_voigt",
            baseline_order=1,
            poor_fit_p=1e-3,
            n_resample=60,
            rng=np.random.default_rng(seed),
        ).set_index("site")
        for site in z:
            r = rows.loc[site]
            z[site].append((r["fwhm_ppm"] - truth[site]) / r["fwhm_ppm_err"])
    for site, values in z.items():
        values = np.asarray(values)
        # an honest error: the z-scores' sd near 1 (n = 40: 0.7 to 1.35)
        assert 0.7 < values.std(ddof=1) < 1.35, (site, values.std(ddof=1))
        assert abs(values.mean()) < 0.6, (site, values.mean())


def test_noise_model_of_the_half_height_draws_matches_the_spectrum():
    """The resampled noise has the variance of the spectrum's own noise."""
    from liprobe.linewidth.measure import correlated_noise

    rng = np.random.default_rng(3)
    y = np.convolve(rng.normal(0, 1.0, 8194), np.ones(3) / 3, mode="valid")
    model = noise_model(y, np.ones(y.size, dtype=bool))
    draws = correlated_noise(model, 2048, 50, rng)
    assert draws.std() == pytest.approx(y.std(), rel=0.05)
    lag1 = np.mean(draws[:, 1:] * draws[:, :-1]) / draws.var()
    assert lag1 == pytest.approx(2.0 / 3.0, abs=0.05)


TRUE_HB = {"A": 5000.0, "B": 0.05, "Ea_eV": 0.25, "D": 80.0}
TEMPERATURES = np.array([150.0, 180.0, 260.0, 290.0, 320.0, 350.0, 380.0, 420.0])


def test_hendrickson_bray_errors_are_honest():
    rng = np.random.default_rng(7)
    w0 = hendrickson_bray(TEMPERATURES, **TRUE_HB)
    err = 0.02 * w0
    z = []
    for _ in range(150):
        fit = fit_hendrickson_bray(
            TEMPERATURES, w0 + err * rng.normal(size=w0.size), err
        )
        assert fit["success"]
        z.append((fit["Ea_eV"] - TRUE_HB["Ea_eV"]) / fit["Ea_eV_err"])
    z = np.asarray(z)
    assert 0.8 < z.std(ddof=1) < 1.25, z.std(ddof=1)
    assert abs(np.median(z)) < 0.3
    exact = fit_hendrickson_bray(TEMPERATURES, w0, err)
    assert exact["Ea_eV"] == pytest.approx(TRUE_HB["Ea_eV"], rel=1e-4)
    assert exact["rigid_width"] == pytest.approx(TRUE_HB["A"] + TRUE_HB["D"], rel=1e-4)
    assert exact["chi2"] < 1e-6


def test_onset_is_ten_percent_of_the_way():
    A, B, Ea, D = TRUE_HB["A"], TRUE_HB["B"], TRUE_HB["Ea_eV"], TRUE_HB["D"]
    onset = onset_temperature(A, B, Ea, 0.1)
    w = hendrickson_bray(onset, A, B, Ea, D)
    assert w == pytest.approx((A + D) - 0.1 * (A - B), rel=1e-9)
    assert onset_temperature(A, B, Ea, 0.2) > onset


def test_arrhenius_table_rows_and_excluded_points():
    rng = np.random.default_rng(11)
    w0 = hendrickson_bray(TEMPERATURES, **TRUE_HB)
    err = 0.02 * w0
    frame = pd.DataFrame(
        {
            "series": "s",
            "site": "Li",
            "temperature_K": np.append(TEMPERATURES, np.nan),
            "fwhm_Hz": np.append(w0 + err * rng.normal(size=w0.size), 100.0),
            "fwhm_Hz_err": np.append(err, 1.0),
        }
    )
    table = linewidth_arrhenius(
        frame,
        fraction=schema_default("linewidth.onset_fraction"),
        n_resample=50,
        poor_fit_p=schema_default("linewidth.poor_fit_p_value"),
        seed=1,
    )
    assert list(table["model"]) == ["hendrickson_bray", "waugh_fedin"]
    assert (table["n_points"] == 8).all() and (table["n_excluded"] == 1).all()
    assert all("points_excluded(1)" in f for f in table["flags"])
    wf = table.set_index("model").loc["waugh_fedin"]
    assert wf["Ea_eV"] == pytest.approx(1.617e-3 * wf["onset_temperature_K"])
    assert wf["onset_temperature_K_err"] > 0
    for column in (
        "series",
        "site",
        "model",
        "Ea_eV",
        "Ea_eV_err",
        "onset_temperature_K",
        "fit_ok",
        "flags",
        "err_method",
    ):
        assert column in table


def test_too_few_temperatures_fail_cleanly():
    fit = fit_hendrickson_bray(
        [200.0, 300.0, 400.0], [5000.0, 1000.0, 100.0], [50.0] * 3
    )
    assert not fit["success"] and fit["flags"] == "too_few_points"


def test_linewidth_is_never_detected(shared_dir):
    """A sheet kind only: every real folder (relaxation series, 2D, plain 1D)
    is detected as something else."""
    assert "linewidth" in KINDS
    folders = sorted(p.parent for p in (shared_dir / "bruker").glob("*/*/acqus"))
    assert len(folders) >= 7
    kinds = {f"{p.parent.name}/{p.name}": peek_kind(p) for p in folders}
    assert "linewidth" not in kinds.values()
    for name in kinds:
        if name.startswith("relaxnmr_"):
            assert kinds[name] in ("t1_sr", "t1_ir", "t1rho", "t2"), kinds
    assert detect_kind("zg", "", 1) == "1d"


def test_plan_groups_linewidth_rows_by_series():
    nmr = pd.DataFrame(
        {
            "experiment": ["a", "b", "c", "d"],
            "sample": ["s1", "s1", "s2", "s1"],
            "path": ["p/1", "p/2", "p/3", "p/4"],
            "series": ["vt", "vt", None, None],
        }
    ).set_index("experiment", drop=False)
    kinds = {"a": "linewidth", "b": "linewidth", "c": "linewidth", "d": "t1_sr"}
    assert linewidth_series(nmr, kinds) == {"vt": ["a", "b"], "s2": ["c"]}


def test_a_pseudo_2d_folder_given_kind_linewidth_is_refused(shared_dir):
    """The sheet may call any folder linewidth: a relaxation series (TD1 > 1)
    stops with the folder, the field and what was expected and found."""
    from liprobe.errors import InputError
    from liprobe.options import defaults
    from liprobe.steps.linewidth_measure import failed_rows, measure_experiment

    path = shared_dir / "bruker/relaxnmr_17O_satrec_LAMOX/1"
    item = {
        "experiment": "lamox",
        "sample": "LAMOX",
        "series": "LAMOX",
        "path": str(path),
        "procno": 1,
        "overrides": {"kind": "linewidth"},
        "regions": [{"region": "O", "ppm_min": 0.0, "ppm_max": 400.0}],
    }
    options = defaults()
    with pytest.raises(InputError) as err:
        measure_experiment(
            item,
            options.nmr,
            options.linewidth,
            mixing_delay_index=options.exsy.mixing_delay_index,
            rng=np.random.default_rng(0),
        )
    text = str(err.value)
    assert str(path) in text and "TD1" in text and "1D spectrum" in text
    row = failed_rows(item, err.value).iloc[0]
    assert row["flags"] == "input_error" and not row["fit_ok"]
    assert math.isnan(row["fwhm_Hz"]) and "TD1" in row["error"]


def test_onset_from_data_with_repeated_and_missing_temperatures():
    """Two spectra at one temperature and one without a temperature still give
    the onset of the measured widths (the repeated point averaged in ln width)."""
    from liprobe.linewidth.arrhenius import _data_onset

    T = np.array([150.0, 200.0, 200.0, 250.0, np.nan, 300.0, 350.0])
    w = np.array([6000.0, 5900.0, 5700.0, 3000.0, 4000.0, 300.0, 50.0])
    onset = _data_onset(T, w, 6000.0, 50.0, 0.1)
    # ln-width level of 10 % of the way down lies between 200 K and 250 K
    assert 200.0 < onset < 250.0
    single = _data_onset(T[:4], w[:4], 6000.0, 50.0, 0.1)
    assert 200.0 < single < 250.0
