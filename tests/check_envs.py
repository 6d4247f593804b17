"""Build one venv per conda environment file and import its rules' steps there.

    python tests/check_envs.py [--env nmr.yaml ...] [--keep DIR] [--installer pip]

For each ``envs/*.yaml``: a fresh venv (Python 3.11) gets exactly the packages
the file lists, at its pins (conda-forge names mapped to PyPI names, e.g.
``matplotlib-base`` -> ``matplotlib``), with ``requirements.lock`` as the
constraints of their own dependencies. Then, under ``python -I`` (no
``PYTHONPATH``, no user site, no script folder) with only ``workflow_scripts``
put on ``sys.path``, it imports every liprobe module of the import closure of
every rule that uses the file (the step module included) and every third-party
module that closure names, and checks that each imported module was loaded
from that venv, the standard library or the checkout: a package missing from
the environment fails here instead of leaking in from the main venv.

The helpers here (reading the environment files, the lock, the rules and
``[tool.liprobe]`` of pyproject.toml) are shared with tests/test_envs.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "workflow_scripts"
LIB = SCRIPTS / "liprobe"
ENVS = REPO / "envs"
LOCK = REPO / "requirements.lock"

if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

from liprobe.plan.imports import external_imports, import_closure  # noqa: E402


def norm(name: str) -> str:
    """A distribution name in its normalised form (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def project() -> dict:
    """pyproject.toml, parsed."""
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def settings() -> dict:
    """``[tool.liprobe]`` of pyproject.toml: the import map and the env rules."""
    return project()["tool"]["liprobe"]


def lock_pins(path: Path = LOCK) -> dict[str, str]:
    """``{normalised name: version}`` of every pin in the lock file."""
    pins = {}
    for line in path.read_text().splitlines():
        if not line or line[0] in "# \t-":
            continue
        spec = line.rstrip("\\ ").strip()
        name, sep, version = spec.partition("==")
        if not sep or not version:
            raise ValueError(f"{path.name}: '{spec}' is not an exact pin")
        pins[norm(name)] = version
    return pins


@dataclass
class Env:
    """One conda environment file: its conda and pip packages, exact pins."""

    path: Path
    channels: list[str]
    python: str | None = None
    conda: dict[str, str] = field(default_factory=dict)  # conda-forge name -> pin
    pip: dict[str, str] = field(default_factory=dict)  # PyPI name -> pin
    pip_comments: dict[str, str] = field(default_factory=dict)
    has_pip: bool = False

    @property
    def name(self) -> str:
        return self.path.name

    def distributions(self) -> dict[str, str]:
        """``{normalised PyPI name: version}`` of every package but python/pip."""
        to_pypi = {v: k for k, v in settings()["envs"]["conda-names"].items()}
        out = {norm(to_pypi.get(n, n)): v for n, v in self.conda.items()}
        out.update({norm(n): v for n, v in self.pip.items()})
        return out

    def requirements(self) -> list[str]:
        """The packages as pip requirements, ``name==version``."""
        to_pypi = {v: k for k, v in settings()["envs"]["conda-names"].items()}
        reqs = [f"{to_pypi.get(n, n)}=={v}" for n, v in self.conda.items()]
        return reqs + [f"{n}=={v}" for n, v in self.pip.items()]


def read_env(path: Path) -> Env:
    """Parse an environment file; every package must carry an exact pin."""
    data = yaml.safe_load(path.read_text())
    env = Env(path=path, channels=list(data.get("channels") or []))
    comments = {}
    for line in path.read_text().splitlines():
        spec, _, comment = line.partition("#")
        spec = spec.strip().removeprefix("- ").strip()
        if "==" in spec:
            comments[norm(spec.partition("==")[0])] = comment.strip()
    for dep in data["dependencies"]:
        if isinstance(dep, dict):
            for item in dep.get("pip", []):
                name, sep, version = item.partition("==")
                if not sep or not version:
                    raise ValueError(f"{path.name}: pip '{item}' is not pinned (==)")
                env.pip[name] = version
                env.pip_comments[name] = comments.get(norm(name), "")
            continue
        if dep == "pip":
            env.has_pip = True
            continue
        name, sep, version = str(dep).partition("=")
        if not sep or not version or version.startswith("="):
            raise ValueError(f"{path.name}: '{dep}' is not pinned (name=version)")
        if name == "python":
            env.python = version
        else:
            env.conda[name] = version
    return env


def env_files() -> list[Path]:
    return sorted(ENVS.glob("*.yaml"))


def rule_envs() -> dict[str, tuple[Path, Path]]:
    """``{rule: (script, environment file)}`` of every rule that runs a script."""
    out = {}
    for smk in sorted((REPO / "rules").glob("*.smk")):
        text = smk.read_text()
        starts = [m for m in re.finditer(r"^rule (\w+):", text, re.M)]
        for i, match in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
            block = text[match.start() : end]
            script = re.search(r'^\s+script:\s*\n\s+"([^"]+)"', block, re.M)
            conda = re.search(r'^\s+conda:\s*\n\s+"([^"]+)"', block, re.M)
            if script is None and conda is None:
                continue
            if script is None or conda is None:
                raise ValueError(
                    f"{smk.name}: rule {match.group(1)} has "
                    f"{'no script:' if script is None else 'no conda:'}"
                )
            out[match.group(1)] = (
                (smk.parent / script.group(1)).resolve(),
                (smk.parent / conda.group(1)).resolve(),
            )
    return out


def module_name(path: Path) -> str:
    """``liprobe.a.b`` of a source file below workflow_scripts."""
    parts = list(path.relative_to(SCRIPTS).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def rule_imports(script: Path) -> tuple[list[str], list[str]]:
    """The liprobe modules and the third-party modules a rule's script needs."""
    own = sorted(module_name(p) for p in import_closure(script, LIB))
    return own, sorted(external_imports(script, LIB))


# The import check, run by the environment's own interpreter under -I.
_CHECK = r"""
import importlib, json, sys, traceback
from pathlib import Path
scripts, modules, allowed = json.loads(sys.argv[1])
sys.path.insert(0, scripts)
failed = []
for name in modules:
    try:
        importlib.import_module(name)
    except Exception:
        failed.append((name, traceback.format_exc()[-1500:]))
roots = [Path(p).resolve() for p in allowed + [scripts]]
outside = sorted(
    f"{name}: {file}"
    for name, module in list(sys.modules.items())
    if (file := getattr(module, "__file__", None))
    and not any(Path(file).resolve().is_relative_to(r) for r in roots)
)
print(json.dumps({"failed": failed, "outside": outside, "count": len(modules)}))
"""


def _run(cmd: list[str], **kw) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )


def _uv() -> str | None:
    """The uv beside this interpreter (the dev venv has it), or on PATH."""
    return shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which(
        "uv"
    )


def build_venv(env: Env, where: Path, python: str, installer: str) -> Path:
    """A venv with exactly the environment's packages; returns its python."""
    constraints = where.parent / "lock-constraints.txt"
    constraints.write_text(
        "".join(f"{n}=={v}\n" for n, v in sorted(lock_pins().items()))
    )
    reqs = where.parent / f"{env.path.stem}-requirements.txt"
    reqs.write_text("".join(f"{r}\n" for r in env.requirements()))
    if installer == "uv":
        uv = _uv() or "uv"
        _run([uv, "venv", "--quiet", "--python", python, str(where)])
        _run(
            [uv, "pip", "install", "--quiet", "--python", str(where / "bin/python")]
            + ["-r", str(reqs), "-c", str(constraints)]
        )
    else:
        _run([python, "-m", "venv", str(where)])
        _run(
            [str(where / "bin/python"), "-m", "pip", "install", "--quiet"]
            + ["-r", str(reqs), "-c", str(constraints)]
        )
    return where / "bin" / "python"


def check_env(env: Env, venv_python: Path, rules: list[str]) -> list[str]:
    """Import every module the rules need; the problems found, if any."""
    modules: set[str] = set()
    for rule in rules:
        script = rule_envs()[rule][0]
        own, external = rule_imports(script)
        modules.update(own)
        modules.update(external)
    probe = subprocess.run(
        [str(venv_python), "-I", "-c", "import sys, json; print(json.dumps(sys.path))"],
        capture_output=True,
        text=True,
        check=True,
    )
    allowed = [p for p in json.loads(probe.stdout) if p]
    result = subprocess.run(
        [str(venv_python), "-I", "-c", _CHECK]
        + [json.dumps([str(SCRIPTS), sorted(modules), allowed])],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    if result.returncode:
        return [f"{env.name}: the import check crashed:\n{result.stderr[-3000:]}"]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    problems = [f"{env.name}: import {n} failed:\n{tb}" for n, tb in report["failed"]]
    problems += [
        f"{env.name}: {line} loaded from outside the venv" for line in report["outside"]
    ]
    print(
        f"{env.name}: {report['count']} modules of {len(rules)} rules "
        f"({', '.join(sorted(rules))}) imported"
        + (f", {len(problems)} problems" if problems else ", all from the env")
    )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", action="append", help="only these env files")
    parser.add_argument("--keep", type=Path, help="build the venvs in this folder")
    parser.add_argument("--python", default="python3.11", help="interpreter")
    parser.add_argument(
        "--installer",
        choices=["uv", "pip"],
        default="uv" if _uv() else "pip",
        help="uv (fast, from the dev venv) or pip; either installs from the registries",
    )
    args = parser.parse_args(argv)
    by_env: dict[str, list[str]] = {}
    for rule, (_script, env_path) in rule_envs().items():
        by_env.setdefault(env_path.name, []).append(rule)
    names = args.env or [p.name for p in env_files()]
    base = args.keep or Path(tempfile.mkdtemp(prefix="liprobe-envs-"))
    base.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    try:
        for name in names:
            start = time.perf_counter()
            env = read_env(ENVS / name)
            target = base / env.path.stem
            if target.exists():
                shutil.rmtree(target)
            python = build_venv(env, target, args.python, args.installer)
            built = time.perf_counter() - start
            problems += check_env(env, python, by_env.get(name, []))
            print(
                f"{name}: venv built in {built:.0f} s, checked in "
                f"{time.perf_counter() - start - built:.0f} s ({args.installer})"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    for problem in problems:
        print(problem, file=sys.stderr)
    failed = {p.partition(":")[0] for p in problems}
    print(f"check_envs: {len(names) - len(failed)} passed, {len(failed)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
