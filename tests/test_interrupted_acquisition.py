"""Interrupted acquisitions: a ``ser`` with fewer rows than TD1 (the experiment
was stopped) keeps its complete rows, on copies of a real folder."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from liprobe.errors import InputError
from liprobe.io.bruker import read_processed
from liprobe.nmr import process, topspin_parity
from liprobe.steps.nmr_convert import convert_experiment

from conftest import nmr_opts, read_experiment

MENTHOL = "bruker/cheminfo_1H_t1ir_menthol/1"
ROW_BYTES = 8192 * 4  # TD = 8192 int32 words, a multiple of 1024 bytes
VDLIST = [10, 5, 4, 3, 2, 1, 0.5, 0.25, 0.1, 0.01]


@pytest.fixture
def menthol_copy(shared_dir, tmp_path):
    folder = tmp_path / "menthol" / "1"
    shutil.copytree(shared_dir / MENTHOL, folder)
    folder.chmod(0o755)
    (folder / "ser").chmod(0o644)
    return folder


def _cut(folder, n_bytes):
    raw = (folder / "ser").read_bytes()
    assert len(raw) == 10 * ROW_BYTES
    (folder / "ser").write_bytes(raw[:n_bytes])


@pytest.mark.parametrize(
    ("n_bytes", "kept", "partial"),
    [
        (7 * ROW_BYTES, 7, 0),
        (7 * ROW_BYTES + 5000, 7, 1),
        (ROW_BYTES + 1, 1, 1),
    ],
)
def test_complete_rows_kept_list_trimmed_partial_row_counted(
    menthol_copy, shared_dir, n_bytes, kept, partial
):
    full = read_experiment(shared_dir / MENTHOL)
    _cut(menthol_copy, n_bytes)
    fid = read_experiment(menthol_copy)
    assert fid.td1 == kept and fid.data.shape == (kept, 4096)
    np.testing.assert_allclose(fid.list_time_s, VDLIST[:kept])
    np.testing.assert_array_equal(fid.data, full.data[:kept])
    flag = f"interrupted_acquisition_{kept}_of_10_rows_{partial}_partial_row_dropped"
    assert flag in fid.flags
    # the kept rows still reproduce TopSpin's spectra of the complete experiment
    spectra = process(fid, nmr_opts())
    assert spectra.data.shape[0] == kept
    assert topspin_parity(spectra, read_processed(menthol_copy, 1), fid.td1) >= 0.999


def test_interrupted_experiment_converts_with_its_flag(menthol_copy):
    _cut(menthol_copy, 6 * ROW_BYTES + 123)
    item = {
        "experiment": "cut",
        "sample": "menthol",
        "series": "s",
        "path": str(menthol_copy),
        "procno": 1,
        "particle_radius_um": None,
        "overrides": {},
        "regions": [],
    }

    class _Log:
        def info(self, *args):
            pass

    tables, _ = convert_experiment(item, nmr_opts(), mixing_delay_index=8, log=_Log())
    record = tables["experiments"].iloc[0]
    assert record.n_increments == 6
    assert (
        "interrupted_acquisition_6_of_10_rows_1_partial_row_dropped" in record["flags"]
    )
    integrals = tables["integrals"]
    assert sorted(integrals.list_time_s.unique()) == sorted(VDLIST[:6])


def test_ser_with_more_rows_than_td1_is_an_error(menthol_copy):
    raw = (menthol_copy / "ser").read_bytes()
    (menthol_copy / "ser").write_bytes(raw + raw[:ROW_BYTES])
    with pytest.raises(InputError) as err:
        read_experiment(menthol_copy)
    assert err.value.field == "file size" and err.value.file.endswith("ser")
    assert "11 complete rows" in str(err.value)
