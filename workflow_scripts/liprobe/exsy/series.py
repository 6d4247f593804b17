"""EXSY series: experiments of one sample at one temperature, several mixing times.

Glue between the raw-reader output (:class:`liprobe.nmr.acquisition.FidSeries`-like
objects), the 2D processing, the box volumes and the exchange fits. Pure
functions: the caller reads the files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.exsy.fit import fit_diffusion_sphere, fit_two_site
from liprobe.exsy.models import PEAKS
from liprobe.exsy.parity import exsy_topspin_parity
from liprobe.exsy.process import (
    Spectrum2D,
    baseline_correct,
    delay_from_acqus,
    process_2d,
)
from liprobe.exsy.volumes import (
    SITE_LETTERS,
    free_masks,
    peak_names,
    pool_receiver_noise,
    site_volumes,
    volume_err_method,
)

VOLUME_COLUMNS = [
    "experiment",
    "sample",
    "series",
    "temperature_K",
    "mixing_time_s",
    "peak",
    "volume",
    "volume_err",
    "volume_raw",
    "ns",
    "rg",
    "region_F1",
    "region_F2",
    "fnmode",
    "topspin_parity_r",
    "err_method",
    "flags",
    "noise",
    "noise_dof",
    "noise_pooled",
    "noise_own",
    "noise_own_dof",
    *(f"volume_corr_{q}" for q in PEAKS),
]


def mixing_time(fid, delay_index: int) -> float:
    """The mixing time (s): ``D[delay_index]`` of acqus (the configured delay)."""
    return delay_from_acqus(fid.acqus, delay_index, source=f"{fid.path}/acqus")


def process_experiment(fid, *, phase_mode: str) -> Spectrum2D:
    """Process one EXSY experiment read by
    :func:`liprobe.nmr.acquisition.read_experiment`."""
    if fid.acqu2s is None or fid.data.shape[0] < 2:
        raise InputError(
            fid.path, "ser/acqu2s", "a 2D acquisition (ser with acqu2s)", "1D data"
        )
    return process_2d(
        fid.data,
        fid.acqus,
        fid.acqu2s,
        fid.procs,
        fid.proc2s,
        fnmode=fid.fnmode or None,
        phase_mode=phase_mode,
        source=f"{fid.path}/ser",
    )


def experiment_volumes(
    fid,
    sites: Mapping[str, list[tuple[float, float]]],
    *,
    experiment: str,
    sample: str,
    series: str,
    phase_mode: str,
    delay_index: int,
    baseline: bool,
    margin_fraction: float,
    reference: tuple[np.ndarray, np.ndarray] | None,
) -> tuple[pd.DataFrame, Spectrum2D]:
    """The peak volumes (normalised by NS x RG) of one experiment, and its
    spectrum (baseline corrected when ``baseline``): four for two sites, N^2
    for N (:func:`liprobe.exsy.volumes.site_volumes`).

    The errors use the spectrum's own receiver-noise level (``noise``,
    ``noise_dof``, also kept as ``noise_own``, ``noise_own_dof``);
    :func:`pool_series_noise` puts the level pooled over the series in.

    ``sites`` maps the region names (site A first, then B, C, ...) to their ppm
    intervals. Every volume row carries ``volume_corr_<peak>`` for the peaks
    of its spectrum (the ``PEAKS`` columns for two sites).
    ``reference`` is TopSpin's ``2rr`` of the same procno
    (:func:`liprobe.io.bruker.read_processed`): the Pearson r against it (before
    baseline correction) is reported (NaN without a comparable 2rr).
    """
    names = list(sites)
    spectrum = process_experiment(fid, phase_mode=phase_mode)
    parity_r = exsy_topspin_parity(spectrum, reference)["pearson_r"]
    peaks = peak_names(len(names))
    boxes = site_volumes(
        spectrum,
        [sites[name] for name in names],
        baseline=baseline,
        margin_fraction=margin_fraction,
    )
    vols, errs, vflags = boxes.volumes, boxes.errors, boxes.flags
    if baseline:
        free1, free2 = free_masks(
            spectrum, list(sites.values()), margin_fraction=margin_fraction
        )
        spectrum = baseline_correct(spectrum, free1, free2)
    norm = float(fid.ns) * float(fid.rg)
    flags = list(fid.flags) + list(spectrum.flags) + vflags
    if not (np.isfinite(norm) and norm > 0):
        raise InputError(
            f"{fid.path}/acqus", "NS x RG", "positive scans and receiver gain", norm
        )
    tm = mixing_time(fid, delay_index)
    site_of = dict(zip(SITE_LETTERS, names, strict=False))
    rows = [
        {
            "experiment": experiment,
            "sample": sample,
            "series": series,
            "temperature_K": float(fid.temperature_K),
            "mixing_time_s": tm,
            "peak": peak,
            "volume": vols[peak] / norm,
            "volume_err": errs[peak] / norm,
            "volume_raw": vols[peak],
            "ns": int(fid.ns),
            "rg": float(fid.rg),
            "region_F1": site_of[peak[0]],
            "region_F2": site_of[peak[1]],
            "fnmode": int(spectrum.fnmode),
            "topspin_parity_r": parity_r,
            "err_method": volume_err_method(baseline),
            "flags": ";".join(dict.fromkeys(flags)),
            "noise": boxes.noise,
            "noise_dof": boxes.noise_dof,
            "noise_pooled": False,
            "noise_own": boxes.noise,
            "noise_own_dof": boxes.noise_dof,
            **{f"volume_corr_{q}": boxes.correlation[peak][q] for q in peaks},
        }
        for peak in peaks
    ]
    columns = VOLUME_COLUMNS + [
        f"volume_corr_{q}" for q in peaks if f"volume_corr_{q}" not in VOLUME_COLUMNS
    ]
    return pd.DataFrame(rows, columns=columns), spectrum


def pool_series_noise(
    volumes: pd.DataFrame, *, baseline: bool, p_value: float
) -> pd.DataFrame:
    """The volume table of one series (rows of :func:`experiment_volumes`) with
    the errors from the receiver noise pooled over its spectra
    (:func:`liprobe.exsy.volumes.pool_receiver_noise`, NS and RG of each
    experiment): ``volume_err`` scaled by pooled / own level, ``noise``,
    ``noise_dof``, ``noise_pooled``, ``err_method`` and ``flags`` updated;
    ``noise_own`` and ``noise_own_dof`` keep each spectrum's own level."""
    out = volumes.copy()
    first = out.drop_duplicates("experiment").set_index("experiment")
    pooled = pool_receiver_noise(
        first["noise_own"].to_numpy(dtype=float),
        first["noise_own_dof"].to_numpy(dtype=float),
        first["ns"].to_numpy(dtype=float),
        first["rg"].to_numpy(dtype=float),
        p_value=p_value,
    )
    for i, experiment in enumerate(first.index):
        rows = out["experiment"] == experiment
        own = float(first["noise_own"].iloc[i])
        if pooled.pooled[i]:
            out.loc[rows, "volume_err"] = (
                out.loc[rows, "volume_err"] * pooled.noise[i] / own
            )
        out.loc[rows, "noise"] = pooled.noise[i]
        out.loc[rows, "noise_dof"] = pooled.dof[i]
        out.loc[rows, "noise_pooled"] = bool(pooled.pooled[i])
        out.loc[rows, "err_method"] = volume_err_method(
            baseline, bool(pooled.pooled[i])
        )
        if pooled.flags[i]:
            out.loc[rows, "flags"] = [
                ";".join(f for f in [old, *pooled.flags[i]] if f)
                for old in out.loc[rows, "flags"]
            ]
    return out


def _arrays(volumes: pd.DataFrame):
    """Mixing times, volumes and errors per peak of one series, and the noise
    correlations ``corr[p][q]`` of the volumes of one spectrum (None when the
    table has no ``volume_corr_*`` columns)."""
    index = ["experiment", "mixing_time_s"]

    def wide(values):
        return volumes.pivot_table(index=index, columns="peak", values=values)

    vol_wide = wide("volume")
    missing = [p for p in PEAKS if p not in vol_wide.columns]
    if missing:
        raise InputError("exsy volumes", "peak", "AA, AB, BA and BB", missing)
    err_wide = wide("volume_err").reindex(vol_wide.index)
    tm = vol_wide.index.get_level_values("mixing_time_s").to_numpy(dtype=float)
    vol = {p: vol_wide[p].to_numpy(dtype=float) for p in PEAKS}
    err = {p: err_wide[p].to_numpy(dtype=float) for p in PEAKS}
    corr = None
    columns = [f"volume_corr_{q}" for q in PEAKS]
    if set(columns) <= set(volumes.columns):
        corr = {p: {} for p in PEAKS}
        for q, column in zip(PEAKS, columns, strict=True):
            table = volumes.pivot_table(
                index=index, columns="peak", values=column, dropna=False
            ).reindex(vol_wide.index)
            for p in PEAKS:
                corr[p][q] = table[p].to_numpy(dtype=float)
    return tm, vol, err, corr


def fit_series(
    volumes: pd.DataFrame,
    *,
    models: Iterable[str],
    detailed_balance: bool,
    equal_R1: bool,
    overlap: bool,
    particle_radius_um: float | None = None,
    particle_radius_um_err: float | None = None,
    particle_site: str | None,
    poor_fit_p: float,
) -> pd.DataFrame:
    """Exchange fits of one series (rows of one series of ``exsy_volumes``).

    The noise correlations of the volumes of one spectrum (``volume_corr_*``)
    enter the fits when the table has them (generalised least squares).

    One row per model with the series, sample and mean temperature in front.
    A series whose temperatures differ by more than 1 K gets a flag. When the
    two-site model is a poor fit and the diffusion model describes the data,
    the two-site row is flagged ``diffusion_limited`` (its rates are not
    interfacial exchange rates). ``particle_site`` and ``poor_fit_p``: see
    :func:`liprobe.exsy.fit.fit_diffusion_sphere`.
    """
    series = str(volumes["series"].iloc[0])
    sample = str(volumes["sample"].iloc[0])
    temps = volumes["temperature_K"].astype(float)
    temperature = float(temps.mean()) if temps.notna().any() else math.nan
    extra = []
    if temps.notna().any() and (temps.max() - temps.min()) > 1.0:
        extra.append("temperatures_differ_within_series")
    if temps.isna().any():
        extra.append("temperature_unknown")
    tm, vol, err, corr = _arrays(volumes)
    rows = []
    for model in models:
        if model == "two_site":
            row = fit_two_site(
                tm,
                vol,
                err,
                detailed_balance=detailed_balance,
                equal_R1=equal_R1,
                overlap=overlap,
                poor_fit_p=poor_fit_p,
                correlation=corr,
            )
        elif model == "diffusion_sphere":
            radius = math.nan if particle_radius_um is None else particle_radius_um
            radius_err = particle_radius_um_err
            row = fit_diffusion_sphere(
                tm,
                vol,
                err,
                radius_um=float(radius),
                radius_err_um=0.0 if radius_err is None else float(radius_err),
                overlap=overlap,
                particle_site=particle_site,
                poor_fit_p=poor_fit_p,
                correlation=corr,
            )
        else:
            raise InputError(
                "config", "exsy.models", "two_site and/or diffusion_sphere", model
            )
        row["flags"] = ";".join(f for f in [row["flags"], *extra] if f)
        if particle_radius_um is not None and np.isfinite(particle_radius_um):
            row["particle_radius_um"] = float(particle_radius_um)
        rows.append(
            {
                "series": series,
                "sample": sample,
                "temperature_K": temperature,
                "n_mixing_times": int(np.unique(tm).size),
                **row,
            }
        )
    by_model = {r["model"]: r for r in rows}
    two, diff = by_model.get("two_site"), by_model.get("diffusion_sphere")
    if (
        two is not None
        and diff is not None
        and "poor_fit" in two["flags"]
        and diff["fit_ok"]
    ):
        two["flags"] = ";".join(
            f for f in [two["flags"], "diffusion_limited(two_site_rejected)"] if f
        )
    return pd.DataFrame(rows)


def empty_fits() -> pd.DataFrame:
    """An ``exsy_fits`` frame without rows (a campaign without two-site
    series), with the columns of :func:`fit_series`."""
    row = fit_two_site(
        np.zeros(0),
        {p: np.zeros(0) for p in PEAKS},
        {p: np.zeros(0) for p in PEAKS},
        detailed_balance=True,
        equal_R1=False,
        overlap=False,
        poor_fit_p=0.5,
    )
    columns = ["series", "sample", "temperature_K", "n_mixing_times", *row]
    return pd.DataFrame(columns=columns)


def spectrum_frame(
    data: np.ndarray,
    ppm_f1: np.ndarray,
    ppm_f2: np.ndarray,
    sites: dict[str, list[tuple[float, float]]],
    pad_fraction: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 2D spectrum cropped around its sites as tidy tables.

    Returns ``(spectrum, sites)``: ``spectrum`` has one row per point
    (``f1_ppm``, ``f2_ppm``, ``intensity``) inside the site span widened by
    ``pad_fraction`` of it on each side; ``sites`` one row per interval
    (``site``, ``ppm_min``, ``ppm_max``), the first site being A.
    """
    data = np.asarray(data, float)
    ppm_f1 = np.asarray(ppm_f1, float)
    ppm_f2 = np.asarray(ppm_f2, float)
    if data.shape != (ppm_f1.size, ppm_f2.size):
        raise ValueError(
            f"spectrum shape {data.shape} does not match the ppm axes "
            f"({ppm_f1.size}, {ppm_f2.size})"
        )
    lo = min(a for iv in sites.values() for a, _ in iv)
    hi = max(b for iv in sites.values() for _, b in iv)
    pad = pad_fraction * (hi - lo)
    s1 = (ppm_f1 >= lo - pad) & (ppm_f1 <= hi + pad)
    s2 = (ppm_f2 >= lo - pad) & (ppm_f2 <= hi + pad)
    sub = data[np.ix_(s1, s2)]
    f1, f2 = np.meshgrid(ppm_f1[s1], ppm_f2[s2], indexing="ij")
    spectrum = pd.DataFrame(
        {"f1_ppm": f1.ravel(), "f2_ppm": f2.ravel(), "intensity": sub.ravel()}
    )
    site_rows = [
        {"site": name, "ppm_min": float(a), "ppm_max": float(b)}
        for name, intervals in sites.items()
        for a, b in intervals
    ]
    return spectrum, pd.DataFrame(site_rows)
