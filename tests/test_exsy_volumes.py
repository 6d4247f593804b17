"""Box volumes: site regions from the sheet, errors propagated from the receiver
noise that match the scatter of repeated measurements."""

import numpy as np
import pandas as pd
import pytest

from liprobe.errors import InputError
from liprobe.exsy import process, volumes
from liprobe.exsy.models import PEAKS
from liprobe.exsy.process import baseline_correct, baseline_weights, noise_covariance
from liprobe.exsy.volumes import _mask, site_regions
from liprobe.simulate.exsy import simulate_ser

from conftest import with_schema_defaults

process_2d = with_schema_defaults(process.process_2d, "exsy")
peak_volumes = with_schema_defaults(volumes.peak_volumes, "exsy")
free_masks = with_schema_defaults(volumes.free_masks, "exsy")

BF = 73.6
SW2, SW1 = 736.0, 294.4
O1 = 1.4 * BF
NU = {"A": 0.45 * BF, "B": -0.45 * BF}
ACQUS = {"SW_h": SW2, "BF1": BF, "SFO1": BF + O1 * 1e-6, "O1": O1, "GRPDLY": 67.98}
ACQU2S = {"SW_h": SW1, "TD": 64, "BF1": BF, "SFO1": BF + O1 * 1e-6, "O1": O1}
PROCS = {"SI": 512, "WDW": 1, "LB": 3.0}
PROC2S = {"SI": 256, "WDW": 4, "SSB": 2}
SITE_A = [(1.5, 2.2)]
SITE_B = [(0.6, 1.3)]


def _spectrum(seed, noise, vols, procs=PROCS, proc2s=PROC2S):
    rng = np.random.default_rng(seed)
    ser = simulate_ser(
        vols,
        sw2_Hz=SW2,
        sw1_Hz=SW1,
        td2=256,
        td1=64,
        nu_Hz=NU,
        t2_s=0.15,
        noise=noise,
        rng=rng,
    )
    return process_2d(ser, ACQUS, ACQU2S, procs, proc2s, fnmode=5)


def _volumes(seed, noise, vols, procs=PROCS, proc2s=PROC2S):
    return peak_volumes(_spectrum(seed, noise, vols, procs, proc2s), SITE_A, SITE_B)


@pytest.mark.parametrize("mode", [3, 4, 5, 6])
def test_noise_covariance_is_exact(mode):
    """The propagated covariance of baseline-corrected box volumes equals the
    sum over every stored real and imaginary point of the product of the
    volumes' responses to a unit impulse there (the processing is linear)."""
    acqus = {**ACQUS, "GRPDLY": 5.3}
    acqu2s = {**ACQU2S, "TD": 16}
    procs = {"SI": 64, "WDW": 4, "SSB": 2}
    proc2s = {"SI": 32, "WDW": 1, "LB": 20.0}
    shape = (16, 16)

    def boxes(data):
        spec = process_2d(data, acqus, acqu2s, procs, proc2s, fnmode=mode)
        free1, free2 = free_masks(spec, [SITE_A, SITE_B])
        flat = baseline_correct(spec, free1, free2).data
        m1 = [_mask(spec.ppm_f1, s) for s in (SITE_A, SITE_B)]
        m2 = [_mask(spec.ppm_f2, s) for s in (SITE_A, SITE_B)]
        sums = [flat[np.ix_(m1[i], m2[j])].sum() for i, j in ((0, 0), (0, 1), (1, 0))]
        w = [
            (baseline_weights(m1[i], free1), baseline_weights(m2[j], free2))
            for i, j in ((0, 0), (0, 1), (1, 0))
        ]
        return np.array(sums), spec, w

    responses = []
    for part in (1.0, 1j):
        for i in range(shape[0]):
            for j in range(shape[1]):
                data = np.zeros(shape, dtype=complex)
                data[i, j] = part
                responses.append(boxes(data)[0])
    responses = np.array(responses)
    brute = responses.T @ responses
    _, spec, w = boxes(np.zeros(shape, dtype=complex))
    assert brute.diagonal().min() > 0
    np.testing.assert_allclose(
        noise_covariance(spec.maps, w), brute, rtol=1e-9, atol=1e-9 * brute.max()
    )


@pytest.mark.parametrize(
    ("procs", "proc2s"),
    [
        # the demo's processing: QSINE windows, F2 zero filled 4x, F1 8x
        ({"SI": 512, "WDW": 4, "SSB": 2}, {"SI": 256, "WDW": 4, "SSB": 2}),
        # no window, no zero filling
        ({"SI": 128, "WDW": 0}, {"SI": 32, "WDW": 0}),
        # line broadening, zero filled
        ({"SI": 512, "WDW": 1, "LB": 10.0}, {"SI": 256, "WDW": 1, "LB": 10.0}),
    ],
)
def test_volume_errors_match_scatter_of_pure_noise(procs, proc2s):
    """Pure noise through the processing: the scatter of the box volumes over
    repeats over their reported error is 1 within 0.15, the receiver noise is
    recovered, and so is the noise correlation of boxes sharing F1 columns
    (their F1 baselines are the same points)."""
    runs = [_volumes(seed, 0.05, {}, procs, proc2s) for seed in range(80)]
    values = np.array([[r.volumes[p] for p in PEAKS] for r in runs])
    errors = np.array([[r.errors[p] for p in PEAKS] for r in runs])
    # pooled over the four boxes (80 repeats each, partly correlated)
    ratio = np.sqrt((values.var(axis=0, ddof=1) / errors.mean(axis=0) ** 2).mean())
    assert abs(ratio - 1) < 0.15, ratio
    noise = np.array([r.noise for r in runs])
    assert abs(noise.mean() / 0.05 - 1) < 0.03, noise.mean()
    predicted = np.mean([r.correlation["AA"]["BA"] for r in runs])
    measured = np.corrcoef(values[:, 0], values[:, 2])[0, 1]
    assert abs(measured - predicted) < 0.3, (measured, predicted)
    assert not any(r.flags for r in runs)


def test_volume_errors_do_not_depend_on_the_signal():
    """Same noise, with and without peaks: the same errors (the noise level is
    measured where there is no signal)."""
    vols = {"AA": 1.0, "AB": 0.2, "BA": 0.2, "BB": 1.2}
    bare, peaks = _volumes(3, 0.05, {}), _volumes(3, 0.05, vols)
    for p in PEAKS:
        assert peaks.errors[p] == pytest.approx(bare.errors[p], rel=0.02)
        assert peaks.volumes[p] > 10 * peaks.errors[p]  # the peaks are there


def test_volumes_are_proportional_to_peak_amplitudes():
    vols = {"AA": 1.0, "AB": 0.3, "BA": 0.1, "BB": 2.0}
    v = _volumes(0, 0.0, vols).volumes
    # the box integration keeps the ratios of the peaks up to the leakage of
    # line tails into neighbouring boxes (a few per cent of a neighbour)
    for peak, amp in vols.items():
        assert v[peak] / v["AA"] == pytest.approx(amp, rel=0.1, abs=0.03)


def _sheet(rows):
    return pd.DataFrame(rows, columns=["sample", "region", "ppm_min", "ppm_max"])


def test_site_regions_two_regions_with_sidebands():
    sheet = _sheet(
        [
            ["s", "A", 1.5, 2.2],
            ["s", "B", 0.6, 1.3],
            ["s", "A", 40.0, 41.0],
            ["t", "X", 0, 1],
        ]
    )
    sites = site_regions(sheet, "s")
    assert list(sites) == ["A", "B"]
    assert sites["A"] == [(1.5, 2.2), (40.0, 41.0)]


def test_site_regions_three_sites():
    sheet = _sheet([["s", "A", 1, 2], ["s", "B", 3, 4], ["s", "C", 5, 6]])
    assert list(site_regions(sheet, "s")) == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([["s", "A", 1.5, 2.2]], "region"),
        ([["s", "A", 2.2, 1.5], ["s", "B", 0.6, 1.3]], "ppm_min/ppm_max"),
    ],
)
def test_site_regions_errors_name_the_field(rows, field):
    with pytest.raises(InputError) as info:
        site_regions(_sheet(rows), "s", source="regions.tsv")
    assert info.value.file == "regions.tsv" and info.value.field.startswith(field)


def test_region_outside_spectrum_is_an_input_error():
    rng = np.random.default_rng(0)
    ser = simulate_ser(
        {"AA": 1.0},
        sw2_Hz=SW2,
        sw1_Hz=SW1,
        td2=256,
        td1=64,
        nu_Hz=NU,
        t2_s=0.15,
        noise=0.0,
        rng=rng,
    )
    spec = process_2d(ser, ACQUS, ACQU2S, PROCS, PROC2S, fnmode=5)
    with pytest.raises(InputError, match="site A"):
        peak_volumes(spec, [(50.0, 51.0)], SITE_B)
