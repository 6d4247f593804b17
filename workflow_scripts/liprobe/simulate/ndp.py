"""Monte-Carlo list-mode files of the two demo operando NDP cells.

The forward model is independent of the inversion (event by event, no response
matrix): for each minute of the cycling protocol the number of 6Li captures
seen by the detector is drawn from a Poisson law with mean
K * f6 * N_Li(t) * dt per particle (K = flux x 940 b x solid-angle fraction x
beam area); each capture is born at a depth drawn from the true layered profile
of :mod:`liprobe.simulate.cells` at that instant, emits its particle
isotropically into the detector cone (mu uniform in [cos theta_max, 1]), and
the particle is transported through the porous Li layers (dense-Li stopping
scaled by the relative density), then the Cu window, with the energy loss
integrated along the path by the range integral of the simulator's own
SRIM-2013 stopping (:mod:`liprobe.simulate.stopping`), its own Bohr
straggling and a Gaussian detector resolution (20 keV FWHM). Added: a
flat background, 14N(n,p) 584 keV protons from the LiTFSI of the hybrid
electrolyte (born in its first 5 um beyond the plated Li), pile-up records
(flag 0x8000, summed energy), lost triggers (flag 0x20 on the next recorded
event; the lost event is not written) and a few corrupted (backward) time tags.
Each cell also gets a 10 h beam-shuttered background file (flat only) and a 1 h
10B reference-standard file (:func:`write_reference_b10`).
Known simplifications: pores of the plated Li are empty (no electrolyte in
them), the electrolyte holds no Li; a pile-up record stands for one lost
particle of the sample (the reduction's live time counts it as such).
Independence: nothing here or in what it imports is reduction code (a test
walks the imports). The demo config has the reduction compute its response
with CATIMA; the simulator transports with SRIM-2013, which differs from
CATIMA by up to about 5 % over the energies of the spectrum
(:mod:`liprobe.simulate.stopping`), so the recovered profiles carry the effect
of a realistic stopping-power error. Both use Bohr's straggling (the same
physics, written separately).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from liprobe.io.listmode import (
    FLAG_LOST_TRIGGER,
    FLAG_PILEUP,
    write_compass_bin,
)
from liprobe.simulate.cells import (
    LI_METAL_PER_CM3,
    DemoCell,
    demo_cells,
    schedule,
    true_inventory,
    true_layers,
)
from liprobe.simulate.stopping import FWHM_PER_SIGMA, IONS, srim_stopping

#: Demo detector calibration: E(keV) = OFFSET + GAIN * channel.
DEMO_OFFSET_KEV = 12.0
DEMO_GAIN_KEV_PER_CH = 0.7
DEMO_N_CHANNELS = 4096
#: Demo beam and geometry: K = flux * sigma * solid-angle fraction * beam area.
DEMO_FLUX = 1.0e7
DEMO_SOLID_ANGLE_FRACTION = 1.0e-3
DEMO_CONE_DEG = 20.0
DEMO_RESOLUTION_FWHM_KEV = 20.0
LI6_NATURAL = 0.0759
SIGMA_LI6_CM2 = 940e-24
#: Demo 10B reference standard (areal density, 10B thermal cross-section).
DEMO_B10_PER_CM2 = 1.0e17
SIGMA_B10_B = 3837.0


def demo_ndp_config() -> dict:
    """The ``ndp:`` config block a user would write for the demo files.

    Nominal values only: the Cu foil as sold, the plated Li at the density of
    Li metal (an assumption: NDP measures Li per mass depth, not density), and
    the sensitivity from the 10B reference standard measured in the same
    geometry (its certified areal density), not the beam's flux.
    """
    return {
        "stacks": {
            "cu1um_hse": [
                {
                    "name": "Cu current collector",
                    "formula": "Cu",
                    "density_g_cm3": 8.96,
                    "thickness_um": 1.0,
                },
                {
                    "name": "plated Li (density assumed: Li metal)",
                    "formula": "Li",
                    "density_g_cm3": 0.534,
                    "thickness_um": 12.0,
                },
            ]
        },
        "calibration": {"method": "edges"},
        "energy_window_keV": [700.0, 2800.0],
        "interference_windows_keV": [[380.0, 620.0]],
        "energy_bin_keV": 8.0,
        "depth_max_um": 10.0,
        "depth_step_um": 0.1,
        "resolution_fwhm_keV": DEMO_RESOLUTION_FWHM_KEV,
        "cone_half_angle_deg": DEMO_CONE_DEG,
        "n_channels": DEMO_N_CHANNELS,
        "normalisation": {
            "method": "reference",
            "areal_density_per_cm2": DEMO_B10_PER_CM2,
            "cross_section_b": SIGMA_B10_B,
            "window_keV": [1300.0, 1900.0],
        },
        "regularisation": {"order": 1, "criterion": "discrepancy"},
    }


def transport(rng, e0, paths, mu, window_tab, window_um, det_sigma):
    """Exit energies (keV; -1 when stopped) after ``paths`` [(stopping, path
    um)], the window, Bohr straggling and a Gaussian detector of sigma
    ``det_sigma``."""
    e = np.full(mu.size, e0)
    var = np.zeros(mu.size)
    for table, path in paths:
        var += table.straggling_variance_keV2(path)
        e = table.energy_after(e, path)
    p = window_um / mu
    var += window_tab.straggling_variance_keV2(p)
    e = window_tab.energy_after(e, p)
    alive = e > 0
    e = e + rng.normal(0.0, 1.0, e.size) * np.sqrt(var + det_sigma**2)
    return np.where(alive, e, -1.0)


def simulate_cell_events(
    cell: DemoCell,
    rng: np.random.Generator,
    acq_start: pd.Timestamp,
    acq_end: pd.Timestamp,
    dt_s: float = 60.0,
    background_per_s: float = 0.03,
    n14_per_s: float = 0.4,
) -> dict:
    """Events (time_s, energy_keV, kind) of one cell, before DAQ effects."""
    li = {p: srim_stopping(p, "Li", 0.534) for p in ("alpha", "triton")}
    cu = {p: srim_stopping(p, "Cu", 8.96) for p in ("alpha", "triton", "proton_N14")}
    li_p = srim_stopping("proton_N14", "Li", 0.534)
    peo_p = srim_stopping("proton_N14", "C2H4O", 1.2)
    k_abs = DEMO_FLUX * SIGMA_LI6_CM2 * DEMO_SOLID_ANGLE_FRACTION * cell.area_cm2
    total = (acq_end - acq_start).total_seconds()
    t_grid = np.arange(0.0, total, dt_s)
    mids = acq_start + pd.to_timedelta(t_grid + 0.5 * dt_s, unit="s")
    inv = true_inventory(cell, mids)
    lay = true_layers(cell, mids)
    mu_min = np.cos(np.radians(DEMO_CONE_DEG))
    det_sigma = DEMO_RESOLUTION_FWHM_KEV / FWHM_PER_SIGMA
    times, energies, kinds = [], [], []
    for particle in ("alpha", "triton"):
        e0 = IONS[particle].energy_keV
        lam = k_abs * LI6_NATURAL * inv["li_total_per_cm2"].to_numpy() * dt_s
        n = rng.poisson(lam)
        step = np.repeat(np.arange(t_grid.size), n)
        t = t_grid[step] + rng.uniform(0.0, dt_s, step.size)
        n_dead = inv["li_inactive_per_cm2"].to_numpy()[step]
        n_tot = inv["li_total_per_cm2"].to_numpy()[step]
        d_dead = lay["dead_thickness_um"].to_numpy()[step]
        d_act = lay["active_thickness_um"].to_numpy()[step]
        in_dead = rng.uniform(0.0, 1.0, step.size) * n_tot < n_dead
        u = rng.uniform(0.0, 1.0, step.size)
        x = np.where(in_dead, u * d_dead, d_dead + u * d_act)
        mu = rng.uniform(mu_min, 1.0, step.size)
        path_act = np.clip(x - d_dead, 0.0, None) / mu * cell.plated_density_rel
        path_dead = np.minimum(x, d_dead) / mu * cell.dead_density_rel
        e = transport(
            rng,
            e0,
            [(li[particle], path_act), (li[particle], path_dead)],
            mu,
            cu[particle],
            cell.cu_window_um,
            det_sigma,
        )
        times.append(t)
        energies.append(e)
        kinds.append(np.full(t.size, 0 if particle == "alpha" else 1))
    # 14N(n,p) protons from the electrolyte just beyond the plated Li
    n_p = rng.poisson(n14_per_s * total)
    t = rng.uniform(0.0, total, n_p)
    tl = true_layers(cell, acq_start + pd.to_timedelta(t, unit="s"))
    mu = rng.uniform(mu_min, 1.0, n_p)
    x_el = rng.uniform(0.0, 5.0, n_p)
    dense_li = (
        tl["dead_thickness_um"].to_numpy() * cell.dead_density_rel
        + tl["active_thickness_um"].to_numpy() * cell.plated_density_rel
    )
    e = transport(
        rng,
        IONS["proton_N14"].energy_keV,
        [(peo_p, x_el / mu), (li_p, dense_li / mu)],
        mu,
        cu["proton_N14"],
        cell.cu_window_um,
        det_sigma,
    )
    times.append(t)
    energies.append(e)
    kinds.append(np.full(n_p, 2))
    # flat background
    n_b = rng.poisson(background_per_s * total)
    times.append(rng.uniform(0.0, total, n_b))
    energies.append(rng.uniform(50.0, 2900.0, n_b))
    kinds.append(np.full(n_b, 3))
    t = np.concatenate(times)
    order = np.argsort(t, kind="stable")
    return {
        "time_s": t[order],
        "energy_keV": np.concatenate(energies)[order],
        "kind": np.concatenate(kinds)[order],
    }


def daq_effects(
    rng: np.random.Generator,
    time_s: np.ndarray,
    energy_keV: np.ndarray,
    lost_fraction: float = 0.02,
    pileup_fraction: float = 0.005,
    n_disorder: int = 25,
) -> dict:
    """Digitise: channels, lost triggers, pile-up and corrupted time tags.

    Particles that did not reach the detector (energy <= 0) are dropped.
    Returns timetag_ps, energy channel, flags and the counts of each effect.
    """
    keep = energy_keV > 0
    t, e = time_s[keep], energy_keV[keep]
    lost = rng.uniform(0.0, 1.0, t.size) < lost_fraction
    # each lost trigger flags the next recorded event
    rec_idx = np.flatnonzero(~lost)
    nxt = np.searchsorted(rec_idx, np.flatnonzero(lost))
    nxt = nxt[nxt < rec_idx.size]
    flags = np.zeros(t.size, np.uint32)
    np.bitwise_or.at(flags, rec_idx[nxt], FLAG_LOST_TRIGGER)
    t, e, flags = t[~lost], e[~lost], flags[~lost]
    pu = rng.uniform(0.0, 1.0, t.size) < pileup_fraction
    e = np.where(pu, e + rng.uniform(200.0, 2700.0, t.size), e)
    flags[pu] |= FLAG_PILEUP
    ch = np.floor((e - DEMO_OFFSET_KEV) / DEMO_GAIN_KEV_PER_CH)
    ch = np.clip(ch, 0, DEMO_N_CHANNELS - 1).astype(np.uint16)
    ps = np.round(t * 1e12).astype(np.uint64)
    bad = rng.choice(t.size, size=min(n_disorder, t.size), replace=False)
    bad = bad[ps[bad] > np.uint64(10**12)]
    ps[bad] -= np.uint64(10**12)  # a time tag 1 s in the past
    return {
        "timetag_ps": ps,
        "energy": ch,
        "flags": flags,
        "n_lost": int(lost.sum()),
        "n_pileup": int(pu.sum()),
        "n_disorder": int(bad.size),
    }


def write_reference_b10(
    path: str | Path,
    rng: np.random.Generator,
    live_s: float = 3600.0,
    areal_density_per_cm2: float = DEMO_B10_PER_CM2,
) -> dict:
    """A 10B(n,alpha)7Li reference standard measured in the demo geometry.

    A thin 10B film faces the detector directly: alphas of 1472 keV (94 %) and
    1776 keV (6 %) and their 7Li recoils (840 and 1015 keV), detector
    resolution only, at the rate flux x 3837 b x solid-angle fraction x N_B.
    Returns the expected alpha count rate.
    """
    rate = DEMO_FLUX * SIGMA_B10_B * 1e-24 * DEMO_SOLID_ANGLE_FRACTION
    rate *= areal_density_per_cm2
    sigma = DEMO_RESOLUTION_FWHM_KEV / FWHM_PER_SIGMA
    n = rng.poisson(rate * live_s)
    e_alpha = np.where(rng.uniform(0, 1, n) < 0.94, 1472.0, 1776.0)
    e_li = np.where(e_alpha == 1472.0, 840.0, 1015.0)
    n_li = rng.poisson(rate * live_s)
    energy = np.concatenate([e_alpha, e_li[:n_li]]) + rng.normal(
        0, sigma, n + min(n, n_li)
    )
    t = rng.uniform(0.0, live_s, energy.size)
    order = np.argsort(t)
    daq = daq_effects(rng, t[order], energy[order], lost_fraction=0.0, n_disorder=0)
    write_compass_bin(path, daq["timetag_ps"], daq["energy"], daq["flags"])
    return {"alpha_rate_per_s": rate, "n_alpha": int(n)}


def write_demo_ndp(
    outdir: str | Path,
    seed: int = 1,
    with_cycler: bool = True,
    cycler_timezone: str = "Europe/Amsterdam",
    cells: list[str] | None = None,
) -> dict:
    """Write the demo list-mode files, background, sheet rows and truth json.

    With ``with_cycler`` each cell's cycler trace is written too (EC-Lab text,
    by :func:`liprobe.simulate.cycler.write_demo_cycler`, clock in
    ``cycler_timezone``) and named in the sheet rows, so slices follow the
    cycler steps. Returns ``{"ndp": [sheet row dicts], "truth": truth mapping,
    "truth_path": path of ndp_truth.json, "sheet": DataFrame, "files": [paths],
    "config": the matching ndp config block}``. ``cells`` limits the demo to
    the named cells (default both).
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows, files, truth = [], [], {"cells": {}, "seed": seed}
    for cell in demo_cells():
        if cells is not None and cell.name not in cells:
            continue
        sched = schedule(cell)
        acq_start = cell.start_utc - pd.Timedelta(minutes=10)
        acq_end = sched["t_end_utc"].iloc[-1]
        ev = simulate_cell_events(cell, rng, acq_start, acq_end)
        daq = daq_effects(rng, ev["time_s"], ev["energy_keV"])
        path = out / f"ndp_{cell.name}.BIN"
        write_compass_bin(path, daq["timetag_ps"], daq["energy"], daq["flags"])
        files.append(path)
        # background: beam shuttered, 10 h, flat only
        bg_n = rng.poisson(0.03 * 36000.0)
        bg_t = np.sort(rng.uniform(0.0, 36000.0, bg_n))
        bg_e = rng.uniform(50.0, 2900.0, bg_n)
        bg = daq_effects(rng, bg_t, bg_e, n_disorder=0)
        bg_path = out / f"ndp_background_{cell.name}.BIN"
        write_compass_bin(bg_path, bg["timetag_ps"], bg["energy"], bg["flags"])
        files.append(bg_path)
        ref_path = out / f"ndp_reference_B10_{cell.name}.BIN"
        ref = write_reference_b10(ref_path, rng)
        files.append(ref_path)
        ends = sched[sched["step"] != "rest"]
        inv = true_inventory(cell, ends["t_end_utc"])
        lay = true_layers(cell, ends["t_end_utc"])
        cyc = {}
        if with_cycler:
            from liprobe.simulate.cycler import write_demo_cycler

            cyc_path = write_demo_cycler(
                cell, out / f"cycler_{cell.name}.mpt", cycler_timezone
            )
            files.append(cyc_path)
            cyc = {"path": str(cyc_path), "timezone": cycler_timezone}
        rows.append(
            {
                "run": f"ndp_{cell.name}",
                "cell": cell.name,
                "listmode": str(path),
                "stack": cell.window,
                "area_cm2": cell.area_cm2,
                "format": "auto",
                "listmode_start_utc": acq_start.isoformat(),
                "cycler": cyc.get("path", ""),
                "cycler_timezone": cyc.get("timezone", ""),
                # the demo's .mpt writes US-style dates (as EC-Lab does on a
                # computer with US regional settings)
                "cycler_date_order": "month_first" if cyc else "",
                "plating_sign": "negative",
                "li6_fraction": LI6_NATURAL,
                "slice_s": 1800.0,
                "background": str(bg_path),
                "reference": str(ref_path),
            }
        )
        truth["cells"][cell.name] = {
            "run": f"ndp_{cell.name}",
            "acquisition_start_utc": acq_start.isoformat(),
            "acquisition_end_utc": acq_end.isoformat(),
            "li_efficiency": cell.li_efficiency,
            "coulombic_efficiency": cell.coulombic_efficiency,
            "plated_density_rel": cell.plated_density_rel,
            "dead_density_rel": cell.dead_density_rel,
            "cu_window_um": cell.cu_window_um,
            "calibration": {
                "offset_keV": DEMO_OFFSET_KEV,
                "gain_keV_per_channel": DEMO_GAIN_KEV_PER_CH,
            },
            "counts_per_s_per_li6_per_cm2": DEMO_FLUX
            * SIGMA_LI6_CM2
            * DEMO_SOLID_ANGLE_FRACTION
            * cell.area_cm2,
            "reference_B10": {
                "areal_density_per_cm2": DEMO_B10_PER_CM2,
                "cross_section_b": SIGMA_B10_B,
                **ref,
            },
            "n_events_written": int(daq["timetag_ps"].size),
            "n_lost_triggers": daq["n_lost"],
            "n_pileup": daq["n_pileup"],
            "n_disorder": daq["n_disorder"],
            "step_ends": [
                {
                    "cycle": int(c),
                    "step": s,
                    "t_end_utc": t.isoformat(),
                    "li_total_per_cm2": float(n),
                    "li_inactive_per_cm2": float(d),
                    "dense_equivalent_um": float(u),
                }
                for c, s, t, n, d, u in zip(
                    ends["cycle"],
                    ends["step"],
                    ends["t_end_utc"],
                    inv["li_total_per_cm2"],
                    inv["li_inactive_per_cm2"],
                    lay["dense_equivalent_um"],
                    strict=True,
                )
            ],
            "li_metal_per_cm3": LI_METAL_PER_CM3,
        }
    truth_path = out / "ndp_truth.json"
    truth_path.write_text(json.dumps(truth, indent=1))
    sheet = pd.DataFrame(rows)
    sheet.to_csv(out / "ndp.tsv", sep="\t", index=False)
    return {
        "ndp": rows,
        "truth": truth,
        "truth_path": truth_path,
        "sheet": sheet,
        "files": files,
        "config": demo_ndp_config(),
    }
