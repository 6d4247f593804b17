"""Lazy package exports: a name is imported from its module on first use.

A package lists ``_MODULES = {"liprobe.package.module": ["name", ...], ...}``
and sets ``__getattr__ = lazy_getattr(__name__, _MODULES)``, so that importing the
package (for its light parts, at workflow parse time) does not import the heavy
modules behind its other names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module


def lazy_getattr(
    package: str, modules: Mapping[str, list[str]]
) -> Callable[[str], object]:
    """The module-level ``__getattr__`` of ``package`` for ``modules``."""
    exports = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str):
        if name in exports:
            return getattr(import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
