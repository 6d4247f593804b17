"""Benchmark: decode + slice + histogram a large CoMPASS binary list-mode file.

Writes a CoMPASS file (header 0xCAE1: board, channel, u64 time tag, u16 energy,
u32 flags; 18 bytes per event) of N events to a temporary folder, in chunks,
then measures in the same run:

* baseline: a plain sequential read of the same bytes (``readinto`` of a
  reused buffer, no decoding);
* pipeline: :class:`liprobe.io.listmode.ListModeReader` chunks streamed into
  :class:`liprobe.ndp.events.EventAccumulator` (decode, timestamp-order check,
  flag rejection, time slicing, per-slice channel histograms, live-time
  bookkeeping).

It reports events per second of each and the ratio pipeline / baseline time
(target <= 2), plus the peak resident memory of the process (target < 1 GiB).
The page cache is warmed by the baseline pass first, so both read from memory
when the file fits; the ratio then measures the decoding work.

    python benchmarks/bench_listmode.py            # 1e8 events (1.8 GB file)
    python benchmarks/bench_listmode.py --smoke    # 1e6 events
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow_scripts"))

from liprobe.io.listmode import compass_dtype, open_listmode  # noqa: E402
from liprobe.ndp.events import EventAccumulator  # noqa: E402
from liprobe.options import defaults  # noqa: E402


def write_file(path: Path, n: int, chunk: int, seed: int = 0) -> float:
    """Write ``n`` events at 1 kHz mean rate; returns the acquisition length (s)."""
    rng = np.random.default_rng(seed)
    dtype = compass_dtype(0x1, 0)
    t_ps = 0
    with open(path, "wb") as fh:
        fh.write((0xCAE1).to_bytes(2, "little"))
        done = 0
        while done < n:
            m = min(chunk, n - done)
            rec = np.zeros(m, dtype)
            dt = rng.exponential(1e9, m).astype(np.uint64)  # ps, 1 kHz
            rec["timetag"] = np.uint64(t_ps) + np.cumsum(dt)
            t_ps = int(rec["timetag"][-1])
            rec["energy"] = rng.integers(0, 4096, m)
            rec["flags"] = np.where(rng.uniform(0, 1, m) < 0.01, 0x8000, 0)
            rec.tofile(fh)
            done += m
    return t_ps * 1e-12


def plain_read(path: Path, chunk_bytes: int) -> int:
    """Read every byte into a reused buffer; returns the byte count."""
    buf = bytearray(chunk_bytes)
    view = memoryview(buf)
    total = 0
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(view):
            total += n
    return total


def pipeline(path: Path, duration_s: float, chunk: int) -> int:
    """Decode, slice (1800 s) and histogram every event; returns events read."""
    edges = np.arange(0.0, duration_s + 1800.0, 1800.0)
    ndp = defaults().ndp
    acc = EventAccumulator(
        edges,
        n_channels=4096,
        disorder_tolerance_s=ndp.disorder_tolerance_s,
        max_time_jump_s=ndp.max_time_jump_s,
    )
    reader = open_listmode(path, "compass_bin", chunk_events=chunk)
    for rec in reader.raw_chunks():
        acc.add_raw(rec["timetag"], rec["energy"], rec["flags"])
    acc.live_times(False, dead_time_per_event_s=ndp.dead_time_per_event_s)
    assert sum(acc.accounting().values()) == acc.n_read
    return acc.n_read


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="1e6 events")
    ap.add_argument("--events", type=float, default=1e8)
    ap.add_argument("--chunk", type=int, default=1 << 20)
    args = ap.parse_args(argv)
    n = int(1e6 if args.smoke else args.events)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.BIN"
        t = time.perf_counter()
        duration = write_file(path, n, args.chunk)
        size = path.stat().st_size
        dt = time.perf_counter() - t
        print(f"wrote {n:.3g} events, {size / 1e9:.2f} GB in {dt:.1f} s")
        plain_read(path, args.chunk * 18)  # warm the page cache
        t = time.perf_counter()
        plain_read(path, args.chunk * 18)
        t_read = time.perf_counter() - t
        pipeline(path, min(duration, 3600.0), 1000)  # compile the kernel first
        t = time.perf_counter()
        n_read = pipeline(path, duration, args.chunk)
        t_pipe = time.perf_counter() - t
    assert n_read == n
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"baseline plain read : {n / t_read:12.4g} events/s ({t_read:.2f} s)")
    print(f"decode+slice+hist   : {n / t_pipe:12.4g} events/s ({t_pipe:.2f} s)")
    ratio = t_pipe / t_read
    print(f"ratio pipeline/read : {ratio:.2f} (target <= 2)")
    print(f"peak memory         : {peak_mib:.0f} MiB (target < 1024)")


if __name__ == "__main__":
    main()
