"""The campaign's plan, decided from the sheets at parse time: which experiments
form which relaxation series, which EXSY series and which CP build-up series.

One series rule for all stages (:func:`series_name`): the sheet's ``series``
when given; otherwise the sample for relaxation kinds, and the sample plus its
sheet temperature for EXSY (one series per sample and temperature, the
contract's defaults). Pure functions of the sheet frames; the caller passes
the kind of each experiment (from the sheet or detected at parse time) and the
per-row overrides.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from liprobe.errors import InputError, LiprobeError
from liprobe.io.sheets import check_name
from liprobe.nmr.kinds import RELAXATION_KINDS


def _cell(frame: pd.DataFrame, key, column: str, default=None):
    if column not in frame.columns:
        return default
    value = frame.loc[key, column]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    if isinstance(value, str) and not value.strip():
        return default
    return value


def series_name(nmr: pd.DataFrame, experiment: str, kind: str = "exsy") -> str:
    """The series of an experiment: the sheet's ``series``; else, for EXSY,
    ``<sample>_<T>K`` with the sheet temperature (else the sample); for every
    other kind the sample (CONTRACT defaults)."""
    series = _cell(nmr, experiment, "series")
    if series is not None:
        return str(series).strip()
    sample = str(nmr.loc[experiment, "sample"])
    if kind != "exsy":
        return sample
    temperature = _cell(nmr, experiment, "temperature_K")
    if temperature is None:
        return sample
    # the derived name enters paths too: the same safe-name rule as the sheet's
    return check_name(
        f"{sample}_{float(temperature):g}K",
        None,
        f"series of experiment '{experiment}' (sample_temperature_K; give the "
        "series column a shorter name)",
    )


def relaxation_series(nmr: pd.DataFrame, kinds: dict[str, str]) -> list[str]:
    """The relaxation series of a campaign, in sheet order (``kinds``: experiment
    -> kind, from the sheet or detected)."""
    return list(
        dict.fromkeys(
            series_name(nmr, e, kinds[e])
            for e in nmr.index
            if kinds[e] in RELAXATION_KINDS
        )
    )


def linewidth_series(nmr: pd.DataFrame, kinds: dict[str, str]) -> dict:
    """The line-width series of a campaign: series name -> its ``linewidth``
    experiments (a kind the sheet gives, never detected), in sheet order."""
    series: dict[str, list[str]] = {}
    for experiment in nmr.index:
        if kinds[experiment] == "linewidth":
            series.setdefault(series_name(nmr, experiment, "linewidth"), []).append(
                str(experiment)
            )
    return series


def pfg_series(nmr: pd.DataFrame, kinds: dict[str, str]) -> list[str]:
    """The PFG diffusion series of a campaign (experiments of kind ``pfg``), in
    sheet order: the sheet's ``series``, else the sample."""
    return list(
        dict.fromkeys(
            series_name(nmr, e, kinds[e]) for e in nmr.index if kinds[e] == "pfg"
        )
    )


def conversion_series(nmr: pd.DataFrame, kinds: dict[str, str]) -> dict:
    """The NMR conversion jobs of a campaign: series name -> its 1D and pseudo-2D
    experiments (every kind but ``exsy``), in sheet order.

    A series is what a scientist reruns anyway, so the raw folders of one series
    are converted by one job (:func:`series_name`: the sheet's ``series``, else
    the sample).
    """
    series: dict[str, list[str]] = {}
    for experiment in nmr.index:
        kind = kinds[experiment]
        if kind != "exsy":
            series.setdefault(series_name(nmr, experiment, kind), []).append(
                str(experiment)
            )
    return series


def cp_series(nmr: pd.DataFrame, kinds: dict[str, str]) -> dict[str, list[dict]]:
    """The CP build-up series of a campaign: series name -> its ``cp``
    experiments as ``{"experiment", "state"}`` (sheet order).

    The series is :func:`series_name` (the sheet's ``series``, else the
    sample); the build-up is fitted per series and ``state`` (the sheet's,
    empty when not given), so the pristine and cycled states of one sample
    form one series compared in one figure.
    """
    series: dict[str, list[dict]] = {}
    for experiment in nmr.index:
        if kinds[experiment] != "cp":
            continue
        state = _cell(nmr, experiment, "state", "")
        series.setdefault(series_name(nmr, experiment, "cp"), []).append(
            {"experiment": str(experiment), "state": str(state).strip()}
        )
    return series


def exsy_plan(
    nmr: pd.DataFrame,
    regions: pd.DataFrame,
    *,
    detect_kind: Callable[[str], str],
    overrides_of: Callable[[str], dict] = lambda e: {},
) -> dict:
    """The EXSY series of a campaign.

    ``nmr`` is indexed by experiment; rows whose ``kind`` is ``exsy``, or
    ``auto``/empty and ``detect_kind(path)`` says ``exsy``, are taken (a
    LiprobeError from ``detect_kind`` leaves the row out). Returns
    ``series`` (name -> experiments), ``samples``, ``sample_of`` (series ->
    sample), ``paths`` (series -> folders), ``experiments`` (series -> list of
    dicts for the rule: experiment, path, procno, overrides, particle_radius_um)
    and ``regions`` (series -> [sample, region, ppm_min, ppm_max] rows).
    """
    series: dict[str, list[str]] = {}
    for experiment in nmr.index:
        kind = str(_cell(nmr, experiment, "kind", "auto")).lower()
        if kind == "auto":
            try:
                kind = detect_kind(str(nmr.loc[experiment, "path"]))
            except LiprobeError:  # unreadable folder: the NMR stage reports it
                kind = "unknown"
        if kind == "exsy":
            series.setdefault(series_name(nmr, experiment), []).append(experiment)
    sample_of = {s: str(nmr.loc[e[0], "sample"]) for s, e in series.items()}
    experiments, paths, region_rows = {}, {}, {}
    for name, members in series.items():
        rows = []
        for e in members:
            radius = _cell(nmr, e, "particle_radius_um")
            radius_err = _cell(nmr, e, "particle_radius_um_err")
            rows.append(
                {
                    "experiment": str(e),
                    "path": str(nmr.loc[e, "path"]),
                    "procno": int(_cell(nmr, e, "procno", 1)),
                    "overrides": {**overrides_of(e), "kind": "exsy"},
                    "particle_radius_um": None if radius is None else float(radius),
                    "particle_radius_um_err": (
                        None if radius_err is None else float(radius_err)
                    ),
                }
            )
        experiments[name] = rows
        paths[name] = [r["path"] for r in rows]
        sel = (
            regions[regions["sample"].astype(str) == sample_of[name]]
            if not regions.empty
            else regions
        )
        region_rows[name] = [
            [
                sample_of[name],
                str(r["region"]),
                float(r["ppm_min"]),
                float(r["ppm_max"]),
            ]
            for _, r in sel.iterrows()
        ]
    return {
        "series": series,
        "samples": sorted(set(sample_of.values())),
        "sample_of": sample_of,
        "paths": paths,
        "experiments": experiments,
        "regions": region_rows,
    }


def series_of_sample(plan: dict, sample: str) -> list[str]:
    """The series of one sample, in sheet order."""
    return [s for s, smp in plan["sample_of"].items() if smp == sample]


def selective_plan(
    nmr: pd.DataFrame, kinds: dict[str, str], regions: pd.DataFrame
) -> dict:
    """The 1D selective-inversion exchange series of a campaign.

    Experiments of kind ``selective_exchange`` (from the sheet only), grouped by
    :func:`series_name`; each names the inverted site (a region of its sample)
    in the sheet column ``inverted_site``. Returns ``series`` (name -> {sample,
    inverted: {experiment: site}, sites: the sample's regions in sheet order,
    empty when the sample has none}) and ``samples``. Raises InputError naming
    the experiment when ``inverted_site`` is missing or names no region of the
    sample.
    """
    series: dict[str, dict] = {}
    for experiment in nmr.index:
        if kinds[experiment] != "selective_exchange":
            continue
        sample = str(nmr.loc[experiment, "sample"])
        name = series_name(nmr, experiment, "selective_exchange")
        sites = (
            list(
                dict.fromkeys(
                    regions.loc[regions["sample"].astype(str) == sample, "region"]
                    .astype(str)
                    .tolist()
                )
            )
            if not regions.empty
            else []
        )
        site = _cell(nmr, experiment, "inverted_site")
        where = f"inverted_site (experiment {experiment})"
        if site is None:
            raise InputError(
                "nmr sheet", where, "the region inverted by the selective pulse", None
            )
        if sites and str(site) not in sites:
            raise InputError(
                "nmr sheet", where, f"one of the regions {sites} of {sample}", site
            )
        entry = series.setdefault(
            name, {"sample": sample, "inverted": {}, "sites": sites}
        )
        if entry["sample"] != sample:
            raise InputError(
                "nmr sheet",
                f"series {name}",
                "one sample per selective_exchange series",
                [entry["sample"], sample],
            )
        entry["inverted"][str(experiment)] = str(site)
    return {
        "series": series,
        "samples": sorted({v["sample"] for v in series.values()}),
    }
