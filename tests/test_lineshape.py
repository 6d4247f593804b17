"""Deconvolution of 1D spectra: errors that cover the truth on simulated
spectra processed with zero filling and line broadening, and the published
pseudo-Voigt fits of the real 17O folders.

The simulated spectra are made here from a time-domain model (decaying
complex exponentials, white noise, apodization, zero filling, FFT) that shares
nothing with the fitted line shapes.
"""

from __future__ import annotations

import numpy as np
import pytest

from liprobe.io.bruker import read_parameters, read_processed
from liprobe.lineshape.fit import SiteStart, deconvolve
from liprobe.lineshape.noise import noise_model

SF_MHZ, SW_HZ, TD, SI, LB_HZ = 100.0, 20000.0, 2048, 8192, 20.0
#: site -> (shift ppm, FWHM Hz without line broadening, amplitude)
TRUTH = {"a": (10.0, 150.0, 1.0), "b": (-5.0, 300.0, 0.5)}


def _spectrum(rng, sigma):
    t = np.arange(TD) / SW_HZ
    fid = sum(
        amp * np.exp(2j * np.pi * ppm * SF_MHZ * t - np.pi * fwhm * t)
        for ppm, fwhm, amp in TRUTH.values()
    )
    fid = fid + rng.normal(0, sigma, TD) + 1j * rng.normal(0, sigma, TD)
    fid = fid * np.exp(-np.pi * LB_HZ * t)
    fid[0] *= 0.5
    spec = np.fft.fftshift(np.fft.fft(fid, SI)).real
    ppm = np.fft.fftshift(np.fft.fftfreq(SI, 1 / SW_HZ)) / SF_MHZ
    return ppm, spec


def _fit(seed, sigma=0.05):
    ppm, y = _spectrum(np.random.default_rng(seed), sigma)
    window = (ppm > -40) & (ppm < 40)
    noise = noise_model(y, ~((ppm > -60) & (ppm < 60)))
    sites = [
        SiteStart("a", 9.0, 0.0, 20.0, "lorentzian"),
        SiteStart("b", -4.0, -15.0, 0.0, "lorentzian"),
    ]
    fit = deconvolve(
        ppm[window],
        y[window],
        sites,
        noise,
        baseline_order=1,
        sf_MHz=SF_MHZ,
        poor_fit_p=1e-3,
    )
    return fit.sites.set_index("site")


def test_errors_cover_the_truth_under_zero_filling_and_broadening():
    """40 noise draws: z-scores of shift, width (plus LB) and area fraction of
    both lines have sd within the band an honest estimator reaches (n = 40:
    0.75-1.3) and no |z| above 4."""
    total = sum(amp * 1.0 for _, _, amp in TRUTH.values())
    z = {}
    for seed in range(40):
        sites = _fit(seed)
        for name, (ppm, fwhm, amp) in TRUTH.items():
            row = sites.loc[name]
            for key, value, truth in (
                ("shift", row.shift_ppm, ppm),
                ("fwhm", row.fwhm_Hz, fwhm + LB_HZ),
                ("fraction", row.fraction, amp / total),
            ):
                err = row[
                    f"{key}_ppm_err"
                    if key == "shift"
                    else f"{key}_Hz_err"
                    if key == "fwhm"
                    else "fraction_err"
                ]
                z.setdefault((name, key), []).append((value - truth) / err)
    for key, values in z.items():
        values = np.asarray(values)
        assert 0.75 < values.std(ddof=1) < 1.3, (key, values.std(ddof=1))
        assert np.abs(values).max() < 4, (key, np.abs(values).max())


def test_noise_free_spectrum_is_recovered_exactly():
    ppm, y = _spectrum(np.random.default_rng(0), 0.0)
    window = (ppm > -40) & (ppm < 40)
    noisy_ppm, noisy = _spectrum(np.random.default_rng(1), 0.05)
    noise = noise_model(noisy, ~((noisy_ppm > -60) & (noisy_ppm < 60)))
    fit = deconvolve(
        ppm[window],
        y[window],
        [
            SiteStart("a", 9.0, 0.0, 20.0, "lorentzian"),
            SiteStart("b", -4.0, -15.0, 0.0, "lorentzian"),
        ],
        noise,
        baseline_order=1,
        sf_MHz=SF_MHZ,
        poor_fit_p=1e-3,
    ).sites.set_index("site")
    for name, (shift, fwhm, _) in TRUTH.items():
        assert fit.at[name, "shift_ppm"] == pytest.approx(shift, abs=1e-4)
        assert fit.at[name, "fwhm_Hz"] == pytest.approx(fwhm + LB_HZ, rel=1e-3)


def _published(path):
    """Position, FWHM (ppm, Hz) and percentage per peak of the published fit."""
    import re

    text = (path / "pdata/1/pseudoVoigtPeak_metrics.txt").read_text()
    pos = [float(v) for v in re.findall(r"Position: ([\d.]+)", text)]
    fwhm = [
        float(v) for v in re.findall(r"Width \(FWHM\): ([\d.]+) ± [\d.]+ ppm", text)
    ]
    pct = [float(v) for v in re.findall(r"Percentage: ([\d.]+)%", text)]
    return pos, fwhm, pct


def _real_fit(folder, starts, window, halfwidth):
    ppm, data = read_processed(folder)
    y = data[0] / data[0].max()
    lo, hi = window
    inside = (ppm > lo) & (ppm < hi)
    noise = noise_model(y, (ppm < lo - 200) | (ppm > hi + 200))
    sf = read_parameters(folder / "pdata/1/procs")["SF"]
    sites = [
        SiteStart(f"p{i + 1}", s, s - halfwidth, s + halfwidth, "pseudo_voigt")
        for i, s in enumerate(starts)
    ]
    return deconvolve(
        ppm[inside],
        y[inside],
        sites,
        noise,
        baseline_order=0,
        sf_MHz=sf,
        poor_fit_p=1e-3,
    ).sites


def test_single_17O_line_reproduces_the_published_fit(shared_dir):
    folder = shared_dir / "bruker/lineshape_17O_singlepeak/10"
    pos, fwhm, _ = _published(folder)
    sites = _real_fit(folder, [580.0], (500.0, 660.0), 15.0)
    row = sites.iloc[0]
    assert abs(row.shift_ppm - pos[0]) < 0.5
    assert row.fwhm_ppm == pytest.approx(fwhm[0], rel=0.05)
    assert row.eta > 0.9


def test_six_17O_lines_reproduce_the_published_fit(shared_dir):
    """Start values are the published positions rounded to 5 ppm with +-4 ppm
    bounds (what a sites sheet holds), the window 300-720 ppm, a constant
    baseline as in the published fit. The four main lines: positions within
    0.5 ppm, FWHM within 5 %, percentages within 2 points."""
    folder = shared_dir / "bruker/lineshape_17O_sixpeaks/4"
    pos, fwhm, pct = _published(folder)
    starts = [5.0 * round(p / 5.0) for p in pos]
    sites = _real_fit(folder, starts, (300.0, 720.0), 4.0)
    for i in (0, 2, 3, 4):
        row = sites.iloc[i]
        assert abs(row.shift_ppm - pos[i]) < 0.5, i
        assert row.fwhm_ppm == pytest.approx(fwhm[i], rel=0.05), i
        assert abs(100 * row.fraction - pct[i]) < 2.0, i
