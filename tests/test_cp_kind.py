"""Kind ``cp``: detected from CP pulse programs, contact time from acqus P15.

Positive cases: the usual names of CP pulse programs (Bruker's ``cp``,
``cpmas``, ``cp.2``, ``cptoss``, ``rampcp``, the ``hC`` / ``hX`` family) and a
comment saying cross polarization, for one-row experiments (one EXPNO per
contact time) and pseudo-2D ones stepping a list. Negative cases: CPMG (the
letters ``cp`` in a T2 program), plain one-pulse spectra, and every real
third-party folder of ``../shared/data/bruker`` (none of them is CP).
"""

from __future__ import annotations

import numpy as np
import pytest

from liprobe.errors import InputError
from liprobe.nmr.kinds import (
    contact_time_s,
    detect_kind,
    explain_kind,
    kind_from_name,
    peek_kind,
)
from liprobe.plan.campaign import cp_series
from liprobe.simulate.bruker import default_acqus, default_procs, write_experiment

from conftest import read_experiment

CP_NAMES = ["cp", "cpmas", "cp.2", "CP_ramp", "cptoss", "rampcp", "hC", "hX", "hLi"]
#: a CP pulse program stepping the contact pulse through a vplist
CP_LIST_PROGRAM = """;cp with the contact time from a vplist
1 ze
2 d1
  (p3 ph1):f2
  (vp ph2):f1 (vp ph10):f2
  go=2 ph31
  d1 mc #0 to 2 F1QF(ivp)
exit
"""
NOT_CP = {
    "cpmg": "t2",
    "cpmg_T2": "t2",
    "t1rho.h": "t1rho",
    "hahnecho": "t2",
    "satrect1nodec": "t1_sr",
    "t1ir": "t1_ir",
    "onepulse": None,
    "zg": None,
    "hpdec": None,
}

#: the real folders of ../shared/data/bruker and the kind each one is
REAL = {
    "cheminfo_1H_t1ir_menthol/1": "t1_ir",
    "dnplab_1H_odnp_t1ir/304": "t1_ir",
    "lineshape_17O_singlepeak/10": "1d",
    "lineshape_17O_sixpeaks/4": "1d",
    "relaxnmr_17O_satrec_LAMOX/1": "t1_sr",
    "relaxnmr_7Li_T1rho_LNS/79": "t1rho",
    "relaxnmr_7Li_cpmgT2_SEI/38": "t2",
}


@pytest.mark.parametrize("name", CP_NAMES)
def test_cp_pulse_program_names(name):
    assert kind_from_name(name) == "cp"
    # one EXPNO per contact time: a one-row experiment is cp, not 1d
    kind, reason, recognised = explain_kind(name, "", 1)
    assert (kind, recognised) == ("cp", True)
    assert name in reason
    # a pseudo-2D contact-time series stepping a vplist
    assert detect_kind(name, "", 12, {"vplist"}) == "cp"


@pytest.mark.parametrize("name,kind", sorted(NOT_CP.items()))
def test_names_that_are_not_cp(name, kind):
    assert kind_from_name(name) == kind
    assert detect_kind(name, "", 1) == "1d"


def test_cp_from_the_pulse_program_comment():
    text = ";mycontact\n;cross-polarization with contact pulse p15\n1 ze\n"
    kind, reason, _ = explain_kind("mycontact", text, 1)
    assert kind == "cp"
    assert "cross" in reason
    # the same words outside a comment say nothing
    assert detect_kind("zg", "cross polarization\n1 ze\n", 1) == "1d"


@pytest.mark.parametrize("folder,kind", sorted(REAL.items()))
def test_real_folders_are_not_cp(shared_dir, folder, kind):
    assert peek_kind(shared_dir / "bruker" / folder) == kind


def test_contact_time_from_p15():
    assert contact_time_s({"P": [0.0] * 15 + [1500.0]}) == pytest.approx(1.5e-3)
    assert contact_time_s({"P": [0.0] * 15 + [0.0]}) is None
    assert contact_time_s({"P": [0.0] * 4}) is None
    assert contact_time_s({}) is None


def _cp_folder(tmp_path, contact_us: float | None, td1: int = 1):
    acqus = default_acqus(
        nucleus="6Li",
        bf1_MHz=73.6,
        o1_Hz=0.0,
        sw_Hz=5000.0,
        ns=8,
        rg=32.0,
        temperature_K=298.0,
        grpdly=0.0,
        pulprog="cp",
        p=[0.0, 4.0] + ([0.0] * 13 + [contact_us] if contact_us else []),
        proton_MHz=500.13,
    )
    acqus["DIGMOD"] = 0
    t = np.arange(256) / 5000.0
    fid = np.exp(2j * np.pi * 100.0 * t - 40.0 * t)
    data = np.tile(fid, (td1, 1)) * 1e6
    lists = {"vplist": [f"{v}u" for v in (100, 500, 1000, 2000)]} if td1 > 1 else None
    return write_experiment(
        tmp_path / "cp" / str(td1),
        data,
        acqus,
        acqu2s={"TD": td1, "FnMODE": 1} if td1 > 1 else None,
        lists=lists,
        pulse_program=CP_LIST_PROGRAM if td1 > 1 else "",
        procs=default_procs(
            si=512, sw_Hz=5000.0, sf_MHz=73.6, offset_ppm=34.0, lb_Hz=0.0
        ),
    )


def test_one_row_cp_experiment_reads_its_contact_time(tmp_path):
    folder = _cp_folder(tmp_path, 750.0)
    assert peek_kind(folder) == "cp"
    fid = read_experiment(folder, 1, {"kind": "auto"})
    assert fid.kind == "cp"
    assert fid.list_name == "P15"
    np.testing.assert_allclose(fid.list_time_s, [750e-6])
    # the sheet's kind is accepted too
    assert read_experiment(folder, 1, {"kind": "cp"}).list_name == "P15"


def test_pseudo_2d_cp_series_reads_its_list(tmp_path):
    folder = _cp_folder(tmp_path, 750.0, td1=4)
    fid = read_experiment(folder, 1, {"kind": "auto"})
    assert fid.kind == "cp"
    assert fid.list_name == "vplist"
    np.testing.assert_allclose(fid.list_time_s, [1e-4, 5e-4, 1e-3, 2e-3])


def test_cp_experiment_without_p15_names_the_field(tmp_path):
    folder = _cp_folder(tmp_path, None)
    with pytest.raises(InputError) as info:
        read_experiment(folder, 1, {"kind": "cp"})
    message = str(info.value)
    assert "P[15]" in message
    assert "acqus" in message
    assert "contact time" in message


def test_cp_series_group_by_series_and_keep_the_state():
    import pandas as pd

    nmr = pd.DataFrame(
        {
            "sample": ["A", "A", "A", "B"],
            "path": ["a/1", "a/2", "a/3", "b/1"],
            "state": ["pristine", "cycled", "pristine", None],
        },
        index=pd.Index(["e1", "e2", "e3", "e4"], name="experiment"),
    )
    kinds = {"e1": "cp", "e2": "cp", "e3": "1d", "e4": "cp"}
    assert cp_series(nmr, kinds) == {
        "A": [
            {"experiment": "e1", "state": "pristine"},
            {"experiment": "e2", "state": "cycled"},
        ],
        "B": [{"experiment": "e4", "state": ""}],
    }
