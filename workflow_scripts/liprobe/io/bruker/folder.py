"""One Bruker experiment folder (``<dataset>/<expno>``) as its files say it.

:func:`read_folder` reads the parameter files, the FID or ``ser`` data, the
pulse program, the title and the names of the variable lists present, and
checks that they are consistent with each other (sizes, byte order, data
type). It interprets nothing: the kind of experiment, list times, sheet
overrides and the plausibility of acquisition parameters belong to
:mod:`liprobe.nmr.acquisition`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from liprobe.errors import InputError
from liprobe.io.bruker.binary import check_byte_order, group_delay, read_rows
from liprobe.io.bruker.jcamp import number, read_parameters, text
from liprobe.io.bruker.lists import VARIABLE_LISTS
from liprobe.io.bruker.topspin import pdata_dir

#: Largest digital filter delay accepted (points). Bruker's filters delay the
#: FID by at most 73 points (the largest entry of the DECIM/DSPFVS table;
#: firmware writing GRPDLY stays below 80): ten times that is no filter.
MAX_GROUP_DELAY_POINTS = 730.0


@dataclass
class BrukerFolder:
    """The contents of an experiment folder, as stored.

    ``data`` holds complex rows (rows x points) as stored, int32 data already
    multiplied by ``2**NC``, the digital filter not removed
    (``group_delay_points`` says by how much to shift). ``lists`` names the
    variable-list files present; ``flags`` say how the data were read.
    ``data`` has fewer rows than ``td1`` when the acquisition was interrupted;
    ``partial_row_bytes`` counts the bytes of a partial last row not read.
    """

    path: Path
    procno: int
    data: np.ndarray
    acqus: dict
    acqu2s: dict | None
    procs: dict | None
    proc2s: dict | None
    td: int
    td1: int
    sw_Hz: float
    ns: int
    rg: float
    group_delay_points: float
    pulse_program: str
    pulse_program_text: str
    title: str
    lists: list[str]
    flags: list[str] = field(default_factory=list)
    raw_files: list[Path] = field(default_factory=list)
    partial_row_bytes: int = 0


def _read_text(path: Path, raw_files: list[Path]) -> str:
    if not path.is_file():
        return ""
    raw_files.append(path)
    return path.read_bytes().decode("latin-1")


def read_folder(path: str | Path, procno: int = 1) -> BrukerFolder:
    """Read one Bruker experiment folder; :class:`InputError` for a bad file."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(path, "path", "a Bruker experiment folder", "not a folder")
    acqus_file = path / "acqus"
    acqus = read_parameters(acqus_file)
    raw_files: list[Path] = [acqus_file]
    flags: list[str] = []

    td = number(acqus, "TD", acqus_file, integer=True)
    if td <= 0:
        raise InputError(acqus_file, "TD", "a positive number of points", td)
    bytorda = number(acqus, "BYTORDA", acqus_file, integer=True, default=0)
    if bytorda not in (0, 1):
        raise InputError(
            acqus_file, "BYTORDA", "0 (little endian) or 1 (big endian)", bytorda
        )
    dtypa = number(acqus, "DTYPA", acqus_file, integer=True, default=0)
    if dtypa not in (0, 2):
        raise InputError(acqus_file, "DTYPA", "0 (int32) or 2 (float64)", dtypa)
    nc = number(acqus, "NC", acqus_file, integer=True, default=0)
    sw_Hz = number(acqus, "SW_h", acqus_file)
    if sw_Hz <= 0:
        raise InputError(acqus_file, "SW_h", "a positive spectral width in Hz", sw_Hz)

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
        td1 = number(acqu2s, "TD", acqu2s_file, integer=True)
        if td1 <= 0:
            raise InputError(acqu2s_file, "TD", "a positive number of rows", td1)
    elif fid_file.is_file():
        binary = fid_file
        td1 = 1
    else:
        raise InputError(path, "fid/ser", "a fid or ser file", "neither")
    raw_files.append(binary)

    aq_mod = number(acqus, "AQ_mod", acqus_file, integer=True, default=3)
    words, partial_bytes = read_rows(
        binary, td, td1, bool(bytorda == 1), dtypa == 2, nc
    )
    check_byte_order(binary, acqus_file, bool(bytorda == 1), dtypa == 2)
    if aq_mod in (0, 2):
        data = words.astype(complex)
        flags.append(f"real_acquisition_AQ_mod_{aq_mod}")
    else:
        if td % 2:
            raise InputError(acqus_file, "TD", "an even number (complex pairs)", td)
        data = words[:, 0::2] + 1j * words[:, 1::2]

    gd, gd_flags = group_delay(acqus, acqus_file)
    if gd > MAX_GROUP_DELAY_POINTS:
        raise InputError(
            acqus_file,
            "GRPDLY",
            f"a digital filter delay of at most {MAX_GROUP_DELAY_POINTS:g} points",
            gd,
        )
    flags += gd_flags

    pdir = pdata_dir(path, procno)
    procs = proc2s = None
    if (pdir / "procs").is_file():
        procs = read_parameters(pdir / "procs")
        raw_files.append(pdir / "procs")
    if (pdir / "proc2s").is_file():
        proc2s = read_parameters(pdir / "proc2s")
        raw_files.append(pdir / "proc2s")
    title = _read_text(pdir / "title", raw_files)
    pp_text = _read_text(path / "pulseprogram", raw_files)
    lists = [name for name in VARIABLE_LISTS if (path / name).is_file()]
    ns = number(acqus, "NS", acqus_file, integer=True, default=1)
    if ns <= 0:
        raise InputError(acqus_file, "NS", "a positive number of scans", ns)
    rg = number(acqus, "RG", acqus_file, default=1.0)
    if rg <= 0:
        raise InputError(acqus_file, "RG", "a positive receiver gain", rg)
    return BrukerFolder(
        path=path,
        procno=int(procno),
        data=data,
        acqus=acqus,
        acqu2s=acqu2s,
        procs=procs,
        proc2s=proc2s,
        td=int(td),
        td1=int(td1),
        sw_Hz=float(sw_Hz),
        ns=int(ns),
        rg=float(rg),
        group_delay_points=gd,
        pulse_program=text(acqus, "PULPROG"),
        pulse_program_text=pp_text,
        title=title,
        lists=lists,
        flags=flags,
        raw_files=raw_files,
        partial_row_bytes=partial_bytes,
    )
