"""Stopping powers and ranges against SRIM-2013 reference values (SCIENCE.md)."""

from __future__ import annotations

import numpy as np
import pytest

from liprobe.errors import InputError
from liprobe.io.srim import MAX_BYTES, parse_srim_table, read_srim
from liprobe.ndp.stopping import (
    PARTICLES,
    catima_table,
    electrons_per_gram,
    mass_fractions,
    parse_formula,
    srim_table,
)

# SRIM-2013 electronic stopping at birth energy (keV/um) and projected ranges (um)
STOPPING = [
    ("Li", 0.534, "alpha", 74.0),
    ("Li", 0.534, "triton", 13.0),
    ("Cu", 8.96, "alpha", 557.0),
    ("Cu", 8.96, "triton", 112.0),
    ("C2H4O", 1.21, "alpha", 195.0),
    ("C2H4O", 1.21, "triton", 33.0),
]
RANGES = [
    ("Li", 0.534, "triton", 133.0),
    ("Cu", 8.96, "triton", 18.0),
    ("Li", 0.534, "alpha", 23.0),
    ("Cu", 8.96, "alpha", 3.7),
]


@pytest.mark.parametrize(("formula", "rho", "particle", "ref"), STOPPING)
def test_stopping_at_birth_energy_within_5_percent(formula, rho, particle, ref):
    table = catima_table(particle, formula, rho)
    s = float(table.stopping(PARTICLES[particle].energy_keV))
    assert s == pytest.approx(ref, rel=0.05)


@pytest.mark.parametrize(("formula", "rho", "particle", "ref"), RANGES)
def test_range_within_10_percent(formula, rho, particle, ref):
    table = catima_table(particle, formula, rho)
    assert float(table.range(PARTICLES[particle].energy_keV)) == pytest.approx(
        ref, rel=0.10
    )


def test_formula_parsing_and_bragg_additivity():
    assert parse_formula("C2H4O") == {6: 2.0, 1: 4.0, 8: 1.0}
    assert parse_formula("(C2H4O)10LiN(SO2CF3)2") == {
        6: 22.0,
        1: 40.0,
        8: 14.0,
        3: 1.0,
        7: 1.0,
        16: 2.0,
        9: 6.0,
    }
    assert parse_formula("Li0.5C6") == {3: 0.5, 6: 6.0}
    for bad in ("Xx2", "C2H4O)", "(Li", "2Li", ""):
        with pytest.raises(InputError):
            parse_formula(bad)
    w = mass_fractions("LiF")
    assert sum(w.values()) == pytest.approx(1.0)
    # compound mass stopping = mass-weighted elemental mass stopping
    lif = catima_table("alpha", "LiF", 2.635)
    li = catima_table("alpha", "Li", 1.0)
    f = catima_table("alpha", "F", 1.0)
    e = np.array([500.0, 2055.0])
    mixed = w[3] * li.stopping(e) + w[9] * f.stopping(e)
    np.testing.assert_allclose(lif.stopping(e) / 2.635, mixed, rtol=1e-6)
    assert electrons_per_gram("H") == pytest.approx(6.02214076e23 / 1.00794, rel=1e-6)


def test_energy_after_is_consistent_with_the_range():
    cu = catima_table("alpha", "Cu", 8.96)
    e1 = cu.energy_after(2055.0, 1.0)
    # two half steps equal one full step; a path beyond the range stops it
    assert cu.energy_after(cu.energy_after(2055.0, 0.5), 0.5) == pytest.approx(
        e1, rel=1e-4
    )
    assert 2055.0 - e1 == pytest.approx(float(cu.stopping(1800.0)), rel=0.1)
    assert cu.energy_after(2055.0, 10.0) == 0.0


SRIM_TEXT = """ ==================================================================
              Calculation using SRIM-2006
              SRIM version ---> SRIM-2013.00
 ==================================================================
 Ion = Hydrogen [1] , Mass = 1.008 amu

 Target Density =  8.9600E+00 g/cm3 = 8.4912E+22 atoms/cm3
 ======= Target  Composition ========
    Atom   Atom   Atomic    Mass
    Name   Numb   Percent   Percent
    ----   ----   -------   -------
     Cu     29    100.00    100.00
 ====================================
 Bragg Correction = 0.00%
 Stopping Units =  MeV / (mg/cm2)
 See bottom of Table for other Stopping units

   Ion        dE/dx      dE/dx     Projected  Longitudinal   Lateral
  Energy      Elec.      Nuclear     Range     Straggling   Straggling
-----------  ---------- ---------- ----------  ----------  ----------
{rows}-----------------------------------------------------------
 Multiply Stopping by        for Stopping Units
"""


def _srim_file(tmp_path):
    prot = catima_table("proton_N14", "Cu", 8.96)
    energies = np.geomspace(10.0, 5000.0, 40)
    rows = ""
    for e in energies:
        s_mev_mg = float(prot.stopping(e)) / (8.96 * 100.0)
        unit, val = ("MeV", e / 1000.0) if e >= 1000 else ("keV", e)
        tail = "1.000E-05    1.00 um   0.1 um  0.1 um\n"
        rows += f"{val:8.2f} {unit}   {s_mev_mg:.3E}  {tail}"
    path = tmp_path / "H_in_Cu.txt"
    path.write_text(SRIM_TEXT.format(rows=rows))
    return path, prot


def test_srim_table_units_and_velocity_scaling(tmp_path):
    path, prot = _srim_file(tmp_path)
    tab = parse_srim_table(path.read_text())
    assert tab["ion_z"] == 1 and tab["density_g_cm3"] == pytest.approx(8.96)
    e = np.array([100.0, 584.0, 2000.0])
    # proton stopping recovered (plus the 1e-5 MeV/(mg/cm2) nuclear column)
    table = read_srim(path)
    assert table["source"] == str(path)
    srim_p = srim_table("proton_N14", "Cu", 8.96, table)
    np.testing.assert_allclose(
        srim_p.stopping(e), prot.stopping(e) + 1e-5 * 896.0, rtol=0.02
    )
    # a triton uses the proton table at the same velocity
    srim_t = srim_table("triton", "Cu", 8.96, table)
    scale = 1.008 / PARTICLES["triton"].mass_u
    np.testing.assert_allclose(
        srim_t.stopping(e), srim_p.stopping(e * scale), rtol=0.02
    )
    cat_t = catima_table("triton", "Cu", 8.96)
    assert float(srim_t.stopping(2727.0)) == pytest.approx(
        float(cat_t.stopping(2727.0)), rel=0.05
    )
    with pytest.raises(InputError, match="Ion"):
        srim_table("alpha", "Cu", 8.96, table)


def test_srim_bad_header(tmp_path):
    with pytest.raises(InputError, match="SRIM header"):
        parse_srim_table("no header here")


def test_srim_files_are_read_in_io_with_a_size_limit(tmp_path):
    """A SRIM path that is not a table (a device, a huge file) is refused in io."""
    with pytest.raises(InputError, match="missing"):
        read_srim(tmp_path / "absent.txt")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (MAX_BYTES + 10))
    with pytest.raises(InputError, match="file size"):
        read_srim(big)
