"""The binary FID / ser data of a Bruker folder and its digital filter delay.

int32 (``DTYPA`` 0, scaled by ``2**NC``) or float64 (``DTYPA`` 2), little or big
endian (``BYTORDA``, checked against the data by :func:`check_byte_order`), each
row padded to a 1024-byte block; bytes after the last row are ignored. The
group delay: ``GRPDLY`` when positive, otherwise the DECIM/DSPFVS table of
nmrglue (``nmrglue.bruker.bruker_dsp_table``).
"""

from __future__ import annotations

from pathlib import Path

import nmrglue as ng
import numpy as np

from liprobe.errors import InputError
from liprobe.io.bruker.jcamp import number

BLOCK_BYTES = 1024


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
    digmod = number(acqus, "DIGMOD", file, integer=True, default=1)
    grpdly = number(acqus, "GRPDLY", file, default=-1.0)
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


def complete_rows(path: Path, td: int, rows: int, isfloat: bool) -> tuple:
    """``(complete rows, bytes between rows, bytes of a partial last row)`` of
    a ``fid``/``ser`` holding rows of ``td`` real words (padded to 1024 bytes,
    or back to back for the float64 data of recent TopSpin versions).

    A ``ser`` of an interrupted acquisition (a stopped experiment) holds fewer
    than ``rows`` rows: its complete rows count, a partial last row's bytes are
    returned. A file with no complete row, or with at least one complete row
    more than ``rows`` (the acquisition parameters do not describe it), is an
    :class:`InputError`.
    """
    item = 8 if isfloat else 4
    row_bytes = td * item
    padded = -(-row_bytes // BLOCK_BYTES) * BLOCK_BYTES
    size = path.stat().st_size
    layout = (
        f"{rows} rows x {padded} bytes = {rows * padded} bytes "
        f"(TD = {td}, TD1 = {rows}, {'float64' if isfloat else 'int32'} "
        f"words as DTYPA = {2 if isfloat else 0} says)"
    )
    stride_bytes = padded
    if size != rows * padded and size == rows * row_bytes:
        stride_bytes = row_bytes  # unpadded (float64 data of recent TopSpin versions)
    complete = size // stride_bytes
    if complete > rows:
        raise InputError(
            path,
            "file size",
            layout + "; a file holding more rows than TD1 is not read in part",
            f"{size} bytes = {complete} complete rows",
        )
    other = 4 if isfloat else 8  # the other word size DTYPA allows
    other_padded = -(-td * other // BLOCK_BYTES) * BLOCK_BYTES
    if complete == 0 or (
        complete < rows and size in (rows * other_padded, rows * td * other)
    ):
        # no complete row, or a complete file of the other word size: the
        # parameters are wrong, not the acquisition interrupted
        raise InputError(path, "file size", layout, f"{size} bytes")
    partial = size - complete * stride_bytes if complete < rows else 0
    return int(complete), int(stride_bytes), int(partial)


def read_rows(
    path: Path, td: int, rows: int, big: bool, isfloat: bool, nc: int
) -> tuple[np.ndarray, int]:
    """Read up to ``rows`` rows of ``td`` real words (padded to 1024 bytes).

    Returns the complete rows found and the number of bytes of a partial last
    row that were not read (:func:`complete_rows` says which rows are whole).
    """
    item = 8 if isfloat else 4
    complete, stride_bytes, partial = complete_rows(path, td, rows, isfloat)
    stride = stride_bytes // item
    dtype = np.dtype((">" if big else "<") + ("f8" if isfloat else "i4"))
    with path.open("rb") as handle:  # only the bytes the rows occupy
        raw = handle.read(complete * stride_bytes)
    words = np.frombuffer(raw, dtype=dtype).astype(float).reshape(complete, stride)
    words = words[:, :td]
    if not isfloat and nc != 0:
        words = words * 2.0**nc
    return words, int(partial)


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
