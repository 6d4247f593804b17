"""Reading Bruker experiment folders: real third-party data and synthetic files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liprobe.errors import InputError
from liprobe.io.bruker import (
    group_delay,
    parse_variable_list,
    read_ct1t2,
    read_intrng,
    read_processed,
)
from liprobe.nmr.acquisition import check_nucleus
from liprobe.nmr.kinds import detect_kind, lists_used, loop_duration_s

from conftest import read_experiment

# --------------------------------------------------------------- synthetic


def _jcamp(values: dict) -> str:
    lines = ["##TITLE= Parameter file", "##JCAMPDX= 5.0"]
    for key, value in values.items():
        if isinstance(value, list):
            lines.append(f"##${key}= (0..{len(value) - 1})")
            lines.append(" ".join(str(v) for v in value))
        elif isinstance(value, str):
            lines.append(f"##${key}= <{value}>")
        else:
            lines.append(f"##${key}= {value}")
    lines.append("##END=")
    return "\n".join(lines) + "\n"


BASE_ACQUS = {
    "TD": 64,
    "SW_h": 10000.0,
    "SFO1": 400.13,
    "BF1": 400.13,
    "O1": 0.0,
    "NUC1": "1H",
    "BF2": 400.13,
    "NUC2": "off",
    "PULPROG": "t1ir",
    "NS": 8,
    "RG": 32.0,
    "TE": 300.0,
    "MASR": 0,
    "BYTORDA": 0,
    "DTYPA": 0,
    "NC": 0,
    "DIGMOD": 1,
    "DECIM": 16,
    "DSPFVS": 20,
    "GRPDLY": 67.98,
    "AQ_mod": 3,
    "D": [0.0] * 32,
    "P": [0.0] * 32,
}


def write_experiment(
    folder: Path,
    rows: np.ndarray,
    acqus: dict | None = None,
    td1_override: int | None = None,
    big: bool = False,
    isfloat: bool = False,
    pad: bool = True,
    lists: dict | None = None,
    nc: int = 0,
) -> Path:
    """Write a minimal Bruker folder holding ``rows`` (real words, rows x TD)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = np.atleast_2d(rows)
    params = dict(BASE_ACQUS)
    params.update(
        {
            "TD": rows.shape[1],
            "BYTORDA": 1 if big else 0,
            "DTYPA": 2 if isfloat else 0,
            "NC": nc,
        }
    )
    params.update(acqus or {})
    (folder / "acqus").write_text(_jcamp(params))
    dtype = (">" if big else "<") + ("f8" if isfloat else "i4")
    item = 8 if isfloat else 4
    width = rows.shape[1]
    if pad:
        width = -(-rows.shape[1] * item // 1024) * 1024 // item
    buf = np.zeros((rows.shape[0], width))
    buf[:, : rows.shape[1]] = rows
    name = "ser" if rows.shape[0] > 1 or td1_override else "fid"
    (folder / name).write_bytes(buf.astype(dtype).tobytes())
    if name == "ser":
        td1 = td1_override or rows.shape[0]
        (folder / "acqu2s").write_text(_jcamp({"TD": td1, "FnMODE": 0}))
    for list_name, text in (lists or {}).items():
        (folder / list_name).write_bytes(text.encode())
    return folder


@pytest.mark.parametrize("big", [False, True])
@pytest.mark.parametrize("isfloat", [False, True])
def test_binary_roundtrip_both_types_and_byte_orders(tmp_path, big, isfloat):
    rng = np.random.default_rng(1)
    words = rng.integers(-(2**30), 2**30, size=(3, 200)).astype(float)
    lists = {"vdlist": "1\n2\n3\n"}
    folder = write_experiment(
        tmp_path / "e", words, big=big, isfloat=isfloat, lists=lists
    )
    fid = read_experiment(folder)
    assert fid.data.shape == (3, 100)
    np.testing.assert_array_equal(fid.data.real, words[:, 0::2])
    np.testing.assert_array_equal(fid.data.imag, words[:, 1::2])
    assert fid.td1 == 3 and fid.td == 200


def test_int32_scaled_by_two_to_the_nc(tmp_path):
    words = np.arange(1, 65, dtype=float).reshape(1, 64)
    folder = write_experiment(tmp_path / "e", words, nc=-3)
    fid = read_experiment(folder)
    np.testing.assert_allclose(fid.data[0].real, words[0, 0::2] * 2.0**-3)
    assert fid.kind == "1d" and fid.td1 == 1 and fid.list_time_s is None


def test_unpadded_float64_rows_are_accepted(tmp_path):
    words = np.linspace(-1, 1, 2 * 100).reshape(2, 100)
    folder = write_experiment(
        tmp_path / "e",
        words,
        isfloat=True,
        pad=False,
        lists={"vdlist": "1\n2\n"},
    )
    np.testing.assert_allclose(read_experiment(folder).data.real, words[:, 0::2])


def test_rows_are_read_from_1024_byte_blocks(tmp_path):
    # TD = 200 int32 words = 800 bytes per row, each padded to 1024 bytes
    words = np.tile(np.arange(200.0), (2, 1)) + np.array([[0.0], [1000.0]])
    folder = write_experiment(tmp_path / "e", words, lists={"vdlist": "1\n2\n"})
    assert (folder / "ser").stat().st_size == 2 * 1024
    fid = read_experiment(folder)
    assert fid.data[1, 0].real == 1000.0 and fid.data[1, -1].imag == 1199.0


def test_ser_shorter_than_td1_keeps_its_complete_rows(tmp_path):
    folder = write_experiment(
        tmp_path / "e", np.ones((2, 200)), lists={"vdlist": "1\n2\n3\n"}
    )
    (folder / "acqu2s").write_text(_jcamp({"TD": 3, "FnMODE": 0}))
    fid = read_experiment(folder)
    assert fid.td1 == 2 and fid.data.shape == (2, 100)  # 200 words = 100 complex
    np.testing.assert_allclose(fid.list_time_s, [1.0, 2.0])
    assert "interrupted_acquisition_2_of_3_rows_0_partial_row_dropped" in fid.flags


def test_acqus_missing_td_names_file_and_field(tmp_path):
    folder = write_experiment(tmp_path / "e", np.ones((1, 64)))
    text = (folder / "acqus").read_text().replace("##$TD= 64\n", "")
    (folder / "acqus").write_text(text)
    with pytest.raises(InputError) as err:
        read_experiment(folder)
    assert err.value.field == "TD" and err.value.file.endswith("acqus")
    assert "missing" in str(err.value)


def test_acqus_non_numeric_td(tmp_path):
    folder = write_experiment(tmp_path / "e", np.ones((1, 64)))
    text = (folder / "acqus").read_text().replace("##$TD= 64", "##$TD= <sixty>")
    (folder / "acqus").write_text(text)
    with pytest.raises(InputError) as err:
        read_experiment(folder)
    assert err.value.field == "TD" and "sixty" in str(err.value)


def test_list_shorter_than_td1_via_read_experiment(tmp_path):
    folder = write_experiment(
        tmp_path / "e", np.ones((3, 64)), lists={"vdlist": "1\n2\n"}
    )
    with pytest.raises(InputError) as err:
        read_experiment(folder)
    assert err.value.file.endswith("vdlist")
    assert "TD1 = 3" in str(err.value)


# ------------------------------------------------------------- list parsing


def test_vdlist_suffixes_blank_lines_crlf_no_final_newline(tmp_path):
    f = tmp_path / "vdlist"
    f.write_bytes(b"10s \r\n\r\n20.000m\r\n  500u\r\n7n\r\n1e-3\r\n3")
    values = parse_variable_list(f, "vdlist", 6)
    np.testing.assert_allclose(values, [10, 0.02, 500e-6, 7e-9, 1e-3, 3])


_UNITS = {"": 1.0, "s": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}


@settings(max_examples=60, deadline=None)
@given(
    entries=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**6),
            st.sampled_from(sorted(_UNITS)),
            st.sampled_from(["", " ", "  \t"]),
        ),
        min_size=1,
        max_size=12,
    ),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    blank_every=st.integers(min_value=0, max_value=4),
    final_newline=st.booleans(),
)
def test_vdlist_parsing_property(
    tmp_path_factory, entries, newline, blank_every, final_newline
):
    lines, expected = [], []
    for i, (value, unit, pad) in enumerate(entries):
        number = value / 1000
        lines.append(f"{pad}{number}{unit}{pad}")
        expected.append(number * _UNITS[unit])
        if blank_every and i % blank_every == 0:
            lines.append(pad)
    text = newline.join(lines) + (newline if final_newline else "")
    f = tmp_path_factory.mktemp("list") / "vdlist"
    f.write_bytes(text.encode())
    td1 = max(1, len(expected) - 1)
    np.testing.assert_allclose(
        parse_variable_list(f, "vdlist", td1), expected[:td1], rtol=1e-12
    )


def test_list_trimmed_to_td1_and_keeps_order(tmp_path):
    f = tmp_path / "vdlist"
    f.write_text("5\n1\n3\n2\n4\n")
    np.testing.assert_allclose(parse_variable_list(f, "vd", 3), [5, 1, 3])


def test_old_mac_line_ends(tmp_path):
    f = tmp_path / "vdlist"
    f.write_bytes(b"1m\r2m\r3m")
    np.testing.assert_allclose(parse_variable_list(f, "vdlist", 3), [1e-3, 2e-3, 3e-3])


def test_vplist_default_unit_is_microseconds(tmp_path):
    f = tmp_path / "vplist"
    f.write_text("10\n400000\n2m\n1s\n")
    np.testing.assert_allclose(
        parse_variable_list(f, "vplist", 4), [10e-6, 0.4, 2e-3, 1.0]
    )


def test_vclist_returns_counts_and_rejects_suffixes(tmp_path):
    f = tmp_path / "vclist"
    f.write_text("2\n4\n8\n")
    np.testing.assert_array_equal(parse_variable_list(f, "vclist", 3), [2, 4, 8])
    f.write_text("2\n4m\n")
    with pytest.raises(InputError) as err:
        parse_variable_list(f, "vclist", 2)
    assert err.value.row == 2


def test_garbage_token_names_file_and_line(tmp_path):
    f = tmp_path / "vdlist"
    f.write_text("1s\n\nabc\n3s\n")
    with pytest.raises(InputError) as err:
        parse_variable_list(f, "vdlist", 3)
    assert err.value.file == str(f)
    assert err.value.field == "line 3" and err.value.found == "abc"


def test_unknown_unit_suffix(tmp_path):
    f = tmp_path / "vdlist"
    f.write_text("1s\n2x\n")
    with pytest.raises(InputError) as err:
        parse_variable_list(f, "vdlist", 2)
    assert err.value.field == "line 2" and err.value.found == "x"


def test_list_shorter_than_td1(tmp_path):
    f = tmp_path / "vdlist"
    f.write_text("1\n2\n")
    with pytest.raises(InputError) as err:
        parse_variable_list(f, "vdlist", 5)
    assert err.value.field == "number of values" and err.value.found == "2 values"


# ------------------------------------------------------- parameters, kinds


def test_group_delay_sources():
    f = Path("acqus")
    assert group_delay({"DIGMOD": 1, "GRPDLY": 68.0}, f) == (68.0, [])
    value, flags = group_delay(
        {"DIGMOD": 1, "GRPDLY": -1, "DECIM": 12, "DSPFVS": 10}, f
    )
    assert value == pytest.approx(60.375)
    assert flags == ["digital_filter_from_decim_dspfvs_table"]
    value, flags = group_delay({"DIGMOD": 1, "GRPDLY": -1, "DECIM": 1}, f)
    assert value == 0 and "digital_filter_decim1_no_correction" in flags
    value, flags = group_delay({"DIGMOD": 0, "GRPDLY": 68.0}, f)
    assert value == 0 and flags == ["digital_filter_off"]
    value, flags = group_delay({"DIGMOD": 1, "GRPDLY": -1, "DECIM": 7, "DSPFVS": 10}, f)
    assert value == 0 and flags == ["digital_filter_unknown"]


def test_nucleus_check_uses_the_proton_frequency():
    ok = {"NUC1": "7Li", "BF1": 194.38, "BF2": 500.16, "NUC2": "off"}
    assert check_nucleus(ok) == ("7Li", [])
    wrong = {"NUC1": "15N", "BF1": 14.83, "BF2": 200.13, "NUC2": "off"}
    assert check_nucleus(wrong) == ("", ["acqus_NUC1_contradicts_BF1"])
    proton = {"NUC1": "1H", "BF1": 14.83, "BF2": 200.13}
    assert check_nucleus(proton) == ("1H", [])


@pytest.mark.parametrize(
    ("name", "lists", "kind"),
    [
        ("t1ir", {"vdlist"}, "t1_ir"),
        ("jf_fir", {"vdlist"}, "t1_ir"),
        ("satrect1nodec", {"vdlist"}, "t1_sr"),
        ("t1rho.h", {"vplist"}, "t1rho"),
        ("cpmg_T2", {"vclist"}, "t2"),
        ("noesyph", set(), "exsy"),
    ],
)
def test_detect_kind_from_names(name, lists, kind):
    assert detect_kind(name, "", 8, lists) == kind
    assert detect_kind(name, "", 1, lists) == "1d"


def test_detect_kind_from_structure():
    sat = "1 ze\n2 d1\n3 d20\n p1 ph1\n lo to 3 times l20\n vd\n p1 ph1\n go=2 ph31\n"
    assert detect_kind("mysat", sat, 4, {"vdlist"}) == "t1_sr"
    inv = "1 ze\n2 d1\n p2 ph1\n vd\n p1 ph2\n go=2 ph31\n d11 wr #0 if #0 ivd\n"
    assert lists_used(inv) == {"vdlist"}
    assert detect_kind("custom", inv, 4, {"vdlist"}) == "t1_ir"
    assert detect_kind("custom", "(vp pl14 ph2)\n ivp\n", 4, {"vplist"}) == "t1rho"


def test_loop_duration_of_a_cpmg_loop():
    text = "1 ze\n2 d1\n  p1 ph1\n3 d6\n  (p2 ph2):f1\n  d6\n  lo to 3 times c\n"
    acqus = {"D": [0, 1, 0, 0, 0, 0, 4.86e-6], "P": [0, 3.1, 6.2]}
    assert loop_duration_s(text, acqus) == pytest.approx(2 * 4.86e-6 + 6.2e-6)
    assert loop_duration_s("1 ze\n go=1\n", acqus) is None


def test_overrides_win_and_implausible_values_are_nan(tmp_path):
    folder = write_experiment(
        tmp_path / "e",
        np.ones((2, 64)),
        acqus={"TE": 0, "NUC1": "15N", "BF1": 14.83, "BF2": 200.13},
        lists={"vdlist": "1\n2\n"},
    )
    fid = read_experiment(folder)
    assert math.isnan(fid.temperature_K) and "acqus_TE_implausible" in fid.flags
    assert fid.nucleus == "" and "acqus_NUC1_contradicts_BF1" in fid.flags
    fid = read_experiment(
        folder,
        overrides={
            "temperature_K": 310.0,
            "nucleus": "1H",
            "larmor_MHz": 14.83,
            "kind": "t1_sr",
        },
    )
    assert fid.temperature_K == 310.0 and fid.nucleus == "1H"
    assert fid.larmor_MHz == 14.83 and fid.kind == "t1_sr"
    narrow = write_experiment(
        tmp_path / "f", np.ones((1, 64)), acqus={"TE": 90.0, "NUC1": "1H"}
    )
    wide = read_experiment(narrow, plausible_temperature_K=(50.0, 600.0))
    assert wide.temperature_K == 90.0
    fid = read_experiment(narrow, plausible_temperature_K=(100.0, 600.0))
    assert math.isnan(fid.temperature_K) and "acqus_TE_implausible" in fid.flags
    with pytest.raises(InputError) as err:
        read_experiment(folder, overrides={"kind": "t3"})
    assert err.value.field == "kind"


def test_true_2d_keeps_rows_and_takes_fnmode_from_mc2(tmp_path):
    rows = np.arange(4 * 64, dtype=float).reshape(4, 64)
    folder = write_experiment(tmp_path / "e", rows, acqus={"PULPROG": "noesyph"})
    (folder / "pdata" / "1").mkdir(parents=True)
    (folder / "pdata" / "1" / "proc2s").write_text(_jcamp({"MC2": 3, "SI": 8}))
    fid = read_experiment(folder)
    assert fid.kind == "exsy" and fid.is_2d
    assert fid.fnmode == 4 and "fnmode_from_proc2s_MC2" in fid.flags
    np.testing.assert_array_equal(fid.data.real, rows[:, 0::2])


# ---------------------------------------------------------------- real data

EXPECTED = {
    "cheminfo_1H_t1ir_menthol/1": ("t1_ir", 10, "vdlist"),
    "dnplab_1H_odnp_t1ir/304": ("t1_ir", 8, "vdlist"),
    "relaxnmr_17O_satrec_LAMOX/1": ("t1_sr", 15, "vdlist"),
    "relaxnmr_7Li_T1rho_LNS/79": ("t1rho", 26, "vplist"),
    "relaxnmr_7Li_cpmgT2_SEI/38": ("t2", 9, "vclist"),
    # 1D spectra (published line-shape fits beside them)
    "lineshape_17O_sixpeaks/4": ("1d", 1, None),
    "lineshape_17O_singlepeak/10": ("1d", 1, None),
}


def test_every_real_folder_is_covered(shared_dir):
    found = {
        f"{p.parent.name}/{p.name}"
        for p in (shared_dir / "bruker").glob("*/*")
        if (p / "acqus").is_file()
    }
    assert found == set(EXPECTED)


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_every_real_folder_reads(shared_dir, folder):
    kind, td1, list_name = EXPECTED[folder]
    fid = read_experiment(shared_dir / "bruker" / folder)
    assert fid.kind == kind and fid.td1 == td1 and fid.list_name == list_name
    assert fid.data.shape[0] == td1 and np.iscomplexobj(fid.data)
    if list_name is None:
        assert fid.list_time_s is None
    else:
        assert fid.list_time_s.shape == (td1,) and np.all(fid.list_time_s > 0)
    assert not fid.is_2d
    assert all(p.exists() for p in fid.raw_files)
    # the strongest point of a digitally filtered FID sits after the filter delay
    peak = int(np.argmax(np.abs(fid.data).max(axis=0)))
    assert peak >= int(fid.group_delay_points) - 2


def test_menthol_vdlist_descending_with_suffixes(shared_dir):
    fid = read_experiment(shared_dir / "bruker/cheminfo_1H_t1ir_menthol/1")
    np.testing.assert_allclose(
        fid.list_time_s, [10, 5, 4, 3, 2, 1, 0.5, 0.25, 0.1, 0.01]
    )
    assert fid.nucleus == "1H" and fid.temperature_K == 298
    assert fid.larmor_MHz == pytest.approx(600.2015, abs=1e-3)
    assert fid.ns == 8 and fid.rg == 12.7


def test_dnplab_big_endian_mixed_suffixes_and_bad_labels(shared_dir):
    fid = read_experiment(shared_dir / "bruker/dnplab_1H_odnp_t1ir/304")
    np.testing.assert_allclose(
        fid.list_time_s,
        [0.020, 0.056854, 0.161616, 0.459422, 1.306, 3.713, 10.553, 30.0],
    )
    assert fid.nucleus == "" and "acqus_NUC1_contradicts_BF1" in fid.flags
    assert math.isnan(fid.temperature_K) and "acqus_TE_implausible" in fid.flags
    assert fid.group_delay_points == pytest.approx(60.375)
    assert "digital_filter_from_decim_dspfvs_table" in fid.flags
    # big-endian decoding: the FID decays (about 9x from its start to its end);
    # the same bytes read as little-endian are noise-like (ratio about 1)
    mag = np.abs(fid.data[-1])
    assert mag[60:160].mean() > 5 * mag[-1000:].mean()
    fixed = read_experiment(
        shared_dir / "bruker/dnplab_1H_odnp_t1ir/304",
        overrides={"nucleus": "1H", "temperature_K": 298.0},
    )
    assert fixed.nucleus == "1H" and fixed.temperature_K == 298.0


def test_17O_satrec_list_and_untrusted_parameters(shared_dir):
    fid = read_experiment(shared_dir / "bruker/relaxnmr_17O_satrec_LAMOX/1")
    assert fid.list_time_s[0] == pytest.approx(5e-6)
    assert fid.list_time_s[-1] == pytest.approx(0.3)
    assert math.isnan(fid.temperature_K) and "acqus_TE_implausible" in fid.flags
    assert fid.masr_Hz == 4000 and "acqus_MASR_disagrees_with_title" in fid.flags
    assert fid.nucleus == "17O"


def test_7Li_t1rho_vplist_in_microseconds(shared_dir):
    fid = read_experiment(shared_dir / "bruker/relaxnmr_7Li_T1rho_LNS/79")
    assert fid.list_time_s[0] == pytest.approx(10e-6)
    assert fid.list_time_s[-1] == pytest.approx(0.4)
    assert fid.group_delay_points == 0
    assert "digital_filter_decim1_no_correction" in fid.flags
    assert fid.temperature_K == 163 and fid.nucleus == "7Li"


def test_cpmg_vclist_times_loop_duration(shared_dir):
    fid = read_experiment(shared_dir / "bruker/relaxnmr_7Li_cpmgT2_SEI/38")
    counts = np.array([2, 4, 8, 16, 32, 64, 128, 256, 512])
    np.testing.assert_array_equal(fid.list_values, counts)
    np.testing.assert_allclose(fid.list_time_s, counts * 15.92e-6, rtol=1e-9)
    assert "acqus_MASR_disagrees_with_title" in fid.flags


def test_menthol_intrng_processed_and_ct1t2(shared_dir):
    folder = shared_dir / "bruker/cheminfo_1H_t1ir_menthol/1"
    regions = read_intrng(folder)
    assert list(regions.region[:2]) == ["r01", "r02"] and len(regions) == 13
    assert regions.ppm_min[0] == pytest.approx(4.295423388801863)
    assert regions.ppm_max[0] == pytest.approx(4.388130368416292)
    ppm, data = read_processed(folder)
    assert data.shape == (16, 8192) and ppm[0] == pytest.approx(5.538023)
    ct = read_ct1t2(folder)
    assert ct.peak.nunique() == 13 and len(ct) == 130
    first = ct[ct.peak == 1].iloc[0]
    assert first.list_value == 10.0 and first.integral == pytest.approx(1.7777e8)
    assert read_intrng(shared_dir / "bruker/dnplab_1H_odnp_t1ir/304") is None
    assert read_processed(shared_dir / "bruker/dnplab_1H_odnp_t1ir/304") is None


def test_read_processed_1r_with_nc_proc(tmp_path):
    folder = tmp_path / "e"
    pdir = folder / "pdata" / "1"
    pdir.mkdir(parents=True)
    values = np.arange(-512, 512, dtype="<i4")
    (pdir / "1r").write_bytes(values.tobytes())
    procs = {
        "SI": 1024,
        "XDIM": 1024,
        "BYTORDP": 0,
        "DTYPP": 0,
        "NC_proc": 2,
        "OFFSET": 10.0,
        "SW_p": 4000.0,
        "SF": 400.0,
    }
    (pdir / "procs").write_text(_jcamp(procs))
    ppm, data = read_processed(folder)
    assert data.shape == (1, 1024)
    np.testing.assert_allclose(data[0], values * 4.0)
    assert ppm[0] == 10.0 and ppm[1] - ppm[0] == pytest.approx(-10.0 / 1024)
    assert read_processed(folder, procno=2) is None


@pytest.mark.parametrize(
    ("folder", "bf2"),
    [("lineshape_17O_sixpeaks/4", 533.490532), ("lineshape_17O_singlepeak/10", 500.16)],
)
def test_17O_nucleus_kept_whatever_the_switched_off_channels_say(
    shared_dir, folder, bf2
):
    """NUC2/NUC3 are off; their BF (stale 533.49 MHz in the six-peak folder)
    is not the field: 17O at BF1 = 67.804 MHz means a 500.16 MHz magnet."""
    fid = read_experiment(shared_dir / "bruker" / folder)
    assert fid.acqus["BF2"] == pytest.approx(bf2)
    assert fid.nucleus == "17O" and fid.larmor_MHz == pytest.approx(67.8, abs=0.1)
    assert not [f for f in fid.flags if "NUC1" in f], fid.flags


def test_nucleus_checked_against_a_channel_that_was_on():
    from liprobe.nmr.acquisition import check_nucleus

    acqus = {"NUC1": "17O", "BF1": 67.803975, "NUC2": "1H", "BF2": 500.16}
    assert check_nucleus(acqus) == ("17O", [])
    # a 1H channel that was on at another field contradicts the label
    acqus["BF2"] = 533.490532
    assert check_nucleus(acqus) == ("", ["acqus_NUC1_contradicts_BF1"])
    # the same frequency on a channel that was off is not evidence
    acqus["NUC2"] = "off"
    assert check_nucleus(acqus) == ("17O", [])
    # channel 1 alone: BF1 over the label's frequency ratio must be a magnet's
    # 1H frequency (15N at 14.83 MHz would need a 146.3 MHz magnet)
    assert (
        check_nucleus({"NUC1": "15N", "BF1": 14.83, "NUC2": "off", "BF2": 200.13})[0]
        == ""
    )
    assert check_nucleus({"NUC1": "7Li", "BF1": 116.641914, "NUC2": "off"}) == (
        "7Li",
        [],
    )
