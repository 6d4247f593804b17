"""Forward model of a 7Li saturation-recovery campaign over temperature.

Truth model (written to ``truth.json``, never read by the reduction):

* Correlation time (Arrhenius): tau_c(T) = tau0 exp(Ea / (kB T)).
* Spectral density (Bloembergen, Purcell & Pound, Phys. Rev. 73 (1948) 679):
  J(w) = 2 tau_c / (1 + (w tau_c)^2).
* Relaxation rate for a dipolar/quadrupolar fluctuation:
  R1 = 1/T1 = C [J(w0) + 4 J(2 w0)], w0 = 2 pi nu_L.
* Saturation recovery of the signal: M(t) = M0 [1 - a exp(-t/T1)], a = 1 for a
  perfect saturation; M0 follows Curie's law, M0 ~ 1/T.
* FID of one line at chemical shift delta with a Lorentzian width:
  s(t) = M exp(-i 2 pi nu t) exp(-pi fwhm t), nu = (delta - delta_carrier) * BF1,
  acquired with quadrature detection; the negative sign puts high ppm on the left
  of the spectrum after an ``exp(-2 pi i ...)`` Fourier transform, as TopSpin does;
  the DSP group delay is applied to the signal with
  :func:`liprobe.simulate.bruker.delay_fid`, then Gaussian complex white noise is
  added to every recorded point (as a receiver's noise fills the filter's delay).

The motional narrowing of the line with temperature follows a smooth step
between a rigid-lattice and a narrowed width (its exact form does not matter
for the reduction, only that widths are realistic).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from liprobe.simulate.bruker import Window, delay_fid, write_experiment
from liprobe.simulate.common import nmr_row

KB_EV_PER_K = 8.617333262e-5
# gamma(1H) / gamma(7Li) (IUPAC 2001 NMR nomenclature, Harris et al.)
PROTON_TO_LI7 = 42.577478 / 16.548

SATREC_PULSE_PROGRAM = """;satrect1
;saturation recovery: saturation comb, variable delay vd, detection pulse
;avance-version (liprobe simulation)
#include <Avance.incl>

"l5=10"
1 ze
2 d1
3 p1 ph1
  d20
  lo to 3 times l5
  vd
  p1 ph2
  go=2 ph31
  d1 mc #0 to 2 F1QF(ivd)
exit

ph1= 0
ph2= 0 1 2 3
ph31=0 1 2 3
"""


@dataclass
class SatRecTruth:
    """Parameters of the simulated 7Li SLR campaign."""

    sample: str = "Li6PS5Cl"
    nucleus: str = "7Li"
    larmor_MHz: float = 194.4
    Ea_eV: float = 0.20
    tau0_s: float = 1e-13
    beta: float = 2.0
    C_per_s2: float = 8.6e10
    shift_ppm: float = 1.3
    saturation_a: float = 0.98
    temperatures_K: list[float] = field(
        default_factory=lambda: [180, 210, 240, 270, 300, 330, 360, 390, 420]
    )
    n_delays: int = 12
    snr: float = 400.0
    m0_at_300K: float = 2.0e7


def tau_c(temperature_K: np.ndarray | float, tau0_s: float, Ea_eV: float) -> np.ndarray:
    """Arrhenius correlation time tau_c = tau0 exp(Ea / kB T)."""
    return tau0_s * np.exp(Ea_eV / (KB_EV_PER_K * np.asarray(temperature_K)))


def r1_bpp(
    temperature_K: np.ndarray | float,
    *,
    C_per_s2: float,
    tau0_s: float,
    Ea_eV: float,
    larmor_MHz: float,
    beta: float = 2.0,
) -> np.ndarray:
    """BPP spin-lattice relaxation rate R1 = C [J(w0) + 4 J(2 w0)] in 1/s.

    J(w) = 2 tau_c / (1 + (w tau_c)^beta) (beta = 2: Bloembergen, Purcell & Pound
    1948; 1 < beta < 2: the asymmetric form for correlated motion).
    """
    tc = tau_c(temperature_K, tau0_s, Ea_eV)
    w0 = 2 * np.pi * larmor_MHz * 1e6

    def j(w: float) -> np.ndarray:
        return 2 * tc / (1 + (w * tc) ** beta)

    return C_per_s2 * (j(w0) + 4 * j(2 * w0))


def _format_delay(seconds: float) -> str:
    """A vdlist entry with a TopSpin unit suffix, as users type them."""
    if seconds >= 1:
        return f"{seconds:.6g}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.6g}m"
    return f"{seconds * 1e6:.6g}u"


def _linewidth_Hz(temperature_K: float) -> float:
    """Motional narrowing: ~3 kHz rigid lattice to ~250 Hz above ~300 K."""
    rigid, narrow, t_mid, width = 3000.0, 250.0, 250.0, 25.0
    step = 1.0 / (1.0 + np.exp(-(temperature_K - t_mid) / width))
    return rigid + (narrow - rigid) * step


def write_satrec_campaign(
    outdir: str | Path,
    seed: int = 1,
    truth: SatRecTruth | None = None,
    td_complex: int = 1024,
    si: int = 4096,
) -> dict:
    """Write the 7Li saturation-recovery series; return the sheet rows and truth.

    One Bruker dataset folder per temperature, ``<outdir>/<sample>_slr/<expno>``,
    expno 10, 11, ... Returns ``{"nmr": [...rows], "regions": [...rows],
    "truth": {...}}`` and writes ``truth.json`` in ``outdir``. ``truth`` (the
    demo's parameters when None), ``td_complex`` (complex points per FID) and
    ``si`` (points after zero filling) set the campaign's size.
    """
    rng = np.random.default_rng(seed)
    truth = truth if truth is not None else SatRecTruth()
    outdir = Path(outdir)
    dataset = outdir / f"{truth.sample}_slr"
    bf1 = truth.larmor_MHz
    o1_Hz = truth.shift_ppm * bf1  # carrier on the line
    window = Window(truth.nucleus, bf1, o1_Hz, 50000.0, o1_Hz / bf1, grpdly=67.98)
    t = window.times(td_complex)
    rows, experiments = [], []
    for i, temp in enumerate(truth.temperatures_K):
        r1 = float(
            r1_bpp(
                temp,
                C_per_s2=truth.C_per_s2,
                tau0_s=truth.tau0_s,
                Ea_eV=truth.Ea_eV,
                larmor_MHz=truth.larmor_MHz,
                beta=truth.beta,
            )
        )
        t1 = 1.0 / r1
        delays = np.geomspace(t1 / 40, 5 * t1, truth.n_delays)
        order = np.arange(truth.n_delays)
        if i % 3 == 1:
            order = order[::-1]  # some users write descending lists
        elif i % 3 == 2:
            order = rng.permutation(order)  # or any order
        delays = delays[order]
        m0 = truth.m0_at_300K * 300.0 / temp  # Curie law
        ns = 16
        rg = [32.0, 64.0, 101.0][i % 3]
        fwhm = _linewidth_Hz(temp)
        nu = (truth.shift_ppm - window.carrier_ppm) * bf1
        shape = np.exp(-2j * np.pi * nu * t) * np.exp(-np.pi * fwhm * t)
        amp = m0 * (1 - truth.saturation_a * np.exp(-delays / t1))
        fids = amp[:, None] * shape[None, :]
        noise_sigma = m0 / truth.snr * np.sqrt(fwhm / 250.0)
        noise = rng.normal(0, noise_sigma, fids.shape) + 1j * rng.normal(
            0, noise_sigma, fids.shape
        )
        # the digital filter delays the signal; the receiver's noise fills every
        # recorded point, the first ones before the delayed signal too.
        # Receiver gain and scans scale the stored numbers.
        fids = (delay_fid(fids, window.grpdly) + noise) * rg * ns
        expno = 10 + i
        acqus = window.acqus(
            ns=ns,
            rg=rg,
            temperature_K=float(temp),
            pulprog="satrect1",
            d=[0.0, 2.0] + [0.0] * 18 + [2e-3],
            p=[0.0, 2.5],
            proton_MHz=bf1 * PROTON_TO_LI7,
        )
        folder = write_experiment(
            dataset / str(expno),
            fids,
            acqus,
            acqu2s=window.list_acqu2s(truth.n_delays),
            lists={"vdlist": [_format_delay(d) for d in delays]},
            pulse_program=SATREC_PULSE_PROGRAM,
            title=f"7Li saturation recovery {truth.sample} {temp:.0f} K",
            procs=window.procs(si, lb_Hz=50.0),
        )
        exp_id = f"{truth.sample}_T{int(temp)}K"
        rows.append(nmr_row(exp_id, truth.sample, folder, "auto"))
        experiments.append(
            {
                "experiment": exp_id,
                "temperature_K": float(temp),
                "T1_s": t1,
                "R1_per_s": r1,
                "delays_s": [float(d) for d in delays],
                "fwhm_Hz": fwhm,
                "m0": m0,
                "ns": ns,
                "rg": rg,
            }
        )
    truth_dict = {"satrec": asdict(truth), "experiments": experiments}
    regions = [
        {
            "sample": truth.sample,
            "region": "Li",
            "ppm_min": truth.shift_ppm - 60.0,
            "ppm_max": truth.shift_ppm + 60.0,
        }
    ]
    return {"nmr": rows, "regions": regions, "truth": truth_dict}


def write_truth(path: str | Path, truth: dict) -> None:
    """Write a truth file (for tests only; the reduction never reads it)."""
    Path(path).write_text(json.dumps(truth, indent=2, default=float))
