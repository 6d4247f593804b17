"""liprobe installs as a package, and the workflow never runs a stale copy of it.

* ``pip install -e .`` (hatchling, from pyproject.toml) makes ``import liprobe``
  work from any folder, from this checkout's ``workflow_scripts/``, and
  installs the ``liprobe`` command.
* A rule's script imports liprobe from the checkout the Snakefile belongs to,
  even when an older liprobe is installed in the interpreter's site-packages
  (Snakemake's script preamble only appends the workflow's paths to
  ``sys.path``, after site-packages).

Each test builds a small venv of its own (no pip, no packages): the packages of
the running interpreter are reached through a ``.pth`` file placed after
everything else, so what the venv itself holds is found first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import liprobe

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "workflow_scripts"


PURELIB = "import sysconfig; print(sysconfig.get_path('purelib'))"
WHERE = "import liprobe; print(liprobe.__file__)"


def _venv(root: Path) -> tuple[Path, Path]:
    """A venv whose site-packages ends with the running interpreter's packages."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(root)], check=True
    )
    python = root / "bin" / "python"
    site = Path(
        subprocess.run(
            [
                str(python),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "zz_outer_packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return python, site


def _env() -> dict[str, str]:
    """The environment without anything that would put liprobe on the path."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv with liprobe installed editable from this checkout."""
    root = tmp_path_factory.mktemp("editable") / "venv"
    python, _site = _venv(root)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps"]
        + ["--no-build-isolation", "--no-index", "-e", str(REPO)],
        check=True,
        env=_env(),
    )
    return root


def test_editable_install_imports_liprobe_from_the_checkout(installed, tmp_path):
    out = subprocess.run(
        [
            str(installed / "bin/python"),
            "-c",
            "import liprobe; print(liprobe.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,  # any folder: nothing relative to the checkout
        env=_env(),
    ).stdout.strip()
    assert Path(out).resolve() == (SCRIPTS / "liprobe" / "__init__.py").resolve()


def test_liprobe_command(installed, tmp_path):
    command = installed / "bin" / "liprobe"
    assert command.is_file(), "pip install -e . installed no liprobe command"

    def output(*args):
        return subprocess.run(
            [str(command), *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
            env=_env(),
        ).stdout.strip()

    assert output("--version") == f"liprobe {liprobe.__version__}"
    where = output("where")
    assert Path(where) == (REPO / "Snakefile").resolve()


STALE = '''"""An old liprobe installed in site-packages."""
raise ImportError("stale liprobe imported from site-packages: " + __file__)
'''


def test_rules_import_liprobe_from_this_checkout(tmp_path):
    """A job of the real workflow runs this checkout's liprobe, not site-packages'."""
    python, site = _venv(tmp_path / "venv")
    (site / "liprobe").mkdir()
    (site / "liprobe" / "__init__.py").write_text(STALE)
    check = subprocess.run(
        [str(python), "-c", "import liprobe"],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert "stale liprobe" in check.stderr, (
        "the stale copy is not what plain Python finds"
    )

    work = tmp_path / "work"
    work.mkdir()
    # a campaign without sheets: only the provenance rules have work to do
    (work / "config.yaml").write_text("sheets:\n  nmr: null\n")
    target = "results/report/config_used.yaml"
    run = subprocess.run(
        [str(python), "-m", "snakemake", target, "-s", str(REPO / "Snakefile")]
        + ["--cores", "1", "--configfile", "config.yaml"],
        capture_output=True,
        text=True,
        cwd=work,
        env=_env(),
    )
    log = run.stdout + run.stderr
    assert "stale liprobe" not in log, log[-4000:]
    assert run.returncode == 0, log[-4000:]
    assert "sheets:" in (work / target).read_text()
