"""Logging for rule scripts: one log file per job, errors in one clear line."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from liprobe.errors import LiprobeError


@contextmanager
def rule_log(log_path: str | Path, name: str = "liprobe") -> Iterator[logging.Logger]:
    """Log to ``log_path`` (and stderr); turn a LiprobeError into a clean exit.

    A :class:`~liprobe.errors.LiprobeError` is written to the log and ends the
    job with its one-line message (file, field, expected, found) instead of a
    traceback; any other exception is logged with its traceback and re-raised.
    """
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    for handler in (logging.FileHandler(log_path, mode="w"), logging.StreamHandler()):
        handler.setFormatter(fmt)
        logger.addHandler(handler)
    try:
        yield logger
    except LiprobeError as exc:
        logger.error("%s: %s", type(exc).__name__, exc)
        sys.exit(f"liprobe {type(exc).__name__}: {exc}")
    except Exception:
        logger.exception("unexpected failure")
        raise
    finally:
        for handler in logger.handlers:
            handler.flush()
