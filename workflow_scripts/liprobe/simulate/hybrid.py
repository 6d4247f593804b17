"""A simulated PEO-LAGP hybrid electrolyte (PEO-LiTFSI with LAGP filler):
6Li and 7Li MAS spectra of a pristine and a cycled sample, written as raw
Bruker folders.

Three Li sites (LAGP, the polymer-ceramic interface, PEO-LiTFSI), each with a
known amount of Li per mg of sample. The pristine sample holds natural
lithium; cycling against 6Li metal raised the 6Li fraction of each site to a
known value (the interface most). Each FID is synthesised in the time domain:

* the signal of a site is its Curie magnetisation times the EMF it induces,
  computed here from the nucleus' gyromagnetic ratio and spin (the signal per
  nucleus scales as gamma^3 I (I + 1) at one field), times the number of
  nuclei (amount x mass x isotope fraction), summed over NS scans and
  multiplied by the receiver gain;
* the line: a complex exponential at the site's offset decaying with its
  transverse relaxation rate (Lorentzian, FWHM = 1 / (pi T2*));
* magic-angle spinning: the anisotropic shift interaction modulates the phase
  as exp(i beta [sin(w_r t + g) - sin g]), averaged over the rotor phase g of
  the powder; beta (the anisotropy over the spinning rate) scales with the
  Larmor frequency, so 6Li shows weaker sidebands than 7Li;
* white receiver noise in every scan (it adds up as sqrt(NS)), the Bruker
  digital-filter delay, int32 storage (noise of thousands of counts).

acqus MASR of the 7Li folders is off by 1.5 % (as real MASR often is); the
6Li rows give the true rate in the nmr sheet (``mas_rate_Hz``). Nothing here
uses the reduction's line shapes or constants.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from liprobe.simulate.bruker import Window, delay_fid, write_experiment

#: the simulator's own nuclear data (rad s^-1 T^-1, spin; IUPAC 2001 values)
NUCLEI = {"6Li": (3.9371709e7, 1.0), "7Li": (10.3977013e7, 1.5)}
#: natural 6Li atom fraction the pristine sample holds
NATURAL_LI6 = 0.0759
B0_T = 11.7467  # 7Li at 194.37 MHz, 6Li at 73.61 MHz, 1H at 500.13 MHz
HBAR = 1.054571817e-34
KB = 1.380649e-23
GAMMA_1H = 26.7522128e7  # rad s^-1 T^-1, for the magnet frequency in BF2

ONEPULSE = """;onepulse (single 90 degree pulse)
#include <Avance.incl>
1 ze
2 d1
  p1 ph1
  go=2 ph31
  wr #0
exit
ph1=0 2 1 3
ph31=0 2 1 3
"""


@dataclass(frozen=True)
class Site:
    """One Li environment: shift, 7Li and 6Li line widths (without line
    broadening), sideband strength of 7Li (beta at the MAS rate), Li amount per
    mg (arbitrary unit) and 6Li fraction after cycling."""

    name: str
    shift_ppm: float
    fwhm7_Hz: float
    fwhm6_Hz: float
    beta7: float
    li_per_mg: float
    li6_cycled: float


@dataclass(frozen=True)
class HybridTruth:
    sample: str = "hybrid"
    sites: tuple = field(
        default_factory=lambda: (
            Site("LAGP", -2.0, 150.0, 40.0, 0.7, 2.0, 0.10),
            Site("interface", 0.0, 250.0, 60.0, 0.4, 0.3, 0.40),
            Site("PEO", 1.5, 80.0, 25.0, 0.15, 1.0, 0.20),
        )
    )
    mas_Hz: float = 10000.0
    masr_error: float = 0.015
    mass_mg: dict = field(default_factory=lambda: {"pristine": 12.0, "cycled": 9.5})
    temperature_K: float = 300.0
    #: receiver noise per scan relative to the pristine 7Li LAGP signal per scan
    noise_per_scan: float = 2e-2


#: per nucleus: NS, RG, SW (Hz), TD (complex), SI, LB (Hz), D1 (s)
ACQUISITION = {
    "7Li": (16, 8.0, 200000.0, 8192, 16384, 20.0, 30.0),
    "6Li": (4096, 203.0, 125000.0, 8192, 16384, 20.0, 300.0),
}
#: digitiser counts per unit of signal: the receiver noise spans thousands of
#: counts, so the int32 storage adds no visible quantisation
ADC_COUNTS = 1.0e5
GRPDLY = 68.0  # an integer delay: the filter adds no pre-ringing to the FID


def larmor_MHz(nucleus: str) -> float:
    gamma, _ = NUCLEI[nucleus]
    return gamma * B0_T / (2 * math.pi) / 1e6


def signal_per_nucleus(nucleus: str, temperature_K: float) -> float:
    """EMF per nucleus (arbitrary unit common to both isotopes): Curie
    magnetisation gamma^2 hbar^2 I (I + 1) B0 / (3 kT) times omega0 = gamma B0."""
    gamma, spin = NUCLEI[nucleus]
    m = gamma**2 * HBAR**2 * spin * (spin + 1) * B0_T / (3 * KB * temperature_K)
    return m * gamma * B0_T


def mas_modulation(t: np.ndarray, beta: float, mas_Hz: float, n_phases=48):
    """Powder-averaged phase modulation of a spinning site (sidebands)."""
    g = np.linspace(0.0, 2 * np.pi, n_phases, endpoint=False)[:, None]
    w = 2 * np.pi * mas_Hz
    return np.exp(1j * beta * (np.sin(w * t[None, :] + g) - np.sin(g))).mean(axis=0)


def synthesise(
    truth: HybridTruth, nucleus: str, state: str, rng: np.random.Generator
) -> tuple[np.ndarray, dict]:
    """The stored FID of one spectrum and the site amounts behind it."""
    ns, rg, sw, td, _, _, _ = ACQUISITION[nucleus]
    bf1 = larmor_MHz(nucleus)
    t = np.arange(td) / sw
    per = signal_per_nucleus(nucleus, truth.temperature_K)
    ref = signal_per_nucleus("7Li", truth.temperature_K) * truth.sites[0].li_per_mg
    ref *= truth.mass_mg["pristine"] * (1 - NATURAL_LI6)
    scale = 1.0 / ref  # the pristine 7Li LAGP signal per scan is 1
    fid = np.zeros(td, complex)
    amounts = {}
    for site in truth.sites:
        x6 = NATURAL_LI6 if state == "pristine" else site.li6_cycled
        frac = x6 if nucleus == "6Li" else 1.0 - x6
        n = site.li_per_mg * truth.mass_mg[state] * frac
        amounts[site.name] = n
        amp = n * per * scale
        fwhm = site.fwhm7_Hz if nucleus == "7Li" else site.fwhm6_Hz
        beta = site.beta7 * bf1 / larmor_MHz("7Li")
        nu = site.shift_ppm * bf1  # carrier at 0 ppm
        line = np.exp(2j * np.pi * nu * t - np.pi * fwhm * t)
        fid += amp * line * mas_modulation(t, beta, truth.mas_Hz)
    sigma = truth.noise_per_scan * math.sqrt(ns)
    noise = rng.normal(0, sigma, td) + 1j * rng.normal(0, sigma, td)
    stored = (delay_fid(fid * ns, GRPDLY)[0] + noise) * rg * ADC_COUNTS
    return stored, amounts


def write_hybrid_campaign(
    outdir: str | Path, seed: int = 7, truth: HybridTruth | None = None
) -> dict:
    """Write the four spectra; return nmr, regions and sites sheet rows and
    the truth (site fractions per spectrum, 6Li fractions per site and state)."""
    truth = truth or HybridTruth()
    rng = np.random.default_rng(seed)
    outdir = Path(outdir)
    rows, spectra = [], []
    expno = 1
    for state in ("pristine", "cycled"):
        for nucleus in ("7Li", "6Li"):
            ns, rg, sw, _td, si, lb, d1 = ACQUISITION[nucleus]
            bf1 = larmor_MHz(nucleus)
            fid, amounts = synthesise(truth, nucleus, state, rng)
            masr = truth.mas_Hz * (1 + truth.masr_error)
            # carrier at 0 ppm
            window = Window(nucleus, bf1, 0.0, sw, carrier_ppm=0.0, grpdly=GRPDLY)
            acqus = window.acqus(
                ns=ns,
                rg=rg,
                temperature_K=truth.temperature_K,
                pulprog="onepulse",
                d=[0.0, d1],
                p=[0.0, 2.5],
                masr_Hz=masr if nucleus == "7Li" else 0.0,
                proton_MHz=GAMMA_1H * B0_T / (2 * math.pi) / 1e6,
            )
            folder = write_experiment(
                outdir / truth.sample / str(expno),
                fid,
                acqus,
                pulse_program=ONEPULSE,
                title=f"{nucleus} MAS {truth.sample} {state}",
                procs=window.procs(si, lb_Hz=lb),
            )
            expno += 1
            experiment = f"{truth.sample}_{state}_{nucleus}"
            rows.append(
                {
                    "experiment": experiment,
                    "sample": truth.sample,
                    "path": str(folder),
                    "kind": "1d",
                    "series": f"{truth.sample}_{nucleus}",
                    "state": state,
                    "mass_mg": truth.mass_mg[state],
                    "mas_rate_Hz": truth.mas_Hz if nucleus == "6Li" else "",
                }
            )
            total = sum(amounts.values())
            spectra.append(
                {
                    "experiment": experiment,
                    "nucleus": nucleus,
                    "state": state,
                    "fractions": {k: v / total for k, v in amounts.items()},
                    "fwhm_Hz": {
                        s.name: (s.fwhm7_Hz if nucleus == "7Li" else s.fwhm6_Hz) + lb
                        for s in truth.sites
                    },
                }
            )
    li6 = {
        state: {
            s.name: (NATURAL_LI6 if state == "pristine" else s.li6_cycled)
            for s in truth.sites
        }
        for state in ("pristine", "cycled")
    }
    sites = [
        {
            "sample": truth.sample,
            "site": s.name,
            "shift_ppm": round(s.shift_ppm + 0.3, 1),
            "shift_min_ppm": s.shift_ppm - 0.8,
            "shift_max_ppm": s.shift_ppm + 0.8,
            "shape": "lorentzian",
            "sidebands": "-2,-1,1,2",
            "shared": "yes",
        }
        for s in truth.sites
    ]
    regions = [
        {"sample": truth.sample, "region": "Li", "ppm_min": -6.0, "ppm_max": 6.0}
    ]
    return {
        "nmr": rows,
        "regions": regions,
        "sites": sites,
        "truth": {
            "hybrid": asdict(truth) | {"sites": [asdict(s) for s in truth.sites]},
            "spectra": spectra,
            "li6_fraction": li6,
            "mas_Hz": truth.mas_Hz,
        },
    }
