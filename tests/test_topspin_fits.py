"""TopSpin's own relaxation fit results read from real folders and put beside
liprobe's in ``relaxation_fits`` (and the report caption).

Reference values are those printed in the folders' ``pdata/1/ct1t2.txt``
(menthol: 13 peaks, intensity fits, 1.397 s at 4.338 ppm; the 7Li T1rho folder:
two components printed as 10202.919 and 16089.783 "s", its vplist of
microseconds read as seconds).
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest
from test_relaxation_real import MENTHOL, reduce_folder, topspin_t1

from liprobe.errors import InputError
from liprobe.io.bruker import read_topspin_fits
from liprobe.relaxation import fit_relaxation_table
from liprobe.report import caption_relaxation

from conftest import relax

LNS = "bruker/relaxnmr_7Li_T1rho_LNS/79"


def test_menthol_ct1t2_fit_results(shared_dir):
    folder = shared_dir / MENTHOL
    table = read_topspin_fits(folder)
    assert list(table["peak"]) == list(range(1, 14))
    np.testing.assert_allclose(table["time_constant"], topspin_t1(folder))
    first = table.iloc[0]
    assert first["peak_ppm"] == pytest.approx(4.338)
    assert first["time_constant"] == pytest.approx(1.397)
    assert first["fitted"] == "intensity"
    assert first["function"] == "I[t]=I[0]+P*exp(-t/T1)"
    assert first["parameter"] == "T1"
    assert (table["n_components"] == 1).all()
    assert (table["list_max"] == 10.0).all()
    # 857.107m: TopSpin's millisecond suffix
    assert table.iloc[4]["time_constant"] == pytest.approx(0.857107)


def test_topspin4_two_components_and_a_folder_without_results(shared_dir):
    table = read_topspin_fits(shared_dir / LNS)
    row = table.iloc[0]
    assert row["parameter"] == "T" and row["n_components"] == 2
    assert row["time_constant"] == pytest.approx(10202.919)
    assert row["time_constant_2"] == pytest.approx(16089.783)
    assert row["list_max"] == pytest.approx(400000.0)
    lamox = read_topspin_fits(shared_dir / "bruker/relaxnmr_17O_satrec_LAMOX/1")
    assert lamox.iloc[0]["time_constant"] == pytest.approx(2.658e-3)
    assert lamox.iloc[0]["list_max"] == pytest.approx(0.3)
    assert read_topspin_fits(shared_dir / "bruker/relaxnmr_7Li_cpmgT2_SEI/38") is None


def _copy_pdata(shared_dir, tmp_path):
    folder = tmp_path / "1"
    (folder / "pdata" / "1").mkdir(parents=True)
    src = shared_dir / MENTHOL / "pdata" / "1"
    for name in ("ct1t2.txt", "t1t2.dx"):
        shutil.copy(src / name, folder / "pdata" / "1" / name)
    return folder, folder / "pdata" / "1" / "ct1t2.txt"


def test_malformed_ct1t2_names_file_field_expected_and_found(shared_dir, tmp_path):
    folder, file = _copy_pdata(shared_dir, tmp_path)
    text = file.read_text(encoding="latin-1")
    file.write_text(text.replace("1.397s", "1.3x7s", 1), encoding="latin-1")
    with pytest.raises(InputError) as err:
        read_topspin_fits(folder)
    assert err.value.field == "Peak 1 T1"
    assert "1.3x7s" in str(err.value) and "ct1t2.txt" in str(err.value)
    # a peak without its time-constant line
    cut = text.split("Peak 2,")[0].replace("T1    =       1.397s", "")
    file.write_text(cut, encoding="latin-1")
    with pytest.raises(InputError) as err:
        read_topspin_fits(folder)
    assert err.value.field == "Peak 1"
    file.write_text("nothing TopSpin wrote\n", encoding="latin-1")
    with pytest.raises(InputError) as err:
        read_topspin_fits(folder)
    assert err.value.field == "Peak"


def test_t1t2_dx_when_ct1t2_is_absent(shared_dir, tmp_path):
    folder, file = _copy_pdata(shared_dir, tmp_path)
    file.unlink()
    table = read_topspin_fits(folder)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["peak"] == 13 and row["peak_ppm"] == pytest.approx(5.528)
    assert row["time_constant"] == pytest.approx(0.917727)
    dx = folder / "pdata" / "1" / "t1t2.dx"
    dx.write_text(
        dx.read_text(encoding="latin-1").replace("T =  917.727m", "T = ?"),
        encoding="latin-1",
    )
    with pytest.raises(InputError) as err:
        read_topspin_fits(folder)
    assert err.value.field == "Peak 13 T"
    assert "t1t2.dx" in str(err.value)


def test_menthol_topspin_beside_ours_and_in_the_caption(shared_dir):
    folder = shared_dir / MENTHOL
    exps, ints = reduce_folder(folder)
    topspin = {exps["experiment"].iloc[0]: read_topspin_fits(folder)}
    fits = fit_relaxation_table(ints, exps, relax({}), topspin=topspin)
    names = [f"r{i:02d}" for i in range(1, 14)]
    ref = dict(zip(names, topspin_t1(folder), strict=True))
    for _, row in fits.iterrows():
        assert row["topspin_time_constant_s"] == pytest.approx(ref[row["region"]])
        assert row["topspin_fitted"] == "height"
        assert row["topspin_note"] == ""
        assert math.isnan(row["topspin_time_constant_2_s"])
    # ours beside theirs: the height fits agree within 3 % or 2 of our sigma
    # (the weighted optimum of a poor fit moves; see test_relaxation_real)
    # (regions whose T1 is beyond the longest delay, 10 s, are flagged so and
    # left out)
    heights = fits[fits["quantity"] == "height"]
    heights = heights[heights["topspin_time_constant_s"] < 10.0]
    assert len(heights) == 12
    diff = (heights["time_constant_s"] - heights["topspin_time_constant_s"]).abs()
    bound = np.maximum(
        0.03 * heights["topspin_time_constant_s"], 2 * heights["time_constant_s_err"]
    )
    assert (diff <= bound).all(), heights[["region", "time_constant_s"]]
    fits["series"] = "menthol"
    text = caption_relaxation(fits, pd.DataFrame(columns=["series"]))
    assert "TopSpin (height fit): 1.397 s" in text


def test_vplist_microseconds_printed_as_seconds_are_undone(shared_dir):
    folder = shared_dir / LNS
    exps, ints = reduce_folder(folder)
    topspin = {exps["experiment"].iloc[0]: read_topspin_fits(folder)}
    fits = fit_relaxation_table(
        ints, exps, relax({"models": {"t1rho": "decay_stretched"}}), topspin=topspin
    )
    row = fits.iloc[0]
    assert row["topspin_time_constant_s"] == pytest.approx(10.202919e-3)
    assert row["topspin_time_constant_2_s"] == pytest.approx(16.089783e-3)
    assert row["topspin_note"] == "topspin_list_unit_rescaled(x1e-06)"
    # the title says T1rho = 17.4 ms: both fits on the same scale
    assert 0.005 < row["time_constant_s"] < 0.03


def test_no_topspin_results_leave_empty_columns(shared_dir):
    exps, ints = reduce_folder(shared_dir / MENTHOL)
    fits = fit_relaxation_table(ints, exps, relax({"quantities": ["integral"]}))
    assert fits["topspin_time_constant_s"].isna().all()
    assert (fits["topspin_fitted"] == "").all()
