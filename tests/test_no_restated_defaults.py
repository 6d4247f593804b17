"""The config schema is the only place a default lives.

No public function, method or constant of the library (``liprobe.*``; the
simulators of the demo excepted, they are its forward model) restates the
schema default of a key it is named like: a parameter called ``poor_fit_p``
with the default 0.001 would silently keep 0.001 for a caller that forgot to
pass ``relaxation.poor_fit_p_value``, and drift from the schema when the schema
changes. Such parameters are required and the steps pass the options.

"Named like" is deliberately loose (equal names, or one name is the other with
words added at either end: ``poor_fit_p`` / ``poor_fit_p_value``,
``margin_fraction`` / ``noise_margin_fraction``, ``phase_mode`` / ``phase``);
parameters that share a name but not a meaning are listed in
:data:`DIFFERENT_MEANING` with the reason.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from liprobe.options import schema_path

LIB = Path(__file__).resolve().parents[1] / "workflow_scripts" / "liprobe"

#: (callable or constant, parameter) -> why its default is not the schema key's
DIFFERENT_MEANING: dict[tuple[str, str], str] = {
    ("liprobe.io.listmode.open_listmode", "format"): (
        "the list-mode file format (sheet column ndp format), not the cycler "
        "file format echem.format"
    ),
    ("liprobe.io.listmode.read_events", "format"): (
        "the list-mode file format, not the cycler file format echem.format"
    ),
    ("liprobe.io.tables.sha256_file", "chunk"): (
        "bytes read per step while hashing a file, not list-mode events per chunk"
    ),
}


def _schema_defaults() -> dict[str, object]:
    """{dotted key: default} of every schema property that has a default."""
    out: dict[str, object] = {}

    def walk(node, path):
        if not isinstance(node, dict):
            return
        if "default" in node and path:
            out[".".join(path)] = node["default"]
        for key, sub in (node.get("properties") or {}).items():
            walk(sub, [*path, key])
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], [*path, "<name>"])

    walk(yaml.safe_load(schema_path().read_text()), [])
    return out


SCHEMA = _schema_defaults()


def _named_like(name: str, key: str) -> bool:
    a, b = name.lower().removeprefix("default_"), key.lower()
    return (
        a == b
        or a.startswith(b + "_")
        or b.startswith(a + "_")
        or a.endswith("_" + b)
        or b.endswith("_" + a)
    )


def _plain(value):
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _same(value, default) -> bool:
    """Equal as config values: bools only equal bools, numbers compare as
    floats, tuples equal lists; None (no value) restates nothing."""
    if value is None or default is None or value is inspect.Parameter.empty:
        return False
    if isinstance(value, bool) or isinstance(default, bool):
        return type(value) is type(default) and value == default
    if isinstance(value, int | float) and isinstance(default, int | float):
        return float(value) == float(default)
    try:
        return _plain(value) == _plain(default)
    except Exception:  # noqa: BLE001 - arrays and objects compare as different
        return False


def restated(name: str, value) -> list[str]:
    """The schema keys whose default ``value`` restates for a name like ``name``."""
    return [
        key
        for key, default in SCHEMA.items()
        if _named_like(name, key.rsplit(".", 1)[-1]) and _same(value, default)
    ]


def _module_names() -> list[str]:
    names = []
    for path in sorted(LIB.rglob("*.py")):
        parts = ("liprobe", *path.relative_to(LIB).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) > 1 and parts[1] == "simulate":
            continue  # the demo's forward model keeps its own constants
        names.append(".".join(parts))
    return names


def _callables(module) -> Iterator[tuple[str, object]]:
    """Public functions, classes' public methods and ``__init__`` of a module."""
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield f"{module.__name__}.{name}", obj
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                func = getattr(member, "__func__", member)
                if inspect.isfunction(func):
                    yield f"{module.__name__}.{name}.{attr}", func


def _constants(module) -> Iterator[tuple[str, object]]:
    """Module-level UPPER_CASE names the module itself assigns."""
    source = Path(module.__file__).read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper():
                yield target.id, getattr(module, target.id, None)


def restated_defaults(module_names: list[str]) -> list[str]:
    found = []
    for module_name in module_names:
        module = importlib.import_module(module_name)
        for qualname, func in _callables(module):
            for param in inspect.signature(func).parameters.values():
                if (qualname, param.name) in DIFFERENT_MEANING:
                    continue
                for key in restated(param.name, param.default):
                    found.append(f"{qualname}({param.name}={param.default!r}): {key}")
        for name, value in _constants(module):
            qualname = f"{module_name}.{name}"
            if (qualname, name) in DIFFERENT_MEANING:
                continue
            for key in restated(name, value):
                found.append(f"{qualname} = {value!r}: {key}")
    return found


def test_no_library_signature_or_constant_restates_a_schema_default():
    found = restated_defaults(_module_names())
    assert not found, (
        "schema defaults restated in the library (make the parameter required "
        "and pass the option, or list a different meaning in DIFFERENT_MEANING):\n"
        + "\n".join(found)
    )


def test_allow_list_entries_still_exist():
    """Every allow-listed parameter still exists with a default that would be
    flagged: a stale entry would hide a new one of the same name."""
    for (qualname, param), reason in DIFFERENT_MEANING.items():
        module_name, _, func_name = qualname.rpartition(".")
        func = getattr(importlib.import_module(module_name), func_name)
        default = inspect.signature(func).parameters[param].default
        assert restated(param, default), (qualname, param, reason)


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        ("poor_fit_p", 0.001, "relaxation.poor_fit_p_value"),
        ("POOR_FIT_P", 0.001, "exsy.poor_fit_p_value"),
        ("phase_mode", "procs", "nmr.phase"),
        ("margin_fraction", 0.5, "exsy.noise_margin_fraction"),
        ("DEFAULT_MAX_GAP_S", 3600.0, "echem.max_gap_s"),
        ("beta_bounds", (1.0, 2.0), "relaxation.beta_bounds"),
        ("chunk_events", 1 << 20, "ndp.chunk_events"),
    ],
)
def test_the_check_sees_a_restated_default(name, value, key):
    """The check is not vacuous: the restatements this test was written against
    are found (by loose name, across number types and sequence types)."""
    assert key in restated(name, value)


def test_the_check_passes_other_values_and_names():
    assert restated("poor_fit_p", 0.01) == []
    assert restated("equal_R1", 0) == []  # 0 is not False
    assert restated("seed", 0) == []
    assert restated("si", None) == []


def test_the_check_walks_a_module(tmp_path, monkeypatch):
    """A function with a restated default in an importable module is reported."""
    (tmp_path / "restating.py").write_text(
        "FLANK_MARGIN_K = 0.0\n"
        "def fit(x, *, haven_ratio: float = 1.0, seed: int = 0):\n    return x\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    found = restated_defaults(["restating"])
    assert any("fit(haven_ratio=1.0): relaxation.haven_ratio" in f for f in found)
    assert any("restating.FLANK_MARGIN_K" in f for f in found)
    assert not any("seed" in f for f in found)
