"""What software a job ran with: the distributions its interpreter imported.

After a rule's step has run, :func:`write_software_record` writes a small JSON
file beside the job's log (``<log stem>.software.json``): the rule, the job's
output files, the Python version, and name and version of every installed
distribution that provides a module the interpreter had imported by then
(numpy, pandas, lmfit, ...; the standard library and liprobe are left out).
The report's software page (rule ``report_software``) collects these records,
so it shows the versions each rule environment really ran, not those of the
interpreter that builds the report.
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from liprobe.errors import InputError
from liprobe.io.atomic import write_text_atomic

SUFFIX = ".software.json"


def record_path(log: str | Path) -> Path:
    """The software record beside a job's log (``a/b.log`` -> ``a/b.software.json``)."""
    log = Path(log)
    return log.with_name(log.stem + SUFFIX)


def imported_distributions(modules: Iterable[str] | None = None) -> dict[str, str]:
    """``{distribution: version}`` of the third-party modules already imported.

    ``modules`` are module names (default: every module in ``sys.modules``);
    each top-level name that an installed distribution provides counts once,
    with that distribution's version. The standard library and liprobe itself
    are left out.
    """
    names = sys.modules if modules is None else modules
    top = {str(n).partition(".")[0] for n in names}
    top -= set(sys.stdlib_module_names) | {"liprobe", "__main__", "builtins"}
    providers = metadata.packages_distributions()
    out: dict[str, str] = {}
    for name in sorted(top):
        for dist in providers.get(name, []):
            if dist.lower() == "liprobe":
                continue
            try:
                out[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                continue
    return dict(sorted(out.items(), key=lambda kv: kv[0].lower()))


def write_software_record(
    log: str | Path, rule: str, outputs: Iterable[str | Path]
) -> Path:
    """Write the software record of a finished job beside its log; return its path."""
    path = record_path(log)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "rule": str(rule),
        "outputs": [str(p) for p in outputs],
        "python": platform.python_version(),
        "distributions": imported_distributions(),
    }
    return write_text_atomic(path, json.dumps(record, indent=1) + "\n")


def read_software_record(path: str | Path) -> dict:
    """A record written by :func:`write_software_record`, checked."""
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(path, "(file)", "a JSON software record", str(exc)) from exc
    for key, kind in (
        ("rule", str),
        ("outputs", list),
        ("python", str),
        ("distributions", dict),
    ):
        if not isinstance(record, dict) or not isinstance(record.get(key), kind):
            found = record.get(key) if isinstance(record, dict) else record
            raise InputError(path, key, f"a JSON {kind.__name__}", found)
    return record
