"""``config/README.md``: every config key and sheet column, from the schemas.

The schemas (``config/schemas/*.schema.yaml``) are the only place a default, a
type or an allowed range is written; this module renders them as Markdown
tables, so the documentation cannot drift from what the workflow validates.
Every key and column must carry a ``description``: one without is an error
naming it, not an empty cell.

``liprobe config-docs`` (or ``python -m liprobe.cli config-docs``) rewrites
``config/README.md`` of the checkout; ``--check`` only compares.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import yaml

from liprobe.io.atomic import write_text_atomic

#: The sheets, in the order documented, with the sheet key of each.
SHEETS = ("nmr", "regions", "ndp", "sites", "operando_nmr")

INTRO = """\
# Configuration

<!-- Generated from config/schemas/*.schema.yaml by `liprobe config-docs`
(python -m liprobe.cli config-docs); edit the schemas, not this file. -->

A campaign is described by one config file (YAML, passed with `--configfile`)
and up to three sheets (tab-separated tables) that the config names under
`sheets`. A config file holds only what differs from the defaults below; an
unknown key is an error, so a typo cannot be silently ignored. Every default
lives in `config/schemas/config.schema.yaml`, which this page is generated from.

Relative paths in the config and the sheets are resolved against the working
directory of the run (the folder Snakemake runs in, or `--directory`).

* `config/config.yaml`: the configuration of the demo campaign (`make demo`).
* `.test/config/`: the tiny test campaign (`snakemake --directory .test -n`).

To use liprobe as a module of another workflow, with that workflow's own
config and sheets:

```python
configfile: "config/config.yaml"


module liprobe:
    snakefile:
        "<path of a liprobe checkout>/Snakefile"
    config:
        config


use rule * from liprobe
```
"""


class MissingDescription(ValueError):
    """A schema key or sheet column without a ``description``."""


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _cell(text: str) -> str:
    """Text for one Markdown table cell (one line, pipes escaped)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(value) -> str:
    return f"`{_json(value)}`"


def _types(node: Mapping) -> list[str]:
    """The JSON types a node allows (alternatives of oneOf/anyOf flattened)."""
    for key in ("oneOf", "anyOf"):
        if key in node:
            out: list[str] = []
            for option in node[key]:
                for name in _types(option):
                    if name not in out:
                        out.append(name)
            return out
    kind = node.get("type")
    if kind is None:
        return ["enum"] if "enum" in node else ["any"]
    names = [kind] if isinstance(kind, str) else list(kind)
    if "array" in names and isinstance(node.get("items"), Mapping):
        inner = " or ".join(_types(node["items"]))
        names = [f"array of {inner}" if n == "array" else n for n in names]
    return names


def _bounds(node: Mapping) -> list[str]:
    """The constraints of one node (enum, range, length, pattern, items)."""
    out = []
    if "enum" in node:
        out.append("one of " + ", ".join(_code(v) for v in node["enum"]))
    for key, sign in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
    ):
        if key in node:
            out.append(f"{sign} {node[key]}")
    if "minLength" in node:
        out.append(f"at least {node['minLength']} character(s)")
    if "pattern" in node:
        out.append(f"matches `{node['pattern']}`")
    low, high = node.get("minItems"), node.get("maxItems")
    if low is not None and low == high:
        out.append(f"exactly {low} items")
    else:
        if low is not None:
            out.append(f"at least {low} item(s)")
        if high is not None:
            out.append(f"at most {high} items")
    items = node.get("items")
    if isinstance(items, Mapping):
        inner = _bounds(items)
        if inner:
            out.append("each item " + "; ".join(inner))
    names = node.get("propertyNames")
    if isinstance(names, Mapping) and "enum" in names:
        out.append("keys: " + ", ".join(_code(v) for v in names["enum"]))
    return out


def _allowed(node: Mapping) -> str:
    for key in ("oneOf", "anyOf"):
        if key in node:
            parts = []
            for option in node[key]:
                text = "; ".join(_bounds(option))
                parts.append(
                    f"{' or '.join(_types(option))}" + (f" ({text})" if text else "")
                )
            return "either " + ", or ".join(parts)
    return "; ".join(_bounds(node))


def _description(node: Mapping, where: str) -> str:
    text = node.get("description")
    if not isinstance(text, str) or not text.strip():
        raise MissingDescription(f"{where}: no description in the schema")
    return text


def config_rows(schema: Mapping, prefix: str = "") -> Iterator[tuple[str, ...]]:
    """(key, type, default, allowed, description) of every key, depth first.

    A mapping with free keys (``materials``, ``ndp.stacks``) documents its
    entries under ``<name>``; a list of objects its items' keys under ``[]``.
    """
    for name, node in schema.get("properties", {}).items():
        key = f"{prefix}{name}"
        default = _code(node["default"]) if "default" in node else "(none)"
        yield (
            key,
            " or ".join(_types(node)),
            default,
            _allowed(node),
            _description(node, key),
        )
        yield from _children(node, key)


def _children(node: Mapping, key: str) -> Iterator[tuple[str, ...]]:
    if "properties" in node:
        yield from config_rows(node, key + ".")
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping):
        entry = f"{key}.<name>"
        if "properties" in extra:
            yield from config_rows(extra, entry + ".")
        else:
            yield (
                entry,
                " or ".join(_types(extra)),
                "(none)",
                _allowed(extra),
                _description(node, key),
            )
            yield from _children(extra, entry)
    items = node.get("items")
    if isinstance(items, Mapping) and "properties" in items:
        yield from config_rows(items, key + "[].")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def config_docs(schema_dir: str | Path) -> str:
    """The Markdown of ``config/README.md`` from the schemas in ``schema_dir``."""
    schema_dir = Path(schema_dir)
    config = _load(schema_dir / "config.schema.yaml")
    parts = [INTRO]
    parts.append("\n## Config keys\n\n")
    parts.append(_cell(_description(config, "config.schema.yaml")) + ".\n")
    for block, node in config["properties"].items():
        parts.append(f"\n### `{block}`\n\n")
        parts.append(_cell(_description(node, block)) + "\n\n")
        rows = [
            (f"`{key}`", *rest)
            for key, *rest in config_rows({"properties": {block: node}})
        ]
        parts.append(_table(("Key", "Type", "Default", "Allowed", "Description"), rows))
    parts.append("\n## Sheet columns\n")
    for sheet in SHEETS:
        schema = _load(schema_dir / f"{sheet}.schema.yaml")
        required = set(schema.get("required", []))
        parts.append(f"\n### `{sheet}` sheet (`sheets: {{{sheet}: <file>.tsv}}`)\n\n")
        parts.append(_cell(_description(schema, f"{sheet}.schema.yaml")) + ".\n\n")
        rows = []
        for column, node in schema["properties"].items():
            rows.append(
                (
                    f"`{column}`",
                    " or ".join(_types(node)),
                    "yes" if column in required else "no",
                    _code(node["default"]) if "default" in node else "(empty)",
                    _allowed(node),
                    _description(node, f"{sheet} sheet column {column}"),
                )
            )
        parts.append(
            _table(
                ("Column", "Type", "Required", "Default", "Allowed", "Description"),
                rows,
            )
        )
    return "".join(parts)


def checkout_dir() -> Path:
    """The workflow checkout this package is imported from."""
    return Path(__file__).resolve().parents[2]


def write_config_docs(root: str | Path | None = None) -> Path:
    """Write ``config/README.md`` of the checkout ``root``; return its path."""
    root = Path(root) if root is not None else checkout_dir()
    path = root / "config" / "README.md"
    return write_text_atomic(path, config_docs(root / "config" / "schemas"))
