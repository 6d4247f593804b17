"""Simulated 7Li pulsed-field-gradient (PFG) diffusion series from random walkers.

The simulator shares no model function with the reduction: the echo
attenuation comes from moving walkers and adding up the phase each one gathers,
never from the Stejskal-Tanner law.

* Walkers: N Li ions diffusing freely along the gradient axis z (the gradient's
  axis is the only one that matters for the phase), each with its own D; every
  time step dt moves a walker by a Gaussian increment of variance 2 D dt (exact
  for free diffusion at any dt).
* Encoding: two gradient blocks of effective length delta (a bipolar pair of
  P30 pulses on either side of a 180 degree pulse acts as one block of 2 x P30),
  the second starting Delta (D20) after the first and of opposite effective
  sign (the refocusing). Each block is cut into ``n_sub`` steps; the gradient
  shape is a rectangle or a half sine. The phase per unit gradient of walker i
  is Phi_i = gamma sum_k g(t_k) z_i(t_k) dt (trapezoid in each step) over both
  blocks, and the echo at strength G is E(G) = < cos(G Phi_i) > over walkers.
* Signal: one Lorentzian 7Li line per gradient step with amplitude I0 E(G) (I0
  Curie-scaled), complex Gaussian noise, the DSP delay, int32 storage, written
  as a pseudo-2D ``ser`` with a ``difflist`` (G/cm) by
  :func:`liprobe.simulate.bruker.write_experiment`.
* D(T) = D0 exp(-Ea / kB T) for the temperature series (sample ``LLZO_Ga``,
  a Ga-doped garnet); a second sample (``LLZO_grains``) has two walker
  populations (fast grain interiors, slow grain boundaries): a distribution
  of D.
* One experiment carries TopSpin's own diffusion fit in ``ct1t2.txt``: a
  log-linear fit of its walker attenuation (no spectral noise) done here with
  TopSpin's printed law, and the encoding it printed (rectangular gradients in
  that experiment, so that the printed law is the true one).

Truth (D per experiment, Ea, D0, the populations) goes into the returned dict;
the reduction never reads it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from liprobe.simulate.bruker import (
    Window,
    delay_fid,
    write_experiment,
)

KB_EV = 8.617333262e-5  # Boltzmann constant, eV/K (CODATA 2018)
#: gamma / 2 pi of 7Li in Hz/T (Harris et al., Pure Appl. Chem. 73 (2001) 1795)
GAMMA_LI7_HZ_PER_T = 16.5486e6  # gamma = 10.3977e7 rad/s/T
BF1_MHZ = 194.4
PROTON_MHZ = 500.13
SHIFT_PPM = 1.3
SAMPLE = "LLZO_Ga"
DIST_SAMPLE = "LLZO_grains"
TEMPERATURES_K = (300.0, 340.0, 380.0)
EA_EV = 0.30
D0_M2_PER_S = 1.0e-7
P30_US = 2000.0  # each bipolar half; delta = 2 x P30
D20_S = 0.5
#: the distribution sample: fraction and D of its two walker populations
DIST_TEMPERATURE_K = 340.0
DIST_FRACTION_FAST = 0.6
DIST_D_M2_PER_S = (4.0e-12, 4.0e-13)
TOPSPIN_TEMPERATURE_K = 340.0

PULSE_PROGRAM = """;stebpgp1s
;avance-version (liprobe simulation)
;2D sequence for diffusion measurement using stimulated echo
;using bipolar gradient pulses for diffusion
;using 1 spoil gradient
#include <Avance.incl>
#include <Grad.incl>
#include <Delay.incl>

define list<gradient> diff=<Difframp>

1 ze
2 d1
  p1 ph1
  p30:gp6*diff
  d16
  p2 ph2
  p30:gp6*-1*diff
  d16
  p1 ph3
  d20
  p1 ph4
  p30:gp6*diff
  d16
  p2 ph5
  p30:gp6*-1*diff
  d16
  go=2 ph31
  d1 mc #0 to 2 F1QF(igrad diff)
exit

ph1=0
ph2=0
ph3=0
ph4=0
ph5=0
ph31=0
"""


def true_D(temperature_K: float) -> float:
    """D (m^2/s) of the temperature series at ``temperature_K``."""
    return D0_M2_PER_S * math.exp(-EA_EV / (KB_EV * temperature_K))


def walker_phases(
    D_each: np.ndarray,
    delta_s: float,
    big_delta_s: float,
    shape: str,
    rng: np.random.Generator,
    n_sub: int = 32,
) -> np.ndarray:
    """Phase per unit gradient (rad per T/m) of every walker (see module doc).

    ``D_each`` holds one D (m^2/s) per walker; ``shape`` is ``rectangular`` or
    ``sine``; the second block starts ``big_delta_s`` after the first.
    """
    gamma = 2.0 * math.pi * GAMMA_LI7_HZ_PER_T
    d = np.asarray(D_each, float)
    z = np.zeros(d.size)
    phi = np.zeros(d.size)
    dt = delta_s / n_sub
    edges = np.linspace(0.0, delta_s, n_sub + 1)
    mids = 0.5 * (edges[:-1] + edges[1:])
    if shape == "sine":
        g = np.sin(np.pi * mids / delta_s)
    elif shape == "rectangular":
        g = np.ones(n_sub)
    else:
        raise ValueError(f"shape must be rectangular or sine, got {shape!r}")

    def step(duration: float) -> np.ndarray:
        return rng.standard_normal(d.size) * np.sqrt(2.0 * d * duration)

    for sign in (1.0, -1.0):
        for k in range(n_sub):
            z_new = z + step(dt)
            phi += sign * gamma * g[k] * 0.5 * (z + z_new) * dt
            z = z_new
        if sign > 0:
            z = z + step(big_delta_s - delta_s)
    return phi


def echo_attenuation(phi: np.ndarray, gradients_G_per_cm: np.ndarray) -> np.ndarray:
    """E(G) = <cos(G Phi)> over walkers; G in G/cm (1 G/cm = 0.01 T/m)."""
    g = np.asarray(gradients_G_per_cm, float) * 0.01
    return np.array([float(np.mean(np.cos(gk * phi))) for gk in g])


def _gradient_list(g_max: float, n: int) -> np.ndarray:
    """Steps equally spaced in G^2 from 2 % to 100 % of g_max (a dosy ramp)."""
    frac = np.sqrt(np.linspace(0.02**2, 1.0, n))
    return np.round(g_max * frac, 3)


def _g_max(D_slow: float, delta_s: float, big_delta_s: float, decay: float) -> float:
    """Largest gradient (G/cm) that attenuates the slowest walkers by about
    exp(-decay) in the narrow-pulse picture (q^2 D Delta = decay)."""
    gamma = 2.0 * math.pi * GAMMA_LI7_HZ_PER_T
    q = math.sqrt(decay / (D_slow * big_delta_s))
    return q / (gamma * delta_s) * 100.0  # T/m -> G/cm


def _topspin_b(gradients, delta_s, big_delta_s) -> np.ndarray:
    """TopSpin's printed law: b = (2 pi gamma G delta)^2 (Delta - delta/3) 1e4
    (gamma in Hz/G, G in G/cm), in s/m^2."""
    gamma_hz_per_g = GAMMA_LI7_HZ_PER_T * 1e-4
    b = (2 * math.pi * gamma_hz_per_g * np.asarray(gradients) * delta_s) ** 2
    return b * (big_delta_s - delta_s / 3.0) * 1e4


def _topspin_fit(gradients, attenuation, delta_s, big_delta_s) -> float:
    """What TopSpin's T1/T2 module prints for these points: D of a log-linear
    fit with its law (:func:`_topspin_b`)."""
    b = _topspin_b(gradients, delta_s, big_delta_s)
    keep = attenuation > 0.02
    slope = np.polyfit(b[keep], np.log(attenuation[keep]), 1)[0]
    return float(-slope)


def _si(value: float) -> str:
    """A number with TopSpin's SI suffix (``400.000m``, ``2.000m``, ``12.500``)."""
    if value == 0:
        return "0.000"
    for factor, suffix in ((1.0, ""), (1e-3, "m"), (1e-6, "u")):
        if abs(value) >= factor:
            return f"{value / factor:.3f}{suffix}"
    return f"{value / 1e-9:.3f}n"


def ct1t2_text(
    gradients, attenuation, D: float, delta_s: float, big_delta_s: float
) -> str:
    """TopSpin's diffusion ``ct1t2.txt`` for one peak."""
    lines = [
        "SIMFIT RESULTS",
        "==============",
        "",
        "Dataset : C:/data/LLZO_Ga_pfg/21/pdata/1/ct1t2.txt",
        "",
        "AREA fit : Diffusion : Variable Gradient :",
        "I=I[0]*exp(-D*SQR(2*PI*gamma*G*LD)*(BD-LD/3)*1e4)",
        "",
        f"{len(gradients)} points for Peak 1,  Peak Point = {SHIFT_PPM:.3f} ppm",
        "",
        "Converged after 37 iterations!",
        "",
        "Results     Comp. 1",
        "",
        "I[0]  =   1.000e+000",
        f"Diff Con. =   {D:.3e}m2/s",
        f"Gamma =   {GAMMA_LI7_HZ_PER_T * 1e-4:.4e}",
        f"Little Delta  =    {_si(delta_s)}",
        f"Big Delta     =  {_si(big_delta_s)}",
        "",
        "Point       Gradient     Expt          Calc       Difference",
        "",
    ]
    calc = np.exp(-D * _topspin_b(gradients, delta_s, big_delta_s))
    for k, (g, e, c) in enumerate(
        zip(gradients, attenuation, calc, strict=True), start=1
    ):
        lines.append(f"{k:5d}    {_si(float(g))}    {e:.3e}    {c:.3e}    {c - e:.3e}")
    lines += ["", "=" * 60, ""]
    return "\r\n".join(lines)


def _write(
    folder: Path,
    *,
    amplitudes: np.ndarray,
    gradients: np.ndarray,
    temperature_K: float,
    shape: str,
    rng: np.random.Generator,
    snr: float,
    title: str,
    td_complex: int,
    si: int,
) -> Path:
    fwhm = 300.0
    window = Window("7Li", BF1_MHZ, SHIFT_PPM * BF1_MHZ, 50000.0, SHIFT_PPM, 67.98)
    t = window.times(td_complex)
    line = np.exp(-np.pi * fwhm * t).astype(complex)  # carrier on the line
    fids = amplitudes[:, None] * line[None, :]
    sigma = float(amplitudes.max()) / snr
    noise = rng.normal(0, sigma, fids.shape) + 1j * rng.normal(0, sigma, fids.shape)
    ns, rg = 16, 64.0
    fids = (delay_fid(fids, window.grpdly) + noise) * ns * rg
    acqus = window.acqus(
        ns=ns,
        rg=rg,
        temperature_K=float(temperature_K),
        pulprog="stebpgp1s",
        d=[0.0, 2.0] + [0.0] * 14 + [2e-4, 0.0, 0.0, 0.0, D20_S],
        p=[0.0, 2.5, 5.0] + [0.0] * 27 + [P30_US],
        proton_MHz=PROTON_MHZ,
    )
    acqus["GPNAM"] = [
        ("SINE.100" if shape == "sine" else "RECT.1") if i == 6 else "SMSQ10.100"
        for i in range(32)
    ]
    acqus["GPZ"] = [100.0 if i == 6 else 0.0 for i in range(32)]
    return write_experiment(
        folder,
        fids,
        acqus,
        acqu2s=window.list_acqu2s(len(gradients)),
        lists={"difflist": [f"{g:.3f}" for g in gradients]},
        pulse_program=PULSE_PROGRAM,
        title=title,
        procs=window.procs(si, lb_Hz=50.0),
    )


def write_demo_pfg(
    outdir: str | Path,
    seed: int = 1,
    n_walkers: int = 200_000,
    n_gradients: int = 8,
    snr: float = 150.0,
    td_complex: int = 512,
    si: int = 1024,
) -> dict:
    """Write the PFG demo; return the sheet rows, regions and truth."""
    rng = np.random.default_rng(seed)
    outdir = Path(outdir)
    delta = 2.0 * P30_US * 1e-6
    rows, truth_rows = [], []
    for i, temp in enumerate(TEMPERATURES_K):
        D = true_D(temp)
        shape = "rectangular" if temp == TOPSPIN_TEMPERATURE_K else "sine"
        eff = delta * (2 / math.pi if shape == "sine" else 1.0)
        grads = _gradient_list(_g_max(D, eff, D20_S, 3.0), n_gradients)
        phi = walker_phases(np.full(n_walkers, D), delta, D20_S, shape, rng)
        atten = echo_attenuation(phi, grads)
        i0 = 3.0e6 * 300.0 / temp  # Curie law
        expno = 20 + i
        folder = _write(
            outdir / f"{SAMPLE}_pfg" / str(expno),
            amplitudes=i0 * atten,
            gradients=grads,
            temperature_K=temp,
            shape=shape,
            rng=rng,
            snr=snr,
            title=f"7Li PFG stimulated echo {SAMPLE} {temp:.0f} K",
            td_complex=td_complex,
            si=si,
        )
        topspin_D = None
        if temp == TOPSPIN_TEMPERATURE_K:
            topspin_D = _topspin_fit(grads, atten, delta, D20_S)
            (folder / "pdata" / "1" / "ct1t2.txt").write_bytes(
                ct1t2_text(grads, atten, topspin_D, delta, D20_S).encode("latin-1")
            )
        exp_id = f"{SAMPLE}_pfg_T{int(temp)}K"
        rows.append(
            {
                "experiment": exp_id,
                "sample": SAMPLE,
                "path": str(folder),
                "kind": "auto",
            }
        )
        truth_rows.append(
            {
                "experiment": exp_id,
                "temperature_K": temp,
                "D_m2_per_s": D,
                "gradient_shape": shape,
                "gradients_G_per_cm": [float(g) for g in grads],
                "topspin_D_m2_per_s": topspin_D,
            }
        )
    # the distribution sample: two walker populations
    fast, slow = DIST_D_M2_PER_S
    n_fast = int(round(DIST_FRACTION_FAST * n_walkers))
    d_each = np.concatenate([np.full(n_fast, fast), np.full(n_walkers - n_fast, slow)])
    grads = _gradient_list(_g_max(slow, delta * 2 / math.pi, D20_S, 2.5), 12)
    phi = walker_phases(d_each, delta, D20_S, "sine", rng)
    atten = echo_attenuation(phi, grads)
    folder = _write(
        outdir / f"{DIST_SAMPLE}_pfg" / "30",
        amplitudes=3.0e6 * atten,
        gradients=grads,
        temperature_K=DIST_TEMPERATURE_K,
        shape="sine",
        rng=rng,
        snr=2 * snr,
        title=f"7Li PFG stimulated echo {DIST_SAMPLE} {DIST_TEMPERATURE_K:.0f} K",
        td_complex=td_complex,
        si=si,
    )
    dist_id = f"{DIST_SAMPLE}_pfg_T{int(DIST_TEMPERATURE_K)}K"
    rows.append(
        {
            "experiment": dist_id,
            "sample": DIST_SAMPLE,
            "path": str(folder),
            "kind": "auto",
        }
    )
    regions = [
        {
            "sample": sample,
            "region": "Li",
            "ppm_min": SHIFT_PPM - 60.0,
            "ppm_max": SHIFT_PPM + 60.0,
        }
        for sample in (SAMPLE, DIST_SAMPLE)
    ]
    truth = {
        "sample": SAMPLE,
        "Ea_eV": EA_EV,
        "D0_m2_per_s": D0_M2_PER_S,
        "delta_s": delta,
        "big_delta_s": D20_S,
        "n_walkers": n_walkers,
        "experiments": truth_rows,
        "distribution": {
            "experiment": dist_id,
            "sample": DIST_SAMPLE,
            "temperature_K": DIST_TEMPERATURE_K,
            "fraction_fast": n_fast / n_walkers,
            "D_fast_m2_per_s": fast,
            "D_slow_m2_per_s": slow,
        },
    }
    return {"nmr": rows, "regions": regions, "truth": truth}
