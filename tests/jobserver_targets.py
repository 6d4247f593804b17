"""Job functions for tests/test_jobserver.py, imported by the job server."""

import json
import os
import sys
from pathlib import Path

# The process that imported this module: the server, when a job ran warm.
IMPORTED_IN = os.getpid()


def record(job):
    """Write where and how the job ran to its ``out`` output."""
    print("to stdout")
    print("to stderr", file=sys.stderr)
    Path(job.output.out).write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "ppid": os.getppid(),
                "imported_in": IMPORTED_IN,
                "cwd": os.getcwd(),
                "env": os.environ.get("LIPROBE_TEST_VALUE"),
                "param": job.params.value,
                "input": Path(job.input.data).read_text(),
            }
        )
    )


def clean_exit(job):
    """Fail the way rule_log fails on a LiprobeError: SystemExit with a message."""
    sys.exit(f"liprobe InputError: {job.params.value}: expected x, found y")


def crash(job):
    """Fail with an unexpected exception."""
    raise ZeroDivisionError("a bug in a job function")


def linger(job):
    """Write this child's pid, then work for a long time."""
    import time

    Path(job.output.out).write_text(str(os.getpid()))
    time.sleep(120)
