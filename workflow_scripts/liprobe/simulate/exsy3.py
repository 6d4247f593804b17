"""Simulated three-site 6Li exchange: solid electrolyte - coating - electrode.

A composite of Li6PS5Cl (the solid electrolyte), a LiI coating and Li2S (the
electrode), after the seed's Fig. 1f (Ea 0.117 eV Li6PS5Cl -> LiI and
0.142 eV Li2S -> LiI). Each ordered pair exchanges at k_ij(T) =
k_ij(298 K) exp(-Ea_ij / kB (1/T - 1/298 K)); the forward rates i -> j of the
three pairs are given, the backward ones follow from detailed balance
p_i k_ij = p_j k_ji. Every site relaxes with its own 6Li R1, a Curie (1/T)
magnetisation. The shifts are placed inside the demo's spectral window and
are not literature values.

The Bloch-McConnell-type rate equations of the z magnetisation,

    dM_i/dt = -R1_i (M_i - M_eq,i) - sum_j k_ij M_i + sum_j k_ji M_j,

are integrated numerically site by site (:func:`scipy.integrate.solve_ivp`,
DOP853); no closed form or matrix exponential is used.

* 2D EXSY (``exsy3_<T>K``): one ``noesyph`` States-TPPI experiment per mixing
  time; peak XY (F1 site X, F2 site Y) is the magnetisation labelled on X
  (the deviation from equilibrium, relaxing to zero) found on Y after the
  mixing time; written with :func:`liprobe.simulate.exsy.write_exsy_series`.
* 1D selective inversion (``sel3_<T>K``, one temperature): the coating line,
  and in a second set the electrode line, inverted (90 % of -M_eq) by a
  selective pulse, the others at equilibrium, then the mixing time and a 90
  degree read pulse; one EXPNO per inverted site and mixing time
  (``D[8]``), each a 1D FID of Lorentzian lines with complex Gaussian noise,
  long enough to decay, its t = 0 sample halved (a receiver's band-limited
  view of a signal switched on at t = 0) and delayed by the digital filter.

The truth (rates per ordered pair and temperature, Ea per pair, populations,
R1) goes to ``exsy3_truth.json``; the reduction never reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

from liprobe.simulate.bruker import default_procs, delay_fid, write_experiment
from liprobe.simulate.common import nmr_row
from liprobe.simulate.exsy import GRPDLY, exchange_acqus, write_exsy_series

KB_EV = 8.617333262e-5  # Boltzmann constant, eV/K (CODATA 2018)
SAMPLE = "SE_coating_electrode"
BF1_MHZ = 73.6
#: sites in letter order A, B, C of the peak names
SITES = ("Li6PS5Cl", "LiI", "Li2S")
SITE_PPM = {"Li6PS5Cl": 1.3, "LiI": -0.6, "Li2S": 2.6}
POPULATIONS = {"Li6PS5Cl": 0.6, "LiI": 0.15, "Li2S": 0.25}
#: forward pairs: (from, to) -> (k at 298 K in 1/s, Ea in eV)
FORWARD = {
    ("Li6PS5Cl", "LiI"): (1.0, 0.117),
    ("Li2S", "LiI"): (1.5, 0.142),
    ("Li6PS5Cl", "Li2S"): (0.4, 0.20),
}
T1_298K_S = {"Li6PS5Cl": 12.0, "LiI": 20.0, "Li2S": 30.0}
TEMPERATURES_K = (298.0, 318.0, 338.0, 358.0)
MIXING_TIMES_S = (0.005, 0.03, 0.1, 0.25, 0.6, 1.5)
SELECTIVE_TEMPERATURE_K = 318.0
SELECTIVE_TIMES_S = (0.002, 0.02, 0.06, 0.15, 0.3, 0.6, 1.2, 2.5, 6.0)
#: the sites inverted, one experiment per site and mixing time
SELECTIVE_SITES = ("LiI", "Li2S")
INVERSION = -0.9
#: half width of the regions around each site
HALF_WIDTH_PPM = 0.4
#: transverse relaxation time of every line (Lorentzian, both dimensions)
T2_S = 0.3

SELECTIVE_PULSE_PROGRAM = """# 1 "selinv1d"
;selinv1d
;1D selective inversion, mixing time d8, 90 degree read pulse
;$CLASS=Solids
;$DIM=1D
;$TYPE=exchange
;$COMMENT=

1 ze
2 d1
  (p11:sp1 ph1):f1
  d8
  p1 ph2
  go=2 ph31
  wr #0
exit

ph1=0
ph2=0 1 2 3
ph31=0 1 2 3

;p11 : selective 180 degree shaped pulse
;p1 : 90 degree read pulse
;d8 : mixing time
"""


def rates(temperature_K: float) -> dict[tuple[str, str], float]:
    """k_ij (1/s) of every ordered pair at a temperature (detailed balance for
    the backward ones)."""
    out = {}
    for (a, b), (k298, ea) in FORWARD.items():
        k = k298 * np.exp(-ea / KB_EV * (1.0 / temperature_K - 1.0 / 298.0))
        out[(a, b)] = float(k)
        out[(b, a)] = float(k * POPULATIONS[a] / POPULATIONS[b])
    return out


def r1(temperature_K: float) -> dict[str, float]:
    """6Li R1 (1/s) per site, faster on heating."""
    shorten = np.exp(-1000.0 * (1.0 / 298.0 - 1.0 / temperature_K))
    return {s: float(1.0 / (t1 * shorten)) for s, t1 in T1_298K_S.items()}


def integrate_sites(
    times: np.ndarray,
    temperature_K: float,
    start: dict[str, float],
    equilibrium: dict[str, float],
) -> dict[str, np.ndarray]:
    """M_i(t) of the rate equations of the module docstring from ``start``."""
    k = rates(temperature_K)
    relax = r1(temperature_K)

    def rhs(_t, m):
        state = dict(zip(SITES, m, strict=True))
        out = []
        for i in SITES:
            d = -relax[i] * (state[i] - equilibrium[i])
            for j in SITES:
                if j != i:
                    d += -k[(i, j)] * state[i] + k[(j, i)] * state[j]
            out.append(d)
        return out

    times = np.asarray(times, dtype=float)
    sol = solve_ivp(
        rhs,
        (0.0, float(times.max())),
        [start[s] for s in SITES],
        method="DOP853",
        t_eval=np.sort(times),
        rtol=1e-11,
        atol=1e-14,
    )
    if not sol.success:
        raise RuntimeError(f"three-site integration failed: {sol.message}")
    order = np.argsort(np.argsort(times))
    return {s: sol.y[i][order] for i, s in enumerate(SITES)}


def peak_volumes(times: np.ndarray, temperature_K: float) -> dict[str, np.ndarray]:
    """2D volumes per peak XY (letters A, B, C = :data:`SITES`)."""
    m0 = 298.0 / temperature_K
    zero = dict.fromkeys(SITES, 0.0)
    out = {}
    for x, site in enumerate(SITES):
        start = dict(zero)
        start[site] = m0 * POPULATIONS[site]
        found = integrate_sites(times, temperature_K, start, zero)
        for y, other in enumerate(SITES):
            out["ABC"[x] + "ABC"[y]] = found[other]
    return out


def regions() -> list[dict]:
    """Regions-sheet rows: one region per site, +-0.4 ppm."""
    return [
        {
            "sample": SAMPLE,
            "region": s,
            "ppm_min": round(SITE_PPM[s] - HALF_WIDTH_PPM, 3),
            "ppm_max": round(SITE_PPM[s] + HALF_WIDTH_PPM, 3),
        }
        for s in SITES
    ]


def _window():
    lo, hi = min(SITE_PPM.values()), max(SITE_PPM.values())
    center = 0.5 * (lo + hi)
    return center, center * BF1_MHZ


def _write_2d_series(outdir, rng, temperature_K, index, td2, td1, snr):
    center, o1 = _window()
    T = temperature_K
    return write_exsy_series(
        outdir / f"exsy3_{int(round(T))}K",
        rng,
        sample=SAMPLE,
        series=f"exsy3_{int(round(T))}K",
        temperature_K=T,
        mixing_times_s=MIXING_TIMES_S,
        volumes=peak_volumes(np.asarray(MIXING_TIMES_S), T),
        nu_Hz={"ABC"[i]: (SITE_PPM[s] - center) * BF1_MHZ for i, s in enumerate(SITES)},
        o1_Hz=o1,
        sw2_Hz=12.0 * BF1_MHZ,
        sw1_Hz=6.0 * BF1_MHZ,
        td2=td2,
        td1=td1,
        t2_s=T2_S,
        ns=16,
        rg=(64.0, 90.5, 128.0, 181.0)[index % 4],
        snr=snr,
    )


def _write_selective(outdir, rng, td, snr):
    rows = []
    for index, site in enumerate(SELECTIVE_SITES):
        rows += _write_inversion(outdir, rng, td, snr, site, 10 + 20 * index)
    return rows


def _write_inversion(outdir, rng, td, snr, inverted, first_expno):
    T = SELECTIVE_TEMPERATURE_K
    sw = 12.0 * BF1_MHZ
    center, o1 = _window()
    m0 = 298.0 / T
    eq = {s: m0 * POPULATIONS[s] for s in SITES}
    start = dict(eq)
    start[inverted] = INVERSION * eq[inverted]
    times = np.asarray(SELECTIVE_TIMES_S)
    found = integrate_sites(times, T, start, eq)
    ns, rg = 16, 128.0
    noise = 1.0 / snr * np.sqrt(ns) * rg * 1e3
    t = np.arange(td // 2) / sw
    series = f"sel3_{int(round(T))}K"
    rows = []
    for im, tm in enumerate(SELECTIVE_TIMES_S):
        fid = np.zeros(t.size, dtype=complex)
        for s in SITES:
            nu = (SITE_PPM[s] - center) * BF1_MHZ
            amp = float(found[s][im]) * ns * rg * 1e3
            fid += amp * np.exp(2j * np.pi * nu * t - t / T2_S)
        # the signal switches on at t = 0: a band-limited (filtered) receiver
        # sees half of that step in its t = 0 sample (trapezoid rule), so the
        # spectrum has no constant offset; the filter's delay follows
        fid[0] *= 0.5
        fid = delay_fid(fid[None, :], GRPDLY)[0]
        fid += noise * (rng.standard_normal(t.size) + 1j * rng.standard_normal(t.size))
        acqus = exchange_acqus(
            o1_Hz=o1,
            sw_Hz=sw,
            ns=ns,
            rg=rg,
            temperature_K=T,
            mixing_time_s=tm,
            pulprog="selinv1d",
        )
        procs = default_procs(
            si=2 * td,
            sw_Hz=sw,
            sf_MHz=BF1_MHZ,
            offset_ppm=(o1 + sw / 2) / BF1_MHZ,
            lb_Hz=0.0,
            grpdly=GRPDLY,
        )
        folder = outdir / f"sel3_{int(round(T))}K" / str(first_expno + im)
        write_experiment(
            folder,
            fid,
            acqus,
            pulse_program=SELECTIVE_PULSE_PROGRAM,
            title=f"6Li selective inversion of {inverted}, d8 = {tm:g} s",
            procs=procs,
        )
        rows.append(
            nmr_row(
                f"{series}_{inverted}_tm{im:02d}",
                SAMPLE,
                folder,
                "selective_exchange",
                series=series,
                temperature_K=T,
                inverted_site=inverted,
            )
        )
    return rows


def write_demo_exsy3(
    outdir: str | Path,
    seed: int = 0,
    *,
    td2: int = 256,
    td1: int = 64,
    snr: float = 40.0,
    selective: bool = True,
) -> dict:
    """Write the three-site campaign under ``outdir``: the 2D EXSY series at
    :data:`TEMPERATURES_K` and, with ``selective``, the 1D selective-inversion
    series. Returns ``{"nmr": rows, "regions": rows, "truth": {...}}`` and
    writes the truth to ``exsy3_truth.json``."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    truth = {
        "sample": SAMPLE,
        "sites": list(SITES),
        "populations": POPULATIONS,
        "Ea_eV": {f"{a}->{b}": ea for (a, b), (_, ea) in FORWARD.items()},
        "series": {},
    }
    # detailed balance: the backward rate has the forward one's Ea
    for (a, b), (_, ea) in FORWARD.items():
        truth["Ea_eV"][f"{b}->{a}"] = ea
    for index, T in enumerate(TEMPERATURES_K):
        rows += _write_2d_series(outdir, rng, T, index, td2, td1, snr)
        truth["series"][f"exsy3_{int(round(T))}K"] = {
            "temperature_K": T,
            "k_per_s": {f"{a}->{b}": k for (a, b), k in rates(T).items()},
            "R1_per_s": r1(T),
        }
    if selective:
        # a 1D FID long enough (2.3 s) to decay before it ends: no truncation
        rows += _write_selective(outdir, rng, 16 * td2, 2 * snr)
        T = SELECTIVE_TEMPERATURE_K
        truth["series"][f"sel3_{int(round(T))}K"] = {
            "temperature_K": T,
            "k_per_s": {f"{a}->{b}": k for (a, b), k in rates(T).items()},
            "R1_per_s": r1(T),
            "inverted_sites": list(SELECTIVE_SITES),
            "inversion": INVERSION,
        }
    (outdir / "exsy3_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return {"nmr": rows, "regions": regions(), "truth": truth}
