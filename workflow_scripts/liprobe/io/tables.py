"""Tidy Parquet tables with provenance metadata.

Every table liprobe writes carries, in its Parquet key-value metadata:
``liprobe.schema_version``, ``liprobe.version``, ``liprobe.git_commit`` (when
known), ``liprobe.config_hash``, ``liprobe.inputs_sha256`` (JSON map of raw input
path to sha256) and ``liprobe.units`` (JSON map of column to its declared unit,
:mod:`liprobe.io.units`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from liprobe import __version__
from liprobe.errors import InputError
from liprobe.io.atomic import atomic_output
from liprobe.io.units import unit_map

SCHEMA_VERSION = "1"


def unit_of(column: str) -> str:
    """Declared unit of a column (:mod:`liprobe.io.units`; '?' if undeclared)."""
    return unit_map([column])[column]


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file's bytes; for a folder, of its files' names and bytes."""
    p = Path(path)
    h = hashlib.sha256()
    if p.is_dir():
        for sub in sorted(q for q in p.rglob("*") if q.is_file()):
            h.update(str(sub.relative_to(p)).encode())
            with open(sub, "rb") as fh:
                while block := fh.read(chunk):
                    h.update(block)
        return h.hexdigest()
    with open(p, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def config_hash(config: Mapping | None) -> str:
    """Stable sha256 of a JSON-serialisable configuration mapping."""
    text = json.dumps(config or {}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


#: environment variable through which the workflow hands the commit, read once
#: at parse time, to every job of the run
COMMIT_ENV = "LIPROBE_GIT_COMMIT"


@functools.lru_cache(maxsize=1)
def git_commit() -> str:
    """The commit of the liprobe checkout, or '' when it is not a git checkout.

    Taken from :data:`COMMIT_ENV` when the workflow set it (once per run, at
    parse time); otherwise asked of git once per process.
    """
    if COMMIT_ENV in os.environ:
        return os.environ[COMMIT_ENV]
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    inputs: Iterable[str | Path] = (),
    input_hashes: Mapping[str, str] | None = None,
    config: Mapping | None = None,
    extra: Mapping[str, str] | None = None,
) -> Path:
    """Write ``frame`` to Parquet with provenance metadata, atomically.

    ``inputs`` are raw files or folders whose sha256 is recorded; pass
    ``input_hashes`` when they were already computed upstream (for instance
    carried in an upstream table's metadata).
    """
    path = Path(path)
    hashes = dict(input_hashes or {})
    for item in inputs:
        hashes[str(item)] = sha256_file(item)
    meta = {
        "liprobe.schema_version": SCHEMA_VERSION,
        "liprobe.version": __version__,
        "liprobe.git_commit": git_commit(),
        "liprobe.config_hash": config_hash(config),
        "liprobe.inputs_sha256": json.dumps(hashes, sort_keys=True),
        "liprobe.units": json.dumps(unit_map(frame.columns)),
    }
    meta.update(extra or {})
    table = pa.Table.from_pandas(frame, preserve_index=False)
    merged = dict(table.schema.metadata or {})
    merged.update({k.encode(): str(v).encode() for k, v in meta.items()})
    table = table.replace_schema_metadata(merged)
    with atomic_output(path) as tmp:
        pq.write_table(table, tmp)
    return path


def read_metadata(path: str | Path) -> dict[str, str]:
    """The liprobe key-value metadata of a Parquet table."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(path, "parquet footer", "a Parquet table", str(exc)) from None
    raw = schema.metadata or {}
    return {k.decode(): v.decode() for k, v in raw.items() if k.startswith(b"liprobe.")}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a liprobe Parquet table."""
    try:
        return pd.read_parquet(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(path, "parquet", "a Parquet table", str(exc)) from None


def input_hashes(*paths: str | Path) -> dict[str, str]:
    """The raw-input hashes (``liprobe.inputs_sha256``) of liprobe tables,
    merged (a later table's entry wins for the same file)."""
    hashes: dict[str, str] = {}
    for path in paths:
        hashes.update(
            json.loads(read_metadata(path).get("liprobe.inputs_sha256", "{}"))
        )
    return hashes


def concat_tables(
    paths: list[str | Path],
    out: str | Path,
    *,
    config: Mapping | None = None,
) -> int:
    """Concatenate liprobe tables into one, merging their raw-input hashes.

    Returns the number of rows written.
    """
    frames = [read_table(path) for path in paths]
    hashes = input_hashes(*paths)
    frames = [f for f in frames if not f.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    write_table(frame, out, input_hashes=hashes, config=config)
    return len(frame)
