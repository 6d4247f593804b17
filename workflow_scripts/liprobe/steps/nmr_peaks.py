"""Rule nmr_peaks: raw 1D Bruker folders -> site lines per experiment.

Every experiment the sheet selects for deconvolution (kind ``1d``, and every
1D experiment of a sample with rows in the sites sheet) is read and processed
again from its raw folder with the nmr block's processing (the spectra table
is decimated), then deconvolved into its sites: the sites sheet's rows of its
sample, else lines picked within its regions (the regions sheet, else
TopSpin's intrng). Spinning sidebands need the MAS rate: the nmr sheet's
``mas_rate_Hz`` (kept fixed), else acqus MASR (fitted from the sideband
positions when ``peaks.fit_mas_rate``). A series whose sample's sites are all
``shared`` is fitted jointly (:mod:`liprobe.lineshape.joint`), one joint fit
per nucleus. A fit that
fails is a flagged row per site (``fit_ok`` False, the reason in ``flags``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.bruker import read_intrng
from liprobe.io.runlog import rule_log
from liprobe.io.tables import sha256_file, write_table
from liprobe.lineshape.fit import ERR_METHOD
from liprobe.lineshape.joint import deconvolve_series
from liprobe.lineshape.noise import noise_model
from liprobe.lineshape.peaks import (
    PeakSettings,
    deconvolve_spectrum,
    failed_rows,
    noise_points,
    pick_sites,
    sheet_sites,
)
from liprobe.nmr import process
from liprobe.nmr.acquisition import read_experiment
from liprobe.nmr.windows import topspin_window
from liprobe.options import NmrOptions, PeaksOptions
from liprobe.steps.job import Job

#: identity and acquisition columns first, in this order
FRONT = [
    "experiment",
    "sample",
    "series",
    "state",
    "nucleus",
    "site",
    "shape",
    "sites_source",
    "joint",
]


def _number(value) -> float:
    return math.nan if value is None else float(value)


def _d1_s(acqus: dict) -> float:
    delays = acqus.get("D") or []
    return float(delays[1]) if len(delays) > 1 else math.nan


def mas_rate(
    item: dict, masr_Hz: float, fit_rate: bool
) -> tuple[float | None, str, bool]:
    """The MAS rate (Hz), where it came from, and whether the fit moves it."""
    sheet = item.get("mas_rate_Hz")
    if sheet is not None:
        return float(sheet), "sheet", False
    if math.isfinite(masr_Hz) and masr_Hz > 0:
        if fit_rate:
            return masr_Hz, "fitted (start acqus MASR)", True
        return masr_Hz, "acqus MASR", False
    return None, "none", False


def read_spectrum(item: dict, nmr: NmrOptions):
    """The raw folder read and processed: (fid, ppm, real spectrum, weight of
    the apodization at the signal start)."""
    fid = read_experiment(
        item["path"],
        int(item["procno"]),
        dict(item["overrides"]),
        mixing_delay_index=0,
        plausible_temperature_K=nmr.plausible_temperature_K,
    )
    spectra = process(fid, nmr)
    if spectra.data.shape[0] != 1:
        raise InputError(
            item["path"],
            "TD1",
            "a single 1D spectrum for the deconvolution",
            f"{spectra.data.shape[0]} rows",
        )
    weight = signal_start_weight(fid, spectra.lb_Hz, nmr)
    ppm = np.asarray(spectra.ppm, float)
    return fid, ppm, np.asarray(spectra.data[0], float), weight


def signal_start_weight(fid, lb_Hz: float, nmr: NmrOptions) -> float:
    """The apodization window's value where the signal starts.

    Exponential broadening runs from the first stored point, so a signal that
    the digital filter delays by ``group_delay_points`` enters the transform
    weighted by ``exp(-pi LB delay / SW)``: areas compared between spectra of
    different LB, delay or SW are divided by it. The other windows (procs WDW
    GM, SINE, QSINE) start at the signal: their first value. NaN when the
    window is not reproduced or vanishes there (a sine bell with SSB 0 leaves
    no area to compare).
    """
    wdw = int((fid.procs or {}).get("WDW", 0) or 0)
    if nmr.lb_Hz is None and wdw not in (0, 1):
        window, not_done = topspin_window(8, fid.procs, fid.sw_Hz)
        first = float(window[0])
        return first if not not_done and first > 1e-6 else math.nan
    return math.exp(-math.pi * float(lb_Hz) * fid.group_delay_points / fid.sw_Hz)


def regions_of(item: dict, path) -> pd.DataFrame | None:
    if item["regions"]:
        return pd.DataFrame(list(item["regions"]))
    return read_intrng(path, int(item["procno"]))


def sites_of(item, ppm, y, regions, settings: PeakSettings):
    """The sites of one experiment and where they came from."""
    if item["sites"]:
        return sheet_sites(item["sites"]), "sheet", []
    if regions is None or not len(regions):
        raise ValueError("no sites sheet rows, no regions and no TopSpin intrng")
    window = (float(regions["ppm_min"].min()), float(regions["ppm_max"].max()))
    sigma = noise_model(y, noise_points(ppm, window, settings.noise_guard)).sigma
    sites, empty = pick_sites(
        ppm, y, regions, sigma, snr=settings.pick_snr, shape=settings.shape
    )
    return sites, "picked", empty


def _identity(item: dict, fid, mas: tuple, weight: float = math.nan) -> dict:
    return {
        "experiment": item["experiment"],
        "sample": item["sample"],
        "series": item["series"] or item["sample"],
        "state": item.get("state") or "",
        "nucleus": fid.nucleus if fid is not None else "",
        "larmor_MHz": float(fid.larmor_MHz) if fid is not None else math.nan,
        "ns": int(fid.ns) if fid is not None else 0,
        "rg": float(fid.rg) if fid is not None else math.nan,
        "sw_Hz": float(fid.sw_Hz) if fid is not None else math.nan,
        "d1_s": _d1_s(fid.acqus) if fid is not None else math.nan,
        "mass_mg": _number(item.get("mass_mg")),
        "masr_Hz": float(fid.masr_Hz) if fid is not None else math.nan,
        "signal_weight": weight,
        "mas_rate_source": mas[1],
    }


def _finish(frame: pd.DataFrame, ident: dict, source: str, joint: bool, mas_Hz):
    frame = frame.copy()
    for key, value in ident.items():
        frame[key] = value
    frame["sites_source"] = source
    frame["joint"] = joint
    if "mas_Hz" in frame:
        frame = frame.rename(
            columns={"mas_Hz": "mas_rate_Hz", "mas_Hz_err": "mas_rate_Hz_err"}
        )
    else:
        frame["mas_rate_Hz"] = math.nan if mas_Hz is None else float(mas_Hz)
        frame["mas_rate_Hz_err"] = math.nan if mas_Hz is None else 0.0
    frame["err_method"] = ERR_METHOD
    return frame[FRONT + [c for c in frame.columns if c not in FRONT]]


def fit_one(item, nmr, settings, fit_rate, log):
    """Rows and curves of one experiment fitted alone (flagged rows on failure)."""
    fid = None
    weight = math.nan
    mas = (None, "none", False)
    names = [str(r["site"]) for r in item["sites"]] or ["all"]
    shapes = [str(r["shape"]) for r in item["sites"]] or [settings.shape]
    source = "sheet" if item["sites"] else "picked"
    try:
        fid, ppm, y, weight = read_spectrum(item, nmr)
        mas = mas_rate(item, float(fid.masr_Hz), fit_rate)
        regions = regions_of(item, item["path"])
        sites, source, empty = sites_of(item, ppm, y, regions, settings)
        if not sites:
            raise ValueError("no line rose above peaks.pick_snr in any region")
        result = deconvolve_spectrum(
            ppm,
            y,
            sites,
            regions,
            settings,
            sf_MHz=float(fid.larmor_MHz),
            mas_Hz=mas[0],
            fit_mas=mas[2],
        )
        frame, curves = result.sites, result.curves
        if empty:
            frame = pd.concat(
                [
                    frame,
                    failed_rows(empty, [settings.shape] * len(empty), "no_line_found"),
                ],
                ignore_index=True,
            )
    except (InputError, ValueError, np.linalg.LinAlgError) as exc:
        log.error("experiment %s: deconvolution failed: %s", item["experiment"], exc)
        frame = failed_rows(names, shapes, f"fit_failed: {exc}".replace(";", ","))
        curves = pd.DataFrame(columns=["ppm", "curve", "value"])
    frame = _finish(frame, _identity(item, fid, mas, weight), source, False, mas[0])
    curves = curves.assign(experiment=item["experiment"])
    return frame, curves, fid


def fit_series(items, nmr, settings, fit_rate, log):
    """Rows and curves of one series fitted jointly (shared shifts and widths),
    one joint fit per nucleus (6Li and 7Li lines differ in width)."""
    try:
        read = [read_spectrum(item, nmr) for item in items]
    except (InputError, ValueError) as exc:
        log.error("series %s: %s; each experiment alone", items[0]["series"], exc)
        read = None
    if read is not None:
        parts: dict[tuple, list[int]] = {}
        for i, (fid, *_rest) in enumerate(read):
            key = (fid.nucleus, round(float(fid.larmor_MHz), 3))
            parts.setdefault(key, []).append(i)
        if len(parts) > 1:
            rows, curves, fids = [], [], []
            for index in parts.values():
                r, c, f = _joint_or_alone(
                    [items[i] for i in index],
                    [read[i] for i in index],
                    nmr,
                    settings,
                    fit_rate,
                    log,
                )
                rows, curves, fids = rows + r, curves + c, fids + f
            return rows, curves, fids
        return _joint_or_alone(items, read, nmr, settings, fit_rate, log)
    out = [fit_one(item, nmr, settings, fit_rate, log) for item in items]
    return [o[0] for o in out], [o[1] for o in out], [o[2] for o in out]


def _joint_or_alone(items, read, nmr, settings, fit_rate, log):
    """The joint fit of spectra of one nucleus; each alone when it fails."""
    if len(items) == 1:
        frame, curve, fid = fit_one(items[0], nmr, settings, fit_rate, log)
        return [frame], [curve], [fid]
    fids = [r[0] for r in read]
    spectra = [(r[1], r[2]) for r in read]
    weights = [r[3] for r in read]
    try:
        mas = mas_rate(items[0], float(fids[0].masr_Hz), fit_rate)
        regions = regions_of(items[0], items[0]["path"])
        sites = sheet_sites(items[0]["sites"])
        frames, curves = deconvolve_series(
            spectra,
            sites,
            regions,
            settings,
            sf_MHz=float(fids[0].larmor_MHz),
            mas_Hz=mas[0],
            fit_mas=mas[2],
        )
    except (InputError, ValueError, np.linalg.LinAlgError) as exc:
        log.error(
            "series %s: joint deconvolution failed (%s); each experiment alone",
            items[0]["series"],
            exc,
        )
        out = [fit_one(item, nmr, settings, fit_rate, log) for item in items]
        return [o[0] for o in out], [o[1] for o in out], [o[2] for o in out]
    rows, curve_frames = [], []
    for item, fid, w, frame, curve in zip(
        items, fids, weights, frames, curves, strict=True
    ):
        ident = _identity(item, fid, mas, w)
        rows.append(_finish(frame, ident, "sheet", True, mas[0]))
        curve_frames.append(curve.assign(experiment=item["experiment"]))
    return rows, curve_frames, fids


def run(job: Job) -> None:
    """Deconvolve every selected experiment; write nmr_peaks and its curves."""
    p = job.params
    nmr = NmrOptions.from_params(p.nmr, "nmr")
    peaks = PeaksOptions.from_params(p.peaks, "peaks")
    settings = PeakSettings(
        baseline_order=peaks.baseline_order,
        poor_fit_p_value=peaks.poor_fit_p_value,
        window_margin=peaks.window_margin,
        noise_guard=peaks.noise_guard,
        shape=peaks.shape,
        pick_snr=peaks.pick_snr,
    )
    rows, curves, raw = [], [], []
    with rule_log(job.log[0]) as log:
        groups: dict[str, list[dict]] = {}
        for item in p.experiments:
            key = (
                f"series:{item['series'] or item['sample']}"
                if item["shared"]
                else f"experiment:{item['experiment']}"
            )
            groups.setdefault(key, []).append(item)
        for key, items in groups.items():
            if len(items) > 1:
                frames, curve_frames, fids = fit_series(
                    items, nmr, settings, peaks.fit_mas_rate, log
                )
            else:
                frame, curve, fid = fit_one(
                    items[0], nmr, settings, peaks.fit_mas_rate, log
                )
                frames, curve_frames, fids = [frame], [curve], [fid]
            rows += frames
            curves += curve_frames
            raw += [str(f) for fid in fids if fid is not None for f in fid.raw_files]
            log.info(
                "%s: %d experiments, %d site rows (%d not ok)",
                key,
                len(items),
                sum(len(f) for f in frames),
                sum(int((~f["fit_ok"]).sum()) for f in frames),
            )
        hashes = {f: sha256_file(f) for f in raw}
        table = pd.concat(rows, ignore_index=True)
        table["fit_ok"] = table["fit_ok"].astype(bool)
        config = {"nmr": p.nmr, "peaks": p.peaks}
        write_table(table, job.output.peaks, input_hashes=hashes, config=config)
        curve_table = pd.concat(curves, ignore_index=True)
        curve_table = curve_table[["experiment", "ppm", "curve", "value"]]
        write_table(curve_table, job.output.curves, input_hashes=hashes, config=config)
