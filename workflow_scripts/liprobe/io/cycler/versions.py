"""What a cycler file's header says about its format version, and what to do
when the library that reads the format cannot read a file.

Read from the bytes alone (no third-party reader), so that a file the library
fails on can still be described in the error message:

* BioLogic ``.mpr``: the modules after ``BIO-LOGIC MODULAR FILE``, each with
  its short name and version (``VMP data v3``);
* Neware ``.nda``: the byte after the ``NEWARE`` magic and date (``nda v29``);
* Neware ``.ndax``: the client and server versions in ``VersionInfo.xml``.
"""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

#: what a user can do when the reader of a format fails, by format
WORKAROUNDS: dict[str, str] = {
    "biologic_mpr": (
        "export the file from EC-Lab as text (File > Export as Text, .mpt) and "
        "name the .mpt in the sheet's cycler column"
    ),
    "neware": (
        "export the test from Neware BTSDA as CSV and name it in the sheet with "
        "the generic CSV columns (time or time_utc, current_mA, voltage_V)"
    ),
}
#: bytes of the header read to find the versions
HEAD_BYTES = 1 << 16


def _mpr_modules(head: bytes) -> list[str]:
    out = []
    start = 0
    while (i := head.find(b"MODULE", start)) >= 0 and i + 49 <= len(head):
        short = head[i + 6 : i + 16].decode("latin-1").strip()
        _, version = struct.unpack("<II", head[i + 41 : i + 49])
        out.append(f"{short} v{version}")
        start = i + 6
    return out


def header_version(path: str | Path, fmt: str) -> str:
    """The format version a cycler file's header states ('' when unknown)."""
    path = Path(path)
    try:
        if fmt == "neware" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                text = archive.read("VersionInfo.xml").decode("latin-1")
            found = re.findall(r'\b(CurrClientVer|CurrSvrVer)="([^"]+)"', text)
            return "; ".join(f"{k} {v}" for k, v in found) or "ndax"
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""
    if fmt == "biologic_mpr" and head.startswith(b"BIO-LOGIC MODULAR FILE"):
        modules = _mpr_modules(head)
        return "EC-Lab modules " + ", ".join(modules) if modules else ""
    if fmt == "neware" and head.startswith(b"NEWARE") and len(head) > 14:
        return f"nda v{head[14]} ({head[6:14].decode('latin-1')})"
    return ""
