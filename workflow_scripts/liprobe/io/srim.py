"""SRIM stopping-table output files ("Stopping / Range Tables"), read as written.

:func:`read_srim` returns the ion, the target density and the stopping power
(electronic + nuclear) in keV/um against energy in keV, converted from the
table's ``Stopping Units``; :mod:`liprobe.ndp.stopping` scales it to a layer.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from liprobe.errors import InputError

#: largest SRIM output file read (a real table is a few tens of kB)
MAX_BYTES = 4 << 20


_SRIM_UNITS = {
    "keV/micron": "keV_um",
    "eV/Angstrom": "eV_A",
    "MeV/mm": "MeV_mm",
    "keV/(ug/cm2)": "keV_ug",
    "MeV/(mg/cm2)": "MeV_mg",
    "keV/(mg/cm2)": "keV_mg",
    "eV/(1E15atoms/cm2)": "eV_1e15",
    "L.S.S.reducedunits": "lss",
}


def parse_srim_table(text: str, source: str = "<srim>") -> dict:
    """Parse SRIM stopping-table output text.

    Returns a dict with ``ion_mass_u``, ``ion_z``, ``density_g_cm3``,
    ``energy_keV`` and ``stopping_keV_per_um`` (electronic + nuclear, converted
    from the table's ``Stopping Units``).
    """
    m_ion = re.search(r"Ion\s*=\s*\w+\s*\[(\d+)\]\s*,\s*Mass\s*=\s*([\d.]+)", text)
    m_rho = re.search(r"Target Density\s*=\s*([\d.Ee+-]+)\s*g/cm3", text)
    m_unit = re.search(r"Stopping Units\s*=\s*(.+)", text)
    if not (m_ion and m_rho and m_unit):
        raise InputError(
            source,
            "SRIM header",
            "'Ion = ... [Z] , Mass = ...', 'Target Density = ... g/cm3' "
            "and 'Stopping Units = ...'",
            "missing",
        )
    unit_key = _SRIM_UNITS.get(m_unit.group(1).replace(" ", "").strip())
    if unit_key is None or unit_key in ("lss", "eV_1e15"):
        raise InputError(
            source,
            "Stopping Units",
            "keV / micron, eV / Angstrom, MeV / mm or a mass-stopping unit",
            m_unit.group(1).strip(),
        )
    rho = float(m_rho.group(1))
    row = re.compile(
        r"^\s*([\d.]+)\s+(eV|keV|MeV|GeV)\s+([\d.Ee+-]+)\s+([\d.Ee+-]+)\s", re.M
    )
    scale_e = {"eV": 1e-3, "keV": 1.0, "MeV": 1e3, "GeV": 1e6}
    energies, stop = [], []
    for m in row.finditer(text):
        energies.append(float(m.group(1)) * scale_e[m.group(2)])
        stop.append(float(m.group(3)) + float(m.group(4)))
    if len(energies) < 5:
        raise InputError(source, "table rows", ">= 5 energy rows", len(energies))
    s = np.asarray(stop)
    # 1 um of material at rho g/cm3 is rho*1e-4 g/cm2 = rho*0.1 mg/cm2
    to_keV_um = {
        "keV_um": 1.0,
        "eV_A": 10.0,
        "MeV_mm": 1.0,
        "keV_ug": rho * 100.0,
        "MeV_mg": rho * 100.0,
        "keV_mg": rho * 0.1,
    }
    return {
        "ion_z": int(m_ion.group(1)),
        "ion_mass_u": float(m_ion.group(2)),
        "density_g_cm3": rho,
        "energy_keV": np.asarray(energies),
        "stopping_keV_per_um": s * to_keV_um[unit_key],
    }


def read_srim(path: str | Path) -> dict:
    """Read and parse one SRIM stopping-table file (``source`` names it)."""
    path = Path(path)
    try:
        if not path.exists():
            raise InputError(path, "file", "a SRIM stopping table", "missing")
        if not path.is_file():  # a device (/dev/zero), a pipe or a folder
            raise InputError(
                path, "file", "a regular file holding a SRIM table", "not a file"
            )
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(path, "file", "a SRIM stopping table", str(exc)) from None
    if len(raw) > MAX_BYTES:
        raise InputError(
            path, "file size", f"a SRIM table of at most {MAX_BYTES} bytes", "larger"
        )
    return {**parse_srim_table(raw.decode("latin-1"), str(path)), "source": str(path)}
