"""Every malformed input of the corpus, one by one: a clear liprobe error or a flag.

The corpus (``tests/malformed.py``) builds each broken input from a good one in
a temporary folder. A case either raises :class:`liprobe.errors.InputError`
naming the file, the field, what was expected and what was found, or gives
flagged result rows, or (list-mode timing faults) puts the affected events in an
accounting bucket so that accepted + rejected = read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liprobe.errors import InputError, LiprobeError

from malformed import CASES, Case

AREAS = {"bruker", "lists", "regions", "fits", "listmode", "cycler", "sheets"}


def test_corpus_is_large_and_covers_every_area():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    assert len(CASES) >= 40
    assert {c.area for c in CASES} == AREAS
    assert all(c.outcome in {"error", "flagged", "accounted"} for c in CASES)


def _thunk(case: Case, tmp_path: Path, request) -> object:
    shared = request.getfixturevalue("shared_dir") if case.needs_shared else None
    return case.build(tmp_path, shared)


ERROR_CASES = [c for c in CASES if c.outcome == "error"]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.name for c in ERROR_CASES])
def test_malformed_input_gives_an_input_error(case, tmp_path, request):
    run = _thunk(case, tmp_path, request)
    with pytest.raises(InputError) as info:
        run()
    err = info.value
    message = str(err)
    assert err.file, message
    assert case.file in Path(err.file).name or case.file in err.file, message
    assert case.field.lower() in err.field.lower(), message
    assert str(err.expected).strip(), message
    # what was found: a value (an empty one shows as '') or a description
    assert err.found is not None, message
    # one line a user can read: file, field, expected and found all in it
    assert "\n" not in message.split(": field")[0]
    assert err.field in message and str(err.expected) in message


FLAGGED_CASES = [c for c in CASES if c.outcome == "flagged"]


@pytest.mark.parametrize("case", FLAGGED_CASES, ids=[c.name for c in FLAGGED_CASES])
def test_impossible_fit_is_a_flagged_row(case, tmp_path, request):
    run = _thunk(case, tmp_path, request)
    rows = run()
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    assert len(frame) >= 1
    assert not frame["fit_ok"].astype(bool).any()
    flags = frame["flags"].astype(str)
    assert (flags.str.len() > 0).all()
    if case.field:
        assert flags.str.contains(case.field).all(), list(flags)


ACCOUNTED_CASES = [c for c in CASES if c.outcome == "accounted"]


@pytest.mark.parametrize("case", ACCOUNTED_CASES, ids=[c.name for c in ACCOUNTED_CASES])
def test_listmode_timing_faults_lose_no_event(case, tmp_path, request):
    run = _thunk(case, tmp_path, request)
    accounting, n_read, slices = run()
    assert n_read > 0
    assert int(accounting["n_events"].sum()) == n_read
    counts = accounting.groupby("reason")["n_events"].sum()
    if case.field:
        assert counts.get(case.field, 0) > 0, counts.to_dict()
    else:
        # a slice holding no events is still a row, with zero counts, not a gap
        assert len(slices) == 3
        empty = slices.iloc[-1]
        assert empty["n_recorded"] == 0
        assert np.isfinite(empty["real_s"]) and np.isfinite(empty["live_s"])


def test_errors_are_liprobe_errors():
    assert issubclass(InputError, LiprobeError)
