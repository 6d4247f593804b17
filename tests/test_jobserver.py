"""The job server: per-experiment jobs run in children of one warm process."""

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake.iocontainers import Namedlist

from liprobe.jobs import server as jobserver
from liprobe.jobs.server import Job, run_job, submit

TESTS = Path(__file__).resolve().parent


class FakeSnakemake:
    """Stands for the ``snakemake`` object of a script, built from real Namedlists."""

    def __init__(self, input, output, params, log):
        self.input = Namedlist(fromdict=input)
        self.output = Namedlist(fromdict=output)
        self.params = Namedlist(fromdict=params)
        self.log = Namedlist(toclone=log)


@pytest.fixture
def server(monkeypatch):
    """A private socket path; servers started there see tests/ on their path."""
    folder = Path(tempfile.mkdtemp(prefix="ljs-"))
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    monkeypatch.setenv("LIPROBE_JOBSERVER_IDLE_S", "30")
    yield folder / "s.sock"
    shutil.rmtree(folder, ignore_errors=True)


def make_job(tmp_path, name="out", value="v"):
    data = tmp_path / "in.txt"
    data.write_text("payload")
    return Job.from_snakemake(
        FakeSnakemake(
            input={"data": str(data)},
            output={"out": str(tmp_path / f"{name}.json")},
            params={"value": value},
            log=[str(tmp_path / f"{name}.log")],
        )
    )


def test_job_copies_named_fields_of_snakemake_objects(tmp_path):
    job = make_job(tmp_path)
    assert job.input.data.endswith("in.txt")
    assert job.params.value == "v"
    assert job.log == [str(tmp_path / "out.log")]
    with pytest.raises(AttributeError):
        _ = job.params.missing


def test_jobs_run_in_children_of_one_warm_server(server, tmp_path, monkeypatch):
    monkeypatch.setenv("LIPROBE_TEST_VALUE", "from the client")
    monkeypatch.chdir(tmp_path)
    seen = []
    for i in range(3):
        job = make_job(tmp_path, name=f"out{i}", value=i)
        outcome = submit("jobserver_targets:record", job, path=server)
        assert outcome.status == 0, outcome.message
        assert outcome.stdout == "to stdout\n"
        assert outcome.stderr == "to stderr\n"
        assert outcome.cpu_s >= 0
        seen.append(json.loads((tmp_path / f"out{i}.json").read_text()))
    servers = {s["ppid"] for s in seen}
    assert len(servers) == 1, "every job forked from the same server"
    (server_pid,) = servers
    assert server_pid != os.getpid()
    for s in seen:
        # the module was imported once, in the server, and inherited by the child
        assert s["imported_in"] == server_pid
        assert s["pid"] not in (server_pid, os.getpid())
        assert s["cwd"] == str(tmp_path)
        assert s["env"] == "from the client"
        assert s["input"] == "payload"
    assert [s["param"] for s in seen] == [0, 1, 2]
    assert len({s["pid"] for s in seen}) == 3


def test_concurrent_clients_start_one_server(server, tmp_path):
    outcomes = []

    def one(i):
        job = make_job(tmp_path, name=f"c{i}", value=i)
        outcomes.append(submit("jobserver_targets:record", job, path=server))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [o.status for o in outcomes] == [0] * 6
    parents = {
        json.loads((tmp_path / f"c{i}.json").read_text())["ppid"] for i in range(6)
    }
    assert len(parents) == 1


def test_failures_come_back_with_their_message(server, tmp_path):
    outcome = submit(
        "jobserver_targets:clean_exit", make_job(tmp_path, value="nmr.tsv"), path=server
    )
    assert outcome.status == 1
    assert outcome.message == "liprobe InputError: nmr.tsv: expected x, found y"
    outcome = submit("jobserver_targets:crash", make_job(tmp_path), path=server)
    assert outcome.status == 1
    assert "ZeroDivisionError: a bug in a job function" in outcome.message
    outcome = submit(
        "jobserver_targets:no_such_function", make_job(tmp_path), path=server
    )
    assert outcome.status == 1
    assert "no_such_function" in outcome.message


def test_run_job_exits_with_the_jobs_message(server, tmp_path, monkeypatch):
    monkeypatch.setattr(jobserver, "socket_path", lambda: server)
    smk = FakeSnakemake(
        input={"data": str(tmp_path)},
        output={"out": str(tmp_path / "x.json")},
        params={"value": "regions.tsv row 3"},
        log=[str(tmp_path / "x.log")],
    )
    with pytest.raises(SystemExit) as raised:
        run_job("jobserver_targets:clean_exit", smk)
    assert (
        raised.value.code
        == "liprobe InputError: regions.tsv row 3: expected x, found y"
    )


def test_run_job_notes_the_warm_run_in_the_log(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(jobserver, "socket_path", lambda: server)
    data = tmp_path / "in.txt"
    data.write_text("payload")
    log = tmp_path / "x.log"
    log.write_text("")
    smk = FakeSnakemake(
        input={"data": str(data)},
        output={"out": str(tmp_path / "x.json")},
        params={"value": 1},
        log=[str(log)],
    )
    run_job("jobserver_targets:record", smk)
    assert "ran in a child forked from a warm server, status 0" in log.read_text()
    captured = capsys.readouterr()
    assert captured.out == "to stdout\n" and "to stderr" in captured.err


def test_off_runs_in_this_process(tmp_path, monkeypatch):
    monkeypatch.setenv("LIPROBE_JOBSERVER", "off")
    monkeypatch.syspath_prepend(str(TESTS))
    smk = FakeSnakemake(
        input={"data": str(tmp_path / "in.txt")},
        output={"out": str(tmp_path / "x.json")},
        params={"value": 1},
        log=[str(tmp_path / "x.log")],
    )
    (tmp_path / "in.txt").write_text("payload")
    run_job("jobserver_targets:record", smk)
    assert json.loads((tmp_path / "x.json").read_text())["pid"] == os.getpid()


def test_unusable_server_falls_back_to_this_process(tmp_path, monkeypatch, capsys):
    def refuse(target, job, path=None):
        raise jobserver.ServerUnavailable("the server exited with status 1 at start")

    monkeypatch.setattr(jobserver, "submit", refuse)
    monkeypatch.syspath_prepend(str(TESTS))
    (tmp_path / "in.txt").write_text("payload")
    smk = FakeSnakemake(
        input={"data": str(tmp_path / "in.txt")},
        output={"out": str(tmp_path / "x.json")},
        params={"value": 1},
        log=[str(tmp_path / "x.log")],
    )
    run_job("jobserver_targets:record", smk)
    assert json.loads((tmp_path / "x.json").read_text())["pid"] == os.getpid()
    assert "jobserver: not used (the server exited" in capsys.readouterr().err


def test_a_server_that_cannot_start_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(jobserver.sys, "executable", "/bin/false")
    with pytest.raises(jobserver.ServerUnavailable, match="exited with status 1"):
        submit("jobserver_targets:record", make_job(tmp_path), path=tmp_path / "s.sock")


def test_idle_server_exits_and_removes_its_socket(server, tmp_path, monkeypatch):
    monkeypatch.setenv("LIPROBE_JOBSERVER_IDLE_S", "0.5")
    assert (
        submit("jobserver_targets:record", make_job(tmp_path), path=server).status == 0
    )
    deadline = time.monotonic() + 30
    while server.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not server.exists()


def test_key_follows_sources_interpreter_and_allocation(tmp_path, monkeypatch):
    package = tmp_path / "liprobe"
    shutil.copytree(
        jobserver.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.setattr(jobserver, "PACKAGE_DIR", package)
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    first = jobserver.server_key()
    assert jobserver.server_key() == first
    module = package / "nmr" / "processing.py"
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    edited = jobserver.server_key()
    assert edited != first
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    assert jobserver.server_key() != edited
    monkeypatch.setattr(jobserver.sys, "executable", "/other/python")
    assert len({first, edited, jobserver.server_key()}) == 3


def test_warm_and_in_process_conversion_write_the_same_tables(
    demo_run, tmp_path, monkeypatch, server
):
    """One demo experiment converted through a server equals the in-process run."""
    from liprobe.io.tables import read_table

    sheet = pd.read_csv(demo_run / "demo" / "nmr.tsv", sep="\t", dtype=str)
    row = sheet.iloc[0]
    regions = pd.read_csv(demo_run / "demo" / "regions.tsv", sep="\t")
    regions = regions[regions["sample"] == row["sample"]]
    from liprobe.options import build_options, validated_config

    config = yaml.safe_load((demo_run / "config.yaml").read_text())
    options = build_options(validated_config(config))
    monkeypatch.chdir(demo_run)
    params = {
        "experiment": row["experiment"],
        "sample": row["sample"],
        "series": "",
        "path": row["path"],
        "procno": 1,
        "particle_radius_um": None,
        "overrides": {},
        "regions": regions[["region", "ppm_min", "ppm_max"]].to_dict("records"),
        "options": options.nmr.params(),
        "mixing_delay_index": options.exsy.mixing_delay_index,
    }
    tables = ("experiment", "integrals", "spectra", "regions")
    results = {}
    for mode in ("warm", "local"):
        out = tmp_path / mode
        job = Job.from_snakemake(
            FakeSnakemake(
                input={},
                output={t: str(out / f"{t}.parquet") for t in tables},
                params=params,
                log=[str(out / "convert.log")],
            )
        )
        out.mkdir()
        if mode == "warm":
            outcome = submit("liprobe.steps.nmr_convert:run", job, path=server)
            assert outcome.status == 0, outcome.message
        else:
            jobserver.run_local("liprobe.steps.nmr_convert:run", job)
        results[mode] = {t: read_table(out / f"{t}.parquet") for t in tables}
    for t in tables:
        pd.testing.assert_frame_equal(results["warm"][t], results["local"][t])
    assert len(results["warm"]["integrals"]) > 0


def test_a_killed_client_ends_its_child(server, tmp_path):
    """A job killed by Snakemake must not go on writing in the server's child."""
    job = make_job(tmp_path, name="linger")
    code = (
        "import pickle, sys; from pathlib import Path;"
        "from liprobe.jobs.server import submit;"
        "job = pickle.loads(Path(sys.argv[1]).read_bytes());"
        "submit('jobserver_targets:linger', job, path=Path(sys.argv[2]))"
    )
    (tmp_path / "job.pickle").write_bytes(pickle.dumps(job))
    client = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "job.pickle"), str(server)],
        env=dict(
            os.environ, PYTHONPATH=f"{TESTS}{os.pathsep}{jobserver.PACKAGE_DIR.parent}"
        ),
    )
    pid_file = tmp_path / "linger.json"
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(pid_file.read_text())
    assert _alive(child)
    client.kill()
    client.wait()
    deadline = time.monotonic() + 30
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
