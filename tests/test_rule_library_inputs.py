"""Reruns cannot go stale: every rule declares exactly its script's import closure.

* For every job of the demo DAG, the library sources among its inputs equal the
  import closure of its rule's script (``liprobe.plan.imports``).
* The static closure is never smaller than what Python really imports: each
  script's liprobe imports are executed in a fresh interpreter and every liprobe
  module that lands in ``sys.modules`` must be in the closure.
* The closure follows imports inside functions, lazy package exports and the
  step a script names by a ``"module:function"`` string (``run_step``).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_figures_read_tables import dag_jobs

from liprobe.plan.imports import import_closure

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "workflow_scripts"
LIB = SCRIPTS / "liprobe"


def _closure(script: Path) -> set[str]:
    return {str(p) for p in import_closure(script, LIB)}


def _library_inputs(inputs: list[str]) -> set[str]:
    return {
        str(Path(p).resolve())
        for p in inputs
        if p.endswith(".py") and "/workflow_scripts/liprobe/" in p
    }


@pytest.fixture(scope="module")
def rule_scripts(demo_run):
    """{rule: (script path, declared library inputs)} from the demo's DAG."""
    configs = sorted(demo_run.glob("*.yaml"))
    from snakemake.api import SnakemakeApi  # noqa: F401 (the DAG helper needs it)

    out = {}
    for rule, _outputs, inputs in dag_jobs(demo_run, configs, ["all", "paper"]):
        out.setdefault(rule, _library_inputs(inputs))
    return out


def _script_of(rule: str) -> Path:
    """The script a rule runs, from its rule file."""
    for smk in (REPO / "rules").glob("*.smk"):
        text = smk.read_text()
        head = text.find(f"rule {rule}:")
        if head < 0:
            continue
        body = text[head:].split("\nrule ", 1)[0]
        name = body.split("../workflow_scripts/", 1)[1].split('"', 1)[0]
        return SCRIPTS / name
    raise AssertionError(f"rule {rule} not found")


def test_every_rule_declares_its_import_closure(rule_scripts):
    assert len(rule_scripts) >= 20
    for rule, declared in sorted(rule_scripts.items()):
        if rule == "all" or rule == "paper":
            continue
        expected = _closure(_script_of(rule))
        assert declared == expected, (
            rule,
            sorted(Path(p).name for p in expected ^ declared),
        )


def _liprobe_imports(script: Path) -> list[str]:
    """The import statements of a script that import liprobe (anywhere in it)."""
    lines = []
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Import | ast.ImportFrom):
            text = ast.unparse(node)
            if "liprobe" in text:
                lines.append(text)
    return lines


PROBE = """
import json, os, sys
sys.path.insert(0, {scripts!r})
# third-party modules first (they are not liprobe's: the answer does not change),
# then one forked child per script, so each starts without any liprobe module
for heavy in ("numpy", "pandas", "scipy.optimize", "scipy.signal", "lmfit",
              "nmrglue", "matplotlib.pyplot", "pyarrow.parquet", "yaml"):
    __import__(heavy)
out = {{}}
for script, (lines, targets) in {jobs!r}.items():
    read, write = os.pipe()
    if os.fork() == 0:
        os.close(read)
        for line in lines:
            exec(line)
        for target in targets:
            __import__(target.partition(":")[0])
        files = sorted(
            m.__file__ for name, m in list(sys.modules.items())
            if name.split(".")[0] == "liprobe" and getattr(m, "__file__", None)
        )
        os.write(write, json.dumps(files).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        out[script] = json.loads(pipe.read() or "null")
    os.wait()
print(json.dumps(out))
"""


def _step_targets(path: Path) -> list[str]:
    """``"liprobe.module:function"`` strings: the step a script runs."""
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("liprobe.")
        and ":" in node.value
    ]


@pytest.fixture(scope="module")
def runtime_imports() -> dict[str, set[str]]:
    """{script name: liprobe files Python imports for it} in fresh children."""
    jobs = {
        p.name: (_liprobe_imports(p), _step_targets(p))
        for p in sorted(SCRIPTS.glob("*.py"))
    }
    code = PROBE.format(scripts=str(SCRIPTS), jobs=jobs)
    result = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout)
    return {k: {str(Path(p).resolve()) for p in v or []} for k, v in found.items()}


@pytest.mark.parametrize(
    "script", sorted(p.name for p in SCRIPTS.glob("*.py")), ids=lambda s: s
)
def test_static_closure_covers_what_python_imports(script, runtime_imports):
    imported = runtime_imports[script]
    assert imported, f"{script}: its imports failed in the probe"
    missing = imported - _closure(SCRIPTS / script)
    assert not missing, sorted(Path(p).relative_to(LIB).as_posix() for p in missing)


def test_closure_follows_nested_lazy_and_step_imports():
    closure = {
        Path(p).relative_to(LIB).as_posix()
        for p in _closure(SCRIPTS / "nmr_convert.py")
    }
    # named by the script's "liprobe.steps.nmr_convert:run" string
    assert "steps/nmr_convert.py" in closure
    # imported by the job module, not by the script
    assert "tidy.py" in closure
    # lazy exports of liprobe.nmr (process, integrate_regions, ...)
    assert {"nmr/processing.py", "nmr/integrate.py"} <= closure
    # imported inside a function or under an ``if`` of a script
    nested = _closure(SCRIPTS / "ndp_events.py")
    assert str(LIB / "echem" / "segment.py") in nested
    # package __init__ files on the way
    assert {"__init__.py", "nmr/__init__.py", "steps/__init__.py"} <= closure
    # and nothing the job does not import
    assert not any(
        p.startswith(("plots/", "ndp/", "relaxation/", "exsy/")) for p in closure
    )
