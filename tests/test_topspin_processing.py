"""TopSpin processing parameters: every real 1r/2rr reproduced, the parameters
no real folder uses checked against nmrglue or analytic expectations, and what
is not reproduced named in ``topspin_unsupported``."""

from __future__ import annotations

import dataclasses
import math

import nmrglue.process.proc_base as ng_proc
import numpy as np
import pytest
from test_exsy_process import ACQUS, _acqu2s, _signal
from test_nmr_processing import SW, make_fid

from liprobe.exsy import process as exsy_process
from liprobe.io.bruker import read_processed, read_processing_history
from liprobe.nmr import experiment_record, process, topspin_parity
from liprobe.nmr.windows import topspin_window

from conftest import nmr_opts, read_experiment, with_schema_defaults

#: every real folder with a TopSpin 1r or 2rr, and what TopSpin did after its
#: transform (audit trail)
WITH_REFERENCE = {
    "cheminfo_1H_t1ir_menthol/1": ["pk2", "abs2"],
    "relaxnmr_17O_satrec_LAMOX/1": ["pk2"],
    "lineshape_17O_sixpeaks/4": ["sab", "pk", "sab", "pk", "pk", "sab", "sab"],
    "lineshape_17O_singlepeak/10": ["abs", "pk"],
}


def test_the_list_holds_every_real_1r_and_2rr(shared_dir):
    found = {
        f"{p.parents[3].name}/{p.parents[2].name}"
        for pattern in ("*/*/pdata/1/1r", "*/*/pdata/1/2rr")
        for p in (shared_dir / "bruker").glob(pattern)
    }
    assert found == set(WITH_REFERENCE)


@pytest.mark.parametrize("folder", sorted(WITH_REFERENCE))
def test_every_real_1r_and_2rr_is_reproduced(shared_dir, folder):
    path = shared_dir / "bruker" / folder
    assert read_processing_history(path) == WITH_REFERENCE[folder]
    fid = read_experiment(path)
    spectra = process(fid, nmr_opts())
    r = topspin_parity(spectra, read_processed(path, 1), fid.td1)
    assert r >= 0.999, r
    record = experiment_record(fid, spectra)
    assert record["topspin_unsupported"] == ""
    assert record["nucleus"] in ("1H", "17O")


def test_spline_baseline_of_the_six_peak_folder(shared_dir):
    """TopSpin's sab: its 1r is zero at the baslpnts points; ours too, and
    without the spline the parity drops (measured 0.88)."""
    path = shared_dir / "bruker/lineshape_17O_sixpeaks/4"
    fid = read_experiment(path)
    reference = read_processed(path, 1)
    spectra = process(fid, nmr_opts())
    assert "baseline_topspin_sab" in spectra.flags
    points = fid.baseline_points
    assert len(points) == 55
    np.testing.assert_array_equal(reference[1][0, points], 0.0)
    assert np.abs(spectra.data[0, points]).max() < 1e-6 * np.abs(spectra.data).max()
    assert topspin_parity(spectra, reference, 1) >= 0.99999
    plain = process(fid, nmr_opts({"topspin_baseline": False}))
    assert topspin_parity(plain, reference, 1) < 0.95


def test_polynomial_baseline_of_the_single_peak_folder(shared_dir):
    """abs n with ABSG = 5: parity 0.9968 without it, >= 0.999 with it."""
    path = shared_dir / "bruker/lineshape_17O_singlepeak/10"
    fid = read_experiment(path)
    reference = read_processed(path, 1)
    spectra = process(fid, nmr_opts())
    assert "baseline_topspin_abs_ABSG_5" in spectra.flags
    plain = process(fid, nmr_opts({"topspin_baseline": False}))
    assert topspin_parity(plain, reference, 1) < 0.998
    assert topspin_parity(spectra, reference, 1) >= 0.999


# ------------------------------------------------ windows against nmrglue


def test_em_gm_sine_qsine_are_nmrglue_windows():
    n = 1000
    ones = np.ones(n)
    w, miss = topspin_window(n, {"WDW": 1, "LB": 7.0}, SW)
    np.testing.assert_allclose(w, ng_proc.em(ones, lb=7.0 / SW))
    # analytic: exp(-pi LB t)
    np.testing.assert_allclose(w, np.exp(-math.pi * 7.0 * np.arange(n) / SW))
    assert miss == []
    # GM: exp(-a t - b t^2) with its maximum at GB x AQ
    w, miss = topspin_window(n, {"WDW": 2, "LB": -5.0, "GB": 0.3}, SW)
    assert miss == [] and int(np.argmax(w)) == pytest.approx(0.3 * n, abs=1)
    a, aq = -5.0 * math.pi, n / SW
    b = -a / (2 * 0.3 * aq)
    t = np.arange(n) / SW
    np.testing.assert_allclose(w, np.exp(-a * t - b * t**2))
    # SINE with SSB = 2 is a cosine bell; QSINE its square; SSB = 0 a sine bell
    w, _ = topspin_window(n, {"WDW": 3, "SSB": 2}, SW)
    np.testing.assert_allclose(
        w, np.cos(0.5 * np.pi * np.arange(n) / (n - 1)), atol=1e-12
    )
    q, _ = topspin_window(n, {"WDW": 4, "SSB": 2}, SW)
    np.testing.assert_allclose(q, w**2)
    s, _ = topspin_window(n, {"WDW": 3, "SSB": 0}, SW)
    np.testing.assert_allclose(s, ng_proc.sp(ones, off=0.0, end=1.0, pow=1.0))
    assert s[0] == pytest.approx(0.0) and s[n // 2] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"WDW": 9, "LB": 2.0}, "WDW=TRAF"),
        ({"WDW": 10}, "WDW=TRAFS"),
        ({"WDW": 5}, "WDW=TRAP"),
        ({"WDW": 2, "LB": -1.0, "GB": 0.0}, "GB=0"),
    ],
)
def test_windows_not_reproduced_are_named(params, named):
    w, miss = topspin_window(100, params, SW)
    assert miss == [named] and np.all(w == 1.0)
    fid = make_fid([(100.0, 1.0, 0.0)], procs_extra=params)
    spectra = process(fid, nmr_opts())
    assert named in spectra.unsupported
    assert named in experiment_record(fid, spectra)["topspin_unsupported"]


def test_sine_window_applied_from_where_the_signal_starts():
    """Away from the filter delay, process() multiplies the FID by nmrglue's
    sine bell over the points that hold signal."""
    g = 40
    params = {"WDW": 4, "SSB": 3}
    fid = make_fid([(300.0, 1.0, 0.0)], group_delay=g, procs_extra=params)
    ours = process(fid, nmr_opts({"phase": [0.0, 0.0]}))
    n = fid.data.shape[1]
    expected = fid.data[0].copy()
    bell = ng_proc.sp(np.ones(n - g), off=1 / 3, end=1.0, pow=2.0)
    expected[g:] *= bell
    expected[:g] *= bell[0]
    plain = dataclasses.replace(
        fid, data=expected[None, :], procs={**fid.procs, "WDW": 0}
    )
    ref = process(plain, nmr_opts({"phase": [0.0, 0.0]}))
    np.testing.assert_allclose(ours.data, ref.data, atol=1e-9 * np.abs(ref.data).max())


# ----------------------------------------------- other procs parameters


def test_strip_keeps_the_points_stsr_to_stsr_plus_stsi():
    fid = make_fid([(200.0, 1.0, 0.0)])
    full = process(fid, nmr_opts())
    strip = process(
        dataclasses.replace(fid, procs={**fid.procs, "STSR": 1000, "STSI": 2048}),
        nmr_opts(),
    )
    np.testing.assert_allclose(strip.data, full.data[:, 1000:3048])
    np.testing.assert_allclose(strip.ppm, full.ppm[1000:3048])
    assert "strip_STSR_1000_STSI_2048" in strip.flags


def test_fcor_scales_the_first_point():
    fid = make_fid([(200.0, 1.0, 0.0)])
    half = process(
        dataclasses.replace(fid, procs={**fid.procs, "FCOR": 0.5}), nmr_opts()
    )
    full = process(fid, nmr_opts())
    # halving the first point removes half of it from every spectrum point:
    # a constant offset of -0.5 s_0 (the transform is not normalised)
    diff = half.data - full.data
    expected = -0.5 * fid.data[0, 0].real
    np.testing.assert_allclose(diff, expected, atol=1e-12)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"ME_mod": 2, "NCOEF": 16}, "ME_mod=2 (linear prediction)"),
        ({"BC_mod": 3}, "BC_mod=spol"),
        ({"TDoff": 10}, "TDoff=10"),
        ({"PH_mod": 2}, "PH_mod=2"),
    ],
)
def test_operations_not_reproduced_are_named(params, named):
    fid = make_fid([(200.0, 1.0, 0.0)], procs_extra=params)
    assert named in process(fid, nmr_opts()).unsupported


# -------------------------------------------------------------- EXSY TDeff

process_2d = with_schema_defaults(exsy_process.process_2d, "exsy")


def test_exsy_tdeff_in_f1_and_f2_uses_the_rows_and_points_topspin_used():
    data = _signal(4).astype(complex)  # 64 rows (32 States pairs) x 256 points
    procs = {"SI": 512}
    proc2s = {"SI": 64, "FCOR": 0.5}
    cut = process_2d(
        data,
        ACQUS,
        _acqu2s(64),
        {**procs, "TDeff": 200},
        {**proc2s, "TDeff": 20},
        fnmode=4,
    )
    direct = process_2d(data[:20, :100], ACQUS, _acqu2s(20), procs, proc2s, fnmode=4)
    np.testing.assert_allclose(cut.data, direct.data, atol=1e-12)
    assert "tdeff_F1_20_of_64_rows" in cut.flags
    assert "tdeff_F2_100_of_256_points" in cut.flags
    full = process_2d(data, ACQUS, _acqu2s(64), procs, proc2s, fnmode=4)
    assert not np.allclose(full.data, cut.data)
    assert cut.unsupported == []
    named = process_2d(
        data, ACQUS, _acqu2s(64), {**procs, "ME_mod": 1}, {**proc2s, "WDW": 9}, fnmode=4
    )
    assert named.unsupported == ["F2 ME_mod=1", "F1 WDW=9"]


class _Log:
    def info(self, *args):
        pass


@pytest.mark.parametrize(
    ("folder", "kind", "nucleus"),
    [
        ("lineshape_17O_sixpeaks/4", "1d", "17O"),
        ("lineshape_17O_singlepeak/10", "1d", "17O"),
    ],
)
def test_17O_line_shape_folders_convert_as_1d_experiments(
    shared_dir, folder, kind, nucleus
):
    from liprobe.steps.nmr_convert import convert_experiment

    item = {
        "experiment": "e",
        "sample": "LAMOX",
        "series": "",
        "path": str(shared_dir / "bruker" / folder),
        "procno": 1,
        "particle_radius_um": None,
        "overrides": {},
        "regions": [{"region": "O", "ppm_min": 300.0, "ppm_max": 700.0}],
    }
    tables, files = convert_experiment(
        item, nmr_opts(), mixing_delay_index=8, log=_Log()
    )
    record = tables["experiments"].iloc[0]
    assert record["kind"] == kind and record["nucleus"] == nucleus
    assert "NUC1" not in record["flags"]
    assert record["topspin_parity_r"] >= 0.999
    assert record["topspin_unsupported"] == ""
    integral = tables["integrals"]
    assert len(integral) == 1 and integral.integral.iloc[0] > 0
    assert any(f.endswith("auditp.txt") for f in files)
