"""The conda environments stay honest offline: files exist, pins equal the lock."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
# conda-forge names that differ from the PyPI names in the lock file
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib", "pyyaml": "pyyaml"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        assert version, f"requirements.lock: '{line}' is not an exact pin"
        pins[_norm(name)] = version
    return pins


def _rule_env_files() -> set[Path]:
    envs = set()
    for smk in (REPO / "rules").glob("*.smk"):
        for match in re.finditer(r'conda:\s*\n\s*"([^"]+)"', smk.read_text()):
            envs.add((smk.parent / match.group(1)).resolve())
    return envs


def test_every_rule_conda_file_exists():
    envs = _rule_env_files()
    assert envs, "no conda: directives found in rules/*.smk"
    missing = [str(p) for p in envs if not p.is_file()]
    assert not missing, f"conda: files named by rules but missing: {missing}"


@pytest.mark.parametrize(
    "env_file", sorted((REPO / "envs").glob("*.yaml")), ids=lambda p: p.name
)
def test_env_pins_equal_lock(env_file):
    env = yaml.safe_load(env_file.read_text())
    assert env["channels"] == ["conda-forge", "nodefaults"]
    lock = _lock()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep["pip"]:
                name, _, version = pip_dep.partition("==")
                assert version, f"{env_file.name}: pip '{pip_dep}' is not pinned"
                assert lock.get(_norm(name)) == version, (
                    f"{env_file.name}: pip {name}=={version}, "
                    f"lock has {lock.get(_norm(name))}"
                )
            continue
        if dep == "pip":
            continue
        name, _, version = dep.partition("=")
        assert version, f"{env_file.name}: '{dep}' is not pinned"
        if name == "python":
            assert version == "3.11"
            continue
        pypi = CONDA_TO_PYPI.get(name, name)
        assert lock.get(_norm(pypi)) == version, (
            f"{env_file.name}: {name}={version}, lock has {lock.get(_norm(pypi))}"
        )


def test_every_env_is_used():
    used = {p.name for p in _rule_env_files()}
    present = {p.name for p in (REPO / "envs").glob("*.yaml")}
    assert present <= used, f"environments no rule uses: {sorted(present - used)}"
