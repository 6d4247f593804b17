"""config/README.md documents every config key and sheet column, from the schemas.

The committed file is what ``liprobe config-docs`` writes from the schemas
today; every key (nested ones too) and every sheet column has a row with its
description, type and default; a key without a description is an error that
names it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping

import pytest
import yaml

from liprobe.cli import main
from liprobe.configdocs import SHEETS, MissingDescription, config_docs

from conftest import REPO

SCHEMAS = REPO / "config" / "schemas"
README = REPO / "config" / "README.md"


def _keys(node: Mapping, prefix: str = "") -> Iterator[tuple[str, Mapping]]:
    """(dotted key, schema node) of every key of a schema, nested ones too."""
    for name, sub in node.get("properties", {}).items():
        key = f"{prefix}{name}"
        yield key, sub
        yield from _keys(sub, key + ".")
        extra = sub.get("additionalProperties")
        if isinstance(extra, Mapping):
            yield from _keys(extra, key + ".<name>.")
            items = extra.get("items")
            if isinstance(items, Mapping):
                yield from _keys(items, key + ".<name>[].")


def _rows(text: str) -> dict[str, str]:
    """Table rows of the README by their first cell."""
    rows = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            rows[line.split(" | ")[0].removeprefix("| ")] = line
    return rows


def test_committed_file_is_generated_from_the_schemas():
    assert README.read_text() == config_docs(SCHEMAS), (
        "config/README.md is stale: run 'liprobe config-docs'"
    )
    assert main(["config-docs", "--check"]) == 0


def test_every_config_key_has_a_row_with_its_default():
    schema = yaml.safe_load((SCHEMAS / "config.schema.yaml").read_text())
    rows = _rows(README.read_text())
    keys = list(_keys(schema))
    assert len(keys) > 100
    for key, node in keys:
        row = rows.get(f"`{key}`")
        assert row is not None, key
        assert " ".join(node["description"].split()).replace("|", "\\|") in row, key
        if "default" in node:
            assert f"`{json.dumps(node['default'])}`" in row, key


def test_every_sheet_column_has_a_row():
    text = README.read_text()
    for sheet in SHEETS:
        schema = yaml.safe_load((SCHEMAS / f"{sheet}.schema.yaml").read_text())
        section = text.split(f"### `{sheet}` sheet")[1].split("\n### ")[0]
        rows = _rows(section)
        required = set(schema["required"])
        for column, node in schema["properties"].items():
            row = rows.get(f"`{column}`")
            assert row is not None, (sheet, column)
            cells = row.split(" | ")
            assert cells[2] == ("yes" if column in required else "no"), row
            assert node["description"].split()[0] in row, (sheet, column)


@pytest.mark.parametrize(
    ("schema", "path", "name"),
    [
        (
            "config",
            ["properties", "ndp", "properties", "depth_step_um"],
            "ndp.depth_step_um",
        ),
        ("ndp", ["properties", "li6_fraction"], "li6_fraction"),
    ],
)
def test_a_key_without_description_is_an_error_naming_it(tmp_path, schema, path, name):
    folder = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, folder)
    file = folder / f"{schema}.schema.yaml"
    data = yaml.safe_load(file.read_text())
    node = data
    for part in path:
        node = node[part]
    del node["description"]
    file.write_text(yaml.safe_dump(data))
    with pytest.raises(MissingDescription, match=name.replace(".", r"\.")):
        config_docs(folder)
