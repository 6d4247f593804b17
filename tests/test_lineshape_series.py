"""Spinning sidebands (MAS rate fitted from their positions) and series fitted
jointly: errors that cover the truth on spectra synthesised here in the time
domain (powder MAS as a rotor-phase-averaged phase modulation, decaying
complex exponentials, white noise, line broadening, zero filling, FFT).
"""

from __future__ import annotations

import numpy as np

from liprobe.lineshape.fit import SiteStart, deconvolve
from liprobe.lineshape.joint import deconvolve_series
from liprobe.lineshape.noise import noise_model
from liprobe.lineshape.peaks import PeakSettings

SF_MHZ, SW_HZ, TD, SI, LB_HZ = 100.0, 20000.0, 2048, 8192, 20.0
MAS_HZ, BETA = 1500.0, 1.2  # sidebands +-1 hold 25 %, +-3 below 0.1 %


def _fid(lines, rng, sigma, mas=False):
    t = np.arange(TD) / SW_HZ
    fid = np.zeros(TD, complex)
    for ppm, fwhm, amp in lines:
        fid += amp * np.exp(2j * np.pi * ppm * SF_MHZ * t - np.pi * fwhm * t)
    if mas:
        # powder MAS: the phase exp(i beta [sin(w t + g) - sin g]) averaged
        # over the rotor phase g (positive sideband intensities J_k(beta)^2)
        g = np.linspace(0, 2 * np.pi, 64, endpoint=False)[:, None]
        w = 2 * np.pi * MAS_HZ
        mod = np.exp(1j * BETA * (np.sin(w * t[None, :] + g) - np.sin(g))).mean(0)
        fid[:] = fid * mod
    fid += rng.normal(0, sigma, TD) + 1j * rng.normal(0, sigma, TD)
    fid *= np.exp(-np.pi * LB_HZ * t)
    fid[0] *= 0.5
    spec = np.fft.fftshift(np.fft.fft(fid, SI)).real
    ppm = np.fft.fftshift(np.fft.fftfreq(SI, 1 / SW_HZ)) / SF_MHZ
    return ppm, spec


def _z_check(z):
    for key, values in z.items():
        values = np.asarray(values)
        assert 0.7 < values.std(ddof=1) < 1.35, (key, values.std(ddof=1))
        assert np.abs(values).max() < 4, (key, np.abs(values).max())


def test_mas_rate_from_sideband_positions_covers_the_truth():
    """One spinning site with sidebands -3..3 and a static-like narrow site;
    the fit starts the MAS rate 2 % off. 30 draws: z-scores of the MAS rate,
    the spinning site's shift and the area fraction (sidebands included)."""
    z = {}
    for seed in range(30):
        rng = np.random.default_rng(100 + seed)
        ppm, y = _fid([(5.0, 120.0, 1.0)], rng, 0.02, mas=True)
        ppm2, y2 = _fid([(-3.0, 80.0, 0.5)], rng, 0.0)
        y = y + y2
        window = (ppm > -60) & (ppm < 60)
        noise = noise_model(y, (ppm < -70) | (ppm > 70))
        sites = [
            SiteStart("a", 4.0, 0.0, 10.0, "lorentzian", (-3, -2, -1, 1, 2, 3)),
            SiteStart("b", -2.5, -6.0, -1.0, "lorentzian"),
        ]
        fit = deconvolve(
            ppm[window],
            y[window],
            sites,
            noise,
            baseline_order=1,
            sf_MHz=SF_MHZ,
            poor_fit_p=1e-3,
            mas_Hz=1.02 * MAS_HZ,
            fit_mas=True,
        ).sites.set_index("site")
        a = fit.loc["a"]
        z.setdefault("mas", []).append((a.mas_Hz - MAS_HZ) / a.mas_Hz_err)
        z.setdefault("shift", []).append((a.shift_ppm - 5.0) / a.shift_ppm_err)
        z.setdefault("fraction", []).append((a.fraction - 1.0 / 1.5) / a.fraction_err)
    _z_check(z)


def test_series_fitted_jointly_shares_shift_and_width():
    """Three spectra of the same two sites with areas changing along the
    series: one shift and width per site, fractions per spectrum. 25 draws:
    z-scores within the honest band; the shared shift is better determined
    than a single spectrum's."""
    truth = {"a": (10.0, 150.0), "b": (-5.0, 300.0)}
    amps = [(1.0, 0.5), (0.8, 0.7), (0.6, 0.9)]
    settings = PeakSettings(
        baseline_order=1,
        poor_fit_p_value=1e-3,
        window_margin=0.5,
        noise_guard=0.5,
        shape="lorentzian",
        pick_snr=10.0,
    )
    sites = [
        SiteStart("a", 9.0, 0.0, 20.0, "lorentzian"),
        SiteStart("b", -4.0, -15.0, 0.0, "lorentzian"),
    ]
    regions = None
    z: dict = {}
    for seed in range(25):
        rng = np.random.default_rng(300 + seed)
        spectra = [
            _fid(
                [(*truth["a"], aa), (*truth["b"], ab)],
                rng,
                0.05,
            )
            for aa, ab in amps
        ]
        frames, curves = deconvolve_series(
            spectra, sites, regions, settings, sf_MHz=SF_MHZ, mas_Hz=None, fit_mas=False
        )
        assert len(frames) == 3 and len(curves) == 3
        for j, frame in enumerate(frames):
            f = frame.set_index("site")
            # shared: the same values in every spectrum's rows
            assert (
                f.at["a", "shift_ppm"]
                == frames[0].set_index("site").at["a", "shift_ppm"]
            )
            total = sum(amps[j])
            for k, name in enumerate(("a", "b")):
                z.setdefault(("fraction", j, name), []).append(
                    (f.at[name, "fraction"] - amps[j][k] / total)
                    / f.at[name, "fraction_err"]
                )
        f = frames[0].set_index("site")
        for name, (shift, fwhm) in truth.items():
            z.setdefault(("shift", name), []).append(
                (f.at[name, "shift_ppm"] - shift) / f.at[name, "shift_ppm_err"]
            )
            z.setdefault(("fwhm", name), []).append(
                (f.at[name, "fwhm_Hz"] - fwhm - LB_HZ) / f.at[name, "fwhm_Hz_err"]
            )
    _z_check(z)
    # one spectrum alone: a larger shift error than the joint fit
    ppm, y = spectra[0]
    window = (ppm > -40) & (ppm < 40)
    single = deconvolve(
        ppm[window],
        y[window] / np.abs(y[window]).max(),
        sites,
        noise_model(y / np.abs(y[window]).max(), (ppm < -60) | (ppm > 60)),
        baseline_order=1,
        sf_MHz=SF_MHZ,
        poor_fit_p=1e-3,
    ).sites.set_index("site")
    assert single.at["b", "shift_ppm_err"] > 1.3 * f.at["b", "shift_ppm_err"]
