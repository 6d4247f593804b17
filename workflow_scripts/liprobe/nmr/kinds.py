"""Experiment kinds and what a Bruker pulse program says about them.

Pure functions on strings and parameter dictionaries: no file access here.

Kinds (the values of the ``kind`` column of the ``nmr`` sheet):

* ``t1_sr``  saturation recovery (variable delay list ``vdlist``)
* ``t1_ir``  inversion recovery (``vdlist``)
* ``t1rho``  relaxation in the rotating frame (spin-lock lengths ``vplist``)
* ``t2``     CPMG / spin-echo decay (loop counts ``vclist`` or delays ``vdlist``)
* ``exsy``   2D exchange (NOESY-type, mixing time ``D[8]``)
* ``pfg``    pulsed-field-gradient diffusion (gradient strengths ``difflist``)
* ``cp``     cross-polarization contact-time series: one EXPNO per contact time
  (acqus ``P[15]``) or a pseudo-2D stepping a ``vplist`` / ``vdlist``
* ``1d``     a plain one-dimensional spectrum
* ``linewidth`` one 1D spectrum of a line-width series over temperature
  (motional narrowing); no acquisition parameter reveals it: sheet only
* ``selective_exchange``  1D spectra after selective inversion of one site over
  the mixing time (``vdlist`` or one EXPNO per mixing time, ``D[8]``); from
  the sheet only, no acquisition parameter reveals it
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from liprobe.io.bruker.peek import peek_parameters

KINDS: tuple[str, ...] = (
    "t1_sr",
    "t1_ir",
    "t1rho",
    "t2",
    "exsy",
    "1d",
    "pfg",
    "linewidth",
    "selective_exchange",
    "cp",
)
#: the kinds fitted by the relaxation stage
RELAXATION_KINDS: tuple[str, ...] = ("t1_sr", "t1_ir", "t1rho", "t2")

# Which list file a kind reads its list times from, in order of preference.
LIST_OF_KIND: dict[str, tuple[str, ...]] = {
    "t1_sr": ("vdlist",),
    "t1_ir": ("vdlist",),
    "t1rho": ("vplist", "vdlist"),
    "t2": ("vclist", "vdlist"),
    "exsy": (),
    "1d": (),
    "linewidth": (),
    "pfg": ("difflist",),
    "selective_exchange": ("vdlist",),
    "cp": ("vplist", "vdlist"),
}
#: acqus pulse index of the contact time of a CP experiment (``P[15]``, us)
CONTACT_PULSE_INDEX = 15

# Diffusion pulse programs (lower case): Bruker's stimulated-echo and
# longitudinal-eddy-current-delay families with bipolar gradients
# (``stebpgp1s``, ``ledbpgp2s``, ``dstebpgp3s``, ``ledgp2s``), user sequences
# named after diffusion (``diffSte``, ``pfg_ste``, ``pgse``). Checked before the
# name rules, so that ``...echo`` or ``...t2`` in a diffusion name does not win.
_PFG_NAME = r"diff|pfg|pgse|pgste|^d?ste(bp)?gp|^led(bp)?gp|^dstebp|bpled"
_PFG_TEXT = r"diffusion (measurement|experiment)|pulsed[- ]field[- ]gradient|\bdosy\b"

# Pulse program name fragments -> kind, checked in this order (lower case).
_NAME_RULES: tuple[tuple[str, str], ...] = (
    (r"noesy|exsy|exch", "exsy"),
    (r"t1rho|t1r\b|rho|spinlock|spin_lock", "t1rho"),
    # cp, cpmas, cp.2, cptoss, rampcp, hC, hX, hLi (1H -> X); not cpmg, and not
    # a T1 or T2 measurement run through CP (cpt1, cp_t2)
    (
        r"^(?!.*t[12](?![0-9]))(?:.*(?<![a-z])cp(?!mg)|.*rampcp|h(?:c|n|x|li|si|p|f)(?:[._\d]|$))",
        "cp",
    ),
    (r"cpmg|t2|hahn|echo", "t2"),
    (r"satrec|satrect|sat_rec|\bsr\b|t1sr|sr_", "t1_sr"),
    (r"t1ir|invrec|inv_rec|fir\b|_ir\b|\bir\b|ir_|t1_ir", "t1_ir"),
)

# Comment text of the pulse program -> kind (lower case), a fallback.
_TEXT_RULES: tuple[tuple[str, str], ...] = (
    (r"exchange spectroscopy|\bnoesy\b|\bexsy\b", "exsy"),
    (r"cross[ -]?polari[sz]ation", "cp"),
    (r"t1rho|spin[ -]?lock", "t1rho"),
    (r"carr-purcell|cpmg|\bt2 measurement", "t2"),
    (r"saturation recovery", "t1_sr"),
    (r"inversion recovery", "t1_ir"),
)


def strip_comments(text: str) -> str:
    """Return pulse program text without ``;`` comments and ``#`` preprocessor lines."""
    lines = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        lines.append(line.split(";", 1)[0])
    return "\n".join(lines)


def lists_used(pulse_program_text: str) -> set[str]:
    """Names of the variable lists a pulse program steps through.

    Looks (outside comments) for the list statements of Bruker pulse programs:
    ``vd`` / ``ivd`` (``vdlist``), ``vp`` / ``ivp`` (``vplist``) and
    ``times c`` / ``ivc`` (``vclist``).
    """
    code = strip_comments(pulse_program_text).lower()
    used: set[str] = set()
    if re.search(r"\bi?vd\b", code):
        used.add("vdlist")
    if re.search(r"\bi?vp\b", code):
        used.add("vplist")
    if re.search(r"\bivc\b|times\s+c\b", code):
        used.add("vclist")
    return used


def kind_from_name(pulse_program: str) -> str | None:
    """The kind the pulse program's name says (``PULPROG``), None when it says none."""
    name = pulse_program.lower()
    for pattern, kind in _NAME_RULES:
        if re.search(pattern, name):
            return kind
    return None


def _pfg_evidence(
    pulse_program: str,
    pulse_program_text: str,
    available_lists: set[str] | frozenset[str],
) -> str | None:
    """Why an experiment is a PFG diffusion series, or None: a diffusion pulse
    program (name, else comment text) together with a ``difflist`` in the
    folder (the gradient strengths of the rows). Without a ``difflist`` a
    diffusion-named program is left to the other rules."""
    if "difflist" not in available_lists:
        return None
    if re.search(_PFG_NAME, pulse_program.strip().lower()):
        return f"diffusion pulse program '{pulse_program}' with a difflist"
    match = re.search(_PFG_TEXT, _comments(pulse_program_text))
    if match:
        return f"pulse program comment '{match.group(0)}' with a difflist"
    return None


def _comments(pulse_program_text: str) -> str:
    """The comment text of a pulse program (after ``;`` on each line), lower case."""
    text = pulse_program_text.lower()
    return "\n".join(line.split(";", 1)[1] for line in text.splitlines() if ";" in line)


def _comment_kind(pulse_program_text: str) -> tuple[str | None, str]:
    """The kind the comment text of a pulse program says, and the words found."""
    comments = _comments(pulse_program_text)
    for pattern, kind in _TEXT_RULES:
        match = re.search(pattern, comments)
        if match:
            return kind, match.group(0)
    return None, ""


def contact_time_s(acqus: Mapping[str, object]) -> float | None:
    """The contact time of a CP experiment (acqus ``P[15]``, us) in seconds;
    None when acqus has no positive ``P[15]``."""
    pulses = list(acqus.get("P", []) or [])
    if len(pulses) <= CONTACT_PULSE_INDEX:
        return None
    try:
        value = float(pulses[CONTACT_PULSE_INDEX])
    except (TypeError, ValueError):
        return None
    return value * 1e-6 if value > 0 else None


def explain_kind(
    pulse_program: str,
    pulse_program_text: str,
    td1: int,
    available_lists: set[str] | frozenset[str] = frozenset(),
) -> tuple[str, str, bool]:
    """The experiment kind, the evidence it rests on, and whether there was any.

    Order of evidence: a one-row experiment is ``cp`` when the pulse program's
    name or comment says cross polarization, else ``1d``; then a diffusion pulse
    program with a ``difflist`` (``pfg``, :func:`_pfg_evidence`); then the pulse
    program name (``t1ir``, ``satrect1nodec``, ``t1rho.h``, ``cpmg_T2``, ``noesy...``);
    then the comment text of the pulse program; then the structure (which list
    is stepped, whether a saturation loop or a 180 degree pulse precedes ``vd``).
    Returns ``(kind, reason, recognised)``: ``kind`` one of :data:`KINDS`;
    ``reason`` a sentence naming the evidence; ``recognised`` False when no
    evidence matched and the kind is the structural fallback (``exsy`` for a
    true 2D without a list).
    """
    kind = kind_from_name(pulse_program)
    if td1 <= 1:
        if kind == "cp":
            return "cp", f"one row and a CP pulse program name '{pulse_program}'", True
        if _comment_kind(pulse_program_text)[0] == "cp":
            return (
                "cp",
                "one row and a pulse program comment 'cross polarization'",
                True,
            )
        return "1d", "one row (TD1 = 1 or a fid)", True
    pfg = _pfg_evidence(pulse_program, pulse_program_text, available_lists)
    if pfg is not None:
        return "pfg", pfg, True
    if kind is not None:
        return kind, f"pulse program name '{pulse_program}'", True
    kind, word = _comment_kind(pulse_program_text)
    if kind is not None:
        return kind, f"pulse program comment '{word}'", True
    stepped = lists_used(pulse_program_text) & set(available_lists)
    used = stepped or set(available_lists)
    how = "stepped by the pulse program" if stepped else "present in the folder"
    if "vplist" in used:
        return "t1rho", f"vplist {how}", True
    if "vclist" in used:
        return "t2", f"vclist {how}", True
    if "vdlist" in used:
        code = strip_comments(pulse_program_text).lower()
        before_vd = code.split("vd", 1)[0]
        if re.search(r"lo\s+to\s+\S+\s+times\s+l\d+", before_vd):
            return "t1_sr", f"vdlist {how} after a saturation loop", True
        return "t1_ir", f"vdlist {how} (no saturation loop before vd)", True
    return "exsy", f"a true 2D (TD1 = {td1}) without a variable list", False


def detect_kind(
    pulse_program: str,
    pulse_program_text: str,
    td1: int,
    available_lists: set[str] | frozenset[str] = frozenset(),
) -> str:
    """The experiment kind (one of :data:`KINDS`) as :func:`explain_kind` finds it."""
    return explain_kind(pulse_program, pulse_program_text, td1, available_lists)[0]


_TOKEN = re.compile(r"\b([dp])(\d+)\b|(?<![\w.])(\d+(?:\.\d*)?)([munsp]?)\b")
_UNIT_S = {"": 1.0, "s": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12}


def loop_duration_s(
    pulse_program_text: str, acqus: Mapping[str, object], counter: str = "c"
) -> float | None:
    """Duration in seconds of one pass of the loop ``lo to <label> times <counter>``.

    The loop body runs from the line carrying the label to the ``lo to`` line.
    Delays ``dN`` are taken from acqus ``D[N]`` (s), pulses ``pN`` from acqus
    ``P[N]`` (us) and literal durations with a unit suffix (``1u``, ``2m``) are
    added as written. For Bruker's ``cpmg`` (``d6 p2 d6``) one loop is
    ``2 x D[6] + P[2]``. Returns ``None`` when no such loop is found.
    """
    lines = strip_comments(pulse_program_text).splitlines()
    lo_re = re.compile(
        r"^\s*lo\s+to\s+(\S+)\s+times\s+" + re.escape(counter) + r"\b", re.I
    )
    for end, line in enumerate(lines):
        m = lo_re.match(line)
        if not m:
            continue
        label = m.group(1)
        start = None
        for i in range(end - 1, -1, -1):
            if re.match(r"^\s*" + re.escape(label) + r"[\s,]", lines[i] + " "):
                start = i
                break
        if start is None:
            return None
        body = "\n".join(lines[start:end])
        # drop the label itself
        body = re.sub(r"^\s*" + re.escape(label) + r"[\s,]", " ", body, count=1)
        return _body_duration_s(body, acqus)
    return None


def _body_duration_s(body: str, acqus: Mapping[str, object]) -> float | None:
    d = list(acqus.get("D", []) or [])
    p = list(acqus.get("P", []) or [])
    total = 0.0
    found = False
    for line in body.splitlines():
        # phase and power arguments (ph2, pl1, :f1) carry no duration
        line = re.sub(r"\b(ph|pl|sp|gp|gron|groff|cpd|do)\w*", " ", line, flags=re.I)
        line = re.sub(r":f\d", " ", line)
        for m in _TOKEN.finditer(line.lower()):
            if m.group(1):
                idx = int(m.group(2))
                if m.group(1) == "d":
                    if idx >= len(d):
                        return None
                    total += float(d[idx])
                else:
                    if idx >= len(p):
                        return None
                    total += float(p[idx]) * 1e-6
                found = True
            elif m.group(4):
                total += float(m.group(3)) * _UNIT_S[m.group(4)]
                found = True
    return total if found else None


def peek_kind(path: str | Path) -> str:
    """Kind of the experiment in ``path`` from its parameter files alone.

    Used when the workflow is parsed, to decide which stage an ``auto`` row
    goes to, without reading the binary data and without loading nmrglue (a
    campaign of hundreds of experiments must parse in seconds). ``unknown``
    when the parameter files cannot be read; the job reports why.
    """
    peeked = peek_parameters(path)
    if peeked is None:
        return "unknown"
    pulprog, td1, pp_text, available = peeked
    return detect_kind(pulprog, pp_text, td1, available)
