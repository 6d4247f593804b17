"""The end-of-run lines: one per stage, with the flagged rows counted by flag."""

from __future__ import annotations

import pandas as pd

from liprobe.run_summary import stage_lines, table_line


def test_table_line_counts_flagged_rows_by_flag():
    fits = pd.DataFrame(
        {
            "fit_ok": [True, False, True, True],
            "flags": [
                "",
                "time_constant_beyond_list;at_bound:b",
                "time_constant_beyond_list",
                "acqus_NUC1_not_checked;temperature_K_from_sheet",
            ],
        }
    )
    assert table_line(fits, "fits") == (
        "4 fits, 2 flagged (time_constant_beyond_list 2, at_bound 1)"
    )


def test_a_failed_fit_without_flags_is_counted():
    fits = pd.DataFrame({"fit_ok": [False, True], "flags": ["", ""]})
    assert table_line(fits, "fits") == "2 fits, 1 flagged (fit_not_ok 1)"


def test_stage_lines_skip_stages_without_tables():
    tables = {
        "relaxation_fits": pd.DataFrame({"fit_ok": [True], "flags": [""]}),
        "relaxation_arrhenius": pd.DataFrame(
            {"fit_ok": [True], "flags": ["scatter_exceeds_errors(p=5e-3)"]}
        ),
        "cycles": pd.DataFrame({"cycle": [1, 2]}),
    }
    assert stage_lines(tables) == [
        "relaxation: 1 fits; 1 temperature fits, 1 flagged (scatter_exceeds_errors 1)",
        "echem: 2 half-cycles",
    ]
