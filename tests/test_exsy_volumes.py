"""Box volumes: site regions from the sheet, noise-based errors that match the
scatter of repeated measurements."""

import numpy as np
import pandas as pd
import pytest

from liprobe.errors import InputError
from liprobe.exsy import process, volumes
from liprobe.exsy.volumes import site_regions
from liprobe.simulate.exsy import simulate_ser

from conftest import with_schema_defaults

process_2d = with_schema_defaults(process.process_2d, "exsy")
peak_volumes = with_schema_defaults(volumes.peak_volumes, "exsy")

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


def _volumes(seed, noise, vols):
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
    spec = process_2d(ser, ACQUS, ACQU2S, PROCS, PROC2S, fnmode=5)
    return peak_volumes(spec, SITE_A, SITE_B)


def test_volume_errors_match_scatter_of_repeats():
    vols = {"AA": 1.0, "AB": 0.2, "BA": 0.2, "BB": 1.2}
    runs = [_volumes(seed, 0.05, vols) for seed in range(24)]
    for peak in ("AA", "AB", "BA", "BB"):
        values = np.array([r[0][peak] for r in runs])
        errors = np.array([r[1][peak] for r in runs])
        ratio = values.std(ddof=1) / errors.mean()
        assert 0.6 < ratio < 1.6, (peak, ratio)
    assert not any(f.startswith("noise_from_points") for r in runs for f in r[2])


def test_volumes_are_proportional_to_peak_amplitudes():
    vols = {"AA": 1.0, "AB": 0.3, "BA": 0.1, "BB": 2.0}
    v, _, _ = _volumes(0, 0.0, vols)
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


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([["s", "A", 1.5, 2.2]], "region"),
        ([["s", "A", 1, 2], ["s", "B", 3, 4], ["s", "C", 5, 6]], "region"),
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
