"""Progress lines for long jobs: fraction done, rate, time left.

``Progress(log, "events", total=n, unit="events")`` and ``.advance(k)`` after
each piece of work log ``events: 45 % (4.5e+06 of 1e+07 events), 1.2e+06
events/s, ~4 s left`` at most every :data:`INTERVAL_S` seconds, and one final
line from ``.done()``. A job with no known total logs counts and rates only.
"""

from __future__ import annotations

import time

#: seconds between two progress lines of one job
INTERVAL_S = 10.0


class Progress:
    """Rate-limited progress lines on a :class:`logging.Logger`."""

    def __init__(
        self, log, what: str, total: float | None, unit: str, clock=time.monotonic
    ) -> None:
        self.log = log
        self.what = what
        self.total = total if total and total > 0 else None
        self.unit = unit
        self.clock = clock
        self.count = 0.0
        self.start = clock()
        self.last = self.start

    def _line(self, now: float) -> str:
        elapsed = max(now - self.start, 1e-9)
        rate = self.count / elapsed
        text = f"{self.count:.4g} {self.unit}"
        if self.total is not None:
            share = min(self.count / self.total, 1.0)
            text = (
                f"{100 * share:.0f} % ({self.count:.4g} of {self.total:.4g} "
                f"{self.unit})"
            )
        text += f", {rate:.3g} {self.unit}/s"
        if self.total is not None and 0 < rate and self.count < self.total:
            text += f", ~{(self.total - self.count) / rate:.0f} s left"
        return f"{self.what}: {text}"

    def advance(self, n: float = 1) -> None:
        """Count ``n`` more units done; log a line if the interval has passed."""
        self.count += n
        now = self.clock()
        if now - self.last >= INTERVAL_S:
            self.last = now
            self.log.info("%s", self._line(now))

    def done(self) -> None:
        """Log the final line (total count, mean rate, elapsed time)."""
        now = self.clock()
        self.log.info("%s in %.1f s", self._line(now), now - self.start)
