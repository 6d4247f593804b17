"""Receiver noise of an EXSY series: the degrees of freedom of one spectrum's
noise level, and the level pooled over the spectra of a series (NS and RG
scaling, outliers, the errors of the volume table)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_exsy_volumes import SITE_A, SITE_B, _spectrum, peak_volumes

from liprobe.exsy.models import PEAKS
from liprobe.exsy.series import pool_series_noise
from liprobe.exsy.volumes import (
    pool_receiver_noise,
    volume_err_method,
)

#: the demo's processing: QSINE windows, F2 zero filled 4x, F1 8x
DEMO_PROCS = ({"SI": 512, "WDW": 4, "SSB": 2}, {"SI": 256, "WDW": 4, "SSB": 2})
#: NS and RG of the spectra of one simulated series (one cycle each)
NS = (16, 16, 32, 8, 16, 64, 16, 16)
RG = (64.0, 64.0, 90.5, 128.0, 203.0, 64.0, 32.0, 64.0)
UNIT_NOISE = 0.01  # receiver noise per sqrt(NS) x RG
N_SERIES = 15


@pytest.fixture(scope="module")
def levels():
    """Own noise level and degrees of freedom of pure-noise spectra whose
    receiver noise is UNIT_NOISE x sqrt(NS) x RG, N_SERIES series of 8."""
    out = []
    for seed in range(N_SERIES * len(NS)):
        i = seed % len(NS)
        scale = math.sqrt(NS[i]) * RG[i]
        boxes = peak_volumes(
            _spectrum(seed, UNIT_NOISE * scale, {}, *DEMO_PROCS), SITE_A, SITE_B
        )
        assert not boxes.flags
        out.append((boxes.noise, boxes.noise_dof, scale))
    return np.array(out)


def test_noise_dof_matches_the_scatter_of_one_spectrum_level(levels):
    """The relative scatter of a spectrum's own level over repeats equals
    1 / sqrt(2 nu) of its stated degrees of freedom (zero-filled, windowed
    points are correlated: n_eff is far below the point count), within three
    standard errors of a scatter from this many repeats; the level itself is
    unbiased within three standard errors of the mean."""
    noise, dof, scale = levels.T
    unit = noise / scale / UNIT_NOISE
    n = unit.size
    predicted = 1.0 / math.sqrt(2.0 * dof.mean())
    assert dof.std() / dof.mean() < 1e-6  # the same free points each time
    measured = unit.std(ddof=1)
    assert abs(measured / predicted - 1) < 3 / math.sqrt(2 * (n - 1)), (
        measured,
        predicted,
    )
    assert abs(unit.mean() - 1) < 3 * predicted / math.sqrt(n), unit.mean()


def test_pooled_level_scales_with_ns_and_rg_and_covers_the_truth(levels):
    """Series of 8 spectra with different NS and RG: the pooled level per
    sqrt(NS) x RG has the degrees of freedom of all eight, its z-values
    against the simulated noise are standard normal within their error, and
    each spectrum's pooled level is that unit level times its own
    sqrt(NS) x RG."""
    z = []
    for s in range(N_SERIES):
        block = levels[s * len(NS) : (s + 1) * len(NS)]
        noise, dof, scale = block.T
        pooled = pool_receiver_noise(noise, dof, NS, RG, p_value=1e-3)
        assert pooled.pooled.all() and not any(pooled.flags)
        assert pooled.unit_dof == pytest.approx(dof.sum())
        np.testing.assert_allclose(pooled.noise, pooled.unit * scale, rtol=1e-12)
        np.testing.assert_allclose(pooled.dof, dof.sum())
        sd = 1.0 / math.sqrt(2.0 * pooled.unit_dof)
        z.append((pooled.unit / UNIT_NOISE - 1) / sd)
    z = np.array(z)
    # N_SERIES z-values from the stated pooled dof: mean within 3 standard
    # errors, sd inside the central 99.8 % of a sample sd of N_SERIES normals
    assert abs(z.mean()) < 3 / math.sqrt(N_SERIES), z
    lo, hi = np.sqrt(stats.chi2.interval(0.998, N_SERIES - 1)) / math.sqrt(N_SERIES - 1)
    assert lo < z.std(ddof=1) < hi, z
    assert np.abs(z).max() < 4, z


def test_equal_levels_pool_exactly_across_ns_and_rg():
    """Levels exactly proportional to sqrt(NS) x RG pool to themselves."""
    scale = np.sqrt(NS) * np.array(RG)
    pooled = pool_receiver_noise(0.3 * scale, [100.0] * 8, NS, RG, p_value=1e-3)
    assert pooled.unit == pytest.approx(0.3)
    np.testing.assert_allclose(pooled.noise, 0.3 * scale)
    assert pooled.unit_dof == 800.0


def test_pooling_weights_levels_by_their_degrees_of_freedom():
    pooled = pool_receiver_noise(
        [1.0, 1.1], [300.0, 100.0], [1, 1], [1.0, 1.0], p_value=1e-3
    )
    assert pooled.unit == pytest.approx(math.sqrt((300 * 1.0 + 100 * 1.21) / 400))


def test_a_spectrum_noisier_than_its_series_keeps_its_own_level():
    """One spectrum 30 % above seven siblings whose levels have 1 % scatter:
    flagged, its own (larger) level kept and not pooled; a spectrum 30 %
    below is pooled (its errors are not shrunk by its low level)."""
    noise = np.ones(8)
    noise[3] = 1.3
    noise[5] = 0.7
    pooled = pool_receiver_noise(
        noise, [5000.0] * 8, [16] * 8, [64.0] * 8, p_value=1e-3
    )
    assert pooled.flags[3] == ["noise_above_series_level"]
    assert not pooled.pooled[3] and pooled.noise[3] == 1.3
    assert pooled.dof[3] == 5000.0
    assert all(not f for i, f in enumerate(pooled.flags) if i != 3)
    assert pooled.pooled[5] and pooled.noise[5] > 0.9
    assert pooled.unit_dof == 35000.0


def test_no_pooling_without_two_usable_levels():
    pooled = pool_receiver_noise(
        [1.0, math.nan], [100.0, 100.0], [1, 1], [1.0, 1.0], p_value=1e-3
    )
    assert not pooled.pooled.any() and math.isnan(pooled.unit)
    assert pooled.noise[0] == 1.0


def test_pool_series_noise_rescales_the_volume_errors():
    """The volume table of a series: errors scaled by pooled / own level, the
    pooled level and its degrees of freedom recorded, the own kept."""
    rows = []
    for experiment, own, ns, rg in (("e1", 2.0, 16, 64.0), ("e2", 4.4, 16, 128.0)):
        for peak in PEAKS:
            rows.append(
                {
                    "experiment": experiment,
                    "peak": peak,
                    "volume_err": 0.5,
                    "ns": ns,
                    "rg": rg,
                    "noise": own,
                    "noise_dof": 200.0,
                    "noise_pooled": False,
                    "noise_own": own,
                    "noise_own_dof": 200.0,
                    "err_method": volume_err_method(True),
                    "flags": "",
                }
            )
    out = pool_series_noise(pd.DataFrame(rows), baseline=True, p_value=1e-3)
    # per sqrt(NS) x RG: 2 / 256 and 4.4 / 512, pooled with equal weights
    unit = math.sqrt(((2.0 / 256) ** 2 + (4.4 / 512) ** 2) / 2)
    e1, e2 = out[out["experiment"] == "e1"], out[out["experiment"] == "e2"]
    np.testing.assert_allclose(e1["noise"], unit * 256)
    np.testing.assert_allclose(e2["noise"], unit * 512)
    np.testing.assert_allclose(e1["volume_err"], 0.5 * unit * 256 / 2.0)
    np.testing.assert_allclose(e2["volume_err"], 0.5 * unit * 512 / 4.4)
    assert (out["noise_dof"] == 400.0).all() and out["noise_pooled"].all()
    assert (out["noise_own"] == pd.Series([2.0] * 4 + [4.4] * 4)).all()
    assert (out["err_method"] == volume_err_method(True, pooled=True)).all()
    assert "series" in out["err_method"].iloc[0]
