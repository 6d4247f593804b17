"""Write raw Bruker experiment folders for simulated data.

This writer is deliberately independent of the reader in :mod:`liprobe.io.bruker`
(which uses nmrglue): it formats JCAMP-DX parameter files and packs the binary
``fid``/``ser`` itself, following the conventions TopSpin uses, so that reading
back a simulated folder tests the reader rather than mirroring it.

Conventions reproduced (Bruker TopSpin "Acquisition parameters" and "Processing
parameters" manuals):

* ``acqus``/``acqu2s``/``procs``/``proc2s``: JCAMP-DX 5.0 text, ``##$KEY= value``;
  strings in angle brackets; arrays announced as ``(0..n-1)`` followed by
  whitespace-separated values on the next lines.
* ``fid``/``ser``: interleaved real/imaginary int32 (``DTYPA`` 0, scaled by
  ``2**NC``) or float64 (``DTYPA`` 2), byte order ``BYTORDA`` (0 little, 1 big);
  every row of the direct dimension padded to a multiple of 1024 bytes.
* Digital filter: the oversampling DSP delays the FID by ``GRPDLY`` points; the
  first points hold the filter's build-up transient.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_ARRAY_LINE = 10


def _fmt_scalar(value: object) -> str:
    if isinstance(value, str):
        return f"<{value}>"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value)) if value != int(value) else str(int(value))
    raise TypeError(f"cannot format {value!r} as a JCAMP value")


def format_jcamp(params: Mapping[str, object], title: str = "Parameter file") -> str:
    """Format a parameter mapping as a TopSpin-style JCAMP-DX parameter file."""
    lines = [
        f"##TITLE= {title}, TOPSPIN\t\tVersion 4.0.6",
        "##JCAMPDX= 5.0",
        "##DATATYPE= Parameter Values",
        "##NPOINTS= 1\t$$ modification sequence number",
        "##ORIGIN= Bruker BioSpin GmbH",
        "##OWNER= liprobe",
        "$$ written by liprobe.simulate",
    ]
    for key in sorted(params, key=str.upper):
        value = params[key]
        if isinstance(value, (list, tuple, np.ndarray)):
            values = list(value)
            lines.append(f"##${key}= (0..{len(values) - 1})")
            for i in range(0, len(values), _ARRAY_LINE):
                chunk = values[i : i + _ARRAY_LINE]
                lines.append(" ".join(_fmt_scalar(v) for v in chunk))
        else:
            lines.append(f"##${key}= {_fmt_scalar(value)}")
    lines.append("##END=")
    return "\n".join(lines) + "\n"


def delay_fid(fid: np.ndarray, grpdly: float) -> np.ndarray:
    """Delay FIDs by ``grpdly`` points as the Bruker digital filter does.

    The delay is applied as a time shift of the band-limited signal (a linear
    phase ramp on the zero-padded spectrum), which leaves the filter build-up
    ripple in the first points, as in real oversampled data.
    """
    fid = np.atleast_2d(np.asarray(fid, dtype=complex))
    n = fid.shape[-1]
    padded = np.zeros((fid.shape[0], 2 * n), dtype=complex)
    padded[:, :n] = fid
    spec = np.fft.fft(padded, axis=-1)
    k = np.fft.fftfreq(2 * n)  # cycles per point
    spec *= np.exp(-2j * np.pi * k * grpdly)
    return np.fft.ifft(spec, axis=-1)[:, :n]


def _pack(data: np.ndarray, dtype: str, byte_order: str, nc: int) -> bytes:
    rows = np.atleast_2d(data)
    inter = np.empty((rows.shape[0], 2 * rows.shape[1]), dtype=float)
    inter[:, 0::2] = rows.real
    inter[:, 1::2] = rows.imag
    endian = "<" if byte_order == "little" else ">"
    if dtype == "int32":
        scaled = np.rint(inter / 2.0**nc)
        if np.abs(scaled).max(initial=0) >= 2**31:
            raise ValueError("data overflow int32: raise NC")
        packed = scaled.astype(endian + "i4")
        item = 4
    else:
        packed = inter.astype(endian + "f8")
        item = 8
    row_bytes = packed.shape[1] * item
    padded_bytes = -(-row_bytes // 1024) * 1024
    out = bytearray()
    for row in packed:
        out += row.tobytes()
        out += b"\0" * (padded_bytes - row_bytes)
    return bytes(out)


def choose_nc(data: np.ndarray, target_bits: int = 28) -> int:
    """Smallest power-of-two exponent that keeps |data| / 2**NC below 2**target."""
    peak = float(np.max(np.abs(np.concatenate([data.real.ravel(), data.imag.ravel()]))))
    if peak <= 0:
        return 0
    return max(0, int(np.ceil(np.log2(peak) - target_bits)))


def write_experiment(
    folder: str | Path,
    data: np.ndarray,
    acqus: Mapping[str, object],
    *,
    acqu2s: Mapping[str, object] | None = None,
    lists: Mapping[str, Sequence[str]] | None = None,
    pulse_program: str = "",
    title: str = "",
    procs: Mapping[str, object] | None = None,
    proc2s: Mapping[str, object] | None = None,
    dtype: str = "int32",
    byte_order: str = "little",
) -> Path:
    """Write one Bruker experiment folder ``<dataset>/<expno>``.

    ``data`` is complex, one row per acquired FID (a 1D experiment has one row
    and is written as ``fid``; more rows are written as ``ser``). ``acqus``
    must hold the acquisition parameters; ``TD``, ``BYTORDA``, ``DTYPA`` and
    ``NC`` are set here from the data. ``lists`` maps a list file name
    (``vdlist``, ``vplist``, ``vclist``) to its lines as written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = np.atleast_2d(np.asarray(data, dtype=complex))
    nc = choose_nc(data) if dtype == "int32" else 0
    acq = dict(acqus)
    acq.update(
        TD=2 * data.shape[1],
        BYTORDA=0 if byte_order == "little" else 1,
        DTYPA=0 if dtype == "int32" else 2,
        NC=nc,
    )
    (folder / "acqus").write_text(format_jcamp(acq))
    (folder / "acqu").write_text(format_jcamp(acq))
    name = "fid" if data.shape[0] == 1 and acqu2s is None else "ser"
    (folder / name).write_bytes(_pack(data, dtype, byte_order, nc))
    if acqu2s is not None:
        a2 = dict(acqu2s)
        a2.setdefault("TD", data.shape[0])
        (folder / "acqu2s").write_text(format_jcamp(a2))
        (folder / "acqu2").write_text(format_jcamp(a2))
    for list_name, lines in (lists or {}).items():
        (folder / list_name).write_text("\n".join(lines) + "\n")
    if pulse_program:
        (folder / "pulseprogram").write_text(pulse_program)
    pdata = folder / "pdata" / "1"
    pdata.mkdir(parents=True, exist_ok=True)
    (pdata / "title").write_text(title + "\n")
    if procs is not None:
        (pdata / "procs").write_text(format_jcamp(procs))
        (pdata / "proc").write_text(format_jcamp(procs))
    if proc2s is not None:
        (pdata / "proc2s").write_text(format_jcamp(proc2s))
        (pdata / "proc2").write_text(format_jcamp(proc2s))
    return folder


def default_acqus(
    *,
    nucleus: str,
    bf1_MHz: float,
    o1_Hz: float,
    sw_Hz: float,
    ns: int,
    rg: float,
    temperature_K: float,
    grpdly: float,
    pulprog: str,
    d: Sequence[float] | None = None,
    p: Sequence[float] | None = None,
    masr_Hz: float = 10000.0,
    proton_MHz: float | None = None,
) -> dict[str, object]:
    """A realistic acqus parameter set for a solid-state experiment."""
    delays = [0.0] * 64
    for i, v in enumerate(d or []):
        delays[i] = float(v)
    pulses = [0.0] * 64
    for i, v in enumerate(p or []):
        pulses[i] = float(v)
    params: dict[str, object] = {
        "AQ_mod": 3,
        "BF1": bf1_MHz,
        "DATE": 1700000000,
        "D": delays,
        "DECIM": 16,
        "DIGMOD": 1,
        "DIGTYP": 12,
        "DSPFVS": 20,
        "GRPDLY": grpdly,
        "MASR": masr_Hz,
        "NS": ns,
        "NUC1": nucleus,
        "O1": o1_Hz,
        "P": pulses,
        "PULPROG": pulprog,
        "RG": rg,
        "SFO1": bf1_MHz + o1_Hz * 1e-6,
        "SW": sw_Hz / bf1_MHz,
        "SW_h": sw_Hz,
        "TE": temperature_K,
    }
    if proton_MHz is not None:
        # the magnet's 1H frequency, as TopSpin stores it in BF2 for decoupling
        params["BF2"] = proton_MHz
    return params


def default_procs(
    *,
    si: int,
    sw_Hz: float,
    sf_MHz: float,
    offset_ppm: float,
    lb_Hz: float,
    grpdly: float = 0.0,
) -> dict[str, object]:
    """A procs parameter set consistent with the acquisition.

    Removing a group delay of ``grpdly`` points as a phase ramp pivoting on the
    first (high-ppm) point leaves a constant phase of -180 * grpdly degrees,
    which TopSpin folds into PHC0; it is set so here.
    """
    return {
        "SI": si,
        "SW_p": sw_Hz,
        "SF": sf_MHz,
        "OFFSET": offset_ppm,
        "WDW": 1,
        "LB": lb_Hz,
        "PHC0": float((-180.0 * grpdly) % 360.0),
        "PHC1": 0.0,
        "NC_proc": 0,
        "BYTORDP": 0,
        "DTYPP": 0,
    }


@dataclass(frozen=True)
class Window:
    """The spectral window of a simulated 1D acquisition and the acqus and procs
    parameter sets it implies.

    ``carrier_ppm`` is the carrier's shift (``o1_Hz`` / ``bf1_MHz`` unless the
    carrier was placed by its shift, ``o1_Hz`` = ``carrier_ppm`` x ``bf1_MHz``);
    ``grpdly`` is the digital filter's delay in points (0: none).
    """

    nucleus: str
    bf1_MHz: float
    o1_Hz: float
    sw_Hz: float
    carrier_ppm: float
    grpdly: float = 0.0

    @property
    def offset_ppm(self) -> float:
        """Shift of the first (high-ppm) point of the spectrum."""
        return self.carrier_ppm + self.sw_Hz / 2 / self.bf1_MHz

    def times(self, n: int) -> np.ndarray:
        """Times (s) of the first ``n`` complex points of the FID."""
        return np.arange(n) / self.sw_Hz

    def acqus(self, **params: object) -> dict[str, object]:
        """:func:`default_acqus` of this window; ``params`` give the rest."""
        return default_acqus(
            nucleus=self.nucleus,
            bf1_MHz=self.bf1_MHz,
            o1_Hz=self.o1_Hz,
            sw_Hz=self.sw_Hz,
            grpdly=self.grpdly,
            **params,
        )

    def list_acqu2s(self, td: int) -> dict[str, object]:
        """acqu2s of a pseudo-2D experiment of ``td`` FIDs (one per list entry,
        FnMODE 1: QF)."""
        return {
            "TD": td,
            "FnMODE": 1,
            "NUC1": self.nucleus,
            "SW_h": self.sw_Hz,
            "SFO1": self.bf1_MHz + self.o1_Hz * 1e-6,
            "BF1": self.bf1_MHz,
            "O1": self.o1_Hz,
        }

    def procs(self, si: int, lb_Hz: float) -> dict[str, object]:
        """:func:`default_procs` of this window, zero filled to ``si`` points."""
        return default_procs(
            si=si,
            sw_Hz=self.sw_Hz,
            sf_MHz=self.bf1_MHz,
            offset_ppm=self.offset_ppm,
            lb_Hz=lb_Hz,
            grpdly=self.grpdly,
        )
