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

Each file is parsed once per process (the results are cached), which keeps the
parse time of a large campaign small.
"""

from __future__ import annotations

import ast
import functools
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
