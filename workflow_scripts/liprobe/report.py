"""Pieces of the HTML report: software versions, configuration, summary lines."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping

import pandas as pd


def _split_pin(dep: str) -> tuple[str, str]:
    for sep in ("==", "="):
        if sep in dep:
            name, _, version = dep.partition(sep)
            return name.strip(), version.strip()
    return dep.strip(), ""


def _norm(name: str) -> str:
    """A distribution name as pip compares them (PyYAML == pyyaml)."""
    return re.sub(r"[-_.]+", "-", str(name)).lower()


#: conda-forge package names whose Python distribution is named otherwise
CONDA_DISTRIBUTION = {"matplotlib-base": "matplotlib"}


def declared_packages(envs: Mapping[str, Mapping]) -> pd.DataFrame:
    """Every package of every environment file: its source and pinned version."""
    rows = []
    for env_name, env in sorted(envs.items()):
        for dep in env.get("dependencies", []) or []:
            if isinstance(dep, Mapping):
                source, items = "pip", dep.get("pip", []) or []
            elif dep == "pip":
                continue
            else:
                source, items = "conda-forge", [dep]
            for item in items:
                name, pinned = _split_pin(str(item))
                rows.append(
                    {
                        "environment": env_name,
                        "package": name,
                        "source": source,
                        "pinned_version": pinned,
                    }
                )
    columns = ["environment", "package", "source", "pinned_version"]
    return pd.DataFrame(rows, columns=columns)


def software_versions(
    envs: Mapping[str, Mapping],
    rule_envs: Mapping[str, str],
    records: Iterable[Mapping],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per environment: each package as declared and as the rules ran it.

    ``envs`` maps an environment file name to its parsed YAML, ``rule_envs`` a
    rule name to the name of its environment file, ``records`` are the software
    records the jobs wrote (:mod:`liprobe.io.software`: rule, Python version,
    imported distributions with versions).

    Returns ``(packages, rules)``. ``packages``: one row per declared package
    with ``ran_version`` (every version a job of a rule of this environment
    imported, comma-separated; empty when none of them imported it),
    ``ran_in`` (those rules) and ``matches_pin`` (every ran version equals the
    pin; empty when it did not run). ``rules``: one row per rule with its
    environment and the number of jobs that left a record.
    """
    by_env: dict[str, list[Mapping]] = {}
    jobs: dict[str, int] = {}
    for record in records:
        rule = str(record.get("rule", ""))
        jobs[rule] = jobs.get(rule, 0) + 1
        if rule in rule_envs:
            by_env.setdefault(rule_envs[rule], []).append(record)

    rows = []
    for _, row in declared_packages(envs).iterrows():
        name = str(row["package"])
        dist = _norm(CONDA_DISTRIBUTION.get(name, name))
        versions: set[str] = set()
        rules: set[str] = set()
        for record in by_env.get(str(row["environment"]), []):
            if name == "python":
                found = str(record.get("python", ""))
            else:
                dists = {_norm(k): str(v) for k, v in record["distributions"].items()}
                found = dists.get(dist, "")
            if found:
                versions.add(found)
                rules.add(str(record["rule"]))
        pinned = str(row["pinned_version"])
        rows.append(
            {
                **row.to_dict(),
                "ran_version": ", ".join(sorted(versions)),
                "ran_in": ", ".join(sorted(rules)),
                "matches_pin": (
                    ""
                    if not versions
                    else "yes"
                    if all(_pin_matches(pinned, v) for v in versions)
                    else "no"
                ),
            }
        )
    packages = pd.DataFrame(
        rows,
        columns=[
            "environment",
            "package",
            "source",
            "pinned_version",
            "ran_version",
            "ran_in",
            "matches_pin",
        ],
    )
    rules_table = pd.DataFrame(
        [
            {"rule": rule, "environment": env, "jobs_recorded": jobs.get(rule, 0)}
            for rule, env in sorted(rule_envs.items(), key=lambda kv: (kv[1], kv[0]))
        ],
        columns=["rule", "environment", "jobs_recorded"],
    )
    return packages, rules_table


def _pin_matches(pinned: str, version: str) -> bool:
    """A conda pin ``3.11`` matches ``3.11.9``; ``2.4.6`` only ``2.4.6``."""
    if not pinned:
        return True
    return version == pinned or version.startswith(pinned + ".")


def software_page_html(packages: pd.DataFrame, rules: pd.DataFrame) -> str:
    """The report's software page: packages per environment, then the rules."""
    title = "Software versions of the rule environments"
    intro = (
        "<p>pinned_version: the environment file's pin (envs/*.yaml); "
        "ran_version: the version each job of a rule of that environment imported, "
        "read in the interpreter that ran it after its step finished; ran_in: "
        "those rules. An empty ran_version: no job of this run imported the "
        "package.</p>"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;font-size:12px}"
        "table{border-collapse:collapse;margin-bottom:1em}td,th{padding:2px 6px;"
        "border-bottom:1px solid #ddd;text-align:left}</style></head><body>"
        f"<h3>{html.escape(title)}</h3>{intro}"
        + packages.to_html(index=False, border=0, na_rep="")
        + "<h3>Rules and their environments</h3>"
        + rules.to_html(index=False, border=0, na_rep="")
        + "</body></html>"
    )


def frame_to_html(frame: pd.DataFrame, title: str) -> str:
    """A small self-contained HTML page of a table."""
    body = frame.to_html(index=False, border=0, na_rep="", float_format="%.6g")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;font-size:12px}"
        "table{border-collapse:collapse}td,th{padding:2px 6px;"
        "border-bottom:1px solid #ddd;text-align:right}</style></head><body>"
        f"<h3>{html.escape(title)}</h3>{body}</body></html>"
    )


def format_value(value: float, err: float | None, unit: str = "") -> str:
    """'0.201 +- 0.004 eV' with the error rounded to two significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    unit = f" {unit}" if unit else ""
    if err is None or not math.isfinite(err) or err <= 0:
        return f"{value:.4g}{unit}"
    digits = max(0, 1 - int(math.floor(math.log10(abs(err)))))
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        return f"{value:.3e} +- {err:.2e}{unit}"
    return f"{value:.{digits}f} +- {err:.{digits}f}{unit}"


def summary_markdown(sections: Iterable[tuple[str, list[str]]]) -> str:
    """The results summary: one bullet line per headline number."""
    out = ["# liprobe results summary", ""]
    for heading, lines in sections:
        out.append(f"## {heading}")
        out.append("")
        if lines:
            out.extend(f"* {line}" for line in lines)
        else:
            out.append("* (no results in this campaign)")
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Figure captions for the Snakemake report
#
# Snakemake renders a caption file with Jinja2, the job being ``snakemake``.
# One generated caption file serves every job of a plot rule: it holds one
# ``{% if snakemake.wildcards.<name> == "<value>" %}`` block per wildcard
# value, with the numbers of that series, sample or run.
# ---------------------------------------------------------------------------


def _rst_text(text: str) -> str:
    """Plain text safe inside reStructuredText and Jinja2."""
    out = str(text).replace("\\", "\\\\")
    for ch in "*`|":
        out = out.replace(ch, "\\" + ch)
    return out.replace("{", "(").replace("}", ")")


def _jinja_str(value: str) -> str:
    """A Jinja2 string literal."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pm(value, err, unit: str = "") -> str:
    """``format_value`` with a ± sign, for captions and the summary."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "n/a"
    try:
        err = float(err) if err is not None else None
    except (TypeError, ValueError):
        err = None
    return format_value(value, err, unit).replace("+-", "±")


def _ok(frame: pd.DataFrame) -> pd.Series:
    if "fit_ok" not in frame:
        return pd.Series(True, index=frame.index)
    return frame["fit_ok"].fillna(False).astype(bool)


def _block(wildcard: str, value: str, lines: list[str]) -> str:
    body = "\n\n".join(lines) if lines else "No fitted values for this figure."
    return (
        f"{{% if snakemake.wildcards.{wildcard} == {_jinja_str(value)} %}}\n"
        f"{body}\n\n{{% endif %}}\n"
    )


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"* {line}" for line in lines)


def _titled(title: str, items: list[str]) -> list[str]:
    """A caption paragraph: ``title``, then ``items`` as bullets; none without
    items."""
    return [title, _bullets(items)] if items else []


def _values(frame: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of ``column`` as text, in order of appearance."""
    return list(dict.fromkeys(frame[column].astype(str))) if len(frame) else []


def _not_fitted(r: pd.Series, what: str = "fit failed") -> str:
    """``fit failed (<flags>)`` of a table row, for the results summary."""
    return f"{what} ({r.get('flags', '')})"


def caption_nmr_spectra(experiments: pd.DataFrame) -> str:
    """Caption of the stacked-spectra figures, one block per experiment."""
    head = (
        "Processed spectra of one experiment, one trace per increment (list time), "
        "stacked with a constant offset, high shift on the left; the shaded bands "
        "are the integration regions of the sample (regions sheet or TopSpin "
        "intrng).\n\n"
    )
    blocks = []
    for _, r in experiments.iterrows():
        exp = str(r["experiment"])
        parts = [f"Experiment {_rst_text(exp)}: sample {_rst_text(r.get('sample'))}"]
        for col, name, unit in (
            ("kind", "kind", ""),
            ("nucleus", "nucleus", ""),
            ("larmor_MHz", "Larmor frequency", "MHz"),
            ("temperature_K", "temperature", "K"),
            ("n_increments", "increments", ""),
        ):
            if col in r and pd.notna(r[col]):
                v = r[col]
                v = f"{float(v):.4g}" if isinstance(v, float) else str(v)
                parts.append(f"{name} {_rst_text(v)}{(' ' + unit) if unit else ''}")
        blocks.append(_block("experiment", exp, [", ".join(parts) + "."]))
    return head + "".join(blocks)


def _topspin_text(r: pd.Series) -> str:
    """``; TopSpin (height fit): 1.397 s`` when the folder held TopSpin's own fit."""
    value = r.get("topspin_time_constant_s")
    if value is None or not pd.notna(value):
        return ""
    values = f"{float(value):.4g}"
    second = r.get("topspin_time_constant_2_s")
    if second is not None and pd.notna(second):
        values += f" and {float(second):.4g}"
    fitted = str(r.get("topspin_fitted") or "")
    what = f" ({_rst_text(fitted)} fit)" if fitted else ""
    return f"; TopSpin{what}: {values} s"


def caption_relaxation(fits: pd.DataFrame, arrhenius: pd.DataFrame) -> str:
    """Caption of the relaxation figures (curves and Arrhenius) of each series."""
    head = (
        "Left figure (curves): normalised integrals I/I0 of every experiment of the "
        "series against the list time (log axis) with the selected model "
        "(saturation or inversion recovery I0 (1 - exp(-(t/T1)^b)), decay "
        "I0 exp(-(t/T)^b); solid: fit ok, dotted: flagged) and the residuals in "
        "units of the point uncertainty. Right figure (Arrhenius): relaxation "
        "rates against 1000/T on a log axis with the BPP fit "
        "(R1 = C [J(w0) + 4 J(2 w0)], J(w) = 2 tau_c / (1 + (w tau_c)^beta), "
        "tau_c = tau0 exp(Ea/kB T); Bloembergen, Purcell & Pound, Phys. Rev. 73 "
        "(1948) 679; solid: free beta, dashed: beta = 2) and Arrhenius lines on "
        "each flank (dotted, slope in eV). Errors are 1 sigma from the fit "
        "covariance. Where the folder holds TopSpin's own relaxation fit "
        "(ct1t2.txt), its time constant follows ours (TopSpin's fit is "
        "unweighted, on what it names: height or integral).\n\n"
    )
    blocks = []
    for series in _values(fits, "series"):
        lines = []
        f = fits[(fits["series"].astype(str) == series)]
        if "selected" in f:
            f = f[f["selected"].fillna(False).astype(bool)]
        f = f[f["quantity"] == "integral"] if "quantity" in f else f
        if len(f):
            items = []
            for _, r in f.sort_values(["region", "temperature_K"]).iterrows():
                flag = "" if bool(r.get("fit_ok", True)) else " (flagged)"
                items.append(
                    f"{_rst_text(r['region'])}, {float(r['temperature_K']):.1f} K, "
                    f"{_rst_text(r['model'])}: "
                    f"{_pm(r['time_constant_s'], r.get('time_constant_s_err'), 's')}"
                    f"{flag}{_topspin_text(r)}"
                )
            lines += _titled("Time constants (selected model per experiment):", items)
        a = arrhenius[arrhenius["series"].astype(str) == series]
        a = a[a["quantity"] == "integral"] if "quantity" in a else a
        items = []
        for _, r in a[_ok(a)].iterrows():
            text = (
                f"{_rst_text(r['region'])} {_rst_text(r['kind'])}, "
                f"{_rst_text(r['model'])}: Ea = {_pm(r['Ea_eV'], r['Ea_eV_err'], 'eV')}"
            )
            if str(r["model"]).startswith("bpp"):
                if "tau0_s" in r and pd.notna(r["tau0_s"]):
                    text += f", tau0 = {_pm(r['tau0_s'], r.get('tau0_s_err'), 's')}"
                if pd.notna(r.get("beta")):
                    text += f", beta = {float(r['beta']):.2f}"
            items.append(text)
        bad = a[~_ok(a)]
        for _, r in bad.iterrows():
            items.append(
                f"{_rst_text(r['region'])} {_rst_text(r['model'])}: fit failed "
                f"({_rst_text(r.get('flags', ''))})"
            )
        lines += _titled("Temperature dependence:", items)
        blocks.append(_block("series", series, lines))
    return head + "".join(blocks)


def caption_cp_buildup(buildup: pd.DataFrame) -> str:
    """Caption of the CP build-up figures, one block per series."""
    head = (
        "CP build-up: region integrals per scan and receiver gain of every "
        "contact time (acqus P15, one experiment each, or a vplist) of the "
        "series, one colour per state (e.g. pristine and cycled), with both "
        "fitted models: classical I-S (solid), I(t) = I0 (1 - T_IS/T1rho_H)^-1 "
        "[exp(-t/T1rho_H) - exp(-t/T_IS)] with T_IS < T1rho_H imposed, and "
        "non-classical I-I*-S (dashed), I(t) = I0 exp(-t/T1rho_H) [1 - lambda "
        "exp(-t/T_df) - (1 - lambda) exp(-3t/(2 T_df)) exp(-t^2/(2 T2^2))] "
        "(Kolodziejski & Klinowski, Chem. Rev. 102 (2002) 613); the model "
        "chosen by the small-sample Akaike criterion (AICc) is drawn thicker, "
        "flagged fits dotted. Errors are 1 sigma from the fit covariance with "
        "the integrals' measured errors as absolute weights.\n\n"
    )
    blocks = []
    for series in _values(buildup, "series"):
        b = buildup[buildup["series"].astype(str) == series]
        items = []
        for _, r in b[b["chosen"].fillna(False).astype(bool)].iterrows():
            flags = str(r.get("flags") or "")
            items.append(
                f"{_rst_text(r['site'])}, {_rst_text(r['state'] or 'no state')}, "
                f"{_rst_text(r['model'])}: "
                f"T_IS = {_pm(r['T_IS_s'], r['T_IS_s_err'], 's')}, "
                f"T1rho_H = {_pm(r['T1rho_H_s'], r['T1rho_H_s_err'], 's')}, "
                f"I0 = {_pm(r['I0'], r['I0_err'])}"
                + (f" ({_rst_text(flags)})" if flags else "")
            )
        unchosen = b.groupby(["site", "state"])["chosen"].apply(
            lambda c: not c.fillna(False).astype(bool).any()
        )
        for (site, state), none in unchosen.items():
            if none:
                items.append(
                    f"{_rst_text(site)}, {_rst_text(state or 'no state')}: no model "
                    "fitted without flags (see the cp_buildup table)"
                )
        lines = _titled("Chosen model per site and state:", items)
        blocks.append(_block("series", series, lines))
    return head + "".join(blocks)


def caption_exsy_contour(fits: pd.DataFrame) -> str:
    """Caption of the 2D EXSY contour plots, one block per series."""
    head = (
        "2D exchange spectrum of the series at its longest mixing time: positive "
        "contours at geometric levels from 3 % of the maximum; boxes: the "
        "integration areas of the diagonal (AA, BB, solid) and cross peaks "
        "(AB, BA, dashed).\n\n"
    )
    blocks = []
    for series, g in fits.groupby("series", sort=False) if len(fits) else []:
        lines = [f"{_rst_text(series)}, {float(g['temperature_K'].iloc[0]):.1f} K."]
        lines += _exsy_series_lines(g)
        blocks.append(_block("exsy_series", str(series), lines))
    return head + "".join(blocks)


def _exsy_series_lines(g: pd.DataFrame) -> list[str]:
    items = []
    for _, r in g.iterrows():
        if not bool(r.get("fit_ok", False)):
            items.append(
                f"{_rst_text(r['model'])}: fit failed ({_rst_text(r.get('flags', ''))})"
            )
        elif r["model"] == "diffusion_sphere":
            items.append(
                f"{float(r['temperature_K']):.1f} K, diffusion in spheres of radius "
                f"{float(r.get('particle_radius_um', float('nan'))):g} um: "
                f"D = {_pm(r['D_m2_per_s'], r['D_m2_per_s_err'], 'm^2/s')}"
            )
        else:
            items.append(
                f"{float(r['temperature_K']):.1f} K, {_rst_text(r['model'])}: "
                f"k_AB = {_pm(r['k_AB_per_s'], r['k_AB_per_s_err'], '1/s')}, "
                f"k_BA = {_pm(r['k_BA_per_s'], r['k_BA_per_s_err'], '1/s')}"
            )
    return [_bullets(items)] if items else []


def caption_exsy(fits: pd.DataFrame, arrhenius: pd.DataFrame) -> str:
    """Caption of the EXSY build-up and Arrhenius figures, one block per sample."""
    head = (
        "Build-up: cross-peak fraction (AB + BA) / (AA + AB + BA + BB) against the "
        "mixing time per temperature, with the two-site exchange model (dashed; "
        "volumes exp(-L tm) diag(MA0, MB0), L the exchange-relaxation matrix; "
        "Jeener, Meier, Bachmann & Ernst, J. Chem. Phys. 71 (1979) 4546) and the "
        "diffusion-limited model (solid; Crank's sphere solution F(t) = 1 - "
        "(6/pi^2) sum (1/n^2) exp(-D n^2 pi^2 t / r^2)). Arrhenius: ln D and "
        "ln k_AB against 1000/T with the fitted line ln X = ln X0 - Ea/(kB T). "
        "Errors are 1 sigma from the fit covariance.\n\n"
    )
    blocks = []
    for sample in _values(fits, "sample"):
        a = arrhenius[arrhenius["sample"].astype(str) == sample]
        items = [
            f"Ea({_rst_text(r['quantity'])}) = {_pm(r['Ea_eV'], r['Ea_eV_err'], 'eV')}"
            for _, r in a.iterrows()
            if pd.notna(r["Ea_eV"])
        ]
        lines = _titled("Activation energies:", items)
        g = fits[fits["sample"].astype(str) == sample].sort_values("temperature_K")
        lines.append("Exchange fits per temperature:")
        lines += _exsy_series_lines(g)
        blocks.append(_block("exsy_sample", sample, lines))
    return head + "".join(blocks)


def _series_key(frame: pd.DataFrame) -> list[str]:
    return [
        s if isinstance(s, str) and s else str(smp)
        for s, smp in zip(frame["series"], frame["sample"], strict=True)
    ]


def caption_pfg(diffusion: pd.DataFrame, arrhenius: pd.DataFrame) -> str:
    """Caption of the PFG attenuation and Arrhenius figures, one block per series."""
    head = (
        "Attenuation: region integral over its fitted I0 against the diffusion "
        "weighting b on a log axis, one colour per experiment, with the "
        "mono-exponential Stejskal-Tanner fit I = I0 exp(-D b) (dashed) and, "
        "where the small-sample Akaike criterion (AICc) preferred it, the "
        "two-component or stretched fit (solid). b = (2 pi gamma G delta)^2 "
        "(Delta - delta/3) 1e4 for rectangular gradients (half-sine: delta x "
        "2/pi and Delta - delta/4), with delta, Delta and gamma as each row of "
        "pfg_diffusion states (TopSpin's ct1t2.txt, else P30, D20 and the "
        "gradient shape). Arrhenius: the mono-exponential D against 1000/T with "
        "ln D = ln D0 - Ea/(kB T). Errors are 1 sigma from the fit covariance "
        "with the integral errors as known errors.\n\n"
    )
    blocks = []
    if not len(diffusion):
        return head
    d = diffusion.assign(_series=_series_key(diffusion))
    for series in dict.fromkeys(d["_series"]):
        a = arrhenius[arrhenius["series"].astype(str) == series]
        items = [
            f"{_rst_text(r['region'])}: Ea = {_pm(r['Ea_eV'], r['Ea_eV_err'], 'eV')}, "
            f"D0 = {_pm(r['D0_m2_per_s'], r['D0_m2_per_s_err'], 'm^2/s')}"
            for _, r in a.iterrows()
            if pd.notna(r["Ea_eV"])
        ]
        lines = _titled("Arrhenius of D (mono):", items)
        g = d[(d["_series"] == series) & d["selected"].astype(bool)]
        rows = []
        for _, r in g.sort_values(["temperature_K", "region"]).iterrows():
            text = (
                f"{_rst_text(r['experiment'])}, {_rst_text(r['region'])} "
                f"({float(r['temperature_K']):.1f} K, {_rst_text(r['model'])}): D = "
                f"{_pm(r['D_m2_per_s'], r['D_m2_per_s_err'], 'm^2/s')}"
            )
            if pd.notna(r.get("topspin_D_m2_per_s")):
                text += f", TopSpin {_pm(r['topspin_D_m2_per_s'], None, 'm^2/s')}"
            rows.append(text)
        lines += _titled("Selected fits per experiment:", rows)
        blocks.append(_block("series", series, lines))
    return head + "".join(blocks)


def _pair(r: pd.Series) -> str:
    """``site_from -> site_to`` of a rate row."""
    return f"{_rst_text(r['site_from'])} -> {_rst_text(r['site_to'])}"


def _rate(r: pd.Series) -> str:
    """``k = ...`` of a rate row, or why it is not used."""
    if bool(r["fit_ok"]):
        return f"k = {_pm(r['k_per_s'], r['k_per_s_err'], '1/s')}"
    return f"not used ({_rst_text(r['flags'])})"


def caption_exsy_rates(rates: pd.DataFrame, arrhenius: pd.DataFrame) -> str:
    """Caption of the rates-per-pair figures, one block per sample."""
    head = (
        "Exchange rate constants k (site_from -> site_to) per ordered site pair "
        "against 1000/T: filled markers from 2D EXSY, open markers from 1D "
        "selective inversion, both fitted with one N-site kinetic model "
        "dM/dt = -(R + K)(M - M_eq) (matrix exponential; two-site series: the "
        "two-site fit), with the Arrhenius line ln k = ln k0 - Ea/(kB T) per "
        "pair. Errors are 1 sigma from the fit covariance (absolute weights).\n\n"
    )
    blocks = []
    for sample in _values(rates, "sample"):
        a = arrhenius[
            (arrhenius["sample"].astype(str) == sample)
            & arrhenius["site_from"].notna()
            & arrhenius["Ea_eV"].notna()
        ]
        items = [
            f"{_pair(r)} ({_rst_text(r['method'])}): "
            f"Ea = {_pm(r['Ea_eV'], r['Ea_eV_err'], 'eV')}"
            for _, r in a.iterrows()
        ]
        lines = _titled("Activation energies per pair:", items)
        g = rates[rates["sample"].astype(str) == sample].sort_values(
            ["method", "temperature_K"]
        )
        items = [
            f"{float(r['temperature_K']):.1f} K, {_rst_text(r['method'])}, "
            f"{_pair(r)}: {_rate(r)}"
            for _, r in g.iterrows()
        ]
        lines += _titled("Rates per temperature:", items)
        blocks.append(_block("exsy_sample", sample, lines))
    return head + "".join(blocks)


def caption_selective_exchange(rates: pd.DataFrame) -> str:
    """Caption of the 1D selective-inversion figures, one block per series."""
    head = (
        "1D selective-inversion exchange: the integral of each site (per NS x RG, "
        "1 sigma) after the selective inversion of one site and the mixing time, "
        "with the N-site model M(t) = M_eq + exp(-(R + K) t)(M(0) - M_eq) fitted "
        "to all sites at once (M(0) = M_eq with the inverted site's start "
        "fitted); the same model and tables as 2D EXSY.\n\n"
    )
    blocks = []
    sel = rates[rates["method"] == "selective_exchange"] if len(rates) else rates
    for series, g in sel.groupby("series", sort=True) if len(sel) else []:
        lines = [f"{_rst_text(series)}, {float(g['temperature_K'].iloc[0]):.1f} K."]
        items = [f"{_pair(r)}: {_rate(r)}" for _, r in g.iterrows()]
        lines.append(_bullets(items))
        blocks.append(_block("selective_series", str(series), lines))
    return head + "".join(blocks)


def caption_ndp(profiles: pd.DataFrame, inventory: pd.DataFrame | None) -> str:
    """Caption of the NDP heat map and step-profile figures, one block per run."""
    head = (
        "Operando neutron depth profiles: Li density relative to dense Li metal "
        "(4.63e22 Li/cm^3) against depth (0 = sample-side face of the window) "
        "from the energy of the 6Li(n,alpha)3H charged particles, with stopping "
        "powers of the layer stack. Heat map: every time slice; profiles: the "
        "slices ending each plating and stripping step, shaded bands 1 sigma "
        "Poisson counting error.\n\n"
    )
    blocks = []
    for run, g in profiles.groupby("run", sort=False) if len(profiles) else []:
        n = g["slice"].nunique()
        depth = g["depth_um"]
        lines = [
            f"Run {_rst_text(run)}: {n} time slices, depth {float(depth.min()):.2f} "
            f"to {float(depth.max()):.2f} um, peak Li density "
            f"{float(g['li_density_rel'].max()):.2f} of Li metal."
        ]
        if inventory is not None and len(inventory):
            inv = inventory[inventory["run"] == run]
            if len(inv):
                last = inv.sort_values("slice").iloc[-1]
                lines.append(
                    "Li inventory at the last slice: "
                    f"{_pm(last['li_per_cm2'], last.get('li_per_cm2_err'), 'Li/cm^2')}."
                )
        blocks.append(_block("run", str(run), lines))
    return head + "".join(blocks)


def caption_efficiency(efficiency: pd.DataFrame) -> str:
    """Caption of the inventory and efficiency figures (one job, every run)."""
    lines = [
        "Inventory figures: plated Li from NDP (markers, depth-integrated Li "
        "density, 1 mAh = 2.247e19 Li) and net plated charge from the cycler "
        "(line) against time, Li mass on the right axis, cell voltage below. "
        "Efficiency figure: Li efficiency per cycle (N_end_plate - N_end_strip) / "
        "(N_end_plate - N_start_plate) from NDP with 1 sigma Poisson errors, and "
        "Coulombic efficiency Q_strip / Q_plate from the cycler (after Liu, "
        "Ganapathy & Wagemaker, Acc. Chem. Res. 55 (2022) 333).",
        "",
    ]
    for run, g in efficiency.groupby("run", sort=False) if len(efficiency) else []:
        items = []
        for _, r in g.sort_values("cycle").iterrows():
            items.append(
                f"cycle {int(r['cycle'])}: Li efficiency "
                f"{_pm(r['li_efficiency'], r['li_efficiency_err'])}, CE "
                f"{_pm(r['coulombic_efficiency'], None)}, CE - Li efficiency "
                f"{_pm(r.get('ce_minus_li_efficiency'), r.get('li_efficiency_err'))}"
            )
        lines += [f"Run {_rst_text(run)}:", "", _bullets(items), ""]
    return "\n".join(lines) + "\n"


def caption_operando_nmr(efficiency: pd.DataFrame, components: pd.DataFrame) -> str:
    """Caption of the operando NMR figures: per cell the Li efficiency by NMR
    and NDP, their difference, dead Li and SEI growth."""
    lines = [
        "Operando 7Li NMR of Li metal beside NDP. Inventory figure: per cell, "
        "metal Li from NMR (plated + microstructure components of the Knight-shifted "
        "line, calibrated to Li per cm2 as each row states), the growth of the "
        "diamagnetic SEI line, the NDP Li inventory of the same cell and the net "
        "plated charge against time, Coulombic efficiency per cycle on the right "
        "axis. Efficiency figure: Li efficiency by each method against the "
        "Coulombic efficiency (1 sigma errors).",
        "",
    ]
    eff = efficiency
    nmr = eff[eff["method"] == "nmr"] if "method" in eff else eff.iloc[0:0]
    for cell, g in nmr.groupby("cell", sort=False):
        items = []
        ndp = eff[(eff["method"] == "ndp") & (eff["cell"] == cell)]
        for _, r in g.sort_values("cycle").iterrows():
            text = (
                f"cycle {int(r['cycle'])}: Li efficiency (NMR) "
                f"{_pm(r['li_efficiency'], r['li_efficiency_err'])}"
            )
            other = ndp[ndp["cycle"] == r["cycle"]]
            if len(other):
                o = other.iloc[0]
                diff_err = math.hypot(
                    float(r["li_efficiency_err"]), float(o["li_efficiency_err"])
                )
                text += (
                    f", (NDP) {_pm(o['li_efficiency'], o['li_efficiency_err'])}, "
                    "NMR - NDP "
                    f"{_pm(r['li_efficiency'] - o['li_efficiency'], diff_err)}"
                )
            dead = _pm(r["inactive_li_per_cm2"], r["inactive_li_per_cm2_err"], "/cm2")
            sei = _pm(
                r.get("sei_growth_per_cm2"), r.get("sei_growth_per_cm2_err"), "/cm2"
            )
            text += (
                f", CE {_pm(r['coulombic_efficiency'], None)}, dead Li {dead}, "
                f"SEI growth {sei}"
            )
            items.append(text)
        lines += [
            f"Cell {_rst_text(str(cell))}: {_rst_text(str(g['calibration'].iloc[0]))}; "
            f"{_rst_text(str(g['skin_depth_assumption'].iloc[0]))}.",
            "",
            _bullets(items),
            "",
        ]
    n_spectra = components["spectrum"].nunique() if len(components) else 0
    lines.append(
        f"{n_spectra} spectra per run at most; components fitted with the "
        "line-fit core (sandwich errors from the measured noise)."
    )
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Results summary
# ---------------------------------------------------------------------------


def caption_linewidth(linewidth: pd.DataFrame, arrhenius: pd.DataFrame) -> str:
    """Caption of the width-against-temperature figure of each series."""
    head = (
        "Full width at half maximum of each site's line against temperature "
        "(kind linewidth), with 1-sigma error bars ({methods}). Solid line: "
        "Hendrickson-Bray fit dnu = A / [1 + (A/B - 1) exp(-Ea/kB T)] + D "
        "(errors from the covariance, not scaled by the reduced chi-square). "
        "Dashed line and band: the narrowing onset, where the fitted width has "
        "fallen 10 % of the way from the rigid-lattice to the narrowed width, "
        "with its error; the Waugh-Fedin Ea = 1.617e-3 eV/K x T_onset is "
        "empirical. Dotted line: the inflection temperature."
    )
    out = []
    for series, g in arrhenius.groupby("series", sort=False):
        w = linewidth[linewidth["series"] == series]
        methods = ", ".join(
            f"{m}: {e}" for m, e in w.groupby("method")["err_method"].first().items()
        )
        lines = [_rst_text(head.format(methods=methods or "none"))]
        for _, r in g.iterrows():
            what = (
                f"site {r['site']}, {r['model']}: Ea "
                f"{_pm(r['Ea_eV'], r['Ea_eV_err'], 'eV')}, onset "
                f"{_pm(r['onset_temperature_K'], r['onset_temperature_K_err'], 'K')}"
            )
            if r["model"] == "hendrickson_bray":
                what += (
                    f", rigid-lattice width "
                    f"{_pm(r['rigid_width_Hz'], r['rigid_width_Hz_err'], 'Hz')}, "
                    f"narrowed width "
                    f"{_pm(r['narrowed_width_Hz'], r['narrowed_width_Hz_err'], 'Hz')}"
                )
            if str(r.get("flags", "")):
                what += f" (flags: {r['flags']})"
            lines.append(_bullets([_rst_text(what)]))
        out.append(_block("series", str(series), lines))
    return "\n".join(out) if out else "No line-width series in this campaign.\n"


def caption_peaks_fit(peaks: pd.DataFrame) -> str:
    """Caption of the deconvolution figures, one block per experiment."""
    head = (
        "Processed spectrum (grey) deconvolved into site lines (shaded, drawn "
        "above the fitted baseline, spinning sidebands included), their sum "
        "(dashed) and the residual below; high shift on the left. Values are "
        "fitted shifts, widths and area fractions with 1-sigma errors from the "
        "sandwich covariance with the measured noise correlation.\n\n"
    )
    blocks = []
    for exp, g in peaks.groupby("experiment", sort=False):
        r0 = g.iloc[0]
        lines = [
            f"Experiment {_rst_text(exp)}: sample {_rst_text(r0['sample'])}, "
            f"{_rst_text(r0['nucleus'])}, sites from {_rst_text(r0['sites_source'])}"
            + (", fitted jointly with its series" if bool(r0["joint"]) else "")
            + (
                ", MAS rate "
                + (
                    _pm(r0["mas_rate_Hz"], r0["mas_rate_Hz_err"], "Hz")
                    if r0["mas_rate_Hz_err"] > 0
                    else f"{float(r0['mas_rate_Hz']):.0f} Hz"
                )
                + " "
                f"({_rst_text(r0['mas_rate_source'])})"
                if pd.notna(r0["mas_rate_Hz"])
                else ""
            )
            + "."
        ]
        items = []
        for _, r in g.iterrows():
            if bool(r["fit_ok"]) or pd.notna(r["shift_ppm"]):
                items.append(
                    f"{_rst_text(r['site'])}: "
                    f"{_pm(r['shift_ppm'], r['shift_ppm_err'], 'ppm')}, "
                    f"FWHM {_pm(r['fwhm_Hz'], r['fwhm_Hz_err'], 'Hz')}, fraction "
                    f"{_pm(r['fraction'], r['fraction_err'])}"
                    + (f" (flags: {_rst_text(r['flags'])})" if r["flags"] else "")
                )
            else:
                items.append(
                    f"{_rst_text(r['site'])}: not fitted ({_rst_text(r['flags'])})"
                )
        lines.append(_bullets(items))
        blocks.append(_block("experiment", str(exp), lines))
    return head + "".join(blocks)


def caption_isotope_exchange(exchange: pd.DataFrame) -> str:
    """Caption of the 6Li fraction bars (one figure)."""
    head = (
        "6Li fraction per site (bars, one per state, 1-sigma errors) from the "
        "deconvolved 6Li and 7Li spectra: relative to the pristine state where "
        "one was measured (method pristine_ratio), else from the areas "
        "normalised per scan, receiver gain, mass and receptivity "
        "(receptivity).\n\n"
    )
    from liprobe.isotope import dominant_lines

    lines = [_rst_text(line) for line in dominant_lines(exchange)]
    flagged = exchange[exchange["flags"].astype(str).str.contains("d1_below")]
    for _, r in flagged.drop_duplicates(["sample", "site", "state"]).iterrows():
        lines.append(
            f"Not quantitative: {_rst_text(r['sample'])} {_rst_text(r['site'])} "
            f"({_rst_text(r['state'])}): {_rst_text(r['flags'])}"
        )
    return head + (_bullets(lines) if lines else "No state gained 6Li.") + "\n"


def _mean_with_error(values, errors) -> tuple[float, float]:
    """Mean of the finite values; error propagated from the 1-sigma errors."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(float)
    e = pd.to_numeric(pd.Series(errors), errors="coerce").to_numpy(float)
    keep = [i for i in range(v.size) if math.isfinite(v[i])]
    if not keep:
        return math.nan, math.nan
    mean = float(sum(v[i] for i in keep) / len(keep))
    errs = [e[i] for i in keep if i < e.size and math.isfinite(e[i])]
    if len(errs) != len(keep):
        return mean, math.nan
    return mean, math.sqrt(sum(x * x for x in errs)) / len(keep)


def d_by_method(
    pfg_diffusion: pd.DataFrame | None,
    exsy_fits: pd.DataFrame | None,
    relaxation_arrhenius: pd.DataFrame | None,
) -> list[str]:
    """Lines of D per sample and method, for samples measured more than one way
    (see :func:`summary_sections`)."""
    found: dict[str, list[tuple[str, str]]] = {}
    if pfg_diffusion is not None and len(pfg_diffusion):
        m = pfg_diffusion[
            (pfg_diffusion["model"] == "mono") & pfg_diffusion["fit_ok"].astype(bool)
        ]
        for _, r in m.sort_values("temperature_K").iterrows():
            found.setdefault(str(r["sample"]), []).append(
                (
                    "PFG",
                    f"region {r['region']}, {float(r['temperature_K']):.1f} K, "
                    f"mono: {_pm(r['D_m2_per_s'], r['D_m2_per_s_err'], 'm^2/s')}",
                )
            )
    if exsy_fits is not None and len(exsy_fits) and "sample" in exsy_fits:
        f = exsy_fits[
            (exsy_fits["model"] == "diffusion_sphere")
            & exsy_fits.get("fit_ok", pd.Series(True, index=exsy_fits.index))
            .fillna(False)
            .astype(bool)
        ]
        for _, r in f.sort_values("temperature_K").iterrows():
            found.setdefault(str(r["sample"]), []).append(
                (
                    "EXSY",
                    f"series {r['series']}, {float(r['temperature_K']):.1f} K, "
                    "diffusion-limited sphere: "
                    f"{_pm(r['D_m2_per_s'], r['D_m2_per_s_err'], 'm^2/s')}",
                )
            )
    if relaxation_arrhenius is not None and len(relaxation_arrhenius):
        a = relaxation_arrhenius
        if "quantity" in a:
            a = a[a["quantity"] == "integral"]
        a = a[a["D_m2_per_s"].notna() & _ok(a)] if "D_m2_per_s" in a else a.iloc[:0]
        for _, r in a.iterrows():
            found.setdefault(str(r["series"]), []).append(
                (
                    "SLR",
                    f"region {r['region']}, {r['kind']}, {r['model']}, at "
                    f"{float(r['reference_temperature_K']):.1f} K (jump distance "
                    "assumed, see relaxation_arrhenius): "
                    f"{_pm(r['D_m2_per_s'], r['D_m2_per_s_err'], 'm^2/s')}",
                )
            )
    lines = []
    for sample in sorted(found):
        methods = {m for m, _ in found[sample]}
        if len(methods) < 2:
            continue
        order = {"PFG": 0, "EXSY": 1, "SLR": 2}
        for method, text in sorted(found[sample], key=lambda x: order[x[0]]):
            lines.append(f"D, sample {sample}, {method}, {text}")
    return lines


def summary_sections(
    relaxation_arrhenius: pd.DataFrame | None = None,
    exsy_arrhenius: pd.DataFrame | None = None,
    exsy_fits: pd.DataFrame | None = None,
    efficiency: pd.DataFrame | None = None,
    linewidth_arrhenius: pd.DataFrame | None = None,
    isotope_exchange: pd.DataFrame | None = None,
    pfg_diffusion: pd.DataFrame | None = None,
    pfg_arrhenius: pd.DataFrame | None = None,
) -> list[tuple[str, list[str]]]:
    """Headline numbers, one line each, grouped for :func:`summary_markdown`.

    * relaxation: Ea per series, region, kind and model (BPP and flank
      Arrhenius lines) from ``relaxation_arrhenius`` (quantity ``integral``);
    * EXSY: Ea per sample and quantity from ``exsy_arrhenius``, D per series
      (diffusion model) from ``exsy_fits``;
    * PFG: D per experiment and region (the model AICc selected) from
      ``pfg_diffusion`` with TopSpin's D beside it, Ea and D0 per series and
      region from ``pfg_arrhenius``;
    * D by method: for every sample whose D was measured by more than one of
      PFG, EXSY and SLR, the values side by side (PFG: the mono-exponential D
      per temperature; EXSY: the diffusion-limited sphere model per series;
      SLR: the BPP-derived D at the reference temperature of the relaxation
      series named like the sample, with its jump-distance assumption);
    * efficiency per run (cell): mean Li and Coulombic efficiency over the
      complete cycles; the error of the mean Li efficiency is propagated from
      the per-cycle 1-sigma errors (sqrt(sum err^2) / n), the CE error is not
      available (cycler charge errors are negligible);
    * isotope exchange: per sample and cycled state, the site with the largest
      6Li gain, named as the dominant Li path.

    A table that is None belongs to a stage the campaign does not have and is
    left out; an empty table gives its section with no lines.
    """
    sections: list[tuple[str, list[str]]] = []
    if relaxation_arrhenius is not None:
        a = relaxation_arrhenius
        if "quantity" in a:
            a = a[a["quantity"] == "integral"]
        lines = []
        for _, r in a.iterrows():
            head = (
                f"SLR Ea, series {r['series']}, region {r['region']}, {r['kind']}, "
                f"{r['model']}: "
            )
            if bool(r.get("fit_ok", False)):
                lines.append(head + _pm(r["Ea_eV"], r["Ea_eV_err"], "eV"))
            else:
                lines.append(head + _not_fitted(r))
        sections.append(("NMR relaxation (relaxation_arrhenius)", lines))
    if exsy_arrhenius is not None:
        lines = []
        for _, r in exsy_arrhenius.iterrows():
            head = f"EXSY Ea, sample {r['sample']}, {r['quantity']}: "
            if r.get("model") == "n_site":  # a rate per ordered site pair
                head = (
                    f"EXSY Ea, sample {r['sample']}, k {r['site_from']} -> "
                    f"{r['site_to']} ({r['method']}): "
                )
            if pd.notna(r["Ea_eV"]) and bool(r.get("fit_ok", True)):
                lines.append(head + _pm(r["Ea_eV"], r["Ea_eV_err"], "eV"))
            else:
                lines.append(head + _not_fitted(r, "not determined"))
        sections.append(("EXSY activation energies (exsy_arrhenius)", lines))
    if exsy_fits is not None:
        lines = []
        f = exsy_fits[exsy_fits["model"] == "diffusion_sphere"]
        for _, r in f.sort_values(["series"]).iterrows():
            head = (
                f"D, series {r['series']} ({float(r['temperature_K']):.1f} K), "
                "diffusion model: "
            )
            if bool(r.get("fit_ok", False)):
                lines.append(head + _pm(r["D_m2_per_s"], r["D_m2_per_s_err"], "m^2/s"))
            else:
                lines.append(head + _not_fitted(r))
        sections.append(("EXSY diffusion coefficients (exsy_fits)", lines))
    if linewidth_arrhenius is not None:
        lines = []
        for _, r in linewidth_arrhenius.iterrows():
            head = f"Narrowing Ea, series {r['series']}, site {r['site']}, {r['model']}"
            if r["model"] == "waugh_fedin":
                onset = _pm(r["onset_temperature_K"], r["onset_temperature_K_err"], "K")
                head += f" (onset {onset})"
            if pd.isna(r["Ea_eV"]):
                lines.append(head + ": " + _not_fitted(r, "not determined"))
                continue
            ea = head + ": " + _pm(r["Ea_eV"], r["Ea_eV_err"], "eV")
            ok = bool(r.get("fit_ok", False))
            lines.append(ea if ok else ea + f" (flagged: {r.get('flags', '')})")
        sections.append(("Motional narrowing (linewidth_arrhenius)", lines))
    if pfg_diffusion is not None:
        lines = []
        sel = pfg_diffusion[pfg_diffusion["selected"].astype(bool)]
        for _, r in sel.sort_values(["sample", "temperature_K"]).iterrows():
            line = (
                f"PFG D, experiment {r['experiment']}, region {r['region']} "
                f"({float(r['temperature_K']):.1f} K, {r['model']}): "
                + _pm(r["D_m2_per_s"], r["D_m2_per_s_err"], "m^2/s")
            )
            if pd.notna(r.get("topspin_D_m2_per_s")):
                line += f"; TopSpin {_pm(r['topspin_D_m2_per_s'], None, 'm^2/s')}"
            lines.append(line)
        unselected = set(pfg_diffusion["experiment"]) - set(sel["experiment"])
        for experiment in sorted(unselected):
            lines.append(f"PFG D, experiment {experiment}: no fit ok")
        if pfg_arrhenius is not None:
            for _, r in pfg_arrhenius.iterrows():
                head = f"PFG Ea, series {r['series']}, region {r['region']}: "
                if pd.notna(r["Ea_eV"]) and bool(r.get("fit_ok", False)):
                    lines.append(
                        head
                        + _pm(r["Ea_eV"], r["Ea_eV_err"], "eV")
                        + ", D0 "
                        + _pm(r["D0_m2_per_s"], r["D0_m2_per_s_err"], "m^2/s")
                    )
                else:
                    lines.append(head + _not_fitted(r, "not determined"))
        sections.append(("PFG diffusion (pfg_diffusion, pfg_arrhenius)", lines))
    by_method = d_by_method(pfg_diffusion, exsy_fits, relaxation_arrhenius)
    if by_method:
        sections.append(("D from PFG, EXSY and SLR side by side", by_method))
    if efficiency is not None:
        lines = []
        for run, g in efficiency.groupby("run", sort=False):
            li, li_err = _mean_with_error(g["li_efficiency"], g["li_efficiency_err"])
            ce, _ = _mean_with_error(g["coulombic_efficiency"], [])
            n = int(g["li_efficiency"].notna().sum())
            lines.append(
                f"Li efficiency, run {run}, mean of {n} cycles: {_pm(li, li_err)}"
            )
            n_ce = int(g["coulombic_efficiency"].notna().sum())
            lines.append(
                f"Coulombic efficiency, run {run}, mean of {n_ce} cycles: "
                f"{_pm(ce, None)}"
            )
        sections.append(("Li and Coulombic efficiency (efficiency)", lines))
    if isotope_exchange is not None:
        from liprobe.isotope import dominant_lines

        sections.append(
            (
                "6Li/7Li isotope exchange (isotope_exchange)",
                dominant_lines(isotope_exchange),
            )
        )
    return sections


# ---------------------------------------------------------------------------
# Front page of the Snakemake report
#
# Snakemake renders the workflow description (the ``report:`` directive) with
# Jinja2, then docutils; ``categories`` (the result categories, each with a
# ``name``) and ``files`` (each with a ``target``, its file name) are defined,
# and a reference `Name`_ to a category or a file name opens it in the report.
# ---------------------------------------------------------------------------

#: Each stage of the workflow: its name on the front page, the report category
#: of its figures, and one sentence on what was done.
STAGES = {
    "nmr": (
        "NMR spectra",
        "NMR spectra",
        "Bruker 1D and pseudo-2D experiments read from their raw folders "
        "(acqus, procs, fid/ser), processed as TopSpin's ft does (apodization, "
        "zero filling, Fourier transform, digital-filter removal, phase from "
        "procs or fitted, optional baseline) and integrated over the regions "
        "of each sample.",
    ),
    "relaxation": (
        "NMR relaxation",
        "NMR relaxation",
        "Saturation/inversion recovery and decay curves of the region "
        "integrals fitted per experiment (stretched exponentials, lmfit, "
        "1-sigma errors from the covariance), and the rates against "
        "temperature fitted with the BPP model and Arrhenius lines on each "
        "flank.",
    ),
    "cp": (
        "CP build-up",
        "CP build-up",
        "1H-X cross-polarization build-up of the region integrals over "
        "contact time, per series, state and site: the classical I-S model "
        "(T_IS < T1rho_H imposed) and the non-classical I-I*-S model fitted "
        "with the integrals' errors as absolute weights, the model chosen by "
        "AICc.",
    ),
    "exsy": (
        "2D exchange (EXSY)",
        "EXSY",
        "Diagonal and cross-peak volumes of each 2D exchange series fitted "
        "with the two-site exchange model and the diffusion-limited sphere "
        "model, and the exchange rates and diffusion coefficients against "
        "temperature with Arrhenius lines.",
    ),
    "linewidth": (
        "Motional narrowing",
        "Motional narrowing",
        "The full width at half maximum of each site's line in every spectrum "
        "of a variable-temperature series (half-height measure with "
        "noise-resampled errors, or a line fit), fitted against temperature "
        "with the Hendrickson-Bray model; the narrowing onset gives the "
        "Waugh-Fedin estimate of Ea.",
    ),
    "pfg": (
        "PFG diffusion",
        "PFG diffusion",
        "Region integrals of each pulsed-field-gradient series fitted against "
        "the diffusion weighting with Stejskal-Tanner laws (mono, two-component, "
        "stretched; chosen by AICc), with TopSpin's own D beside ours where its "
        "fit is in the folder, and D against temperature with an Arrhenius line.",
    ),
    "peaks": (
        "NMR deconvolution and isotope exchange",
        "NMR deconvolution",
        "1D spectra reprocessed from their raw folders and deconvolved into "
        "site lines (pseudo-Voigt, Gaussian or Lorentzian, spinning sidebands "
        "tied to the MAS rate, series fitted jointly where the sites sheet "
        "says so; errors from the measured noise correlation), and the 6Li "
        "fraction per site and state from paired 6Li and 7Li spectra.",
    ),
    "ndp": (
        "Neutron depth profiling",
        "NDP",
        "List-mode events cut into time slices with live-time correction, "
        "the charged-particle spectra turned into Li depth profiles through "
        "the stopping powers of the layer stack (regularised non-negative "
        "inversion), and the Li inventory integrated over depth.",
    ),
    "echem": (
        "Electrochemistry and Li accounting",
        "Efficiency",
        "Each cycler file cut into plating and stripping steps; the plated "
        "charge set against the NDP Li inventory per cycle: Li efficiency "
        "(with Poisson errors) and Coulombic efficiency.",
    ),
    "operando_nmr": (
        "Operando 7Li NMR of Li metal",
        "Operando NMR",
        "Each spectrum timed from audita.txt or acqus DATE, its metal line "
        "deconvolved into counter, plated and microstructure components and "
        "its diamagnetic line into the SEI, the metal calibrated to Li per cm2 "
        "(first plating charge or counter strip, skin depth corrected) and set "
        "beside the NDP inventory of the same cell: Li efficiency by both "
        "methods, dead Li and SEI growth per cycle.",
    ),
}


def _rst_inline(text: str) -> str:
    """Text safe inline in reStructuredText and Jinja2 (no references, no markup)."""
    return _rst_text(text).replace("_", "\\_")


def _link(name: str, kind: str) -> str:
    """A reference that opens category/file ``name``, or plain text without one.

    ``kind`` is ``"category"`` or ``"file"``; the test is done by Jinja2 when
    Snakemake renders the page, against the categories and files the report
    really has (a reference to a missing target would be a docutils error).
    Snakemake's Jinja2 drops the newline after a block tag (``trim_blocks``),
    so a link must never end a line.
    """
    names = "report_categories" if kind == "category" else "report_files"
    quoted = _jinja_str(name)
    return (
        f"{{% if {quoted} in {names} %}}`{name}`_{{% else %}}"
        f"{_rst_inline(name)} (not in this report){{% endif %}}"
    )


def front_page_rst(
    stages: Mapping[str, int], sections: Iterable[tuple[str, list[str]]]
) -> str:
    """The report's front page: methods applied, headline numbers, links.

    ``stages`` maps a key of :data:`STAGES` to the number of items it worked
    on (experiments, series, runs); stages with none are left out.
    ``sections`` are :func:`summary_sections` (the same lines as
    ``results/summary.md``).
    """
    nouns = {
        "nmr": "experiment",
        "relaxation": "series",
        "cp": "series",
        "exsy": "series",
        "linewidth": "series",
        "pfg": "series",
        "peaks": "experiment",
        "ndp": "run",
        "echem": "run",
        "operando_nmr": "run",
    }
    out = [
        "{% set report_categories = categories.keys()|map(attribute='name')|list %}",
        "{% set report_files = files|map(attribute='target')|list %}",
        # Snakemake's report centres the page beside the rule graph vertically
        # in a scrolling box: a page taller than the window would start above
        # its top edge, out of reach. Align it to the top instead.
        ".. raw:: html",
        "",
        "   <style>.overflow-auto:has(.prose) { align-items: flex-start; }</style>",
        "",
        "liprobe results",
        "===============",
        "",
        "Methods applied",
        "---------------",
        "",
    ]
    ran = [(key, n) for key, n in stages.items() if n and key in STAGES]
    if not ran:
        out += ["No stage of the workflow had input in this campaign.", ""]
    for key, n in ran:
        title, category, sentence = STAGES[key]
        noun = nouns[key] if n == 1 or nouns[key] == "series" else nouns[key] + "s"
        out += [
            f"* **{title}** ({n} {noun}; figures: {_link(category, 'category')}): "
            f"{sentence}",
            "",
        ]
    out += [
        "Headline numbers",
        "----------------",
        "",
        "Errors are 1 sigma, from the fit covariance or propagated from the "
        "counting errors; the same lines are in "
        f"{_link('summary.md', 'file')}, every fitted value in the tables "
        f"({_link('Tables', 'category')}).",
        "",
    ]
    any_section = False
    for heading, lines in sections:
        any_section = True
        out += [f"**{_rst_inline(heading)}**", ""]
        if lines:
            out += [f"* {_rst_inline(line)}" for line in lines]
        else:
            out.append("* (no results in this campaign)")
        out.append("")
    if not any_section:
        out += ["No stage with headline numbers ran in this campaign.", ""]
    out += [
        "Software and configuration",
        "--------------------------",
        "",
        "* software versions of each rule environment, as declared and as "
        f"the rules ran: {_link('software_versions.html', 'file')}.",
        f"* the configuration the run used: {_link('config_used.yaml', 'file')}.",
        "",
    ]
    return "\n".join(out)
