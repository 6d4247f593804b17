"""Pieces of the HTML report: software versions, configuration, summary lines."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from importlib import metadata

import pandas as pd


def _split_pin(dep: str) -> tuple[str, str]:
    for sep in ("==", "="):
        if sep in dep:
            name, _, version = dep.partition(sep)
            return name.strip(), version.strip()
    return dep.strip(), ""


def installed_version(name: str) -> str:
    """Version of an installed distribution ('' when it is not installed)."""
    aliases = {"matplotlib-base": "matplotlib", "python": None}
    dist = aliases.get(name, name)
    if dist is None:
        import platform

        return platform.python_version()
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


def software_versions(envs: Mapping[str, Mapping]) -> pd.DataFrame:
    """Every package of every rule environment: pinned and running versions.

    ``envs`` maps an environment file name to its parsed YAML. The running
    version is the one of the Python environment that built the report (the
    pip environment, or the conda environment of the report rule).
    """
    rows = []
    for env_name, env in sorted(envs.items()):
        for dep in env.get("dependencies", []):
            if isinstance(dep, Mapping):
                source, items = "pip", dep.get("pip", [])
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
                        "running_version": installed_version(name),
                    }
                )
    return pd.DataFrame(rows)


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
