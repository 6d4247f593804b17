"""TopSpin's own relaxation fit results: the time constants per peak that its
T1/T2 module printed in ``pdata/<procno>/ct1t2.txt`` (or, without it, wrote in
the JCAMP-DX point lists ``t1t2.dx``).

Layouts read:

* ``ct1t2.txt`` of TopSpin 3 and 4 (``SIMFIT RESULTS``): a header naming what
  was fitted (``INTENSITY fit``, ``AREA fit`` or ``INTEGRAL fit``) and the
  function (``I[t]=I[0]+P*exp(-t/T1)``), then per peak ``<n> points for Peak
  <k>,  Peak Point at <ppm> ppm`` (``= <ppm>`` in TopSpin 4) and a
  ``Results  Comp. 1 [Comp. 2 ...]`` block whose time-constant line is
  ``T1 =``, ``T2 =`` or ``T =`` with one value per component, each with
  TopSpin's unit suffix (``1.397s``, ``857.107m``, ``5.000u``);
* ``t1t2.dx``: per fit a ``##TITLE= Peak No. <k> at <ppm> ppm, t1/t2, ...,
  T = <value>`` line.

Values are returned as printed (suffix applied): TopSpin prints a vplist's
microseconds as if they were seconds, and only the caller, who knows the list
times, can tell (compare ``list_max`` with them).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from liprobe.errors import InputError
from liprobe.io.bruker.topspin import pdata_dir

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_VALUE = re.compile(r"^(" + _NUM + r")([munk]?)s?$")
_PREFIX = {"": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9, "k": 1e3}
_PEAK = re.compile(
    r"(\d+)\s+points\s+for\s+Peak\s+(\d+),\s+Peak Point (?:at|=)\s+("
    + _NUM
    + r")\s*ppm"
)
_FIT = re.compile(r"^\s*(INTENSITY|AREA|INTEGRAL)\s+fit\s*:?(.*)$", re.I)
_TAU_LINE = re.compile(r"^\s*(T1rho|T1|T2|T)\s*=\s*(.*)$")
# TopSpin 3 rows "tau ppm integral intensity"; TopSpin 4 rows "point tau ..."
_ROW3 = re.compile(r"^\s*(" + _NUM + r")([munk]?)s?\s+" + _NUM + r"\s+" + _NUM)
_ROW4 = re.compile(r"^\s*\d+\s+(" + _NUM + r")([munk]?)s?\s+" + _NUM)
_DX_TITLE = re.compile(
    r"##TITLE=\s*Peak No\.\s*(\d+)\s+at\s+(" + _NUM + r")\s*ppm,.*?\bT\s*=\s*(\S+)"
)

COLUMNS = [
    "peak",
    "peak_ppm",
    "fitted",
    "function",
    "parameter",
    "time_constant",
    "time_constant_2",
    "n_components",
    "n_points",
    "list_max",
    "source",
]


def _value(text: str, file: Path, field: str, row: int) -> float:
    m = _VALUE.match(text.strip())
    if not m:
        raise InputError(
            file, field, "a number with TopSpin's unit suffix (s, m, u)", text, row=row
        )
    value = float(m.group(1)) * _PREFIX[m.group(2)]
    if not math.isfinite(value):
        raise InputError(file, field, "a finite number", text, row=row)
    return value


def _ppm(text: str, file: Path, field: str, row: int) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputError(file, field, "a finite ppm value", text, row=row)
    return value


def _function_on_next_line_when_empty(rest: str, following: str) -> str:
    """TopSpin 3 prints the fitted function on the line after ``... fit:``."""
    return rest or following


def _function_continued_by_an_equation(rest: str, following: str) -> str:
    """The diffusion law continues on the next line when that holds an ``=``."""
    return (rest + " " + following).strip() if "=" in following else rest


def _peak_blocks(file: Path, function_of) -> list[tuple[dict, list]]:
    """The peaks of a ``ct1t2.txt``: per ``<n> points for Peak <k>`` line its
    header (``peak``, ``peak_ppm``, ``fitted`` and ``function`` of the last
    ``... fit`` line before it, ``n_points``, ``line``) and the numbered lines
    up to the next peak. ``function_of(rest, next_line)`` reads the function
    after a ``... fit`` line. No peak line raises :class:`InputError`."""
    lines = file.read_bytes().decode("latin-1").splitlines()
    fitted, function = "", ""
    blocks: list[tuple[dict, list]] = []
    for lineno, line in enumerate(lines, start=1):
        m = _FIT.match(line)
        if m:
            fitted = m.group(1).lower()
            following = lines[lineno].strip() if lineno < len(lines) else ""
            function = function_of(m.group(2).strip(), following)
            continue
        m = _PEAK.search(line)
        if m:
            head = {
                "peak": int(m.group(2)),
                "peak_ppm": _ppm(m.group(3), file, f"Peak {m.group(2)}", lineno),
                "fitted": fitted,
                "function": function,
                "n_points": int(m.group(1)),
                "line": lineno,
            }
            blocks.append((head, []))
        elif blocks:
            blocks[-1][1].append((lineno, line))
    if not blocks:
        raise InputError(
            file, "Peak", "'<n> points for Peak <k>, Peak Point at <ppm> ppm'", "none"
        )
    return blocks


def _read_ct1t2(file: Path) -> pd.DataFrame:
    peaks = []
    for head, body in _peak_blocks(file, _function_on_next_line_when_empty):
        current = {**head, "values": None, "list_max": math.nan}
        peaks.append(current)
        for lineno, line in body:
            m = _TAU_LINE.match(line)
            if m and current["values"] is None:
                field = f"Peak {current['peak']} {m.group(1)}"
                parts = m.group(2).split()
                if not parts:
                    raise InputError(
                        file, field, "one value per component", "", row=lineno
                    )
                current["parameter"] = m.group(1)
                current["values"] = [_value(p, file, field, lineno) for p in parts]
                continue
            m = _ROW4.match(line) or _ROW3.match(line)
            if m:
                tau = float(m.group(1)) * _PREFIX[m.group(2)]
                if math.isfinite(tau) and not current["list_max"] >= tau:
                    current["list_max"] = tau
    rows = []
    for p in peaks:
        if p["values"] is None:
            raise InputError(
                file,
                f"Peak {p['peak']}",
                "a time constant line (T1 =, T2 = or T =) after the peak line",
                "none",
                row=p["line"],
            )
        values = p["values"]
        rows.append(
            {
                "peak": p["peak"],
                "peak_ppm": p["peak_ppm"],
                "fitted": p["fitted"],
                "function": p["function"],
                "parameter": p["parameter"],
                "time_constant": values[0],
                "time_constant_2": values[1] if len(values) > 1 else math.nan,
                "n_components": len(values),
                "n_points": p["n_points"],
                "list_max": p["list_max"],
                "source": str(file),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _read_dx(file: Path) -> pd.DataFrame:
    rows = []
    for lineno, line in enumerate(
        file.read_bytes().decode("latin-1").splitlines(), start=1
    ):
        if not line.startswith("##TITLE=") or "Peak No." not in line:
            continue
        m = _DX_TITLE.search(line)
        if not m:
            raise InputError(
                file,
                "##TITLE",
                "'Peak No. <k> at <ppm> ppm, ..., T = <value>'",
                line.strip(),
                row=lineno,
            )
        field = f"Peak {m.group(1)} T"
        rows.append(
            {
                "peak": int(m.group(1)),
                "peak_ppm": _ppm(m.group(2), file, field, lineno),
                "fitted": "",
                "function": "",
                "parameter": "T",
                "time_constant": _value(m.group(3).rstrip(","), file, field, lineno),
                "time_constant_2": math.nan,
                "n_components": 1,
                "n_points": 0,
                "list_max": math.nan,
                "source": str(file),
            }
        )
    if not rows:
        raise InputError(file, "##TITLE", "'Peak No. <k> at <ppm> ppm ...'", "none")
    return pd.DataFrame(rows, columns=COLUMNS)


def read_topspin_fits(path: str | Path, procno: int = 1) -> pd.DataFrame | None:
    """TopSpin's fitted time constants per peak, or None when it left none.

    Reads ``pdata/<procno>/ct1t2.txt``, else ``t1t2.dx``. One row per peak:
    ``peak`` (TopSpin's number), ``peak_ppm`` (its peak point), ``fitted``
    (``intensity``, ``area`` or ``integral``; empty from ``t1t2.dx``),
    ``function`` (as printed), ``parameter`` (``T1``, ``T2``, ``T``),
    ``time_constant`` and ``time_constant_2`` (second component or NaN) as
    printed with the suffix applied, ``n_components``, ``n_points``,
    ``list_max`` (the longest list entry printed, NaN when not listed) and
    ``source``. A file that is there but cannot be read raises
    :class:`InputError` naming the file, the field, what was expected and found.
    """
    pdir = pdata_dir(Path(path), procno)
    if (pdir / "ct1t2.txt").is_file():
        return _read_ct1t2(pdir / "ct1t2.txt")
    if (pdir / "t1t2.dx").is_file():
        return _read_dx(pdir / "t1t2.dx")
    return None


# The diffusion variant of ct1t2.txt (TopSpin's T1/T2 module on a difflist):
# the fitted law I = I[0]*exp(-D*SQR(2*PI*gamma*G*LD)*(BD-LD/3)*1e4), per peak a
# results block with the diffusion constant(s), then the constants of the law,
# "Gamma" (Hz/G), "Little Delta" and "Big Delta" (s, TopSpin's SI suffixes) and
# a point table whose second column is headed "Gradient" (G/cm, suffixes too).
_SI = r"(" + _NUM + r")\s*([pnumk]?)"
_SI_PREFIX = {"": 1.0, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3}
_DIFF_LINE = re.compile(
    r"^\s*(?:Diff(?:usion)?\.?\s*Con(?:st)?\.?|D)\s*=\s*(.*)$", re.I
)
_GAMMA_LINE = re.compile(r"^\s*Gamma\s*=\s*(.*)$", re.I)
_LITTLE_LINE = re.compile(r"^\s*Little\s+Delta\s*=\s*(.*)$", re.I)
_BIG_LINE = re.compile(r"^\s*Big\s+Delta\s*=\s*(.*)$", re.I)
_GRADIENT_HEAD = re.compile(r"^\s*Point\s+Gradient\b", re.I)
_GRADIENT_ROW = re.compile(r"^\s*\d+\s+(\S+)\s+" + _NUM + r"(?:\s|$)")
_SI_VALUE = re.compile(r"^" + _SI + r"(?:s|m2/s|m\^2/s|Hz/G|G/cm)?$")

DIFFUSION_COLUMNS = [
    "peak",
    "peak_ppm",
    "fitted",
    "function",
    "D_m2_per_s",
    "D_2_m2_per_s",
    "n_components",
    "gamma_Hz_per_G",
    "little_delta_s",
    "big_delta_s",
    "n_points",
    "gradient_max_G_per_cm",
    "source",
]


def _si_value(text: str, file: Path, field: str, row: int, unit: str) -> float:
    """A number with an optional SI prefix (``400.000m``, ``1.000m``, ``2.1e-09``)
    and an optional unit, as TopSpin prints them."""
    token = text.strip()
    m = _SI_VALUE.match(token)
    if not m or m.group(2) not in _SI_PREFIX:
        raise InputError(
            file,
            field,
            f"a number in {unit} with an optional SI prefix (p, n, u, m, k)",
            token,
            row=row,
        )
    value = float(m.group(1)) * _SI_PREFIX[m.group(2)]
    if not math.isfinite(value):
        raise InputError(file, field, f"a finite number in {unit}", token, row=row)
    return value


def is_diffusion_fit(path: str | Path, procno: int = 1) -> bool:
    """Whether ``pdata/<procno>/ct1t2.txt`` is there and holds a diffusion fit
    (a ``Big Delta`` line or a point table headed ``Gradient``)."""
    file = pdata_dir(Path(path), procno) / "ct1t2.txt"
    if not file.is_file():
        return False
    text = file.read_bytes().decode("latin-1")
    return bool(
        re.search(r"^\s*Big\s+Delta\s*=", text, re.I | re.M)
        or re.search(_GRADIENT_HEAD.pattern, text, re.I | re.M)
    )


def _read_ct1t2_diffusion(file: Path) -> pd.DataFrame:
    peaks = []
    for head, body in _peak_blocks(file, _function_continued_by_an_equation):
        current = {
            **head,
            "values": None,
            "gamma": math.nan,
            "little": math.nan,
            "big": math.nan,
            "gradients": [],
        }
        peaks.append(current)
        label = f"Peak {current['peak']}"
        in_points = False
        for lineno, line in body:
            m = _DIFF_LINE.match(line)
            if m and current["values"] is None:
                parts = m.group(1).split()
                if not parts:
                    raise InputError(
                        file,
                        f"{label} Diff Con.",
                        "one value per component",
                        "",
                        row=lineno,
                    )
                current["values"] = [
                    _si_value(p, file, f"{label} Diff Con.", lineno, "m2/s")
                    for p in parts
                ]
                continue
            for regex, key, field, unit in (
                (_GAMMA_LINE, "gamma", "Gamma", "Hz/G"),
                (_LITTLE_LINE, "little", "Little Delta", "s"),
                (_BIG_LINE, "big", "Big Delta", "s"),
            ):
                m = regex.match(line)
                if m:
                    current[key] = _si_value(
                        m.group(1), file, f"{label} {field}", lineno, unit
                    )
                    break
            else:
                if _GRADIENT_HEAD.match(line):
                    in_points = True
                    continue
                if in_points:
                    m = _GRADIENT_ROW.match(line)
                    if m:
                        current["gradients"].append(
                            _si_value(
                                m.group(1), file, f"{label} Gradient", lineno, "G/cm"
                            )
                        )
                    elif line.strip().startswith("="):
                        in_points = False
    rows = []
    for p in peaks:
        label = f"Peak {p['peak']}"
        if p["values"] is None:
            raise InputError(
                file,
                f"{label} Diff Con.",
                "a diffusion constant line (Diff Con. = <value>m2/s) after the "
                "peak line",
                "none",
                row=p["line"],
            )
        for key, field in (
            ("gamma", "Gamma"),
            ("little", "Little Delta"),
            ("big", "Big Delta"),
        ):
            if not (math.isfinite(p[key]) and p[key] > 0):
                raise InputError(
                    file,
                    f"{label} {field}",
                    f"a positive '{field} = <value>' line in the peak's results",
                    "none" if math.isnan(p[key]) else f"{p[key]:g}",
                    row=p["line"],
                )
        if p["little"] >= p["big"]:
            raise InputError(
                file,
                f"{label} Little Delta",
                "a gradient pulse length below Big Delta",
                f"Little Delta {p['little']:g} s, Big Delta {p['big']:g} s",
                row=p["line"],
            )
        values = p["values"]
        grads = p["gradients"]
        rows.append(
            {
                "peak": p["peak"],
                "peak_ppm": p["peak_ppm"],
                "fitted": p["fitted"],
                "function": p["function"],
                "D_m2_per_s": values[0],
                "D_2_m2_per_s": values[1] if len(values) > 1 else math.nan,
                "n_components": len(values),
                "gamma_Hz_per_G": p["gamma"],
                "little_delta_s": p["little"],
                "big_delta_s": p["big"],
                "n_points": p["n_points"],
                "gradient_max_G_per_cm": max(grads) if grads else math.nan,
                "source": str(file),
            }
        )
    return pd.DataFrame(rows, columns=DIFFUSION_COLUMNS)


def read_topspin_diffusion(path: str | Path, procno: int = 1) -> pd.DataFrame | None:
    """TopSpin's diffusion fit per peak from ``pdata/<procno>/ct1t2.txt``, or
    None when there is no such file or it holds a relaxation fit.

    One row per peak: ``peak``, ``peak_ppm``, ``fitted``, ``function`` (the
    law as printed), ``D_m2_per_s`` (``Diff Con.``; the second component's in
    ``D_2_m2_per_s``, else NaN), ``n_components``, ``gamma_Hz_per_G``,
    ``little_delta_s`` and ``big_delta_s`` (``Little Delta``, ``Big Delta``,
    SI suffixes applied), ``n_points``, ``gradient_max_G_per_cm`` (largest
    value of the ``Gradient`` column, NaN when no points are listed) and
    ``source``. A diffusion file that cannot be read raises
    :class:`InputError` naming the file, the field, what was expected and found.
    """
    if not is_diffusion_fit(path, procno):
        return None
    return _read_ct1t2_diffusion(pdata_dir(Path(path), procno) / "ct1t2.txt")
