"""The io layer is the bottom floor: it imports nothing from the science packages.

Checked over the import graph of every module of ``liprobe.io`` (imports at any
place in the file, lazy exports included): the only liprobe modules an io module
may import are other io modules, ``liprobe.errors`` and the package itself (for
its version). Parse-time planning (``liprobe.plan``) and the options
(``liprobe.options``) sit just above io and below the science.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from liprobe.plan.imports import _imported_names, _module_file

LIB = Path(__file__).resolve().parents[1] / "workflow_scripts" / "liprobe"
IO_MAY_IMPORT = ("liprobe", "liprobe.errors", "liprobe.io")
SCIENCE = ("nmr", "relaxation", "exsy", "pfg", "ndp", "echem", "accounting", "plots")


def _imports(root: Path, module: Path) -> set[str]:
    """The liprobe modules (files that exist) one module imports."""
    return {n for n in _imported_names(root, module) if _module_file(root, n)}


def _modules(folder: str) -> list[Path]:
    return sorted((LIB / folder).rglob("*.py"))


@pytest.mark.parametrize(
    "module", _modules("io"), ids=lambda p: p.relative_to(LIB).as_posix()
)
def test_io_imports_nothing_from_the_science(module):
    imported = _imports(LIB, module)
    above = sorted(
        name
        for name in imported
        if name not in IO_MAY_IMPORT and not name.startswith("liprobe.io.")
    )
    assert not above, f"{module.relative_to(LIB)} imports {above}"


@pytest.mark.parametrize(
    "module",
    [*_modules("plan"), LIB / "options.py", LIB / "errors.py"],
    ids=lambda p: p.relative_to(LIB).as_posix(),
)
def test_planning_and_options_sit_below_the_science(module):
    """Options import no science; planning only the kind vocabulary of the NMR
    package (``liprobe.nmr.kinds``: pulse-program rules, no numerics)."""
    imported = _imports(LIB, module) - {"liprobe.nmr.kinds", "liprobe.nmr"}
    if module.name == "options.py":
        imported = _imports(LIB, module)
    for name in imported:
        parts = name.split(".")
        assert len(parts) < 2 or parts[1] not in SCIENCE, (
            f"{module.relative_to(LIB)} imports {name}"
        )


def test_the_check_sees_a_violation(tmp_path):
    """The import graph check is not vacuous: a science import is found."""
    fake = tmp_path / "liprobe"
    (fake / "io").mkdir(parents=True)
    (fake / "nmr").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "io" / "__init__.py").write_text("")
    (fake / "nmr" / "__init__.py").write_text("")
    (fake / "nmr" / "kinds.py").write_text("KINDS = ()\n")
    bad = fake / "io" / "reader.py"
    bad.write_text("def f():\n    from liprobe.nmr.kinds import KINDS\n")
    assert "liprobe.nmr.kinds" in _imports(fake, bad)
