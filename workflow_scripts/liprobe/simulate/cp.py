"""Forward model of 1H -> 6Li cross-polarization contact-time series.

A hybrid electrolyte (PEO with a Li salt and LAGP particles) with two 6Li
sites: Li in the polymer (near its protons: fast transfer) and Li in the
ceramic near the interface (slow transfer). Two states of the same sample,
pristine and cycled; after cycling the build-up is weaker (slower transfer,
fewer Li polarised: Li near the polymer is more mobile). Truth (written to
``truth.json``, never read by the reduction) per state and site: ``T_IS``,
``T1rho_H`` and the amplitude.

Spin dynamics, integrated numerically here (no closed form is evaluated): in
the spin-temperature picture of a Hartmann-Hahn matched contact (Mehring,
Principles of High Resolution NMR in Solids, 2nd ed. (1983), ch. 4) the
inverse spin temperatures of the proton bath ``b_I`` and of the 6Li spins of a
site ``b_S`` obey the coupled rate equations::

    d b_S / dt = -(b_S - b_I) / T_IS - b_S / T1rho_S
    d b_I / dt = -eps (b_I - b_S) / T_IS - b_I / T1rho_H

with ``b_I(0) = 1`` (protons spin-locked after their 90 degree pulse),
``b_S(0) = 0``, ``eps`` the ratio of the heat capacities of the 6Li and 1H
reservoirs (dilute 6Li: small) and ``T1rho_S`` the 6Li rotating-frame
relaxation (long). :func:`scipy.integrate.solve_ivp` integrates them to each
contact time. The observed 6Li magnetisation is the amplitude times ``b_S``.

One Bruker experiment (EXPNO) per contact time: pulse program ``cp``, the
contact time in acqus ``P[15]`` (us). FIDs are synthesised in the time domain
(one Gaussian-broadened line per site at its shift) with complex white noise
on every recorded point, scaled by scans and receiver gain. The receiver's
digital filter is off (``DIGMOD`` 0): the first stored point is the t = 0
point, which procs ``FCOR`` = 0.5 halves, as TopSpin does, so that the
spectrum has no constant offset (the region integrals of the two sites then
do not leak into each other through the baseline).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

from liprobe.simulate.bruker import Window, write_experiment
from liprobe.simulate.common import nmr_row

# IUPAC 2001 frequency ratio of 6Li (percent of the 1H frequency; Harris et
# al., Pure Appl. Chem. 73 (2001) 1795)
LI6_XI_PERCENT = 14.716086
PROTON_MHZ = 500.13

CP_PULSE_PROGRAM = """;cp
;cross polarization from 1H with a contact pulse of length p15,
;high-power 1H decoupling during acquisition
;avance-version (liprobe simulation)
#include <Avance.incl>

1 ze
2 d1 do:f2
  (p3 pl12 ph1):f2
  (p15 pl1 ph2):f1 (p15:sp0 ph10):f2
  go=2 ph31 cpd2:f2
  d1 do:f2 mc #0 to 2 F0(zd)
exit

ph1= 1 3
ph2= 0 0 2 2 1 1 3 3
ph10= 0
ph31=0 0 2 2 1 1 3 3
"""


@dataclass
class CpSite:
    """One 6Li site: its shift, line width and the build-up per state."""

    name: str
    shift_ppm: float
    fwhm_Hz: float
    #: state -> (T_IS_s, T1rho_H_s, amplitude)
    states: dict[str, tuple[float, float, float]]


def _demo_sites() -> list[CpSite]:
    return [
        CpSite(
            "PEO",
            -0.9,
            30.0,
            {"pristine": (0.25e-3, 8.0e-3, 1.0), "cycled": (0.6e-3, 9.0e-3, 0.7)},
        ),
        CpSite(
            "LAGP",
            2.1,
            40.0,
            {"pristine": (1.5e-3, 8.0e-3, 0.5), "cycled": (2.5e-3, 9.0e-3, 0.3)},
        ),
    ]


@dataclass
class CpTruth:
    """Parameters of the simulated CP campaign."""

    #: PEO with a Li salt and 50 wt % LAGP
    sample: str = "PEO-LAGP50"
    nucleus: str = "6Li"
    sites: list[CpSite] = field(default_factory=_demo_sites)
    contact_times_s: list[float] = field(
        default_factory=lambda: [
            ms * 1e-3
            for ms in (0.05, 0.1, 0.2, 0.4, 0.7, 1.0, 1.5, 2.5, 4.0, 6.0, 9.0, 14, 20)
        ]
    )
    #: heat-capacity ratio of the 6Li and 1H reservoirs (dilute 6Li)
    epsilon: float = 1e-4
    #: 6Li rotating-frame relaxation time (s)
    T1rho_S_s: float = 20.0
    #: signal of amplitude 1 relative to the noise of one point (per FID)
    amplitude: float = 4.0e6
    noise_sigma: float = 1.0e5
    temperature_K: float = 298.0


def polarisation_transfer(
    contact_times_s, T_IS: float, T1rho_H: float, *, epsilon: float, T1rho_S: float
) -> np.ndarray:
    """6Li inverse spin temperature ``b_S`` at each contact time.

    Integrates the coupled rate equations of the module docstring from
    ``b_I = 1``, ``b_S = 0`` (explicit Runge-Kutta of order 8, tight tolerances).
    """
    times = np.asarray(contact_times_s, float)

    def rates(_t, b):
        b_s, b_i = b
        flow = (b_i - b_s) / T_IS
        return [flow - b_s / T1rho_S, -epsilon * flow - b_i / T1rho_H]

    order = np.argsort(times)
    solution = solve_ivp(
        rates,
        (0.0, float(times.max())),
        [0.0, 1.0],
        method="DOP853",
        t_eval=times[order],
        rtol=1e-11,
        atol=1e-13,
    )
    if not solution.success:
        raise RuntimeError(f"CP rate equations: {solution.message}")
    out = np.empty_like(times)
    out[order] = solution.y[0]
    return out


def write_cp_campaign(
    outdir: str | Path,
    seed: int = 1,
    truth: CpTruth | None = None,
    td_complex: int = 512,
    si: int = 2048,
) -> dict:
    """Write one CP contact-time series per state; return sheet rows and truth.

    Folders ``<outdir>/<sample>_<state>_cp/<expno>`` (expno 1, 2, ... in
    contact-time order). Returns ``{"nmr": [...rows], "regions": [...rows],
    "truth": {...}}``; the sheet rows carry ``state`` and ``kind: auto`` (the
    kind is detected from the pulse program).
    """
    rng = np.random.default_rng(seed)
    truth = truth if truth is not None else CpTruth()
    outdir = Path(outdir)
    bf1 = PROTON_MHZ * LI6_XI_PERCENT / 100.0
    shifts = [s.shift_ppm for s in truth.sites]
    carrier_ppm = 0.5 * (min(shifts) + max(shifts))
    window = Window(truth.nucleus, bf1, carrier_ppm * bf1, 5000.0, carrier_ppm)
    t = window.times(td_complex)
    states = list(dict.fromkeys(k for s in truth.sites for k in s.states))
    transfer = {
        (site.name, state): polarisation_transfer(
            truth.contact_times_s,
            site.states[state][0],
            site.states[state][1],
            epsilon=truth.epsilon,
            T1rho_S=truth.T1rho_S_s,
        )
        * site.states[state][2]
        for site in truth.sites
        for state in site.states
    }
    rows = []
    for state in states:
        dataset = outdir / f"{truth.sample}_{state}_cp"
        for i, contact in enumerate(truth.contact_times_s):
            fid = np.zeros(td_complex, complex)
            for site in truth.sites:
                nu = (site.shift_ppm - carrier_ppm) * bf1
                sigma_t = np.pi * site.fwhm_Hz / np.sqrt(2.0 * np.log(2.0))
                shape = np.exp(2j * np.pi * nu * t) * np.exp(-0.5 * (sigma_t * t) ** 2)
                fid += truth.amplitude * transfer[(site.name, state)][i] * shape
            noise = rng.normal(0, truth.noise_sigma, (1, td_complex)) + 1j * rng.normal(
                0, truth.noise_sigma, (1, td_complex)
            )
            ns, rg = 32, [64.0, 101.0][i % 2]
            data = (fid[None, :] + noise) * rg * ns
            acqus = window.acqus(
                ns=ns,
                rg=rg,
                temperature_K=truth.temperature_K,
                pulprog="cp",
                d=[0.0, 5.0],
                p=[0.0, 4.0, 8.0, 2.5] + [0.0] * 11 + [contact * 1e6],
                masr_Hz=10000.0,
                proton_MHz=PROTON_MHZ,
            )
            acqus.update(NUC2="1H", BF2=PROTON_MHZ, SFO2=PROTON_MHZ, DIGMOD=0)
            procs = window.procs(si, lb_Hz=0.0)
            procs["FCOR"] = 0.5
            folder = write_experiment(
                dataset / str(i + 1),
                data,
                acqus,
                pulse_program=CP_PULSE_PROGRAM,
                title=(
                    f"1H-6Li CP {truth.sample} {state}, contact time "
                    f"{contact * 1e3:g} ms, MAS 10 kHz"
                ),
                procs=procs,
            )
            exp_id = f"{truth.sample}_{state}_cp{i + 1:02d}"
            rows.append(nmr_row(exp_id, truth.sample, folder, "auto", state=state))
    ordered = sorted(truth.sites, key=lambda s: s.shift_ppm)
    bounds = [ordered[0].shift_ppm - 1.5]
    bounds += [
        0.5 * (a.shift_ppm + b.shift_ppm)
        for a, b in zip(ordered[:-1], ordered[1:], strict=True)
    ]
    bounds += [ordered[-1].shift_ppm + 1.5]
    regions = [
        {
            "sample": truth.sample,
            "region": site.name,
            "ppm_min": bounds[k],
            "ppm_max": bounds[k + 1],
        }
        for k, site in enumerate(ordered)
    ]
    values = [
        {
            "state": state,
            "site": site.name,
            "T_IS_s": site.states[state][0],
            "T1rho_H_s": site.states[state][1],
            "amplitude": site.states[state][2],
        }
        for site in truth.sites
        for state in site.states
    ]
    truth_dict = {"cp": asdict(truth), "values": values}
    return {"nmr": rows, "regions": regions, "truth": truth_dict}
