"""Simulated static 7Li variable-temperature spectra narrowed by Li hopping.

The line shape comes from a jump model, not from the reduction's fit: each
spin's precession frequency is a stationary Gaussian random process (second
moment ``M2``, the rigid-lattice dipolar width) that loses its memory
exponentially with the correlation time ``tau_c(T) = tau0 exp(Ea / kB T)``
(Anderson and Kubo's stochastic line shape). The free induction decay is the
average precession factor, ``G(t) = exp(-<phi(t)^2> / 2)``, whose accumulated
phase variance follows from integrating the frequency correlation function
``M2 exp(-|s| / tau_c)`` twice over time:
``<phi(t)^2> / 2 = M2 tau_c^2 (t / tau_c - 1 + exp(-t / tau_c))``. Slow motion
(``tau_c sqrt(M2) >> 1``) leaves the Gaussian rigid-lattice line; fast motion
narrows it to a Lorentzian of full width ``M2 tau_c / pi``. A residual
Lorentzian width (field inhomogeneity) multiplies the decay by
``exp(-pi w0 t)``.

The true width curve (:func:`true_fwhm_Hz`) is measured by this module on
noise-free, finely sampled spectra of the same model, at any temperature.
Shares no function, table or constant with the reduction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from liprobe.simulate.bruker import Window, delay_fid, write_experiment
from liprobe.simulate.common import nmr_row

#: Boltzmann constant (eV/K), CODATA 2018 exact value
_KB_EV = 8.617333262e-5

ZG_PULSE_PROGRAM = """;zg
;one-pulse experiment
#include <Avance.incl>
1 ze
2 d1
  p1 ph1
  go=2 ph31
  wr #0
exit
ph1=0 2 2 0 1 3 3 1
ph31=0 2 2 0 1 3 3 1
"""


@dataclass(frozen=True)
class NarrowingTruth:
    """The parameters the variable-temperature series is simulated from."""

    sample: str = "LLZO_Al"
    series: str = "LLZO_Al_vt"
    nucleus: str = "7Li"
    larmor_MHz: float = 194.37
    shift_ppm: float = 1.0
    rigid_fwhm_Hz: float = 6000.0  # Gaussian FWHM of the rigid lattice
    residual_fwhm_Hz: float = 30.0  # Lorentzian, field inhomogeneity
    Ea_eV: float = 0.30
    #: temperature at which tau_c sqrt(M2) = 1 (sets tau0)
    crossover_K: float = 250.0
    temperatures_K: tuple[float, ...] = (130, 160, 340, 360, 380, 400, 420, 440)
    #: index of the experiment whose acqus TE is 0 K (the sheet gives it)
    bad_te_index: int = 3
    #: peak height over the noise sd of every spectrum (the scans are set for it)
    snr: float = 150.0

    @property
    def M2_rad2_per_s2(self) -> float:
        sigma_Hz = self.rigid_fwhm_Hz / (2.0 * np.sqrt(2.0 * np.log(2.0)))
        return float((2.0 * np.pi * sigma_Hz) ** 2)

    @property
    def tau0_s(self) -> float:
        return float(
            np.exp(-self.Ea_eV / (_KB_EV * self.crossover_K))
            / np.sqrt(self.M2_rad2_per_s2)
        )

    def tau_c_s(self, temperature_K):
        return self.tau0_s * np.exp(self.Ea_eV / (_KB_EV * np.asarray(temperature_K)))


def kubo_fid(t_s: np.ndarray, tau_c_s: float, M2: float, residual_Hz: float):
    """Anderson-Kubo decay at times ``t_s`` (the phase variance integrated from
    the exponential frequency correlation), times the residual decay."""
    u = np.asarray(t_s, dtype=float) / tau_c_s
    # u - 1 + exp(-u), without cancellation at small u
    small = u < 1e-3
    g = np.where(small, u * u / 2 - u**3 / 6, u - 1 + np.exp(-np.where(small, 0, u)))
    return np.exp(-M2 * tau_c_s**2 * g - np.pi * residual_Hz * t_s)


def _fwhm_of(nu: np.ndarray, s: np.ndarray) -> float:
    top = int(np.argmax(s))
    half = 0.5 * s[top]
    r = top + int(np.argmax(s[top:] < half))
    left = top - int(np.argmax(s[top::-1] < half))
    xr = nu[r - 1] + (half - s[r - 1]) * (nu[r] - nu[r - 1]) / (s[r] - s[r - 1])
    xl = nu[left + 1] + (half - s[left + 1]) * (nu[left] - nu[left + 1]) / (
        s[left] - s[left + 1]
    )
    return float(xr - xl)


def true_fwhm_Hz(truth: NarrowingTruth, temperatures_K) -> np.ndarray:
    """The model's FWHM (Hz) at each temperature: noise-free line, 4 Hz per
    point, measured at half height by linear interpolation."""
    sw, n = 8.0 * 8192.0, 16384
    t = np.arange(n) / sw
    out = []
    for T in np.atleast_1d(np.asarray(temperatures_K, dtype=float)):
        f = kubo_fid(
            t, float(truth.tau_c_s(T)), truth.M2_rad2_per_s2, truth.residual_fwhm_Hz
        ).astype(complex)
        f[0] *= 0.5
        s = np.fft.fftshift(np.fft.fft(f)).real
        nu = np.fft.fftshift(np.fft.fftfreq(n, 1.0 / sw))
        out.append(_fwhm_of(nu, s))
    return np.asarray(out)


def write_narrowing_series(
    outdir: str | Path,
    seed: int = 1,
    truth: NarrowingTruth | None = None,
    td_complex: int = 2048,
    si: int = 8192,
) -> dict:
    """Write the static 7Li variable-temperature series (one dataset, one EXPNO
    per temperature); return the sheet rows, regions and truth."""
    rng = np.random.default_rng(seed)
    truth = truth if truth is not None else NarrowingTruth()
    dataset = Path(outdir) / f"{truth.sample}_vt"
    bf1 = truth.larmor_MHz
    o1_Hz = truth.shift_ppm * bf1  # carrier on the line
    window = Window(truth.nucleus, bf1, o1_Hz, 50000.0, o1_Hz / bf1, grpdly=67.98)
    t = window.times(td_complex)
    M2 = truth.M2_rad2_per_s2
    widths = true_fwhm_Hz(truth, truth.temperatures_K)
    rows, experiments = [], []
    for i, T in enumerate(truth.temperatures_K):
        tau = float(truth.tau_c_s(T))
        fid = kubo_fid(t, tau, M2, truth.residual_fwhm_Hz).astype(complex)
        # the noise of one point sets the spectrum's noise sd (sigma sqrt(TD))
        # at 1/snr of the line's height; broad lines were given more scans
        first = fid.copy()
        first[0] *= 0.5
        height = float(np.abs(np.fft.fft(first, 4 * si)).max())
        sigma = height / truth.snr / np.sqrt(td_complex)
        noise = rng.normal(0, sigma, td_complex) + 1j * rng.normal(0, sigma, td_complex)
        ns = int(8 * min(512, max(1, round((widths[i] / widths.min()) ** 2 / 8))))
        rg = 32.0
        data = (delay_fid(fid[None, :], window.grpdly) + noise[None, :]) * ns * rg
        bad_te = i == truth.bad_te_index
        acqus = window.acqus(
            ns=ns,
            rg=rg,
            temperature_K=0.0 if bad_te else float(T),
            pulprog="zg",
            d=[0.0, 1.0],
            p=[0.0, 2.5],
            masr_Hz=0.0,
        )
        folder = write_experiment(
            dataset / str(10 + i),
            data,
            acqus,
            pulse_program=ZG_PULSE_PROGRAM,
            title=f"7Li static {truth.sample} {T:.0f} K",
            procs=window.procs(si, lb_Hz=0.0),
        )
        exp_id = f"{truth.sample}_vt_{int(T)}K"
        rows.append(
            nmr_row(
                exp_id,
                truth.sample,
                folder,
                "linewidth",
                series=truth.series,
                # acqus TE of this folder is 0 K: the sheet gives its temperature
                temperature_K=float(T) if bad_te else "",
            )
        )
        experiments.append(
            {
                "experiment": exp_id,
                "temperature_K": float(T),
                "tau_c_s": tau,
                "fwhm_Hz": float(widths[i]),
                "acqus_TE_K": 0.0 if bad_te else float(T),
            }
        )
    regions = [
        {
            "sample": truth.sample,
            "region": "Li",
            "ppm_min": truth.shift_ppm - 50.0,
            "ppm_max": truth.shift_ppm + 50.0,
        }
    ]
    truth_dict = {
        "narrowing": {
            **{k: v for k, v in asdict(truth).items()},
            "M2_rad2_per_s2": M2,
            "tau0_s": truth.tau0_s,
        },
        "experiments": experiments,
    }
    return {"nmr": rows, "regions": regions, "truth": truth_dict}
