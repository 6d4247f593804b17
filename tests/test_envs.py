"""The conda environments and the lock stay honest, offline.

* Every rule runs in an environment file that exists, and every file is used.
* Each environment is solvable from conda-forge as far as can be known offline:
  exact pins, channels conda-forge + nodefaults, the packages conda-forge does
  not carry (``[tool.liprobe.envs] pypi-only``) under ``pip:`` with a reason.
* Each environment is complete and minimal: every third-party module a rule's
  script can import (its import closure, ``liprobe.plan.imports``) is in the
  rule's environment, and the environment carries nothing else but the
  runtime-only needs listed with a reason in pyproject.toml.
* Pins equal ``requirements.lock``; the lock has hashes and is compiled from
  pyproject.toml by the Makefile's command; the GPL cycler reader stays in the
  echem environment and out of liprobe's own dependencies.

tests/check_envs.py (run by CI) installs each environment for real and imports
its rules' modules there.
"""

from __future__ import annotations

import re
import textwrap
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from liprobe.plan.imports import external_imports

from check_envs import (
    LOCK,
    REPO,
    env_files,
    lock_pins,
    norm,
    project,
    read_env,
    rule_envs,
    settings,
)

SCRIPTS = REPO / "workflow_scripts"
LIB = SCRIPTS / "liprobe"
RULES = rule_envs()
ENV_FILES = env_files()


def _imports_map() -> dict[str, str]:
    return {k: norm(v) for k, v in settings()["imports"].items()}


def _distributions_needed(script: Path) -> dict[str, str]:
    """{normalised distribution: import name} of a script's third-party imports."""
    mapping = _imports_map()
    modules = external_imports(script, LIB)
    unknown = sorted(m for m in modules if m not in mapping)
    assert not unknown, (
        f"{script.name} imports {unknown}, which [tool.liprobe.imports] in "
        "pyproject.toml does not map to a distribution"
    )
    return {mapping[m]: m for m in modules}


def _runtime_only(env_name: str) -> dict[str, str]:
    table = settings()["envs"].get("runtime-only", {})
    return {norm(k): v for k, v in table.get(env_name, {}).items()}


def _rules_of(env_file: Path) -> list[str]:
    return sorted(r for r, (_, env) in RULES.items() if env == env_file.resolve())


def test_every_rule_has_an_existing_env():
    assert RULES, "no rule with script: and conda: found in rules/*.smk"
    missing = sorted(
        f"{r}: {env}" for r, (_, env) in RULES.items() if not env.is_file()
    )
    assert not missing, f"conda: files named by rules but missing: {missing}"
    scripts = sorted(f"{r}: {s}" for r, (s, _) in RULES.items() if not s.is_file())
    assert not scripts, f"scripts named by rules but missing: {scripts}"


def test_every_env_is_used():
    used = {env.name for _, env in RULES.values()}
    present = {p.name for p in ENV_FILES}
    assert present <= used, f"environments no rule uses: {sorted(present - used)}"


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.name)
def test_env_pins_equal_lock(env_file):
    env = read_env(env_file)
    assert env.channels == ["conda-forge", "nodefaults"]
    assert env.python == "3.11", f"{env.name}: python={env.python}, expected 3.11"
    assert env.has_pip == bool(env.pip), (
        f"{env.name}: 'pip' must be a dependency exactly when there is a pip: list"
    )
    lock = lock_pins()
    for name, version in env.distributions().items():
        assert lock.get(name) == version, (
            f"{env.name}: {name} pinned {version}, requirements.lock has "
            f"{lock.get(name)}"
        )


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.name)
def test_pip_only_for_what_conda_forge_lacks(env_file):
    """conda-forge packages as conda dependencies, the rest under pip: with a reason."""
    env = read_env(env_file)
    pypi_only = {norm(n) for n in settings()["envs"]["pypi-only"]}
    on_pip = {norm(n) for n in env.pip}
    conda_names = settings()["envs"]["conda-names"]
    to_pypi = {v: k for k, v in conda_names.items()}
    as_conda = {norm(to_pypi.get(n, n)) for n in env.conda}
    assert not (as_conda & pypi_only), (
        f"{env.name}: {sorted(as_conda & pypi_only)} are not on conda-forge; "
        "list them under pip:"
    )
    assert on_pip <= pypi_only, (
        f"{env.name}: {sorted(on_pip - pypi_only)} under pip: although conda-forge "
        "carries them (or add them to [tool.liprobe.envs] pypi-only)"
    )
    # conda-forge's name where it differs from PyPI's (matplotlib-base)
    for pypi, conda in conda_names.items():
        assert pypi not in env.conda, f"{env.name}: use conda-forge's name {conda}"
    silent = sorted(n for n, c in env.pip_comments.items() if not c)
    assert not silent, f"{env.name}: pip entries without a reason comment: {silent}"


@pytest.mark.parametrize("rule", sorted(RULES))
def test_env_carries_every_import_of_its_rule(rule):
    script, env_file = RULES[rule]
    needed = _distributions_needed(script)
    have = read_env(env_file).distributions()
    missing = sorted(f"{d} (import {m})" for d, m in needed.items() if d not in have)
    assert not missing, (
        f"rule {rule} ({script.name}) imports packages {env_file.name} lacks: {missing}"
    )


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.name)
def test_env_carries_nothing_unused(env_file):
    env = read_env(env_file)
    used: set[str] = set()
    for rule in _rules_of(env_file):
        used |= set(_distributions_needed(RULES[rule][0]))
    allowed = _runtime_only(env.name)
    unused = sorted(set(env.distributions()) - used - set(allowed))
    assert not unused, (
        f"{env.name}: no script of its rules {_rules_of(env_file)} imports "
        f"{unused}; drop them, or list a runtime-only need with its reason in "
        "[tool.liprobe.envs.runtime-only] of pyproject.toml"
    )
    for name, reason in allowed.items():
        assert reason.strip(), f"{env.name}: runtime-only {name} without a reason"
        assert name in env.distributions(), (
            f"[tool.liprobe.envs.runtime-only] allows {name} in {env.name}, "
            "which does not carry it"
        )
        assert name not in used, (
            f"{name} is imported by a rule of {env.name}: not runtime-only"
        )


def test_import_map_matches_installed_distributions():
    """Each import name is provided by the distribution the map names."""
    provided = metadata.packages_distributions()
    wrong = {
        module: (dist, provided.get(module))
        for module, dist in _imports_map().items()
        if dist not in {norm(d) for d in provided.get(module, [])}
    }
    assert not wrong, f"import -> (mapped, installed providers): {wrong}"


def _license(dist: str) -> str:
    meta = metadata.metadata(dist)
    first_line = (meta.get("License") or "").splitlines()[:1]
    classifiers = [c for c in meta.get_all("Classifier") or [] if "License" in c]
    return " ".join([meta.get("License-Expression") or "", *first_line, *classifiers])


def test_gpl_only_in_the_echem_env_and_an_extra():
    gpl = re.compile(r"(?<!L)GPL")
    found = {
        env_file.name: sorted(
            d for d in read_env(env_file).distributions() if gpl.search(_license(d))
        )
        for env_file in ENV_FILES
    }
    assert found.pop("echem.yaml") == ["datalab-org-galvani"]
    assert not any(found.values()), f"GPL packages outside echem.yaml: {found}"
    runtime = [norm(Requirement(r).name) for r in project()["project"]["dependencies"]]
    assert not [d for d in runtime if gpl.search(_license(d))]
    cycler = {
        norm(Requirement(r).name)
        for r in project()["project"]["optional-dependencies"]["cycler"]
    }
    assert "datalab-org-galvani" in cycler


def test_pyproject_dependencies_are_the_envs_packages():
    """Runtime dependencies + the cycler extra: the envs' packages and Snakemake."""
    meta = project()["project"]
    runtime = {norm(Requirement(r).name) for r in meta["dependencies"]}
    cycler = {
        norm(Requirement(r).name) for r in meta["optional-dependencies"]["cycler"]
    }
    carried: set[str] = set()
    for env_file in ENV_FILES:
        carried |= set(read_env(env_file).distributions()) - set(
            _runtime_only(env_file.name)
        )
    assert "snakemake" in runtime
    assert runtime - {"snakemake"} == carried - cycler, (
        f"only in pyproject: {sorted(runtime - {'snakemake'} - carried)}; "
        f"only in envs: {sorted(carried - cycler - runtime)}"
    )
    assert cycler <= carried


def _lock_flags() -> str:
    text = (REPO / "Makefile").read_text().replace("\\\n", " ")
    match = re.search(r"^LOCK_FLAGS := (.+)$", text, re.M)
    assert match, "Makefile: no LOCK_FLAGS"
    return " ".join(match.group(1).split())


def test_lock_is_compiled_from_pyproject_with_hashes():
    text = LOCK.read_text()
    command = f"uv pip compile pyproject.toml {_lock_flags()} -o requirements.lock"
    assert f"#    {command}\n" in text, (
        f"requirements.lock was not compiled by `make lock` ({command})"
    )
    assert "--generate-hashes" in command
    # every pin carries the hashes of its files
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    pins = [b for b in blocks if "==" in b.splitlines()[0]]
    assert len(pins) == len(lock_pins())
    unhashed = [b.splitlines()[0] for b in pins if "--hash=sha256:" not in b]
    assert not unhashed, f"pins without hashes: {unhashed}"
    # every requirement of pyproject (dependencies and every extra) is pinned
    # in the lock at a version it allows
    meta = project()["project"]
    requirements = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        requirements += extra
    lock = lock_pins()
    for spec in requirements:
        req = Requirement(spec)
        version = lock.get(norm(req.name))
        assert version is not None, f"{req.name} of pyproject.toml not in the lock"
        assert req.specifier.contains(version, prereleases=True), (
            f"lock pins {req.name}=={version}, pyproject.toml asks {req.specifier}"
        )


def test_make_installs_the_lock_with_hash_checking():
    text = (REPO / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements.lock" in text
    assert "--no-build-isolation -e ." in text


# external_imports on a made-up package


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_external_imports_follow_the_closure(tmp_path):
    lib = tmp_path / "liprobe"
    _write(lib, "__init__.py", "")
    _write(lib, "a.py", "import numpy as np\nfrom liprobe import b\n")
    _write(
        lib,
        "b.py",
        """
        import json
        from collections import abc

        def load():
            import h5py  # only when called
            return h5py

        def _read(path, module):
            import importlib
            return importlib.import_module(module)

        def read(path):
            return _read(path, "galvani.BioLogic")
        """,
    )
    _write(
        lib,
        "c.py",
        """
        from importlib import import_module
        import scipy  # not reached from the script
        reader = import_module("NewareNDA")
        """,
    )
    script = _write(tmp_path, "rule.py", "from liprobe import a\nimport pandas\n")
    assert external_imports(script, lib) == {"numpy", "h5py", "galvani", "pandas"}
    other = _write(tmp_path, "other.py", "import liprobe.c\n")
    assert external_imports(other, lib) == {"scipy", "NewareNDA"}
