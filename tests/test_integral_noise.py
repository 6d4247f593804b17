"""Integral and height errors against the scatter of pure-noise rows.

Noise-only FIDs with the demo campaign's acquisition (1024 complex points,
50 kHz, 7Li at 194.4 MHz, digital-filter delay 67.98 points, a 120 ppm region)
go through the library's own processing with and without zero filling and
line broadening: the reported 1-sigma errors must equal the scatter of the
integrals and heights over the rows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liprobe.nmr import integrate_regions, process
from liprobe.nmr.acquisition import FidSeries

from conftest import nmr_opts

TD, SW, BF1, GRPDLY = 1024, 50000.0, 194.4, 67.98
CARRIER_PPM = 1.3
ROWS = 600


def noise_fid(si: int, lb_Hz: float, seed: int, procs_extra=None) -> FidSeries:
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((ROWS, TD)) + 1j * rng.standard_normal((ROWS, TD))
    o1 = CARRIER_PPM * BF1
    procs = {
        "SI": si,
        "SW_p": SW,
        "SF": BF1,
        "OFFSET": CARRIER_PPM + SW / 2 / BF1,
        "WDW": 1 if lb_Hz else 0,
        "LB": lb_Hz,
        "PHC0": float((-180.0 * GRPDLY) % 360.0),
        "PHC1": 0.0,
        "BC_mod": 0,
    }
    procs.update(procs_extra or {})
    return FidSeries(
        path=Path("synthetic"),
        data=data,
        acqus={"SW_h": SW, "BF1": BF1, "SFO1": BF1 + o1 * 1e-6, "O1": o1},
        acqu2s=None,
        procs=procs,
        proc2s=None,
        pulse_program="satrect1",
        list_name=None,
        list_time_s=np.linspace(0.01, 1.0, ROWS),
        kind="t1_sr",
        nucleus="7Li",
        larmor_MHz=BF1,
        temperature_K=300.0,
        ns=16,
        rg=32.0,
        mixing_time_s=math.nan,
        fnmode=0,
        is_2d=False,
        td1=ROWS,
        group_delay_points=GRPDLY,
        sw_Hz=SW,
        td=2 * TD,
    )


REGIONS = pd.DataFrame(
    {
        "region": ["Li", "narrow"],
        "ppm_min": [CARRIER_PPM - 60.0, 80.0],
        "ppm_max": [CARRIER_PPM + 60.0, 84.0],
    }
)


@pytest.mark.parametrize(
    ("si", "lb_Hz", "options"),
    [
        (4096, 50.0, {}),  # the demo: 4x zero fill, 50 Hz line broadening
        (4096, 0.0, {}),  # zero fill only
        (1024, 50.0, {}),  # line broadening only
        (1024, 0.0, {}),  # neither (the naive sqrt(n) formula is exact here)
        (8192, 200.0, {"dc_offset": True, "first_point": 0.5}),
    ],
)
def test_reported_errors_equal_the_scatter_of_noise_integrals(si, lb_Hz, options):
    fid = noise_fid(si, lb_Hz, seed=si + int(lb_Hz))
    sp = process(fid, nmr_opts(options))
    assert sp.si == si and sp.lb_Hz == lb_Hz
    # heights at one fixed point: the maximum over a region of pure noise is not
    # the noise of one point
    tab = integrate_regions(sp, fid, REGIONS, height="fixed_point")
    for name, g in tab.groupby("region"):
        for q in ("integral", "height"):
            scatter = g[q].std(ddof=1)
            reported = math.sqrt(np.mean(g[f"{q}_err"] ** 2))
            # 600 rows: the scatter itself is known to about 3 %
            assert scatter / reported == pytest.approx(1.0, abs=0.15), (name, q)
    assert tab["err_method"].str.contains("propagated").all()
    assert (tab["n_noise_windows"] > 1).all()


def test_a_noise_window_with_an_unlisted_line_does_not_inflate_the_error():
    fid = noise_fid(4096, 50.0, seed=7)
    t = (np.arange(TD) - GRPDLY) / SW
    nu = (-80.0 - CARRIER_PPM) * BF1  # a strong line at -80 ppm, not a region
    line = 50.0 * np.exp(-2j * np.pi * nu * t - np.pi * 300.0 * t)
    line[t < 0] = 0.0
    clean = integrate_regions(process(fid, nmr_opts()), fid, REGIONS)
    fid.data = fid.data + line[None, :]
    dirty = integrate_regions(process(fid, nmr_opts()), fid, REGIONS)
    ratio = dirty["integral_err"].mean() / clean["integral_err"].mean()
    assert ratio == pytest.approx(1.0, abs=0.05)
