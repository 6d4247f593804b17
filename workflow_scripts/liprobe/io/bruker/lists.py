"""Bruker variable lists (``vdlist``, ``vplist``, ``vclist``, ``difflist``):
values as written.

Delays and pulse lengths come back in seconds (their default units and the
``s``/``m``/``u``/``n`` suffixes applied); ``vclist`` values are loop counts
(their duration follows from the pulse program, which the NMR package reads);
``difflist`` values are gradient strengths in G/cm, TopSpin's unit for the
diffusion list (no suffix).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from liprobe.errors import InputError

VARIABLE_LISTS = ("vdlist", "vplist", "vclist", "difflist")
_DEFAULT_UNIT_S = {"vdlist": 1.0, "vplist": 1e-6, "vclist": None, "difflist": None}
_SUFFIX_S = {"s": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
_LIST_TOKEN = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([A-Za-z]*)$")
# Plausible pulse lengths of a vplist (s): below 1 us the values were almost
# surely typed in seconds without a suffix (the default unit is us); a spin lock
# longer than 10 s would burn the probe.
VPLIST_RANGE_S = (1e-6, 10.0)


def parse_variable_list(path: str | Path, list_kind: str, td1: int) -> np.ndarray:
    """Read a Bruker variable list and return its first ``td1`` values.

    ``list_kind`` is ``vdlist`` / ``vd`` (delays, default unit s), ``vplist`` /
    ``vp`` (pulse lengths, default unit us) or ``vclist`` / ``vc`` (loop counts,
    returned as counts). Values may carry a suffix ``s``, ``m`` (ms), ``u`` (us) or
    ``n`` (ns) (not for ``vclist``); ``difflist`` values are gradient
    strengths in G/cm (returned in G/cm, no suffix). Blank lines, CRLF or CR
    line ends, surrounding spaces and a missing final newline are accepted;
    values stay in file order.
    Delays and pulse lengths are returned in seconds.

    Raises :class:`InputError` naming the file and line for a token that is not a
    number with a known suffix or is negative, when the list has fewer than
    ``td1`` values, when the first ``td1`` delays or pulse lengths are all zero,
    and for a vplist whose first ``td1`` values are implausible as
    pulse lengths (all below 1 us, i.e. seconds typed without a suffix, or any
    above 10 s; :data:`VPLIST_RANGE_S`).
    """
    path = Path(path)
    kind = list_kind.lower()
    if not kind.endswith("list"):
        kind += "list"
    if kind not in VARIABLE_LISTS:
        raise InputError(
            path, "list_kind", "vdlist, vplist, vclist or difflist", list_kind
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, "file", f"a readable {kind}", str(exc)) from exc
    text = raw.decode("latin-1")
    values: list[float] = []
    for lineno, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        token = line.strip()
        if not token:
            continue
        m = _LIST_TOKEN.match(token)
        if m is None:
            raise InputError(
                path,
                f"line {lineno}",
                "a number with an optional unit suffix s, m, u or n",
                token,
                row=lineno,
            )
        number, suffix = float(m.group(1)), m.group(2)
        if kind == "vclist":
            if suffix or number != int(number) or number < 0:
                raise InputError(
                    path,
                    f"line {lineno}",
                    "a non-negative integer loop count",
                    token,
                    row=lineno,
                )
            values.append(number)
            continue
        if kind == "difflist":
            if suffix or number < 0:
                raise InputError(
                    path,
                    f"line {lineno}",
                    "a non-negative gradient strength in G/cm without a suffix",
                    token,
                    row=lineno,
                )
            values.append(number)
            continue
        if number < 0:
            raise InputError(
                path,
                f"line {lineno}",
                "a non-negative delay or pulse length",
                token,
                row=lineno,
            )
        if suffix == "":
            scale = _DEFAULT_UNIT_S[kind]
        elif suffix in _SUFFIX_S:
            scale = _SUFFIX_S[suffix]
        else:
            raise InputError(
                path,
                f"line {lineno}",
                "unit suffix s, m, u or n",
                suffix,
                row=lineno,
            )
        values.append(number * scale)
    if len(values) < td1:
        raise InputError(
            path,
            "number of values",
            f"at least TD1 = {td1} values",
            f"{len(values)} values",
        )
    out = np.asarray(values[:td1], dtype=float)
    if kind != "vclist" and out.size > 1 and not (out > 0).any():
        # every row at the same zero time (or gradient): no curve to fit or draw
        raise InputError(
            path,
            f"first {td1} values",
            "at least one positive gradient strength"
            if kind == "difflist"
            else "at least one positive delay or pulse length",
            "all zero",
        )
    if kind == "vplist" and out.size:
        lo, hi = VPLIST_RANGE_S
        if out.max() < lo:
            raise InputError(
                path,
                "vplist values",
                "pulse lengths of at least 1 us (a vplist value without a suffix "
                "is in microseconds; write '10m' or '0.01s' for 10 ms)",
                f"longest {out.max():.3g} s",
            )
        if out.max() > hi:
            raise InputError(
                path,
                "vplist values",
                f"pulse lengths of at most {hi:g} s",
                f"{out.max():.6g} s",
            )
    return out
