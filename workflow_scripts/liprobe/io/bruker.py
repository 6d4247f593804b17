"""Read Bruker TopSpin experiment folders (``<dataset>/<expno>``).

What is read, and how:

* parameter files (``acqus``, ``acqu2s``, ``pdata/<procno>/procs``, ``proc2s``):
  JCAMP-DX, parsed with :func:`nmrglue.bruker.parse_jcamp_file` fed through a
  guard that stops at the end of the file (nmrglue alone loops forever on an
  unclosed ``<string`` or an array with fewer values than announced);
* the FID (``fid``, 1D) or ``ser`` (pseudo-2D relaxation series or true 2D):
  int32 (``DTYPA`` 0, scaled by ``2**NC``) or float64 (``DTYPA`` 2), little or big
  endian (``BYTORDA``, checked against the data by :func:`check_byte_order`),
  each row padded to a 1024-byte block; bytes after the last row are ignored.
  Rows are returned as stored (for a true 2D: in acquisition order, the
  indirect-dimension mode in ``fnmode``), with the digital filter still in place;
* the digital filter group delay: ``GRPDLY`` when positive, otherwise the
  DECIM/DSPFVS table of nmrglue (``nmrglue.bruker.bruker_dsp_table``);
* variable lists ``vdlist`` (default unit s), ``vplist`` (default unit us) and
  ``vclist`` (loop counts; time = count x duration of the counted loop, parsed
  from the pulse program);
* TopSpin's processed data (``1r``/``2rr``) and integral regions (``intrng``),
  used as the reference for parity checks, and its relaxation output
  (``ct1t2.txt``).

Implausible acquisition parameters become NaN with a flag instead of numbers:
``TE`` outside (0, 600] K, and a ``NUC1`` whose frequency ratio to the 1H
frequency of the magnet (IUPAC Xi values) disagrees with ``BF1``. Values given in
``overrides`` (from the ``nmr`` sheet) always win.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nmrglue as ng
import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.nmr.kinds import KINDS, LIST_OF_KIND, detect_kind, loop_duration_s

# IUPAC 2001 frequency ratios Xi (percent of the 1H frequency in the same field),
# Harris et al., Pure Appl. Chem. 73 (2001) 1795. Enough to test a NUC1 label.
XI_PERCENT: dict[str, float] = {
    "1H": 100.0,
    "2H": 15.350609,
    "3He": 76.178976,
    "6Li": 14.716086,
    "7Li": 38.863797,
    "9Be": 14.051813,
    "10B": 10.743658,
    "11B": 32.083974,
    "13C": 25.145020,
    "14N": 7.226317,
    "15N": 10.136767,
    "17O": 13.556457,
    "19F": 94.094011,
    "23Na": 26.451900,
    "25Mg": 6.121635,
    "27Al": 26.056859,
    "29Si": 19.867187,
    "31P": 40.480742,
    "33S": 7.676000,
    "35Cl": 9.797909,
    "39K": 4.666373,
    "43Ca": 6.730029,
    "45Sc": 24.291747,
    "51V": 26.302948,
    "67Zn": 6.256803,
    "71Ga": 30.496704,
    "73Ge": 3.488315,
    "77Se": 19.071513,
    "79Br": 25.053980,
    "81Br": 27.006518,
    "87Rb": 32.720454,
    "89Y": 4.900198,
    "91Zr": 9.296298,
    "93Nb": 24.476170,
    "119Sn": 37.290632,
    "127I": 20.007486,
    "129Xe": 27.810186,
    "133Cs": 13.116142,
    "139La": 14.125641,
    "207Pb": 20.920599,
}
# Relative tolerance between BF1 and Xi x (1H frequency): generous enough for
# chemical-shift ranges and Xi's reference compounds, far below the spacing of
# the nuclei a label can be confused with.
NUCLEUS_TOLERANCE = 0.015
TEMPERATURE_RANGE_K = (0.0, 600.0)

VARIABLE_LISTS = ("vdlist", "vplist", "vclist")
_DEFAULT_UNIT_S = {"vdlist": 1.0, "vplist": 1e-6, "vclist": None}
_SUFFIX_S = {"s": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
_LIST_TOKEN = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([A-Za-z]*)$")

BLOCK_BYTES = 1024
# Plausible pulse lengths of a vplist (s): below 1 us the values were almost
# surely typed in seconds without a suffix (the default unit is us); a spin lock
# longer than 10 s would burn the probe.
VPLIST_RANGE_S = (1e-6, 10.0)


@dataclass
class FidSeries:
    """A Bruker experiment as acquired: raw rows plus the parameters that matter.

    ``data`` holds complex rows (rows x points) as stored, int32 data already
    multiplied by ``2**NC``, the digital filter not removed
    (``group_delay_points`` says by how much to shift). ``list_time_s`` has one
    value per acquired row (delay, spin-lock length or echo time in seconds) for
    relaxation kinds, else ``None``. Values that could not be trusted are NaN
    (``nucleus`` an empty string) and explained in ``flags``.
    """

    path: Path
    data: np.ndarray
    acqus: dict
    acqu2s: dict | None
    procs: dict | None
    proc2s: dict | None
    pulse_program: str
    list_name: str | None
    list_time_s: np.ndarray | None
    kind: str
    nucleus: str
    larmor_MHz: float
    temperature_K: float
    ns: int
    rg: float
    mixing_time_s: float
    fnmode: int
    is_2d: bool
    td1: int
    flags: list[str] = field(default_factory=list)
    raw_files: list[Path] = field(default_factory=list)
    procno: int = 1
    group_delay_points: float = 0.0
    masr_Hz: float = math.nan
    title: str = ""
    sw_Hz: float = math.nan
    td: int = 0
    list_values: np.ndarray | None = None
    pulse_program_text: str = ""


# --------------------------------------------------------------------- params
def read_parameters(path: str | Path) -> dict:
    """Parse one JCAMP-DX parameter file (``acqus``, ``procs``...) into a dict.

    Keys lose their ``$`` (``TD``, ``SW_h``); arrays (``D``, ``P``) are lists.
    Raises :class:`InputError` when the file is missing or not JCAMP-DX.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file", "a Bruker JCAMP-DX parameter file", "missing")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, "file", "a readable parameter file", str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # TopSpin on Windows writes cp1252 text
    lines = _GuardedLines(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nmrglue warns on every odd line
            params = ng.bruker.parse_jcamp_file(
                lines, {"_coreheader": [], "_comments": []}
            )
    except _JcampEnd:
        raise InputError(
            path,
            "file",
            "complete JCAMP-DX values ('<' strings closed by '>', arrays with "
            "as many values as announced)",
            f"the end of the file inside a value (last key read: {lines.key})",
        ) from None
    except Exception as exc:  # nmrglue raises assorted errors on bad text
        raise InputError(
            path, "file", "a Bruker JCAMP-DX parameter file", f"unparsable ({exc})"
        ) from exc
    if not any(not str(key).startswith("_") for key in params):
        raise InputError(
            path,
            "file",
            "JCAMP-DX '##$KEY= value' lines",
            f"none in {path.stat().st_size} bytes",
        )
    return params


class _JcampEnd(Exception):
    """Raised by :class:`_GuardedLines` when a parser reads past the end twice."""


class _GuardedLines:
    """A minimal text file for nmrglue's JCAMP parser that cannot loop forever.

    ``readline`` returns the lines, then ``''`` once at the end of the text, then
    raises :class:`_JcampEnd`: a parser still asking for lines is inside an
    unfinished value. ``key`` remembers the key of the last ``##$KEY=`` line
    handed out (an unclosed string swallows the keys after it).
    """

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines(keepends=True)
        self._pos = 0
        self._ended = False
        self.key = ""

    def readline(self) -> str:
        if self._pos < len(self._lines):
            line = self._lines[self._pos]
            self._pos += 1
            if line.startswith("##$") and "=" in line:
                self.key = line[3 : line.index("=")].strip()
            return line
        if self._ended:
            raise _JcampEnd
        self._ended = True
        return ""


def _number(
    params: dict, key: str, file: Path, integer: bool = False, default=None
) -> float | int:
    """Fetch a numeric parameter or raise an InputError naming file and key."""
    if key not in params:
        if default is not None:
            return default
        raise InputError(file, key, "a numeric parameter", "missing")
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(file, key, "a number", value)
    if not math.isfinite(float(value)):
        raise InputError(file, key, "a finite number", value)
    if integer:
        if float(value) != int(value):
            raise InputError(file, key, "an integer", value)
        return int(value)
    return float(value)


def _text(params: dict, key: str) -> str:
    value = params.get(key, "")
    return str(value).strip().strip("<>").strip() if value is not None else ""


# ---------------------------------------------------------------------- lists
def parse_variable_list(path: str | Path, list_kind: str, td1: int) -> np.ndarray:
    """Read a Bruker variable list and return its first ``td1`` values.

    ``list_kind`` is ``vdlist`` / ``vd`` (delays, default unit s), ``vplist`` /
    ``vp`` (pulse lengths, default unit us) or ``vclist`` / ``vc`` (loop counts,
    returned as counts). Values may carry a suffix ``s``, ``m`` (ms), ``u`` (us) or
    ``n`` (ns) (not for ``vclist``); blank lines, CRLF or CR line ends, surrounding
    spaces and a missing final newline are accepted; values stay in file order.
    Delays and pulse lengths are returned in seconds.

    Raises :class:`InputError` naming the file and line for a token that is not a
    number with a known suffix or is negative, when the list has fewer than
    ``td1`` values, and for a vplist whose first ``td1`` values are implausible as
    pulse lengths (all below 1 us, i.e. seconds typed without a suffix, or any
    above 10 s; :data:`VPLIST_RANGE_S`).
    """
    path = Path(path)
    kind = list_kind.lower()
    if not kind.endswith("list"):
        kind += "list"
    if kind not in VARIABLE_LISTS:
        raise InputError(path, "list_kind", "vdlist, vplist or vclist", list_kind)
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


# --------------------------------------------------------------------- binary
def group_delay(acqus: dict, file: Path) -> tuple[float, list[str]]:
    """Digital filter group delay in points, and flags saying how it was found.

    ``DIGMOD`` 0 means no digital filter (0 points, flag
    ``digital_filter_off``). Otherwise a positive ``GRPDLY`` is used; without it
    the DECIM/DSPFVS table (nmrglue's copy of Bruker's table, DSPFVS 10-13;
    DSPFVS >= 14 firmware always writes GRPDLY). ``DECIM`` = 1 without GRPDLY
    means no decimation and hence no filter delay (flag
    ``digital_filter_decim1_no_correction``). An unknown pair gives 0 with flag
    ``digital_filter_unknown``.
    """
    flags: list[str] = []
    digmod = _number(acqus, "DIGMOD", file, integer=True, default=1)
    grpdly = float(acqus.get("GRPDLY", -1) or -1)
    decim = acqus.get("DECIM")
    dspfvs = acqus.get("DSPFVS")
    if digmod == 0:
        flags.append("digital_filter_off")
        if decim == 1 and grpdly <= 0:
            flags.append("digital_filter_decim1_no_correction")
        return 0.0, flags
    if grpdly > 0:
        return grpdly, flags
    if decim == 1:
        flags.append("digital_filter_decim1_no_correction")
        return 0.0, flags
    try:
        value = float(ng.bruker.bruker_dsp_table[int(dspfvs)][int(decim)])
    except (KeyError, TypeError, ValueError):
        flags.append("digital_filter_unknown")
        return 0.0, flags
    flags.append("digital_filter_from_decim_dspfvs_table")
    return value, flags


def _read_rows(
    path: Path, td: int, rows: int, big: bool, isfloat: bool, nc: int
) -> np.ndarray:
    """Read ``rows`` rows of ``td`` real words (padded to 1024 bytes) from a file."""
    item = 8 if isfloat else 4
    row_bytes = td * item
    padded = -(-row_bytes // BLOCK_BYTES) * BLOCK_BYTES
    size = path.stat().st_size
    if size >= rows * padded:
        stride = padded // item
    elif size == rows * row_bytes:
        stride = td  # unpadded (float64 data of recent TopSpin versions)
    else:
        raise InputError(
            path,
            "file size",
            f"{rows} rows x {padded} bytes = {rows * padded} bytes "
            f"(TD = {td}, TD1 = {rows}, {'float64' if isfloat else 'int32'} "
            f"words as DTYPA = {2 if isfloat else 0} says)",
            f"{size} bytes",
        )
    dtype = np.dtype((">" if big else "<") + ("f8" if isfloat else "i4"))
    with path.open("rb") as handle:  # only the bytes the rows occupy
        raw = handle.read(rows * stride * item)
    words = np.frombuffer(raw, dtype=dtype).astype(float).reshape(rows, stride)
    words = words[:, :td]
    if not isfloat and nc != 0:
        words = words * 2.0**nc
    return words


def _byte_order_score(raw: bytes, big: bool, isfloat: bool) -> float:
    """How implausible the words of ``raw`` are when decoded in one byte order.

    int32 FIDs are right-aligned: the most significant byte is mostly sign
    extension (0x00 or 0xFF) and the least significant byte carries noise. Read
    in the wrong order the roles swap. The score is the fraction of non-zero
    words whose least significant byte is 0x00 or 0xFF while their most
    significant byte is not. float64 words read in the wrong order decode to
    absurd magnitudes: the score is the fraction of non-zero words that are not
    finite or outside 1e-30..1e30 in absolute value.
    """
    if isfloat:
        n = len(raw) // 8
        w = np.frombuffer(raw[: n * 8], (">" if big else "<") + "f8")
        w = w[w != 0]
        if w.size == 0:
            return 0.0
        with np.errstate(invalid="ignore", over="ignore"):
            a = np.abs(w)
            bad = ~np.isfinite(a) | (a > 1e30) | (a < 1e-30)
        return float(bad.mean())
    n = len(raw) // 4
    w = np.frombuffer(raw[: n * 4], (">" if big else "<") + "i4")
    w = w[w != 0]
    if w.size == 0:
        return 0.0
    low = (w & 0xFF).astype(np.int64)
    high = ((w >> 24) & 0xFF).astype(np.int64)
    sign_low = (low == 0) | (low == 0xFF)
    sign_high = (high == 0) | (high == 0xFF)
    return float((sign_low & ~sign_high).mean())


def check_byte_order(binary: Path, acqus_file: Path, big: bool, isfloat: bool):
    """Raise an :class:`InputError` when ``BYTORDA`` contradicts the data.

    Decodes the first 256 kB of ``binary`` in both byte orders
    (:func:`_byte_order_score`); the declared order is rejected only when it is
    clearly implausible (score above 0.25) and the other one clearly plausible
    (score below 0.05), so unusual but correct data pass.
    """
    with binary.open("rb") as handle:
        raw = handle.read(1 << 18)
    declared = _byte_order_score(raw, big, isfloat)
    other = _byte_order_score(raw, not big, isfloat)
    if declared > 0.25 and other < 0.05:
        names = {True: "1 (big endian)", False: "0 (little endian)"}
        raise InputError(
            acqus_file,
            "BYTORDA",
            f"the byte order of {binary.name}: its data decode as "
            f"BYTORDA = {names[not big]}",
            names[big],
        )


# ------------------------------------------------------------------ plausibility
def _proton_frequency(acqus: dict) -> tuple[float | None, str]:
    """The magnet's 1H frequency (MHz): a channel labelled 1H, else BF2."""
    for ch in range(1, 9):
        if _text(acqus, f"NUC{ch}") == "1H" and isinstance(
            acqus.get(f"BF{ch}"), int | float
        ):
            return float(acqus[f"BF{ch}"]), f"BF{ch}"
    bf2 = acqus.get("BF2")
    if isinstance(bf2, int | float) and bf2 > 0:
        return float(bf2), "BF2"
    return None, ""


def check_nucleus(acqus: dict) -> tuple[str, list[str]]:
    """Return NUC1 and flags; an empty nucleus when NUC1 contradicts BF1.

    The field is taken from the 1H frequency of the magnet (:func:`_proton_frequency`);
    NUC1 must satisfy ``BF1 = Xi(NUC1) x f(1H)`` within :data:`NUCLEUS_TOLERANCE`.
    """
    nuc = _text(acqus, "NUC1")
    flags: list[str] = []
    bf1 = acqus.get("BF1")
    if nuc in ("", "off"):
        return "", ["acqus_NUC1_missing"]
    if nuc not in XI_PERCENT:
        return nuc, ["acqus_NUC1_not_checked"]
    ref, _ = _proton_frequency(acqus)
    if ref is None or not isinstance(bf1, int | float) or bf1 <= 0:
        return nuc, ["acqus_NUC1_not_checked"]
    expected = XI_PERCENT[nuc] / 100.0 * ref
    if abs(float(bf1) - expected) > NUCLEUS_TOLERANCE * expected:
        flags.append("acqus_NUC1_contradicts_BF1")
        return "", flags
    return nuc, flags


def _title_spinning_Hz(title: str) -> float | None:
    """A spinning rate stated in a title line mentioning MAS or spinning, in Hz."""
    for line in title.splitlines():
        if not re.search(r"\bmas\b|spin", line, re.I) or re.search(
            r"spin[ -]?lock", line, re.I
        ):
            continue
        m = re.search(r"(\d+(?:\.\d+)?)\s*(k?)hz", line, re.I)
        if m:
            return float(m.group(1)) * (1e3 if m.group(2) else 1.0)
    return None


# --------------------------------------------------------------- experiments
def _pdata_dir(path: Path, procno: int) -> Path:
    return path / "pdata" / str(int(procno))


def read_experiment(
    path: str | Path, procno: int = 1, overrides: dict | None = None
) -> FidSeries:
    """Read one Bruker experiment folder into a :class:`FidSeries`.

    ``overrides`` may hold ``kind`` (``auto`` = detect), ``temperature_K``,
    ``nucleus`` and ``larmor_MHz`` from the sheet; a value that is not None or
    NaN replaces the acqus one. ``plausible_temperature_K`` ([min, max], default
    (0, 600]) sets the range outside which acqus ``TE`` becomes a flagged NaN;
    other keys are ignored. The list times come from the list file the kind
    uses (``vdlist``, ``vplist``; ``vclist`` counts times the loop duration).
    Raises :class:`InputError` for missing or malformed files and parameters.
    """
    path = Path(path)
    overrides = dict(overrides or {})
    if not path.is_dir():
        raise InputError(path, "path", "a Bruker experiment folder", "not a folder")
    acqus_file = path / "acqus"
    acqus = read_parameters(acqus_file)
    raw_files: list[Path] = [acqus_file]
    flags: list[str] = []

    td = _number(acqus, "TD", acqus_file, integer=True)
    if td <= 0:
        raise InputError(acqus_file, "TD", "a positive number of points", td)
    bytorda = _number(acqus, "BYTORDA", acqus_file, integer=True, default=0)
    if bytorda not in (0, 1):
        raise InputError(
            acqus_file, "BYTORDA", "0 (little endian) or 1 (big endian)", bytorda
        )
    dtypa = _number(acqus, "DTYPA", acqus_file, integer=True, default=0)
    if dtypa not in (0, 2):
        raise InputError(acqus_file, "DTYPA", "0 (int32) or 2 (float64)", dtypa)
    nc = _number(acqus, "NC", acqus_file, integer=True, default=0)
    sw_Hz = _number(acqus, "SW_h", acqus_file)

    acqu2s = None
    acqu2s_file = path / "acqu2s"
    ser = path / "ser"
    fid_file = path / "fid"
    if ser.is_file():
        binary = ser
        if not acqu2s_file.is_file():
            raise InputError(acqu2s_file, "file", "acqu2s beside a ser file", "missing")
        acqu2s = read_parameters(acqu2s_file)
        raw_files.append(acqu2s_file)
        td1 = _number(acqu2s, "TD", acqu2s_file, integer=True)
        if td1 <= 0:
            raise InputError(acqu2s_file, "TD", "a positive number of rows", td1)
    elif fid_file.is_file():
        binary = fid_file
        td1 = 1
    else:
        raise InputError(path, "fid/ser", "a fid or ser file", "neither")
    raw_files.append(binary)

    aq_mod = _number(acqus, "AQ_mod", acqus_file, integer=True, default=3)
    words = _read_rows(binary, td, td1, bool(bytorda == 1), dtypa == 2, nc)
    check_byte_order(binary, acqus_file, bool(bytorda == 1), dtypa == 2)
    if aq_mod in (0, 2):
        data = words.astype(complex)
        flags.append(f"real_acquisition_AQ_mod_{aq_mod}")
    else:
        if td % 2:
            raise InputError(acqus_file, "TD", "an even number (complex pairs)", td)
        data = words[:, 0::2] + 1j * words[:, 1::2]

    gd, gd_flags = group_delay(acqus, acqus_file)
    flags += gd_flags

    # processing parameters and title
    pdir = _pdata_dir(path, procno)
    procs = proc2s = None
    if (pdir / "procs").is_file():
        procs = read_parameters(pdir / "procs")
        raw_files.append(pdir / "procs")
    if (pdir / "proc2s").is_file():
        proc2s = read_parameters(pdir / "proc2s")
        raw_files.append(pdir / "proc2s")
    title = ""
    if (pdir / "title").is_file():
        title = (pdir / "title").read_bytes().decode("latin-1")
        raw_files.append(pdir / "title")

    pulse_program = _text(acqus, "PULPROG")
    pp_text = ""
    if (path / "pulseprogram").is_file():
        pp_text = (path / "pulseprogram").read_bytes().decode("latin-1")
        raw_files.append(path / "pulseprogram")

    available = {name for name in VARIABLE_LISTS if (path / name).is_file()}
    kind = str(overrides.get("kind") or "auto").strip().lower()
    if kind == "auto":
        kind = detect_kind(pulse_program, pp_text, td1, available)
    elif kind not in KINDS:
        raise InputError(
            "nmr sheet", "kind", "auto or one of " + ", ".join(KINDS), kind
        )

    fnmode = int(acqu2s.get("FnMODE", 0) or 0) if acqu2s else 0
    if acqu2s is not None and fnmode == 0 and proc2s and "MC2" in proc2s:
        fnmode = int(proc2s["MC2"]) + 1
        flags.append("fnmode_from_proc2s_MC2")
    is_2d = kind == "exsy"

    # variable list
    list_name = None
    list_time = None
    list_values = None
    if kind in LIST_OF_KIND and LIST_OF_KIND[kind] and td1 > 1:
        for candidate in LIST_OF_KIND[kind]:
            if candidate in available:
                list_name = candidate
                break
        if list_name is None:
            flags.append("variable_list_missing")
        else:
            list_file = path / list_name
            raw_files.append(list_file)
            list_values = parse_variable_list(list_file, list_name, td1)
            if list_name == "vclist":
                loop = loop_duration_s(pp_text, acqus, "c")
                if loop is None:
                    flags.append("vclist_loop_duration_unknown")
                    list_time = np.full(td1, np.nan)
                else:
                    list_time = list_values * loop
            else:
                list_time = list_values.copy()

    # plausibility and overrides
    t_lo, t_hi = TEMPERATURE_RANGE_K
    if overrides.get("plausible_temperature_K") is not None:
        try:
            t_lo, t_hi = (float(v) for v in overrides["plausible_temperature_K"])
        except (TypeError, ValueError) as exc:
            raise InputError(
                "config",
                "plausible_temperature_K",
                "two temperatures [min, max] in K",
                overrides["plausible_temperature_K"],
            ) from exc
    te = acqus.get("TE")
    if isinstance(te, int | float) and t_lo < te <= t_hi:
        temperature = float(te)
    else:
        temperature = math.nan
        flags.append("acqus_TE_implausible")
    nucleus, nuc_flags = check_nucleus(acqus)
    flags += nuc_flags
    sfo1 = acqus.get("SFO1")
    larmor = float(sfo1) if isinstance(sfo1, int | float) and sfo1 > 0 else math.nan
    if math.isnan(larmor):
        flags.append("acqus_SFO1_missing")

    def given(key):
        value = overrides.get(key)
        if value is None:
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, str) and value.strip().lower() in ("", "nan", "na"):
            return None
        return value

    if given("temperature_K") is not None:
        temperature = float(given("temperature_K"))
        flags.append("temperature_K_from_sheet")
    if given("nucleus") is not None:
        nucleus = str(given("nucleus")).strip()
        flags.append("nucleus_from_sheet")
    if given("larmor_MHz") is not None:
        larmor = float(given("larmor_MHz"))
        flags.append("larmor_MHz_from_sheet")

    masr = acqus.get("MASR")
    masr_Hz = float(masr) if isinstance(masr, int | float) else math.nan
    stated = _title_spinning_Hz(title)
    if stated is not None and not (
        math.isfinite(masr_Hz) and abs(stated - masr_Hz) <= 0.02 * max(stated, 1.0)
    ):
        flags.append("acqus_MASR_disagrees_with_title")

    d = acqus.get("D") or []
    mixing = float(d[8]) if len(d) > 8 else math.nan
    ns = _number(acqus, "NS", acqus_file, integer=True, default=1)
    rg = _number(acqus, "RG", acqus_file, default=1.0)

    return FidSeries(
        path=path,
        data=data,
        acqus=acqus,
        acqu2s=acqu2s,
        procs=procs,
        proc2s=proc2s,
        pulse_program=pulse_program,
        list_name=list_name,
        list_time_s=list_time,
        kind=kind,
        nucleus=nucleus,
        larmor_MHz=larmor,
        temperature_K=temperature,
        ns=int(ns),
        rg=float(rg),
        mixing_time_s=mixing,
        fnmode=fnmode,
        is_2d=is_2d,
        td1=int(td1),
        flags=flags,
        raw_files=raw_files,
        procno=int(procno),
        group_delay_points=gd,
        masr_Hz=masr_Hz,
        title=title,
        sw_Hz=float(sw_Hz),
        td=int(td),
        list_values=list_values,
        pulse_program_text=pp_text,
    )


# ------------------------------------------------------------ TopSpin output
def read_intrng(path: str | Path, procno: int = 1) -> pd.DataFrame | None:
    """TopSpin integral regions of ``pdata/<procno>/intrng`` in ppm, or None.

    Returns columns ``region`` (``r01``, ``r02``...), ``ppm_min``, ``ppm_max``.
    Only the ppm form (header ``A 1.0 #regions in PPM``) is read; regions in
    points raise :class:`InputError`.
    """
    file = _pdata_dir(Path(path), procno) / "intrng"
    if not file.is_file():
        return None
    lines = file.read_bytes().decode("latin-1").splitlines()
    if not lines or "ppm" not in lines[0].lower():
        raise InputError(
            file, "header", "'A 1.0 #regions in PPM'", lines[0] if lines else ""
        )
    rows = []
    for lineno, line in enumerate(lines[1:], start=2):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        parts = body.split()
        try:
            a, b = float(parts[0]), float(parts[1])
        except (IndexError, ValueError) as exc:
            raise InputError(
                file, f"line {lineno}", "two ppm limits", line, row=lineno
            ) from exc
        rows.append((min(a, b), max(a, b)))
    if not rows:
        return None
    return pd.DataFrame(
        {
            "region": [f"r{i + 1:02d}" for i in range(len(rows))],
            "ppm_min": [r[0] for r in rows],
            "ppm_max": [r[1] for r in rows],
        }
    )


def read_processed(
    path: str | Path, procno: int = 1
) -> tuple[np.ndarray, np.ndarray] | None:
    """TopSpin's processed real data (``1r`` or ``2rr``) and its ppm axis, or None.

    Returns ``(ppm, data)`` with ``data`` real, rows x SI (one row for ``1r``;
    all stored rows of ``2rr``, also those beyond the acquired TD1), the
    submatrix layout undone and ``NC_proc`` applied; ``ppm`` from
    ``procs`` (OFFSET, SW_p, SF, SI).
    """
    pdir = _pdata_dir(Path(path), procno)
    names = [n for n in ("2rr", "1r") if (pdir / n).is_file()]
    if not names or not (pdir / "procs").is_file():
        return None
    name = names[0]
    procs = read_parameters(pdir / "procs")
    try:
        if name == "2rr":
            _, data = ng.bruker.read_pdata(
                str(pdir), bin_files=["2rr"], read_acqus=False
            )
        else:
            _, data = ng.bruker.read_pdata(
                str(pdir), bin_files=["1r"], read_acqus=False
            )
    except Exception as exc:
        raise InputError(
            pdir / name, "file", "TopSpin processed data", f"unreadable ({exc})"
        ) from exc
    data = np.atleast_2d(np.asarray(data, dtype=float))
    si = data.shape[1]
    offset = _number(procs, "OFFSET", pdir / "procs")
    sw_p = _number(procs, "SW_p", pdir / "procs")
    sf = _number(procs, "SF", pdir / "procs")
    ppm = offset - np.arange(si) * (sw_p / sf) / si
    return ppm, data


_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_CT1T2_PEAK = re.compile(r"Peak\s+(\d+),\s+Peak Point (?:at|=)\s+" + _NUM + r"\s*ppm")
# TopSpin 3: "  tau  ppm  integral  intensity" with tau like 10.000s, 500.000m
_CT1T2_ROW3 = re.compile(
    r"^\s*" + _NUM + r"([munk]?)s?\s+" + _NUM + r"\s+" + _NUM + r"\s+" + _NUM + r"\s*$"
)
# TopSpin 4 SIMFIT: "point  tau  expt  calc  difference"
_CT1T2_ROW4 = re.compile(
    r"^\s*(\d+)\s+" + _NUM + r"([munk]?)s?\s+" + _NUM + r"\s+" + _NUM + r"\s+" + _NUM
)
_PREFIX = {"": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9, "k": 1e3}


def read_ct1t2(path: str | Path, procno: int = 1) -> pd.DataFrame | None:
    """TopSpin relaxation-module output ``ct1t2.txt``: values per list entry.

    Reads both layouts: TopSpin 3 (``tau ppm integral intensity`` per peak) and
    TopSpin 4 SIMFIT (``point tau expt calc difference``, ``expt`` being the
    fitted quantity, normalised). Returns one row per peak x list entry with
    ``peak`` (1-based region number), ``list_value`` (converted from TopSpin's
    m/u suffix as printed; TopSpin prints a vplist's microseconds as if they
    were seconds), ``ppm`` (the peak point), ``integral`` and ``intensity``
    (TopSpin 3, else NaN) and ``expt`` (TopSpin 4, else NaN); None when absent.
    """
    file = _pdata_dir(Path(path), procno) / "ct1t2.txt"
    if not file.is_file():
        return None
    records = []
    peak, peak_ppm = None, math.nan
    for line in file.read_bytes().decode("latin-1").splitlines():
        m = _CT1T2_PEAK.search(line)
        if m:
            peak, peak_ppm = int(m.group(1)), float(m.group(2))
            continue
        if peak is None:
            continue
        m = _CT1T2_ROW3.match(line)
        if m:
            records.append(
                (
                    peak,
                    float(m.group(1)) * _PREFIX[m.group(2)],
                    float(m.group(3)),
                    float(m.group(4)),
                    float(m.group(5)),
                    math.nan,
                )
            )
            continue
        m = _CT1T2_ROW4.match(line)
        if m:
            records.append(
                (
                    peak,
                    float(m.group(2)) * _PREFIX[m.group(3)],
                    peak_ppm,
                    math.nan,
                    math.nan,
                    float(m.group(4)),
                )
            )
    if not records:
        return None
    return pd.DataFrame(
        records,
        columns=["peak", "list_value", "ppm", "integral", "intensity", "expt"],
    )
