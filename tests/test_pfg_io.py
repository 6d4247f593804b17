"""PFG diffusion input: the difflist, the diffusion variant of TopSpin's
ct1t2.txt and the detection of kind ``pfg`` (real relaxation folders are the
negative cases)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from liprobe.errors import InputError
from liprobe.io.bruker import (
    parse_variable_list,
    read_topspin_diffusion,
    read_topspin_fits,
)
from liprobe.nmr.kinds import explain_kind, peek_kind

REAL_RELAXATION = {
    "cheminfo_1H_t1ir_menthol/1": "t1_ir",
    "dnplab_1H_odnp_t1ir/304": "t1_ir",
    "relaxnmr_17O_satrec_LAMOX/1": "t1_sr",
    "relaxnmr_7Li_T1rho_LNS/79": "t1rho",
    "relaxnmr_7Li_cpmgT2_SEI/38": "t2",
}

# The diffusion variant of ct1t2.txt as SCIENCE.md describes it: the law with
# gamma in Hz/G, G in G/cm, delta and Delta in s (SI suffixes such as 1.000m),
# and a point table whose column is headed "Gradient" (values like 400.000m).
CT1T2_DIFFUSION = """SIMFIT RESULTS
==============

Dataset : C:/data/llzo_pfg/12/pdata/1/ct1t2.txt

AREA fit : Diffusion : Variable Gradient :
I=I[0]*exp(-D*SQR(2*PI*gamma*G*LD)*(BD-LD/3)*1e4)

8 points for Peak 1,  Peak Point = 1.234 ppm

Converged after 41 iterations!

Results     Comp. 1

I[0]  =   1.000e+000
Diff Con. =   2.514e-012m2/s
Gamma =   1.655e+003
Little Delta  =    2.000m
Big Delta     =  100.000m

RSS   =   1.203e-004
SD    =   4.478e-003

Point       Gradient     Expt          Calc       Difference

    1    400.000m    1.000e+000    9.987e-001    -1.312e-003
    2      5.000     9.312e-001    9.310e-001    -2.000e-004
    3     10.000     7.620e-001    7.633e-001    1.300e-003
    4     15.000     5.517e-001    5.510e-001    -7.000e-004
    5     20.000     3.470e-001    3.479e-001    9.000e-004
    6     25.000     1.921e-001    1.918e-001    -3.000e-004
    7     30.000     9.210e-002    9.240e-002    3.000e-004
    8     35.000     3.900e-002    3.898e-002    -2.000e-005

============================================================
"""


def _write(path: Path, text: str, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode("latin-1"))
    return path


# difflist ------------------------------------------------------------------


def test_difflist_values_in_gauss_per_cm(tmp_path):
    f = _write(tmp_path / "difflist", "0.674\n\n 6.741 \n13.48\n26.96\n40.45", "\r\n")
    values = parse_variable_list(f, "difflist", 4)
    np.testing.assert_allclose(values, [0.674, 6.741, 13.48, 26.96])


@pytest.mark.parametrize(
    ("text", "field", "found"),
    [
        ("0.5\n5G\n10\n", "line 2", "5G"),
        ("0.5\n-5\n10\n", "line 2", "-5"),
        ("0.5\n5m\n10\n", "line 2", "5m"),
        ("0.5\nfive\n10\n", "line 2", "five"),
    ],
)
def test_difflist_malformed_names_line_expected_found(tmp_path, text, field, found):
    f = _write(tmp_path / "difflist", text)
    with pytest.raises(InputError) as info:
        parse_variable_list(f, "difflist", 3)
    message = str(info.value)
    assert str(f) in message and field in message and found in message
    assert "G/cm" in message or "number" in message


def test_difflist_too_short_or_all_zero(tmp_path):
    f = _write(tmp_path / "difflist", "1\n2\n")
    with pytest.raises(InputError, match="at least TD1 = 3 values"):
        parse_variable_list(f, "difflist", 3)
    f = _write(tmp_path / "zero" / "difflist", "0\n0\n0\n")
    with pytest.raises(InputError, match="positive gradient"):
        parse_variable_list(f, "difflist", 3)


# ct1t2.txt, diffusion variant ---------------------------------------------


def test_ct1t2_diffusion_variant(tmp_path):
    folder = tmp_path / "12"
    _write(folder / "pdata" / "1" / "ct1t2.txt", CT1T2_DIFFUSION, "\r\n")
    table = read_topspin_diffusion(folder)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["peak"] == 1 and row["peak_ppm"] == pytest.approx(1.234)
    assert row["fitted"] == "area"
    assert "exp(-D*SQR(2*PI*gamma*G*LD)" in row["function"]
    assert row["D_m2_per_s"] == pytest.approx(2.514e-12)
    assert math.isnan(row["D_2_m2_per_s"]) and row["n_components"] == 1
    assert row["gamma_Hz_per_G"] == pytest.approx(1655.0)
    assert row["little_delta_s"] == pytest.approx(2.0e-3)
    assert row["big_delta_s"] == pytest.approx(0.1)
    assert row["n_points"] == 8
    assert row["gradient_max_G_per_cm"] == pytest.approx(35.0)


@pytest.mark.parametrize(
    ("old", "new", "field", "found"),
    [
        ("Big Delta     =  100.000m", "", "Peak 1 Big Delta", "none"),
        (
            "Little Delta  =    2.000m",
            "Little Delta  =    2.000q",
            "Little Delta",
            "2.000q",
        ),
        ("Diff Con. =   2.514e-012m2/s", "Diff Con. =   fast", "Diff Con.", "fast"),
        ("    1    400.000m ", "    1    400.000x ", "Peak 1 Gradient", "400.000x"),
        ("Gamma =   1.655e+003", "Gamma =   -1.655e+003", "Peak 1 Gamma", "-1655"),
        (
            "Little Delta  =    2.000m",
            "Little Delta  =  200.000m",
            "Little Delta",
            "below",
        ),
    ],
)
def test_ct1t2_diffusion_malformed(tmp_path, old, new, field, found):
    assert old in CT1T2_DIFFUSION
    folder = tmp_path / "12"
    f = _write(folder / "pdata" / "1" / "ct1t2.txt", CT1T2_DIFFUSION.replace(old, new))
    with pytest.raises(InputError) as info:
        read_topspin_diffusion(folder)
    message = str(info.value)
    assert str(f) in message and field in message and found in message


def test_relaxation_ct1t2_is_not_a_diffusion_fit(shared_dir):
    for name in REAL_RELAXATION:
        folder = shared_dir / "bruker" / name
        if (folder / "pdata" / "1" / "ct1t2.txt").is_file():
            assert read_topspin_diffusion(folder) is None, name
            assert read_topspin_fits(folder) is not None, name


# kind detection ------------------------------------------------------------

STE_TEXT = """;stebpgp1s
;avance-version
;2D sequence for diffusion measurement using stimulated echo
;using bipolar gradient pulses for diffusion
#include <Avance.incl>
#include <Grad.incl>
1 ze
2 d1
  p1 ph1
  p30:gp6*diff
  d16
  p2 ph2
  p30:gp6*-1*diff
  d20
  go=2 ph31
exit
"""


@pytest.mark.parametrize(
    "pulprog", ["diffSte", "stebpgp1s", "ledbpgp2s", "dstebpgp3s", "ledgp2s"]
)
def test_diffusion_programs_with_difflist_are_pfg(pulprog):
    kind, reason, known = explain_kind(pulprog, STE_TEXT, 16, {"difflist"})
    assert (kind, known) == ("pfg", True)
    assert pulprog in reason and "difflist" in reason


def test_diffusion_comment_with_difflist_is_pfg():
    kind, reason, _ = explain_kind("my_seq", STE_TEXT, 16, {"difflist"})
    assert kind == "pfg" and "diffusion measurement" in reason


def test_no_difflist_no_pfg():
    assert explain_kind("stebpgp1s", STE_TEXT, 16, set())[0] != "pfg"
    assert explain_kind("stebpgp1s", STE_TEXT, 1, {"difflist"})[0] == "1d"
    # relaxation programs stay relaxation even beside a stray difflist
    assert explain_kind("t1ir", "", 12, {"vdlist", "difflist"})[0] == "t1_ir"
    assert explain_kind("cpmg_T2", "", 12, {"vclist", "difflist"})[0] == "t2"


@pytest.mark.parametrize(("name", "kind"), sorted(REAL_RELAXATION.items()))
def test_real_relaxation_folders_are_not_pfg(shared_dir, name, kind):
    assert peek_kind(shared_dir / "bruker" / name) == kind


def test_peek_kind_finds_pfg_folder(tmp_path):
    folder = tmp_path / "12"
    _write(folder / "acqus", "##$PULPROG= <stebpgp1s>\n##$TD= 2048\n")
    _write(folder / "acqu2s", "##$TD= 8\n")
    _write(folder / "pulseprogram", STE_TEXT)
    assert peek_kind(folder) != "pfg"
    _write(folder / "difflist", "1\n2\n3\n4\n5\n6\n7\n8\n")
    assert peek_kind(folder) == "pfg"
