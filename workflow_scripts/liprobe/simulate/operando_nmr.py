"""Operando 7Li NMR spectra of the two demo cells, from the cells' truth.

The same truth as the demo's NDP data (:mod:`liprobe.simulate.cells`): per
cycle a plated layer of active Li and, during stripping, inactive (dead) Li
left behind. What the spectrometer sees, integrated here from the physics:

* the RF field decays into a metal over the skin depth
  ``d = sqrt(rho / (pi mu0 f))`` (11 um for Li at 194 MHz); a layer of Li
  metal at relative density ``r`` and thickness ``t`` gives the signal of
  ``r n_Li int_0^t exp(-z / d) dz`` atoms per cm2 (numerical quadrature over
  depth);
* ``counter``: the counter electrode's Li strip, the field entering from both
  faces (``cosh((z - T/2) / d) / cosh(T / (2 d))`` at depth ``z``, by
  quadrature), its shift that of a strip perpendicular to B0;
* ``plated``: the cycle's active Li, a smooth film on the working electrode
  (one face to the electrolyte) at ``plated_density_rel``;
* ``microstructure``: the dead Li, mossy, thinner than the skin depth and
  seen whole, at a higher bulk-susceptibility shift;
* ``sei``: the diamagnetic line near 0 ppm: the electrolyte's Li in the coil
  plus the Li bound in the SEI, one Li per electron of the plating charge
  spent on electrolyte reduction (``reduction_fraction``).

Each line is a Voigt decay in the time domain (Lorentzian T2 and Gaussian
inhomogeneous broadening), the signal of each component averaged over the
acquisition's span, complex Gaussian receiver noise, written as raw Bruker
folders (one EXPNO per spectrum) with ``audita.txt`` (one cell) or only
acqus ``DATE`` (the other) for the times.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from liprobe.simulate.bruker import Window, write_experiment
from liprobe.simulate.cells import (
    LI_METAL_PER_CM3,
    LI_PER_MAH,
    DemoCell,
    demo_cells,
    schedule,
    true_inventory,
    true_layers,
)

#: 7Li Larmor frequency (MHz) of the demo spectrometer (11.7 T)
LARMOR_MHZ = 194.37
#: Li metal resistivity (Ohm m) at room temperature
LI_RESISTIVITY_OHM_M = 9.3e-8
MU0 = 4e-7 * math.pi
#: line positions (ppm): counter strip perpendicular to B0, smooth plated Li,
#: mossy/dead Li, diamagnetic electrolyte + SEI
SHIFTS_PPM = {"counter": 246.0, "plated": 260.0, "microstructure": 273.0, "sei": 0.5}
#: Gaussian (inhomogeneous) and Lorentzian FWHM (ppm) of each line
GAUSS_PPM = {"counter": 4.0, "plated": 5.0, "microstructure": 6.0, "sei": 3.0}
LORENTZ_PPM = {"counter": 0.1, "plated": 0.1, "microstructure": 0.15, "sei": 0.1}
#: the counter strip
COUNTER_AREA_CM2 = 0.2
COUNTER_THICKNESS_UM = 20.0
#: the electrolyte's Li seen in the coil (atoms), beside the SEI's
ELECTROLYTE_LI = 1.5e18
#: signal amplitude per Li atom (arbitrary receiver units) and noise per point
AMPLITUDE_PER_LI = 1e-17
NOISE_SIGMA = 0.3
SW_HZ = 100000.0
TD_COMPLEX = 2048
SI = 4096
CARRIER_PPM = 130.0
NS, DS, D1_S = 32, 2, 4.0
#: spectra per plating and per stripping step (at these fractions of the step)
STEP_FRACTIONS = (0.15, 0.5, 0.85)
#: acquisition span sampled this many times to average the changing signal
TIME_SAMPLES = 5


def skin_depth_um(frequency_MHz: float = LARMOR_MHZ) -> float:
    """``sqrt(rho / (pi mu0 f))`` in um."""
    return 1e6 * math.sqrt(LI_RESISTIVITY_OHM_M / (math.pi * MU0 * frequency_MHz * 1e6))


def seen_atoms_per_cm2(thickness_um: float, density_rel: float, d_um: float) -> float:
    """Atoms per cm2 a layer contributes, weighted by the RF decay over depth
    (trapezoidal quadrature on 400 depth points)."""
    if thickness_um <= 0:
        return 0.0
    z = np.linspace(0.0, thickness_um, 401)
    w = np.exp(-z / d_um)
    dz = z[1] - z[0]
    integral_um = float(dz * (w.sum() - 0.5 * (w[0] + w[-1])))
    return density_rel * LI_METAL_PER_CM3 * integral_um * 1e-4


def seen_strip_atoms(area_cm2: float, thickness_um: float, d_um: float) -> float:
    """Atoms a strip shows with the field entering from both faces
    (trapezoidal quadrature of the cosh profile on 400 depth points)."""
    z = np.linspace(0.0, thickness_um, 401)
    w = np.cosh((z - thickness_um / 2) / d_um) / np.cosh(thickness_um / (2 * d_um))
    dz = z[1] - z[0]
    integral_um = float(dz * (w.sum() - 0.5 * (w[0] + w[-1])))
    return area_cm2 * LI_METAL_PER_CM3 * integral_um * 1e-4


def sei_li(cell: DemoCell, times_utc) -> np.ndarray:
    """Li atoms per cm2 bound in the SEI: the reduction share of the plating
    charge passed up to each time."""
    sched = schedule(cell)
    plates = sched[sched["step"] == "plate"]
    out = np.zeros(len(times_utc))
    idx = pd.DatetimeIndex(times_utc)
    for _, p in plates.iterrows():
        span = (p["t_end_utc"] - p["t_start_utc"]).total_seconds()
        done = np.clip((idx - p["t_start_utc"]).total_seconds() / span, 0.0, 1.0)
        q_mah = cell.current_density_mA_per_cm2 * cell.plate_h * np.asarray(done)
        out += cell.reduction_fraction * q_mah * LI_PER_MAH
    return out


def component_atoms(cell: DemoCell, times_utc, d_um: float) -> dict[str, np.ndarray]:
    """Atoms each component shows the spectrometer at ``times_utc``."""
    inv = true_inventory(cell, times_utc)
    lay = true_layers(cell, times_utc)
    a = cell.area_cm2
    counter = seen_strip_atoms(COUNTER_AREA_CM2, COUNTER_THICKNESS_UM, d_um)
    plated = np.array(
        [
            seen_atoms_per_cm2(t, cell.plated_density_rel, d_um) * a
            for t in lay["active_thickness_um"]
        ]
    )
    return {
        "counter": np.full(len(inv), counter),
        "plated": plated,
        "microstructure": inv["li_inactive_per_cm2"].to_numpy() * a,
        "sei": ELECTROLYTE_LI + sei_li(cell, times_utc) * a,
    }


def spectrum_windows(cell: DemoCell) -> pd.DataFrame:
    """Start and end (UTC) of every spectrum: ``STEP_FRACTIONS`` of each
    plating and stripping step (the acquisition centred there)."""
    duration = acquisition_s()
    rows = []
    for _, s in schedule(cell).iterrows():
        if s["step"] == "rest":
            continue
        span = s["t_end_utc"] - s["t_start_utc"]
        for f in STEP_FRACTIONS:
            mid = s["t_start_utc"] + span * f
            start = mid - pd.Timedelta(seconds=duration / 2)
            rows.append(
                {
                    "cycle": int(s["cycle"]),
                    "step": s["step"],
                    "t_start_utc": start,
                    "t_end_utc": start + pd.Timedelta(seconds=duration),
                }
            )
    return pd.DataFrame(rows)


def acquisition_s() -> float:  # noqa: N802
    """Seconds one spectrum takes: (NS + DS) x (D1 + AQ)."""
    return (NS + DS) * (D1_S + TD_COMPLEX / SW_HZ)


def fid(atoms: dict[str, float], rng: np.random.Generator) -> np.ndarray:
    """The complex FID of the components' atoms, with receiver noise."""
    t = np.arange(TD_COMPLEX) / SW_HZ
    out = np.zeros(TD_COMPLEX, dtype=complex)
    for name, n in atoms.items():
        nu = (SHIFTS_PPM[name] - CARRIER_PPM) * LARMOR_MHZ
        g = GAUSS_PPM[name] * LARMOR_MHZ
        lor = LORENTZ_PPM[name] * LARMOR_MHZ
        decay = np.exp(-np.pi * lor * t) * np.exp(
            -((np.pi * g * t) ** 2) / (4 * math.log(2))
        )
        out += AMPLITUDE_PER_LI * n * np.exp(2j * np.pi * nu * t) * decay
    noise = rng.normal(0, NOISE_SIGMA, TD_COMPLEX) + 1j * rng.normal(
        0, NOISE_SIGMA, TD_COMPLEX
    )
    return out + noise


def _audita(start: pd.Timestamp, end: pd.Timestamp) -> str:
    def fmt(t):
        return t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " +0000"

    return (
        "##TITLE= Audit trail, TopSpin 4.1.4\n##JCAMPDX= 5.01\n"
        "##ORIGIN= Bruker BioSpin GmbH\n##OWNER= nmr\n"
        "##AUDIT TRAIL=  $$ (NUMBER, WHEN, WHO, WHERE, PROCESS, VERSION, WHAT)\n"
        f"(   1,<{fmt(end)}>,<nmr>,<spect>,<go4>,<TopSpin 4.1.4>,\n"
        "      <created by zg\n"
        f"       started at {fmt(start)}, POWCHK enabled, PULCHK disabled,\n"
        f"       completed at {fmt(end)}\n"
        "       data hash MD5: 2048 * 1\n"
        "       00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00>)\n##END=\n"
    )


def write_cell(
    cell: DemoCell, outdir: Path, rng: np.random.Generator, with_audita: bool
) -> dict:
    """Write one cell's spectra (EXPNO 1..) under ``outdir``; return its truth."""
    d_um = skin_depth_um()
    windows = spectrum_windows(cell)
    dataset = outdir / f"{cell.name}_7Li"
    window = Window("7Li", LARMOR_MHZ, CARRIER_PPM * LARMOR_MHZ, SW_HZ, CARRIER_PPM)
    truth_rows = []
    for k, w in windows.iterrows():
        times = w["t_start_utc"] + (w["t_end_utc"] - w["t_start_utc"]) * (
            (np.arange(TIME_SAMPLES) + 0.5) / TIME_SAMPLES
        )
        atoms = {
            name: float(np.mean(v))
            for name, v in component_atoms(cell, pd.DatetimeIndex(times), d_um).items()
        }
        acqus = window.acqus(
            ns=NS,
            rg=16.0,
            temperature_K=298.0,
            pulprog="zg",
            d=[0.0, D1_S],
            p=[0.0, 3.0],
            masr_Hz=0.0,
            proton_MHz=LARMOR_MHZ * 42.577478 / 16.548,
        )
        acqus.update(DS=DS, DATE=int(round(w["t_end_utc"].timestamp())))
        procs = window.procs(SI, lb_Hz=0.0)
        folder = write_experiment(
            dataset / str(k + 1),
            fid(atoms, rng)[None, :] * 1e4,
            acqus,
            title=f"operando 7Li {cell.name} spectrum {k + 1}",
            procs=procs,
        )
        if with_audita:
            (folder / "audita.txt").write_text(
                _audita(w["t_start_utc"], w["t_end_utc"])
            )
        truth_rows.append(
            {
                "spectrum": k + 1,
                "t_start_utc": w["t_start_utc"].isoformat(),
                "t_end_utc": w["t_end_utc"].isoformat(),
                **{f"{name}_atoms": v for name, v in atoms.items()},
            }
        )
    return {"dataset": dataset, "spectra": truth_rows, "skin_depth_um": d_um}


def write_demo_operando_nmr(
    outdir: str | Path, seed: int = 5, cycler_timezone: str = "Europe/Amsterdam"
) -> dict:
    """Write both demo cells' operando spectra and cycler files; return the
    ``operando_nmr`` sheet rows and the truth."""
    from liprobe.simulate.cycler import write_demo_cycler

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows, truth = [], {"cells": {}}
    for i, cell in enumerate(demo_cells()):
        # one cell's folders carry audita.txt, the other's only acqus DATE
        written = write_cell(cell, outdir, rng, with_audita=(i == 0))
        cyc = write_demo_cycler(
            cell, outdir / f"cycler_{cell.name}.mpt", cycler_timezone
        )
        reference = "charge" if i == 0 else "counter"
        rows.append(
            {
                "run": f"nmr_{cell.name}",
                "cell": cell.name,
                "path": str(written["dataset"]),
                "area_cm2": cell.area_cm2,
                "cycler": str(cyc),
                "cycler_timezone": cycler_timezone,
                "cycler_date_order": "month_first",
                "plating_sign": "negative",
                "reference": reference,
                "counter_area_cm2": COUNTER_AREA_CM2,
                "counter_thickness_um": COUNTER_THICKNESS_UM,
            }
        )
        truth["cells"][cell.name] = {
            "run": f"nmr_{cell.name}",
            "reference": reference,
            "li_efficiency": cell.li_efficiency,
            "skin_depth_um": written["skin_depth_um"],
            "time_source": "audita" if i == 0 else "acqus_DATE",
            "spectra": written["spectra"],
        }
    return {"operando_nmr": rows, "truth": truth}
