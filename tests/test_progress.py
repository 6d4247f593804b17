"""Progress lines: rate-limited, with fraction, rate and time left."""

from __future__ import annotations

import logging
import re

from liprobe.progress import INTERVAL_S, Progress


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_lines_are_rate_limited_and_say_fraction_and_rate(caplog):
    clock = _Clock()
    log = logging.getLogger("test_progress")
    with caplog.at_level(logging.INFO, logger="test_progress"):
        progress = Progress(log, "events", 1000, unit="events", clock=clock)
        for _ in range(10):
            clock.now += INTERVAL_S / 4
            progress.advance(50)
        progress.done()
    lines = [r.getMessage() for r in caplog.records]
    # 10 steps of a quarter interval: a line at every fourth step, then done()
    assert len(lines) == 3
    assert lines[0] == "events: 20 % (200 of 1000 events), 20 events/s, ~40 s left"
    assert lines[-1].startswith("events: 50 % (500 of 1000 events), 20 events/s")
    assert lines[-1].endswith("in 25.0 s")


def test_progress_without_total_counts_only(caplog):
    clock = _Clock()
    log = logging.getLogger("test_progress")
    with caplog.at_level(logging.INFO, logger="test_progress"):
        progress = Progress(log, "chunks", None, unit="events", clock=clock)
        clock.now = 2.0
        progress.advance(4e6)
        progress.done()
    assert (
        caplog.records[-1].getMessage()
        == "chunks: 4e+06 events, 2e+06 events/s in 2.0 s"
    )


def test_long_jobs_of_the_demo_log_their_progress(demo_run):
    """The list-mode streaming, the relaxation fits and the EXSY fits of the
    demo each end their log with a progress line: count, total and rate."""
    logs = demo_run / "logs"
    events = sorted((logs / "ndp" / "ndp_events").glob("*.log"))
    assert events
    for log in events:
        assert re.search(
            r"events: 100 % \(\S+ of \S+ events\), \S+ events/s", log.read_text()
        )
    fits = (logs / "relaxation" / "relaxation_fit" / "all.log").read_text()
    assert re.search(r"relaxation fits: 100 % \(\d+ of \d+ regions\)", fits)
    exsy = (logs / "exsy" / "exsy_fits" / "all.log").read_text()
    assert re.search(r"exsy fits: 100 % \(\d+ of \d+ series\)", exsy)


def test_stage_lines_of_the_demo_name_every_stage(demo_run):
    from liprobe.io.tables import read_table
    from liprobe.run_summary import STAGE_TABLES, stage_lines

    tables_dir = demo_run / "results" / "tables"
    tables = {
        name: read_table(tables_dir / f"{name}.parquet")
        for parts in STAGE_TABLES.values()
        for name, _ in parts
        if (tables_dir / f"{name}.parquet").is_file()
    }
    lines = stage_lines(tables)
    assert [line.split(":")[0] for line in lines] == list(STAGE_TABLES)
    n_fits = len(tables["relaxation_fits"])
    assert lines[1].startswith(f"relaxation: {n_fits} fits")
