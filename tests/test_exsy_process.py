"""2D EXSY processing: quadrature modes, axes, phasing, TopSpin parity."""

import numpy as np
import pytest

from liprobe.errors import InputError
from liprobe.exsy import process
from liprobe.exsy.parity import exsy_topspin_parity, pearson_2d
from liprobe.io.bruker import read_processed

from conftest import with_schema_defaults

process_2d = with_schema_defaults(process.process_2d, "exsy")
process_f2 = with_schema_defaults(process.process_f2, "exsy")

BF = 73.6
SW2, SW1 = 800.0, 400.0
O1 = 1.0 * BF  # carrier at 1 ppm
ACQUS = {"SW_h": SW2, "BF1": BF, "SFO1": BF + O1 * 1e-6, "O1": O1, "DIGMOD": 0}
NU1, NU2 = 61.0, -37.0  # Hz from the carrier


def _acqu2s(td1):
    return {"SW_h": SW1, "TD": td1, "BF1": BF, "SFO1": BF + O1 * 1e-6, "O1": O1}


def _signal(mode, n_inc=32, n2=256, t2=0.1):
    """One peak at (NU1, NU2) Hz written in each indirect quadrature scheme."""
    t2v = np.arange(n2) / SW2
    s2 = np.exp(2j * np.pi * NU2 * t2v - t2v / t2)
    if mode == 3:  # TPPI: real rows at dwell 1/(2 SW1), +90 deg per row
        t1 = np.arange(2 * n_inc) / (2 * SW1)
        mod = np.cos(2 * np.pi * NU1 * t1 + np.arange(2 * n_inc) * np.pi / 2)
        return np.outer(mod * np.exp(-t1 / t2), s2)
    t1 = np.arange(n_inc) / SW1
    dec = np.exp(-t1 / t2)
    out = np.empty((2 * n_inc, n2), dtype=complex)
    if mode == 6:  # echo exp(-i w1 t1), antiecho exp(+i w1 t1)
        out[0::2] = np.outer(np.exp(-2j * np.pi * NU1 * t1) * dec, s2)
        out[1::2] = np.outer(np.exp(2j * np.pi * NU1 * t1) * dec, s2)
        return out
    out[0::2] = np.outer(np.cos(2 * np.pi * NU1 * t1) * dec, s2)
    out[1::2] = np.outer(np.sin(2 * np.pi * NU1 * t1) * dec, s2)
    if mode == 5:
        out *= np.repeat((-1.0) ** np.arange(n_inc), 2)[:, None]
    return out


@pytest.mark.parametrize("mode", [3, 4, 5, 6])
def test_peak_lands_at_its_ppm_in_both_dimensions(mode):
    data = _signal(mode).astype(complex)
    spec = process_2d(data, ACQUS, _acqu2s(data.shape[0]), fnmode=mode)
    i1, i2 = np.unravel_index(np.argmax(spec.data), spec.data.shape)
    step1 = SW1 / BF / spec.data.shape[0]
    step2 = SW2 / BF / spec.data.shape[1]
    assert spec.ppm_f2[i2] == pytest.approx(1.0 + NU2 / BF, abs=1.01 * step2)
    assert spec.ppm_f1[i1] == pytest.approx(1.0 + NU1 / BF, abs=1.01 * step1)
    # absorptive: the peak is positive and dominates the most negative point
    assert spec.data.max() > 5 * abs(spec.data.min())
    assert spec.ppm_f1[0] > spec.ppm_f1[-1] and spec.ppm_f2[0] > spec.ppm_f2[-1]


def test_states_tppi_moves_axial_peak_to_the_edge():
    data = _signal(5)
    data += 0.5  # a constant (axial) artefact in every row
    spec = process_2d(data, ACQUS, _acqu2s(data.shape[0]), fnmode=5)
    centre = spec.data.shape[0] // 2
    col = np.argmax(spec.data.max(axis=0))
    profile = np.abs(spec.data[:, col])
    # the axial artefact sits at the F1 edge, not at the carrier in the middle
    assert profile[centre] < 0.05 * spec.data.max()


def test_auto_phase_recovers_a_rotated_spectrum():
    data = _signal(4)
    good = process_2d(data, ACQUS, _acqu2s(data.shape[0]), fnmode=4)
    rotated = data * np.exp(1j * np.deg2rad(50.0))
    auto = process_2d(
        rotated, ACQUS, _acqu2s(data.shape[0]), fnmode=4, phase_mode="auto"
    )
    assert pearson_2d(auto.data, good.data) > 0.99
    assert auto.phases_deg["PHC0_F2"] == pytest.approx(50.0, abs=2.0)


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_unsupported_fnmode_names_the_field(mode):
    with pytest.raises(InputError, match="FnMODE"):
        process_2d(_signal(4), ACQUS, _acqu2s(64), fnmode=mode, source="x/ser")


def test_axis_from_acquisition_when_procs_stale():
    data = _signal(4)
    stale = {"SI": 512, "SW_p": 999.0, "SF": BF, "OFFSET": 42.0}
    spec = process_2d(data, ACQUS, _acqu2s(64), stale, fnmode=4)
    assert "F2_axis_from_acquisition_procs_inconsistent" in spec.flags
    assert spec.ppm_f2[0] == pytest.approx(1.0 + SW2 / 2 / BF)


def test_f2_processing_matches_topspin_2rr_rows(shared_dir):
    """Real TopSpin data: every row of the menthol t1ir 2rr (processed by
    TopSpin 3.2 with EM, digital filter, PHC0/PHC1) against process_f2."""
    from liprobe.io.bruker import read_processed

    from conftest import read_experiment

    folder = shared_dir / "bruker" / "cheminfo_1H_t1ir_menthol" / "1"
    fid = read_experiment(folder)
    spec, _, _ = process_f2(fid.data, fid.acqus, fid.procs)
    ppm, rr = read_processed(folder, 1)
    assert spec.shape[1] == rr.shape[1]
    r = [pearson_2d(spec[k].real, rr[k]) for k in range(fid.data.shape[0])]
    assert min(r) > 0.998, r
    # shifting by one point must be clearly worse: the point order is right
    shifted = pearson_2d(np.roll(spec[0].real, 1), rr[0])
    assert shifted < min(r) - 0.01


def _write_independent_2rr(folder, data, n_signal, procs, proc2s):
    """TopSpin-like 2rr of a States-TPPI ser processed with nmrglue's proc_base
    (an implementation independent of liprobe's), stored as one int32 block.

    ``data`` has the filter delay undone; its first ``n_signal`` points hold
    the acquired signal, and the F2 window spans them (it ends where the
    acquisition ends)."""
    import nmrglue as ng

    pb = ng.proc_base
    si2, si1 = int(procs["SI"]), int(proc2s["SI"])
    sine = np.zeros_like(data)  # QSINE SSB=2 in F2 over the acquired points
    sine[:, :n_signal] = pb.sp(data[:, :n_signal], off=0.5, end=1.0, pow=2.0)
    f2 = pb.fft(pb.zf_size(sine, si2))  # nmrglue: fftshift(fft), low to high?
    f2 = f2[:, ::-1]  # high frequency first
    f2 = np.roll(f2, 1, axis=1)  # first point at +SW/2 (TopSpin order)
    re = f2.real
    t1 = re[0::2] + 1j * re[1::2]
    t1 *= ((-1.0) ** np.arange(t1.shape[0]))[:, None]
    t1[0] *= 0.5
    t1 = pb.sp(t1.T, off=0.5, end=1.0, pow=2.0).T
    f1 = pb.fft(pb.zf_size(t1.T, si1)).T[::-1]
    f1 = np.roll(f1, 1, axis=0)
    rr = f1.real
    nc = int(np.ceil(np.log2(np.abs(rr).max()))) - 28
    ints = np.rint(rr / 2.0**nc).astype("<i4")
    pdir = folder / "pdata" / "1"
    (pdir / "2rr").write_bytes(ints.tobytes())
    return nc


def test_exsy_topspin_parity_on_simulated_folder(tmp_path):
    from liprobe.simulate.bruker import (
        default_acqus,
        default_procs,
        format_jcamp,
        write_experiment,
    )
    from liprobe.simulate.exsy import simulate_ser

    from conftest import read_experiment

    rng = np.random.default_rng(5)
    ser = simulate_ser(
        {"AA": 1e6, "AB": 3e5, "BA": 3e5, "BB": 8e5},
        sw2_Hz=SW2,
        sw1_Hz=SW1,
        td2=256,
        td1=64,
        nu_Hz={"A": 40.0, "B": -30.0},
        t2_s=0.1,
        noise=100.0,
        rng=rng,
    )
    acqus = default_acqus(
        nucleus="6Li",
        bf1_MHz=BF,
        o1_Hz=O1,
        sw_Hz=SW2,
        ns=8,
        rg=64.0,
        temperature_K=300.0,
        grpdly=67.9852447509766,
        pulprog="noesyph",
        d=[0.0] * 8 + [0.5],
    )
    acqu2s = {**_acqu2s(64), "FnMODE": 5}
    procs = default_procs(
        si=512, sw_Hz=SW2, sf_MHz=BF, offset_ppm=(O1 + SW2 / 2) / BF, lb_Hz=0.0
    )
    procs.update(WDW=4, SSB=2, XDIM=512)
    proc2s = default_procs(
        si=128, sw_Hz=SW1, sf_MHz=BF, offset_ppm=(O1 + SW1 / 2) / BF, lb_Hz=0.0
    )
    proc2s.update(WDW=4, SSB=2, XDIM=128)
    folder = write_experiment(
        tmp_path / "exsy" / "1",
        ser,
        acqus,
        acqu2s=acqu2s,
        procs=procs,
        proc2s=proc2s,
        pulse_program="noesyph",
    )
    fid = read_experiment(folder)
    # the simulated digital filter is undone in the independent processing by
    # the same delay in the time domain, so give it data without the filter
    from liprobe.simulate.bruker import delay_fid

    undelayed = delay_fid(fid.data, -67.9852447509766)
    n_signal = 128 - 68  # complex points recorded after the filter delay
    nc = _write_independent_2rr(folder, undelayed, n_signal, procs, proc2s)
    procs["NC_proc"] = nc
    (folder / "pdata" / "1" / "procs").write_text(format_jcamp(procs))
    (folder / "pdata" / "1" / "proc2s").write_text(format_jcamp(proc2s))
    fid = read_experiment(folder)
    spec = process_2d(
        fid.data, fid.acqus, fid.acqu2s, fid.procs, fid.proc2s, fnmode=fid.fnmode
    )
    res = exsy_topspin_parity(spec, read_processed(folder, 1))
    assert res["flags"] == ""
    assert res["pearson_r"] > 0.9999, res
    assert res["max_ppm_offset"] < 1e-9
    from liprobe.exsy import series

    experiment_volumes = with_schema_defaults(series.experiment_volumes, "exsy")
    sites = {"A": [(1.3, 1.8)], "B": [(0.3, 0.8)]}
    frame, _ = experiment_volumes(
        fid,
        sites,
        experiment="e",
        sample="s",
        series="s_300K",
        reference=read_processed(folder, 1),
    )
    assert (frame["topspin_parity_r"] > 0.9999).all()


def test_parity_without_2rr_says_so(tmp_path):
    spec = process_2d(_signal(4), ACQUS, _acqu2s(64), fnmode=4)
    assert read_processed(tmp_path, 1) is None
    res = exsy_topspin_parity(spec, read_processed(tmp_path, 1))
    assert np.isnan(res["pearson_r"]) and res["flags"] == "no_topspin_2rr"


def test_f2_window_ends_where_the_acquisition_ends(monkeypatch):
    """With a filter delay of 68 of 128 points the signal ends at point 60;
    the window spans those points, so the cut-off signal does not ring."""
    import liprobe.exsy.process as process
    from liprobe.simulate.bruker import delay_fid

    grpdly = 67.98
    acqus = {**ACQUS, "DIGMOD": 1, "GRPDLY": grpdly}
    procs = {"SI": 512, "WDW": 4, "SSB": 2}
    assert process.signal_points(128, grpdly) == 60
    assert process.signal_points(128, 0.0) == 128
    w = process.f2_window(128, grpdly, procs, SW2)
    assert w[0] == 1.0 and w[59] < 1e-3 and not w[60:].any()
    t2 = np.arange(128) / SW2
    row = np.exp(2j * np.pi * 30.0 * t2 - t2 / 0.15)[None, :]  # T2 beyond 60 points
    raw = delay_fid(row, grpdly)

    def ripple():
        re = process_f2(raw, acqus, procs)[0][0].real
        peak = int(np.argmax(re))
        far = np.abs(np.arange(re.size) - peak) > 0.1 * re.size  # > 70 Hz away
        # the t = 0 point adds a constant; what is left is ringing
        return np.abs(re[far] - re[far].mean()).max() / re[peak]

    assert ripple() < 2e-3
    # a window over all 128 points leaves the signal cut off at point 60
    monkeypatch.setattr(
        process, "f2_window", lambda n, g, p, sw: process.window(n, p, sw)
    )
    assert ripple() > 5e-3
