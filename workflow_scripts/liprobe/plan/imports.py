"""The liprobe modules a rule's script imports, found from the source at parse time.

A rule declares the library sources its script imports as inputs, so that an
edit of any of them reruns the rule (Snakemake only watches the script itself).
The list is computed here, never written by hand: :func:`import_closure` reads a
script with :mod:`ast` and follows, recursively, every import of a ``liprobe``
module anywhere in the file (top level, inside functions, under ``if``), the
package ``__init__`` of every module on the way, the lazy exports of a package
(a module-level dict literal in its ``__init__`` that maps names to modules,
``{"process": "liprobe.nmr.processing"}``, or modules to the names they hold,
``{"liprobe.nmr.processing": ["Spectra", "process"]}``) and
``"liprobe.pkg.module:function"`` strings (work handed to another process).

:func:`external_imports` names the third-party modules the same closure can
import (what the conda environment of the rule must carry).

Each file is parsed once per process (the results are cached), which keeps the
parse time of a large campaign small.
"""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

PACKAGE = "liprobe"


@functools.cache
def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _module_file(root: Path, name: str) -> Path | None:
    """The source file of module ``name`` (``liprobe.a.b``) below ``root``."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = root.joinpath(*parts[1:]) if len(parts) > 1 else root
    if base.with_suffix(".py").is_file() and len(parts) > 1:
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _module_name(root: Path, path: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = [PACKAGE, *rel.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def _lazy_exports(root: Path, package: str) -> dict[str, str]:
    """Names a package's ``__init__`` exports lazily, mapped to full module names."""
    init = _module_file(root, package)
    if init is None or init.name != "__init__.py":
        return {}
    out: dict[str, str] = {}
    for node in _parse(init).body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if not isinstance(value, ast.Dict):
            continue
        for key, target in zip(value.keys, value.values, strict=True):
            # {"module": ["name", ...]}: every listed name lives in that module
            if isinstance(key, ast.Constant) and isinstance(
                target, ast.List | ast.Tuple
            ):
                module = str(key.value)
                if _module_file(root, module) is not None:
                    for item in target.elts:
                        if isinstance(item, ast.Constant):
                            out[str(item.value)] = module
                continue
            if not (isinstance(key, ast.Constant) and isinstance(target, ast.Constant)):
                continue
            if not isinstance(target.value, str):
                continue
            for candidate in (target.value, f"{package}.{target.value}"):
                if _module_file(root, candidate) is not None:
                    out[str(key.value)] = candidate
                    break
    return out


def _imported_names(root: Path, path: Path) -> set[str]:
    """Full names of the liprobe modules one file imports (anywhere in it)."""
    here = _module_name(root, path) if path.is_relative_to(root) else ""
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            lazy = _lazy_exports(root, module)
            for alias in node.names:
                if alias.name in lazy:
                    names.add(lazy[alias.name])
                else:
                    names.add(f"{module}.{alias.name}")  # a submodule, if one
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            module, colon, function = text.partition(":")
            if colon and module.startswith(f"{PACKAGE}.") and function.isidentifier():
                names.add(module)
    return {n for n in names if n == PACKAGE or n.startswith(f"{PACKAGE}.")}


def import_closure(script: str | Path, root: str | Path) -> list[Path]:
    """Every liprobe source file ``script`` depends on, sorted (``root``: the package).

    The package ``__init__`` files on the way are included (importing
    ``liprobe.a.b`` runs ``liprobe/__init__.py`` and ``liprobe/a/__init__.py``).
    """
    root = Path(root).resolve()
    script = Path(script).resolve()
    seen: set[Path] = set()
    todo = [script]
    while todo:
        path = todo.pop()
        for name in _imported_names(root, path):
            parts = name.split(".")
            for i in range(1, len(parts) + 1):
                found = _module_file(root, ".".join(parts[:i]))
                if found is not None and found not in seen:
                    seen.add(found)
                    todo.append(found)
    seen.discard(script)
    return sorted(seen)


# Third-party modules of a script (the packages its environment must carry)

_IMPORT_MODULE = {"import_module"}  # importlib.import_module, however imported


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _string_arg(node: ast.Call, index: int, keyword: str) -> str | None:
    """The string constant a call passes as parameter ``index``/``keyword``."""
    value = None
    if index < len(node.args):
        value = node.args[index]
    for kw in node.keywords:
        if kw.arg == keyword:
            value = kw.value
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    return None


def _module_forwarders(paths: list[Path]) -> dict[str, tuple[int, str]]:
    """Functions that import a module named by one of their parameters.

    ``{function name: (parameter index, parameter name)}`` for every function
    in ``paths`` whose body calls ``import_module(<that parameter>)``: a call of
    such a function with a string constant imports the module it names.
    """
    out: dict[str, tuple[int, str]] = {}
    for path in paths:
        for node in ast.walk(_parse(path)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and _call_name(inner) in _IMPORT_MODULE
                    and inner.args
                    and isinstance(inner.args[0], ast.Name)
                    and inner.args[0].id in params
                ):
                    name = inner.args[0].id
                    out[node.name] = (params.index(name), name)
    return out


def _modules_imported(path: Path, forwarders: dict[str, tuple[int, str]]) -> set[str]:
    """Absolute names of every module one file imports, statically or by name."""
    names: set[str] = set()
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call):
            call = _call_name(node)
            if call in _IMPORT_MODULE:
                text = _string_arg(node, 0, "name")
            elif call in forwarders:
                text = _string_arg(node, *forwarders[call])
            else:
                continue
            if text:
                names.add(text)
    return names


def external_imports(script: str | Path, root: str | Path) -> set[str]:
    """Top-level names of the third-party modules ``script`` can import.

    Every module imported anywhere in the script or a file of its
    :func:`import_closure` (top level, inside functions, under ``try``), by an
    ``import`` statement, by ``import_module("name")``, or by a call with a
    string constant of a function that hands that parameter to
    ``import_module`` (a reader loaded only when its file format is met). The
    standard library and liprobe itself are left out. These are the packages
    the environment that runs the script must carry.
    """
    root = Path(root).resolve()
    script = Path(script).resolve()
    files = [script, *import_closure(script, root)]
    forwarders = _module_forwarders(files)
    found: set[str] = set()
    for path in files:
        found.update(n.split(".")[0] for n in _modules_imported(path, forwarders))
    return {
        name
        for name in found
        if name and name != PACKAGE and name not in sys.stdlib_module_names
    }
