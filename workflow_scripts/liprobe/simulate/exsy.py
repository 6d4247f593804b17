"""Simulated 6Li EXSY campaign: Li exchange between Li6PS5Br and Li6PS5Cl grains.

Forward model: the four peak volumes follow diffusion-limited exchange through
spheres (:func:`liprobe.exsy.models.diffusion_volumes`, Crank's solution) with
D = D0 exp(-Ea / kB T), Ea = 0.27 eV (the seed's grain-boundary value), one 6Li
T1 of tens of seconds for both sites and a Curie (1/T) magnetisation. Each
experiment is a States-TPPI (FnMODE 5) ``noesyph``-type ``ser``: hypercomplex
t1 pairs (cosine, sine rows) with every other pair negated, Lorentzian lines,
complex Gaussian noise, the digital-filter delay of GRPDLY points and int32
storage scaled by 2^NC, written with :func:`liprobe.simulate.bruker.write_experiment`.
The truth (D per temperature, Ea, D0, radius, populations, T1) is written to
``exsy_truth.json`` beside the folders; the reduction never reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from liprobe.exsy.models import KB_EV, diffusion_volumes
from liprobe.simulate.bruker import (
    default_acqus,
    default_procs,
    delay_fid,
    write_experiment,
)

SAMPLE = "LPSBr_LPSCl_mix"
BF1_MHZ = 73.6
SITE_PPM = {"A": 1.85, "B": 0.95}  # A: Li6PS5Br, B: Li6PS5Cl
REGION_NAMES = {"A": "Li6PS5Br", "B": "Li6PS5Cl"}
TEMPERATURES_K = (298.0, 323.0, 348.0, 373.0)
MIXING_TIMES_S = tuple(float(x) for x in np.geomspace(1e-3, 10.0, 8))
EA_EV = 0.27
D0_M2_PER_S = 5.0e-10
RADIUS_UM = 1.5
P_A = 0.45
GRPDLY = 67.9852447509766

PULSE_PROGRAM = """# 1 "noesyph"
;noesyph
;avance-version
;2D homonuclear correlation via dipolar coupling
;dipolar coupling may be due to noe or chemical exchange.
;phase sensitive
;
;$CLASS=HighRes
;$DIM=2D
;$TYPE=
;$SUBTYPE=
;$COMMENT=

"d0=3u"
"in0=inf1"
"acqt0=-p1*2/3.1416"

1 ze
2 d1
3 p1 ph1
  d0
  p1 ph2
  d8
  p1 ph3
  go=2 ph31
  d1 mc #0 to 2 F1PH(ip1, id0)
exit

ph1=0 2
ph2=0 0 0 0 0 0 0 0 2 2 2 2 2 2 2 2
ph3=0 0 2 2 1 1 3 3
ph31=0 2 2 0 1 3 3 1 2 0 0 2 3 1 1 3

;pl1 : f1 channel - power level for pulse (default)
;p1 : f1 channel -  90 degree high power pulse
;d0 : incremented delay (2D)                         [3 usec]
;d1 : relaxation delay; 1-5 * T1
;d8 : mixing time
;inf1: 1/SW = 2 * DW
;in0: 1/(1 * SW) = DW
;nd0: 1
;ns: 8 * n
;FnMODE: States-TPPI, TPPI, States or QSEQ
"""


def demo_exsy_regions() -> list[dict]:
    """Regions-sheet rows of the demo sample: its two sites, +-0.35 ppm wide."""
    rows = []
    for site in ("A", "B"):
        c = SITE_PPM[site]
        rows.append(
            {
                "sample": SAMPLE,
                "region": REGION_NAMES[site],
                "ppm_min": round(c - 0.35, 3),
                "ppm_max": round(c + 0.35, 3),
            }
        )
    return rows


def true_D(temperature_K: float) -> float:
    """D (m^2/s) of the demo at a temperature: D0 exp(-Ea / kB T)."""
    return D0_M2_PER_S * np.exp(-EA_EV / (KB_EV * temperature_K))


def true_T1(temperature_K: float) -> float:
    """6Li T1 (s) of the demo: 40 s at 298 K, shortening on heating."""
    return 40.0 * np.exp(-1200.0 * (1.0 / 298.0 - 1.0 / temperature_K))


def simulate_ser(
    volumes: dict[str, float],
    *,
    sw2_Hz: float,
    sw1_Hz: float,
    td2: int,
    td1: int,
    nu_Hz: dict[str, float],
    t2_s: float,
    noise: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """States-TPPI hypercomplex FIDs (td1 rows of td2 / 2 complex points).

    Row 2j holds cos(2 pi nu_X t1) and row 2j + 1 sin(2 pi nu_X t1) modulation of
    the t2 signal of site Y for each peak XY, t1 = j / SW1, and both rows of
    every odd pair are negated (States-TPPI). Lines are Lorentzian with T2 in
    both dimensions.
    """
    n2 = td2 // 2
    n_pairs = td1 // 2
    t2 = np.arange(n2) / sw2_Hz
    t1 = np.arange(n_pairs) / sw1_Hz
    decay1 = np.exp(-t1 / t2_s)
    out = np.zeros((2 * n_pairs, n2), dtype=complex)
    for peak, vol in volumes.items():
        x, y = peak[0], peak[1]
        s2 = np.exp(2j * np.pi * nu_Hz[y] * t2 - t2 / t2_s)
        cos1 = np.cos(2 * np.pi * nu_Hz[x] * t1) * decay1
        sin1 = np.sin(2 * np.pi * nu_Hz[x] * t1) * decay1
        out[0::2] += vol * np.outer(cos1, s2)
        out[1::2] += vol * np.outer(sin1, s2)
    sign = (-1.0) ** np.arange(n_pairs)
    out[0::2] *= sign[:, None]
    out[1::2] *= sign[:, None]
    out = delay_fid(out, GRPDLY)
    out += noise * (
        rng.standard_normal(out.shape) + 1j * rng.standard_normal(out.shape)
    )
    return out


def write_demo_exsy(
    outdir: str | Path,
    seed: int = 0,
    *,
    temperatures_K: tuple[float, ...] = TEMPERATURES_K,
    mixing_times_s: tuple[float, ...] = MIXING_TIMES_S,
    td2: int = 256,
    td1: int = 64,
    snr: float = 50.0,
) -> dict:
    """Write the simulated 6Li EXSY campaign under ``outdir`` and its truth json.

    One dataset folder per temperature (``exsy_<T>K/<expno>``, expno 10, 11, ...
    one per mixing time). ``snr`` is the ratio of the total t=0 signal amplitude
    to the per-point noise of the FID. Returns ``{"nmr": [...], "regions":
    [...], "truth": {...}}``: the ``nmr`` sheet rows (experiment, sample, path,
    kind, series, temperature_K, particle_radius_um), the ``regions`` sheet rows
    (:func:`demo_exsy_regions`) and the truth also written to
    ``exsy_truth.json``.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sw2 = 10.0 * BF1_MHZ  # 10 ppm
    sw1 = 4.0 * BF1_MHZ  # 4 ppm
    center_ppm = 0.5 * (SITE_PPM["A"] + SITE_PPM["B"])
    o1 = center_ppm * BF1_MHZ
    nu = {k: (v - center_ppm) * BF1_MHZ for k, v in SITE_PPM.items()}
    t2_s = 0.15
    rows = []
    truth = {
        "sample": SAMPLE,
        "Ea_eV": EA_EV,
        "D0_m2_per_s": D0_M2_PER_S,
        "particle_radius_um": RADIUS_UM,
        "pA": P_A,
        "site_ppm": SITE_PPM,
        "regions": demo_exsy_regions(),
        "series": {},
    }
    rg_values = (64.0, 90.5, 128.0, 181.0, 203.0, 256.0)
    for it, T in enumerate(temperatures_K):
        D = float(true_D(T))
        T1 = float(true_T1(T))
        series = f"{SAMPLE}_{int(round(T))}K"
        ns = 16
        rg = rg_values[it % len(rg_values)]
        m0 = 298.0 / T  # Curie law
        noise = 1.0 / snr * np.sqrt(ns) * rg * 1e3
        truth["series"][series] = {
            "temperature_K": T,
            "D_m2_per_s": D,
            "T1_s": T1,
            "exchange_half_time_s": 0.0305465 * (RADIUS_UM * 1e-6) ** 2 / D,
        }
        for im, tm in enumerate(mixing_times_s):
            vols = diffusion_volumes(
                np.array([tm]), D, RADIUS_UM * 1e-6, P_A, 1.0 / T1, m0
            )
            vols = {k: float(v[0]) * ns * rg * 1e3 for k, v in vols.items()}
            ser = simulate_ser(
                vols,
                sw2_Hz=sw2,
                sw1_Hz=sw1,
                td2=td2,
                td1=td1,
                nu_Hz=nu,
                t2_s=t2_s,
                noise=noise,
                rng=rng,
            )
            delays = [0.0] * 16
            delays[1] = 5.0
            delays[8] = float(tm)
            acqus = default_acqus(
                nucleus="6Li",
                bf1_MHz=BF1_MHZ,
                o1_Hz=o1,
                sw_Hz=sw2,
                ns=ns,
                rg=rg,
                temperature_K=T,
                grpdly=GRPDLY,
                pulprog="noesyph",
                d=delays,
                p=[0.0, 4.0],
            )
            acqu2s = {
                "TD": td1,
                "FnMODE": 5,
                "SW_h": sw1,
                "SW": sw1 / BF1_MHZ,
                "SFO1": BF1_MHZ + o1 * 1e-6,
                "BF1": BF1_MHZ,
                "O1": o1,
                "NUC1": "6Li",
                "IN_F": [1e6 / sw1] + [0.0] * 7,
            }
            procs = default_procs(
                si=2 * td2,
                sw_Hz=sw2,
                sf_MHz=BF1_MHZ,
                offset_ppm=(o1 + sw2 / 2) / BF1_MHZ,
                lb_Hz=0.0,
            )
            procs.update(WDW=4, SSB=2.0)
            proc2s = default_procs(
                si=4 * td1,
                sw_Hz=sw1,
                sf_MHz=BF1_MHZ,
                offset_ppm=(o1 + sw1 / 2) / BF1_MHZ,
                lb_Hz=0.0,
            )
            proc2s.update(WDW=4, SSB=2.0, MC2=4)
            folder = outdir / f"exsy_{int(round(T))}K" / str(10 + im)
            write_experiment(
                folder,
                ser,
                acqus,
                acqu2s=acqu2s,
                pulse_program=PULSE_PROGRAM,
                title=f"6Li EXSY {SAMPLE} {T:.0f} K d8 = {tm:g} s",
                procs=procs,
                proc2s=proc2s,
            )
            rows.append(
                {
                    "experiment": f"{series}_tm{im:02d}",
                    "sample": SAMPLE,
                    "path": str(folder),
                    "kind": "exsy",
                    "series": series,
                    "temperature_K": T,
                    "particle_radius_um": RADIUS_UM,
                }
            )
    (outdir / "exsy_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return {"nmr": rows, "regions": demo_exsy_regions(), "truth": truth}
