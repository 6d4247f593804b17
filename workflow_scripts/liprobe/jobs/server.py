"""Run many small jobs without paying the imports of each one.

A per-experiment rule (convert one Bruker folder, plot one experiment) does a
fraction of a second of work, but its interpreter spends about two seconds
importing numpy, pandas, pyarrow, nmrglue (which pulls in ``scipy.signal``) and
matplotlib. Hundreds of such jobs spend most of a campaign's time importing.

The job server removes that cost without merging jobs: every experiment stays
its own Snakemake job (its own inputs, outputs, log, benchmark and rerun
decision), but the job's work runs in a child forked from a warm server process
that has imported the job's module once.

* The client is the rule script: :func:`run_job` turns the ``snakemake`` object
  into a plain, picklable :class:`Job` and sends it over a Unix socket. The
  client imports nothing heavy.
* The server (``python -m liprobe.jobs.server <socket>``) is started by the
  first client that finds none, under a file lock so that concurrent clients
  start one. It imports a job's module in itself before forking (so the next
  job of that rule inherits it), forks one child per job, and exits after
  ``LIPROBE_JOBSERVER_IDLE_S`` seconds (default 60) without a job.
* The child takes the client's working directory and environment, runs the job
  function with its stdout and stderr captured, and returns the exit status,
  the captured output and its CPU time; the client replays them, so the job's
  console output, log file and exit status are those of an in-process run. A
  child whose client dies (the job was killed) ends at once.
* One server serves one interpreter and one state of the liprobe sources: the
  socket name is a hash of ``sys.executable`` and of every liprobe source
  file's path, size and modification time. An edited library module therefore
  gets a fresh server (and Snakemake reruns the job because the module is one
  of its inputs); a stale server idles out. On a SLURM cluster the allocation's
  job id is part of the hash, so the work of a job never runs in (or is
  charged to) another job's allocation; the gain there comes with groups
  (``profiles/slurm``: eight experiments per allocation share one server).
* Anything wrong with the server (it cannot start, dies, or answers garbage)
  makes the client run the job in its own process, with a warning on stderr.
  ``LIPROBE_JOBSERVER=off`` always runs in-process.

Caveat: Snakemake's ``benchmark:`` file of a job run through the server has the
job's wall time, but its CPU time is the client's only; the child's CPU time
is printed to the job's stderr (``jobserver: ... cpu``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from liprobe.steps.job import Job, resolve

PACKAGE_DIR = Path(__file__).resolve().parents[1]
OFF_VALUES = {"0", "off", "no", "false"}
DEFAULT_IDLE_S = 60.0
START_TIMEOUT_S = 60.0
_HEADER = struct.Struct("!Q")


@dataclass
class Outcome:
    """What a job run in a forked child returns to its client."""

    status: int
    message: str
    stdout: str
    stderr: str
    cpu_s: float


# ---------------------------------------------------------------- the client


def run_job(target: str, smk) -> None:
    """Run ``target`` (``"package.module:function"``) on the job ``smk``.

    Runs through the job server unless ``LIPROBE_JOBSERVER`` is off or the
    server cannot be used, in which case it runs in this process. Exits the
    process with the job's status when the job fails.
    """
    job = Job.from_snakemake(smk)
    if os.environ.get("LIPROBE_JOBSERVER", "on").strip().lower() in OFF_VALUES:
        run_local(target, job)
        return
    try:
        outcome = submit(target, job)
    except (OSError, EOFError, pickle.PickleError, ServerUnavailable) as exc:
        print(
            f"jobserver: not used ({exc}); running {target} in this process",
            file=sys.stderr,
        )
        run_local(target, job)
        return
    sys.stdout.write(outcome.stdout)
    sys.stdout.flush()
    sys.stderr.write(outcome.stderr)
    sys.stderr.flush()
    if job.log and Path(job.log[0]).exists():
        with open(job.log[0], "a") as log:
            log.write(
                f"jobserver: {target} ran in a child forked from a warm server, "
                f"status {outcome.status}, {outcome.cpu_s:.2f} s cpu\n"
            )
    if outcome.status:
        sys.exit(outcome.message or outcome.status)


def run_local(target: str, job: Job) -> None:
    """Run the job function in this process."""
    resolve(target)(job)


class ServerUnavailable(RuntimeError):
    """The job server could not be started or reached."""


def server_key() -> str:
    """Hash of what a server must share with its clients.

    The interpreter, the liprobe sources (path, size, mtime), the host and, on
    a SLURM allocation, its job id: work must run inside the allocation that
    asked for it, so each allocation (one group job of several experiments)
    gets its own server.
    """
    digest = hashlib.sha256(sys.executable.encode())
    digest.update(socket.gethostname().encode())
    digest.update(os.environ.get("SLURM_JOB_ID", "").encode())
    digest.update(str(PACKAGE_DIR).encode())
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        stat = path.stat()
        digest.update(
            f"{path.relative_to(PACKAGE_DIR)}:{stat.st_size}:"
            f"{stat.st_mtime_ns}\n".encode()
        )
    return digest.hexdigest()[:20]


def server_dir() -> Path:
    """A private folder for this user's sockets and locks."""
    folder = Path(tempfile.gettempdir()) / f"liprobe-jobserver-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_uid != os.getuid():
        raise ServerUnavailable(f"{folder} belongs to another user")
    return folder


def socket_path() -> Path:
    return server_dir() / f"{server_key()}.sock"


def submit(target: str, job: Job, path: Path | None = None) -> Outcome:
    """Send the job to the server at ``path`` (started if absent); wait."""
    path = path or socket_path()
    connection = _connect(path)
    if connection is None:
        connection = _start_and_connect(path)
    with connection:
        request = {
            "target": target,
            "job": job,
            "cwd": os.getcwd(),
            "env": dict(os.environ),
        }
        _send(connection, request)
        outcome = _receive(connection)
    if not isinstance(outcome, Outcome):
        raise ServerUnavailable(f"unexpected answer {type(outcome).__name__}")
    return outcome


def _connect(path: Path) -> socket.socket | None:
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(str(path))
    except OSError:
        connection.close()
        return None
    return connection


def _start_and_connect(path: Path) -> socket.socket:
    """Start a server for ``path`` unless another client just did; connect."""
    lock_path = path.with_suffix(".lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        connection = _connect(path)
        if connection is not None:
            return connection
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(PACKAGE_DIR.parent)] + [p for p in [env.get("PYTHONPATH")] if p]
        )
        env.setdefault("MPLBACKEND", "Agg")
        server = subprocess.Popen(
            [sys.executable, "-m", "liprobe.jobs.server", str(path)],
            cwd="/",
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            connection = _connect(path)
            if connection is not None:
                return connection
            if server.poll() is not None:
                raise ServerUnavailable(
                    f"the server exited with status {server.returncode} at start"
                )
            time.sleep(0.01)
        server.kill()
        raise ServerUnavailable(f"no server at {path} after {START_TIMEOUT_S:.0f} s")


def _send(connection: socket.socket, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    connection.sendall(_HEADER.pack(len(data)) + data)


def _receive(connection: socket.socket):
    head = _read_exactly(connection, _HEADER.size)
    (size,) = _HEADER.unpack(head)
    return pickle.loads(_read_exactly(connection, size))


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = connection.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the job server closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- the server


def serve(path: Path, idle_s: float) -> None:
    """Accept jobs at ``path`` until ``idle_s`` seconds pass without one."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reap themselves
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(128)
    listener.settimeout(idle_s)
    try:
        while True:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                return
            connection.settimeout(None)
            _handle(listener, connection)
    finally:
        # Unlink first: a client arriving now starts a new server instead of
        # queueing on a listener that is about to close.
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        listener.close()


def _handle(listener: socket.socket, connection: socket.socket) -> None:
    """Import the job's module here, then run the job in a forked child."""
    try:
        request = _receive(connection)
        target = request["target"]
        resolve(target)  # imports the module in the server: later forks inherit it
    except Exception:
        with contextlib.suppress(OSError):
            _send(connection, Outcome(1, traceback.format_exc(), "", "", 0.0))
        connection.close()
        return
    pid = os.fork()
    if pid:
        connection.close()
        return
    status = 1
    try:
        listener.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        status = _run_child(connection, request)
    finally:
        os._exit(status)


def _run_child(connection: socket.socket, request: dict) -> int:
    """In the forked child: run the job as the client would, send the outcome."""
    threading.Thread(target=_exit_with_client, args=(connection,), daemon=True).start()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        status, message = 0, ""
        try:
            resolve(request["target"])(request["job"])
        except SystemExit as exc:
            if isinstance(exc.code, str):
                status, message = 1, exc.code
            else:
                status = int(exc.code or 0)
        except BaseException:
            status, message = 1, traceback.format_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        out.seek(0)
        err.seek(0)
        usage = os.times()
        outcome = Outcome(
            status, message, out.read(), err.read(), usage.user + usage.system
        )
    _send(connection, outcome)
    connection.close()
    return status


def _exit_with_client(connection: socket.socket) -> None:
    """End the child when its client goes away (job killed, Ctrl-C).

    The client sends nothing after its request, so ``recv`` returns only when
    the connection closes: after the outcome was sent (the child is finishing
    anyway) or because the client died, whose job must not go on writing its
    outputs behind Snakemake's back.
    """
    with contextlib.suppress(OSError):
        connection.recv(1)
    os._exit(1)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m liprobe.jobs.server <socket>", file=sys.stderr)
        return 2
    idle = float(os.environ.get("LIPROBE_JOBSERVER_IDLE_S", DEFAULT_IDLE_S))
    serve(Path(args[0]), idle)
    return 0


if __name__ == "__main__":
    # Run the importable module, not this __main__ copy: what the server pickles
    # (Outcome) must unpickle in the client as liprobe.jobs.server.Outcome.
    from liprobe.jobs import server as jobserver

    raise SystemExit(jobserver.main())
