"""Every column of every table has a declared unit (or is declared dimensionless).

The unit map in each Parquet file's metadata comes from the declarations in
:mod:`liprobe.io.units`, never from a guess: a column nobody declared is written
as ``?`` and fails here.
"""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from liprobe.io.units import UNDECLARED, unit_map, unit_of


def test_errors_and_parameters_take_their_quantitys_unit():
    assert unit_of("time_constant_s_err") == "s"
    assert unit_of("D_m2_per_s_stat_err") == "m^2/s"
    assert unit_of("D_m2_per_s_err_method") == ""
    assert unit_of("p_T1") == "s" and unit_of("p_T1_err") == "s"
    assert unit_of("p_beta_of_nothing") is None
    assert unit_of("ppm_min") == "ppm"
    assert unit_of("counts_per_s_per_li6_per_cm2") == "cm^2/s"
    assert unit_of("fit_ok") == ""
    assert unit_map(["made_up_column"]) == {"made_up_column": UNDECLARED}


def test_every_column_of_every_demo_table_is_declared(demo_run):
    tables = sorted((demo_run / "results").rglob("*.parquet"))
    assert len(tables) >= 30
    undeclared = {}
    for path in tables:
        units = json.loads(pq.read_schema(path).metadata[b"liprobe.units"])
        columns = pq.read_schema(path).names
        assert set(units) == set(columns), path
        missing = sorted(c for c, u in units.items() if u == UNDECLARED)
        if missing:
            undeclared[str(path.relative_to(demo_run))] = missing
    assert not undeclared, undeclared


@pytest.mark.parametrize(
    "table, column, unit",
    [
        ("relaxation_fits", "time_constant_s", "s"),
        ("relaxation_arrhenius", "log10_tau0_s", "log10(s)"),
        ("nmr_integrals", "noise_ppm_min", "ppm"),
        ("nmr_integrals", "integral", "arb"),
        ("ndp_calibration", "counts_per_s_per_li6_per_cm2", "cm^2/s"),
        ("li_inventory", "li_per_cm2", "1/cm^2"),
    ],
)
def test_contract_tables_carry_the_declared_units(demo_run, table, column, unit):
    path = demo_run / "results" / "tables" / f"{table}.parquet"
    units = json.loads(pq.read_schema(path).metadata[b"liprobe.units"])
    assert units[column] == unit


def test_readme_lists_every_table(demo_run, repo_dir):
    """Every contract table the demo writes has its row in the README."""
    readme = (repo_dir / "README.md").read_text()
    written = sorted(
        p.stem for p in (demo_run / "results" / "tables").glob("*.parquet")
    )
    assert len(written) >= 15
    missing = [name for name in written if f"| `{name}` |" not in readme]
    assert not missing, missing
