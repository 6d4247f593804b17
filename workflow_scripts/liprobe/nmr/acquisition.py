"""What a Bruker experiment is: the acquisition interpreted.

:func:`read_experiment` reads a folder through :mod:`liprobe.io.bruker` and
interprets it into a :class:`FidSeries`:

* the kind (sheet value, or detected from the pulse program and the lists);
* the list times: ``vdlist`` (s), ``vplist`` (us) or ``vclist`` loop counts
  times the duration of the counted loop parsed from the pulse program; the
  contact time of a one-row CP experiment from acqus ``P[15]`` (list ``P15``);
* the indirect-dimension mode (acqu2s ``FnMODE``; proc2s ``MC2`` for TopSpin 1.x);
* the mixing time from the configured delay (acqus ``D[mixing_delay_index]``);
* plausibility: ``TE`` outside the plausible range becomes NaN with a flag,
  and a ``NUC1`` whose frequency ratio to the magnet's 1H frequency (IUPAC Xi
  values) disagrees with ``BF1`` becomes an empty nucleus with a flag;
* sheet overrides (``kind``, ``temperature_K``, ``nucleus``, ``larmor_MHz``),
  which always win.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from liprobe.errors import InputError
from liprobe.io.bruker import (
    parse_variable_list,
    read_baseline_points,
    read_folder,
    read_processing_history,
    text,
)
from liprobe.nmr.kinds import (
    KINDS,
    LIST_OF_KIND,
    contact_time_s,
    detect_kind,
    kind_from_name,
    loop_duration_s,
)

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


@dataclass
class FidSeries:
    """A Bruker experiment as acquired: raw rows plus the parameters that matter.

    ``data`` holds complex rows (rows x points) as stored, int32 data already
    multiplied by ``2**NC``, the digital filter not removed
    (``group_delay_points`` says by how much to shift). ``list_time_s`` has one
    value per acquired row (delay, spin-lock length or echo time in seconds) for
    relaxation kinds, else ``None``. Values that could not be trusted are NaN
    (``nucleus`` an empty string) and explained in ``flags``. ``td1`` is the
    number of complete rows: fewer than acqu2s TD when the acquisition was
    interrupted (flag
    ``interrupted_acquisition_<kept>_of_<TD1>_rows_<n>_partial_row_dropped``).
    ``processing_history`` lists the commands TopSpin applied to its spectrum
    after the last transform (from ``auditp.txt``), ``baseline_points`` the
    points of its spline baseline (``baslpnts``), both for TopSpin parity.
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
    processing_history: tuple[str, ...] = ()
    baseline_points: np.ndarray | None = None


#: Largest distance (MHz) of a magnet's 1H base frequency from a multiple of
#: 10 MHz: spectrometers are sold at whole fields (200.13, 300.13, 360.13,
#: 399.9, 500.16, 600.2 MHz ...), and BF of 1H sits within a fraction of a MHz
#: of the nominal value.
MAGNET_ROUNDING_MHZ = 0.5


def _channel_on(acqus: dict, ch: int) -> bool:
    nuc = text(acqus, f"NUC{ch}")
    return nuc not in ("", "off") and isinstance(acqus.get(f"BF{ch}"), int | float)


def _proton_frequency(acqus: dict) -> tuple[float | None, str]:
    """The magnet's 1H frequency (MHz) from a channel that was on, other than 1.

    A channel labelled 1H gives its BF; another channel with a nucleus of
    :data:`XI_PERCENT` gives ``BF / Xi``. Channels whose NUC is ``off`` are
    never used: their BF is whatever was last set there (often another magnet's
    value copied with a parameter set). Without any NUC2 entry (channel
    states not recorded), BF2 is taken as the 1H frequency, as TopSpin sets it
    for decoupling.
    """
    for ch in range(2, 9):
        if _channel_on(acqus, ch) and text(acqus, f"NUC{ch}") == "1H":
            return float(acqus[f"BF{ch}"]), f"BF{ch}"
    for ch in range(2, 9):
        nuc = text(acqus, f"NUC{ch}")
        if _channel_on(acqus, ch) and nuc in XI_PERCENT and acqus[f"BF{ch}"] > 0:
            return float(acqus[f"BF{ch}"]) * 100.0 / XI_PERCENT[nuc], f"BF{ch}"
    bf2 = acqus.get("BF2")
    if "NUC2" not in acqus and isinstance(bf2, int | float) and bf2 > 0:
        return float(bf2), "BF2"  # no channel state recorded: BF2 as the 1H
    return None, ""


def _is_magnet_frequency(f_1H: float) -> bool:
    """Whether a 1H frequency (MHz) is one a spectrometer magnet is sold at."""
    return abs(f_1H - 10.0 * round(f_1H / 10.0)) <= MAGNET_ROUNDING_MHZ


def check_nucleus(acqus: dict) -> tuple[str, list[str]]:
    """Return NUC1 and flags; an empty nucleus when NUC1 contradicts BF1.

    With another channel on (:func:`_proton_frequency`), NUC1 must satisfy
    ``BF1 = Xi(NUC1) x f(1H)`` within :data:`NUCLEUS_TOLERANCE`. With channel 1
    the only one on, BF1 and the nucleus table must give the 1H frequency of a
    magnet, ``BF1 / Xi(NUC1)`` within :data:`MAGNET_ROUNDING_MHZ` of a multiple
    of 10 MHz (a 17O label at BF1 = 67.804 MHz gives 500.16 MHz; a 15N label at
    14.83 MHz gives 146.3 MHz, no magnet's field).
    """
    nuc = text(acqus, "NUC1")
    flags: list[str] = []
    bf1 = acqus.get("BF1")
    if nuc in ("", "off"):
        return "", ["acqus_NUC1_missing"]
    if nuc == "1H":
        return nuc, []  # BF1 is then the 1H frequency itself
    if nuc not in XI_PERCENT:
        return nuc, ["acqus_NUC1_not_checked"]
    if not isinstance(bf1, int | float) or bf1 <= 0:
        return nuc, ["acqus_NUC1_not_checked"]
    ref, _ = _proton_frequency(acqus)
    if ref is None:
        consistent = _is_magnet_frequency(float(bf1) * 100.0 / XI_PERCENT[nuc])
    else:
        expected = XI_PERCENT[nuc] / 100.0 * ref
        consistent = abs(float(bf1) - expected) <= NUCLEUS_TOLERANCE * expected
    if not consistent:
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


def _given(overrides: dict, key: str):
    """A sheet value that is really given (not None, NaN or an empty cell)."""
    value = overrides.get(key)
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and value.strip().lower() in ("", "nan", "na"):
        return None
    return value


def read_experiment(
    path: str | Path,
    procno: int,
    overrides: dict,
    *,
    mixing_delay_index: int,
    plausible_temperature_K: tuple[float, float],
) -> FidSeries:
    """Read and interpret one Bruker experiment folder into a :class:`FidSeries`.

    ``overrides`` may hold ``kind`` (``auto`` = detect), ``temperature_K``,
    ``nucleus`` and ``larmor_MHz`` from the sheet; a value that is not None or
    NaN replaces the acqus one; other keys are ignored. ``plausible_temperature_K``
    ([min, max]) is the range outside which acqus ``TE`` becomes a flagged NaN;
    ``mixing_delay_index`` names the acqus delay that holds the mixing time.
    Raises :class:`InputError` for missing or malformed files and parameters.
    """
    folder = read_folder(path, procno)
    path = folder.path
    acqus, acqu2s, proc2s = folder.acqus, folder.acqu2s, folder.proc2s
    td1 = folder.td1
    flags = list(folder.flags)
    raw_files = list(folder.raw_files)

    data = folder.data
    rows = data.shape[0]
    if rows < td1:
        flags.append(
            f"interrupted_acquisition_{rows}_of_{td1}_rows"
            f"_{1 if folder.partial_row_bytes else 0}_partial_row_dropped"
        )

    available = set(folder.lists)
    kind = str(overrides.get("kind") or "auto").strip().lower()
    if kind == "auto":
        kind = detect_kind(
            folder.pulse_program, folder.pulse_program_text, td1, available
        )
        if (
            td1 > 1
            and not folder.pulse_program_text.strip()
            and kind_from_name(folder.pulse_program) is None
        ):
            # neither the name nor a pulse program text: the kind is a guess
            # from the list files alone (set it in the sheet to be sure)
            flags.append("kind_guessed_without_pulse_program")
    elif kind not in KINDS:
        raise InputError(
            "nmr sheet", "kind", "auto or one of " + ", ".join(KINDS), kind
        )

    fnmode = int(acqu2s.get("FnMODE", 0) or 0) if acqu2s else 0
    if acqu2s is not None and fnmode == 0 and proc2s and "MC2" in proc2s:
        fnmode = int(proc2s["MC2"]) + 1
        flags.append("fnmode_from_proc2s_MC2")

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
            list_values = parse_variable_list(list_file, list_name, td1)[:rows]
            if list_name == "vclist":
                loop = loop_duration_s(folder.pulse_program_text, acqus, "c")
                if loop is None:
                    flags.append("vclist_loop_duration_unknown")
                    list_time = np.full(rows, np.nan)
                else:
                    list_time = list_values * loop
            elif list_name == "difflist":
                # gradient strengths (G/cm), not times: the PFG stage reads them
                list_time = np.full(rows, np.nan)
            else:
                list_time = list_values.copy()

    if kind == "cp" and td1 <= 1:
        # one EXPNO per contact time: acqus P[15]
        contact = contact_time_s(acqus)
        if contact is None:
            pulses = list(acqus.get("P") or [])
            raise InputError(
                path / "acqus",
                "P[15]",
                "the contact time (us, > 0) of a CP experiment",
                pulses[15] if len(pulses) > 15 else "no P[15]",
            )
        list_name = "P15"
        list_values = np.full(rows, contact * 1e6)
        list_time = np.full(rows, contact)

    # plausibility and overrides
    try:
        t_lo, t_hi = (float(v) for v in plausible_temperature_K)
    except (TypeError, ValueError) as exc:
        raise InputError(
            "config",
            "nmr.plausible_temperature_K",
            "two temperatures [min, max] in K",
            plausible_temperature_K,
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
    if _given(overrides, "temperature_K") is not None:
        temperature = float(_given(overrides, "temperature_K"))
        flags.append("temperature_K_from_sheet")
    if _given(overrides, "nucleus") is not None:
        nucleus = str(_given(overrides, "nucleus")).strip()
        flags.append("nucleus_from_sheet")
    if _given(overrides, "larmor_MHz") is not None:
        larmor = float(_given(overrides, "larmor_MHz"))
        flags.append("larmor_MHz_from_sheet")

    masr = acqus.get("MASR")
    masr_Hz = float(masr) if isinstance(masr, int | float) else math.nan
    stated = _title_spinning_Hz(folder.title)
    if stated is not None and not (
        math.isfinite(masr_Hz) and abs(stated - masr_Hz) <= 0.02 * max(stated, 1.0)
    ):
        flags.append("acqus_MASR_disagrees_with_title")

    delays = acqus.get("D") or []
    index = int(mixing_delay_index)
    mixing = float(delays[index]) if len(delays) > index else math.nan

    for name in ("auditp.txt", "baslpnts"):
        if (path / "pdata" / str(int(procno)) / name).is_file():
            raw_files.append(path / "pdata" / str(int(procno)) / name)

    return FidSeries(
        path=path,
        data=data,
        acqus=acqus,
        acqu2s=acqu2s,
        procs=folder.procs,
        proc2s=proc2s,
        pulse_program=folder.pulse_program,
        list_name=list_name,
        list_time_s=list_time,
        kind=kind,
        nucleus=nucleus,
        larmor_MHz=larmor,
        temperature_K=temperature,
        ns=folder.ns,
        rg=folder.rg,
        mixing_time_s=mixing,
        fnmode=fnmode,
        is_2d=kind == "exsy",
        td1=int(rows),
        flags=flags,
        raw_files=raw_files,
        procno=int(procno),
        group_delay_points=folder.group_delay_points,
        masr_Hz=masr_Hz,
        title=folder.title,
        sw_Hz=folder.sw_Hz,
        td=folder.td,
        list_values=list_values,
        pulse_program_text=folder.pulse_program_text,
        processing_history=tuple(read_processing_history(path, procno)),
        baseline_points=read_baseline_points(path, procno),
    )
