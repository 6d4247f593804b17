"""ndp sheet rows -> plain rule inputs and params."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liprobe.errors import InputError
from liprobe.ndp.sheet import listmode_files, optional, run_sheet


def test_run_sheet_values_and_optional_inputs(tmp_path):
    for name in ("b.BIN", "a.BIN"):
        (tmp_path / name).write_bytes(b"\xe1\xca")
    sheet = pd.DataFrame(
        {
            "run": ["r1", "r2"],
            "cell": ["c1", "c2"],
            "listmode": [str(tmp_path / "*.BIN"), str(tmp_path / "none_*.BIN")],
            "stack": ["s", "s"],
            "area_cm2": [1.0, 0.5],
            "slice_s": [np.nan, 600.0],
            "background": ["", str(tmp_path / "a.BIN")],
        }
    ).set_index("run")
    row = run_sheet(sheet, "r1")
    assert row["area_cm2"] == 1.0 and row["slice_s"] is None
    assert row["background"] is None and row["cycler"] is None
    assert run_sheet(sheet, "r2")["slice_s"] == 600.0
    assert listmode_files(sheet, "r1") == [
        str(tmp_path / "a.BIN"),
        str(tmp_path / "b.BIN"),
    ]
    with pytest.raises(InputError, match="listmode"):
        listmode_files(sheet, "r2")
    assert optional(sheet, "r1", "background") == []
    assert optional(sheet, "r2", "background") == [str(tmp_path / "a.BIN")]
    assert optional(sheet, "r2", "cycler", "x.parquet") == []
    assert optional(sheet, "r2", "background", "y") == ["y"]
