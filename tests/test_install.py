"""liprobe installs as a package.

* ``pip install -e .`` (hatchling, from pyproject.toml) makes ``import liprobe``
  work from any folder, from this checkout's ``workflow_scripts/``, and
  installs the ``liprobe`` command.

The tests build a small venv of its own (no pip, no packages): the packages of
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
    version = subprocess.run(
        [str(command), "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=_env(),
    ).stdout.strip()
    assert version == f"liprobe {liprobe.__version__}"
    where = subprocess.run(
        [str(command), "where"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=_env(),
    ).stdout.strip()
    assert Path(where) == (REPO / "Snakefile").resolve()
