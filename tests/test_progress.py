"""Progress lines: rate-limited, with fraction, rate and time left."""

from __future__ import annotations

import logging

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
