"""6Li/7Li isotope exchange per site from deconvolved 6Li and 7Li spectra.

Cycling against 6Li metal replaces 7Li by 6Li along the paths Li ions take;
the site whose 6Li fraction rises most carries the current (SCIENCE.md 7).

Amount of a nucleus in a site, from its nmr_peaks row: the site area (ppm x
spectrum unit) times the spectrometer frequency over the spectral width (the
FID amplitude: a line's integral in Hz over the spectrum is its first FID
point times SW; divided by the apodization's weight where the signal starts,
``signal_weight``), per scan (NS), per receiver gain (RG), per mg of sample
(``mass_mg``, used when both spectra compared give it) and divided by the
receptivity gamma^3 I (I + 1) (:data:`liprobe.constants.LI_ISOTOPES`).
Several spectra of one nucleus, sample and state: their inverse-variance mean.

Methods (column ``method``), each a row per sample, site and state:

* ``receptivity``: x6 = n6 / (n6 + n7) from the 6Li and 7Li spectra of the
  same sample and state; it assumes equal detection efficiency of both
  frequencies, apart from receptivity.
* ``pristine_ratio``: relative to the ``pristine`` state of the same sample
  and site, whose 6Li fraction is the natural one (``peaks.natural_li6_
  fraction``): with both nuclei in both states the 6Li/7Li ratio is calibrated
  on the pristine one (receptivity, probe and receiver cancel); with one
  nucleus only, its amount per mg relative to the pristine one (assumes the
  site holds the same Li per mg). Pristine rows are the reference (error 0).

``preferred`` marks ``pristine_ratio`` where it exists, else ``receptivity``.
``li6_gain`` is x6 minus the pristine x6 of the same site and method; per
sample and non-pristine state the preferred row with the largest gain is the
``dominant_path``. Errors by first-order propagation of the independent site
area errors. A spectrum whose recycle delay D1 is shorter than
``saturation_t1_factor`` x T1 of the site (relaxation_fits of the same sample
and nucleus, region named as the site; else the longest T1 of the sample and
nucleus) is flagged ``d1_below_<factor>T1``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from liprobe.constants import LI_ISOTOPES

PRISTINE = "pristine"
ERR_METHOD = (
    "first-order propagation of the nmr_peaks site area errors (independent "
    "spectra); pristine reference rows exact by definition"
)


def receptivity(nucleus: str) -> float:
    """gamma^3 I (I + 1) of a Li isotope (rad^3 s^-3 T^-3)."""
    gamma, spin = LI_ISOTOPES[nucleus]
    return gamma**3 * spin * (spin + 1)


def _amounts(peaks: pd.DataFrame) -> pd.DataFrame:
    """Per experiment and site: the normalised amount and its error."""
    p = peaks[peaks["nucleus"].isin(list(LI_ISOTOPES)) & (peaks["state"] != "")]
    p = p[np.isfinite(p["area"].astype(float))].copy()
    if p.empty:
        return p.assign(n=[], n_err=[], mass_used=[])
    unknown = ~np.isfinite(p["signal_weight"].astype(float))
    p.loc[unknown, "flags"] = [
        ";".join(f for f in (str(t), "signal_weight_unknown") if f and f != "nan")
        for t in p.loc[unknown, "flags"]
    ]
    factor = p["larmor_MHz"] / p["sw_Hz"] / (p["ns"] * p["rg"] * p["signal_weight"])
    factor = factor / p["nucleus"].map(receptivity)
    p["n"] = p["area"] * factor
    p["n_err"] = p["area_err"] * factor
    return p


def _combine(rows: pd.DataFrame, use_mass: bool) -> tuple[float, float, list[str]]:
    """Inverse-variance mean of the normalised amounts of several spectra."""
    n = rows["n"].to_numpy(float)
    e = rows["n_err"].to_numpy(float)
    if use_mass:
        m = rows["mass_mg"].to_numpy(float)
        n, e = n / m, e / m
    if len(n) == 1:
        return float(n[0]), float(e[0]), list(rows["experiment"])
    w = 1.0 / np.maximum(e, 1e-300) ** 2
    return (
        float(np.sum(w * n) / np.sum(w)),
        float(1 / math.sqrt(np.sum(w))),
        list(rows["experiment"]),
    )


def _t1(relaxation: pd.DataFrame | None, sample, nucleus, site) -> tuple[float, str]:
    if relaxation is None or relaxation.empty:
        return math.nan, "not measured"
    r = relaxation
    sel = (
        (r["sample"].astype(str) == str(sample))
        & (r["nucleus"].astype(str) == nucleus)
        & r["kind"].isin(["t1_sr", "t1_ir"])
        & r["selected"].astype(bool)
        & r["fit_ok"].astype(bool)
    )
    if not sel.any():
        return math.nan, "not measured"
    own = sel & (r["region"].astype(str) == str(site))
    if own.any():
        return float(r.loc[own, "time_constant_s"].max()), "relaxation_fits (site)"
    return float(r.loc[sel, "time_constant_s"].max()), "relaxation_fits (sample max)"


def exchange_table(
    peaks: pd.DataFrame,
    relaxation: pd.DataFrame | None,
    *,
    natural_li6_fraction: float,
    saturation_t1_factor: float,
) -> pd.DataFrame:
    """The isotope_exchange table from nmr_peaks (and relaxation_fits)."""
    amounts = _amounts(peaks)
    nat = float(natural_li6_fraction)
    out: list[dict] = []
    groups: dict[tuple, dict] = {}
    for (sample, site, state, nucleus), rows in amounts.groupby(
        ["sample", "site", "state", "nucleus"], sort=True
    ):
        groups.setdefault((sample, site, state), {})[nucleus] = rows
    for (sample, site, state), by_nucleus in groups.items():
        satur: list[str] = []
        t1_text = []
        for nucleus, rows in by_nucleus.items():
            t1, source = _t1(relaxation, sample, nucleus, site)
            t1_text.append(f"{nucleus}: {source}")
            d1 = float(rows["d1_s"].min())
            if math.isfinite(t1) and d1 < saturation_t1_factor * t1:
                satur.append(
                    f"d1_below_{saturation_t1_factor:g}T1({nucleus}: D1={d1:.3g} s, "
                    f"T1={t1:.3g} s)"
                )
        base = {"sample": sample, "site": site, "state": state}
        fit_flags = sorted(
            {
                f
                for rows in by_nucleus.values()
                for text in rows["flags"].astype(str)
                for f in text.split(";")
                if f
            }
        )
        if "6Li" in by_nucleus and "7Li" in by_nucleus:
            r6, r7 = by_nucleus["6Li"], by_nucleus["7Li"]
            mass = bool(
                np.isfinite(r6["mass_mg"]).all() and np.isfinite(r7["mass_mg"]).all()
            )
            n6, e6, x6e = _combine(r6, mass)
            n7, e7, x7e = _combine(r7, mass)
            x = n6 / (n6 + n7)
            rel = math.hypot(e6 / n6, e7 / n7) if n6 > 0 and n7 > 0 else math.nan
            out.append(
                {
                    **base,
                    "method": "receptivity",
                    "li6_fraction": x,
                    "li6_fraction_err": x * (1 - x) * rel,
                    "li6_experiment": ",".join(x6e),
                    "li7_experiment": ",".join(x7e),
                    "mass_used": mass,
                    "flags": ";".join(satur + fit_flags),
                    "t1_source": "; ".join(t1_text),
                }
            )
    # relative to the pristine state of the same sample and site
    for (sample, site, state), by_nucleus in groups.items():
        if state == PRISTINE:
            continue
        ref = groups.get((sample, site, PRISTINE))
        if ref is None:
            continue
        both = all(n in by_nucleus and n in ref for n in ("6Li", "7Li"))
        row = {
            "sample": sample,
            "site": site,
            "state": state,
            "method": "pristine_ratio",
        }
        if both:
            vals = {}
            for tag, grp in (("s", by_nucleus), ("p", ref)):
                for nuc in ("6Li", "7Li"):
                    vals[tag + nuc] = _combine(grp[nuc], False)
            r_s = vals["s6Li"][0] / vals["s7Li"][0]
            r_p = vals["p6Li"][0] / vals["p7Li"][0]
            rel = math.sqrt(sum((v[1] / v[0]) ** 2 for v in vals.values()))
            r = r_s / r_p * nat / (1 - nat)
            x = r / (1 + r)
            row.update(
                li6_fraction=x,
                li6_fraction_err=x * (1 - x) * rel,
                li6_experiment=",".join(vals["s6Li"][2]),
                li7_experiment=",".join(vals["s7Li"][2]),
                pristine_li6_experiment=",".join(vals["p6Li"][2]),
                pristine_li7_experiment=",".join(vals["p7Li"][2]),
                mass_used=False,
            )
        else:
            nuc = next(
                (n for n in ("6Li", "7Li") if n in by_nucleus and n in ref), None
            )
            if nuc is None:
                continue
            mass = bool(
                np.isfinite(by_nucleus[nuc]["mass_mg"]).all()
                and np.isfinite(ref[nuc]["mass_mg"]).all()
            )
            ns, es, exps = _combine(by_nucleus[nuc], mass)
            npr, epr, pexps = _combine(ref[nuc], mass)
            ratio = ns / npr
            e_ratio = ratio * math.hypot(es / ns, epr / npr)
            if nuc == "6Li":
                x, ex = nat * ratio, nat * e_ratio
            else:
                x, ex = 1 - (1 - nat) * ratio, (1 - nat) * e_ratio
            key = "li6" if nuc == "6Li" else "li7"
            row.update(
                li6_fraction=x,
                li6_fraction_err=ex,
                mass_used=mass,
                **{f"{key}_experiment": ",".join(exps)},
                **{f"pristine_{key}_experiment": ",".join(pexps)},
            )
            if not mass:
                row["extra_flag"] = "mass_not_given(equal_li_amount_assumed)"
        row_flags = [
            f
            for f in [row.pop("extra_flag", "")]
            + [
                f
                for rows in [*by_nucleus.values(), *ref.values()]
                for t in rows["flags"].astype(str)
                for f in t.split(";")
            ]
            if f
        ]
        prior = [
            r
            for r in out
            if (r["sample"], r["site"], r["state"]) == (sample, site, state)
        ]
        satur = [f for r in prior for f in r["flags"].split(";") if f.startswith("d1_")]
        row["flags"] = ";".join(sorted(set(satur + row_flags)))
        row["t1_source"] = prior[0]["t1_source"] if prior else ""
        out.append(row)
        if not any(
            r["method"] == "pristine_ratio"
            and (r["sample"], r["site"], r["state"]) == (sample, site, PRISTINE)
            for r in out
        ):
            out.append(
                {
                    "sample": sample,
                    "site": site,
                    "state": PRISTINE,
                    "method": "pristine_ratio",
                    "li6_fraction": nat,
                    "li6_fraction_err": 0.0,
                    "mass_used": False,
                    "flags": "pristine_reference",
                    "t1_source": "",
                }
            )
    return _finish(pd.DataFrame(out), nat)


COLUMNS = [
    "sample",
    "site",
    "state",
    "method",
    "preferred",
    "li6_fraction",
    "li6_fraction_err",
    "enrichment",
    "enrichment_err",
    "li6_gain",
    "li6_gain_err",
    "dominant_path",
    "li6_experiment",
    "li7_experiment",
    "pristine_li6_experiment",
    "pristine_li7_experiment",
    "mass_used",
    "t1_source",
    "flags",
    "err_method",
]


def _finish(frame: pd.DataFrame, nat: float) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    for column in COLUMNS:
        if column not in frame:
            frame[column] = "" if column.endswith("experiment") else math.nan
    frame = frame.fillna(
        {c: "" for c in COLUMNS if c.endswith("experiment") or c == "t1_source"}
    )
    frame["enrichment"] = frame["li6_fraction"] / nat
    frame["enrichment_err"] = frame["li6_fraction_err"] / nat
    methods = frame.groupby(["sample", "site", "state"])["method"].transform(
        lambda m: "pristine_ratio" if (m == "pristine_ratio").any() else "receptivity"
    )
    frame["preferred"] = frame["method"] == methods
    pristine = frame[frame["state"] == PRISTINE].set_index(["sample", "site", "method"])
    gains, gain_errs = [], []
    for r in frame.itertuples():
        key = (r.sample, r.site, r.method)
        if r.state == PRISTINE or key not in pristine.index:
            gains.append(math.nan if r.state != PRISTINE else 0.0)
            gain_errs.append(math.nan if r.state != PRISTINE else 0.0)
            continue
        p = pristine.loc[key]
        gains.append(r.li6_fraction - float(p["li6_fraction"]))
        gain_errs.append(
            r.li6_fraction_err
            if r.method == "pristine_ratio"
            else math.hypot(r.li6_fraction_err, float(p["li6_fraction_err"]))
        )
    frame["li6_gain"], frame["li6_gain_err"] = gains, gain_errs
    frame["dominant_path"] = False
    candidates = frame[
        frame["preferred"]
        & (frame["state"] != PRISTINE)
        & np.isfinite(frame["li6_gain"])
    ]
    for _, g in candidates.groupby(["sample", "state"]):
        frame.loc[g["li6_gain"].idxmax(), "dominant_path"] = True
    frame["mass_used"] = frame["mass_used"].fillna(False).astype(bool)
    frame["err_method"] = ERR_METHOD
    return (
        frame[COLUMNS]
        .sort_values(["sample", "state", "method", "site"])
        .reset_index(drop=True)
    )


def dominant_lines(frame: pd.DataFrame) -> list[str]:
    """One summary line per sample and state: the site gaining most 6Li."""
    lines = []
    for r in frame[frame["dominant_path"].astype(bool)].itertuples():
        lines.append(
            f"{r.sample} ({r.state}): dominant Li path through site {r.site}, "
            f"6Li fraction {r.li6_fraction:.4f} +- {r.li6_fraction_err:.4f} "
            f"(gain {r.li6_gain:+.4f} +- {r.li6_gain_err:.4f}, {r.method})"
        )
    return lines
