"""The config schema is the only place a default lives; options mirror it.

Every stage's frozen options type has exactly the fields of its schema block,
of the JSON types the schema allows; the schema's defaults build a valid
options object; unknown keys are errors at every level of the schema; renamed
keys name their replacement; no rule file or library module restates a default.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping

import pytest
import yaml

from liprobe.errors import InputError
from liprobe.options import (
    RENAMED,
    AccountingOptions,
    CpOptions,
    EchemOptions,
    ExsyOptions,
    Material,
    NmrOptions,
    RelaxationOptions,
    TemperatureCalibration,
    _Options,
    build_options,
    defaults,
    schema_path,
    validated_config,
)

SCHEMA = yaml.safe_load(schema_path().read_text())
STAGES = {
    "nmr": NmrOptions,
    "relaxation": RelaxationOptions,
    "exsy": ExsyOptions,
    "echem": EchemOptions,
    "accounting": AccountingOptions,
    "cp": CpOptions,
}
# Fields an options type gets from another block (resolved once, in build_options).
CROSS_STAGE = {
    ("exsy", "phase"): ("nmr", "phase"),
    ("exsy", "plausible_temperature_K"): ("nmr", "plausible_temperature_K"),
}
JSON_TYPES = {
    "string": (str,),
    "number": (float, int),
    "integer": (int,),
    "boolean": (bool,),
    "array": (tuple,),
    "object": (Mapping,),
    "null": (type(None),),
}


def _schema_types(prop: dict) -> set[str]:
    if "oneOf" in prop:
        return set().union(*(_schema_types(p) for p in prop["oneOf"]))
    kind = prop.get("type")
    return {kind} if isinstance(kind, str) else set(kind or [])


def _python_types(hint) -> set:
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return set().union(*(_python_types(a) for a in args))
    return {typing.get_origin(hint) or hint}


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_options_fields_are_the_schema_block_field_by_field(stage):
    cls = STAGES[stage]
    block = SCHEMA["properties"][stage]["properties"]
    names = {f.name for f in dataclasses.fields(cls)}
    cross = {field for (s, field) in CROSS_STAGE if s == stage}
    assert names - cross == set(block), f"{stage}: options fields != schema keys"
    hints = typing.get_type_hints(cls)
    for name in sorted(names - cross):
        prop = block[name]
        assert "default" in prop, f"{stage}.{name} has no default in the schema"
        hint = hints[name]
        if name == "material":
            assert hint is Material and prop["type"] == "string"
            continue
        if isinstance(hint, type) and issubclass(hint, _Options):
            assert prop["type"] == "object"
            sub = {f.name for f in dataclasses.fields(hint)}
            assert sub == set(prop["properties"]), f"{stage}.{name}"
            continue
        py = _python_types(hint)
        # every JSON type the schema allows has a home in the annotation, and
        # the annotation allows nothing the schema does not
        json_types = _schema_types(prop)
        for json_type in json_types:
            assert set(JSON_TYPES[json_type]) & py, (
                f"{stage}.{name}: schema type {json_type} not in annotation {hint}"
            )
        for kind in py:
            assert any(kind in JSON_TYPES[j] for j in json_types), (
                f"{stage}.{name}: annotation {kind} not allowed by the schema"
            )


def test_schema_defaults_build_every_options_object():
    options = defaults()
    for stage, cls in STAGES.items():
        value = getattr(options, stage)
        assert isinstance(value, cls)
        block = SCHEMA["properties"][stage]["properties"]
        for name, prop in block.items():
            got = getattr(value, name)
            if name == "material":
                assert got.name == prop["default"]
                continue
            if isinstance(got, _Options):
                expected = {k: v["default"] for k, v in prop["properties"].items()}
                assert got.params() == {**expected, **prop["default"]}
                continue
            plain = got if not isinstance(got, tuple) else list(got)
            if isinstance(plain, Mapping):
                plain = dict(plain)
            assert plain == prop["default"], f"{stage}.{name}"
    assert isinstance(
        options.relaxation.temperature_calibration, TemperatureCalibration
    )
    assert options.exsy.phase == options.nmr.phase


def test_options_round_trip_through_rule_params():
    options = defaults(relaxation={"quantities": ["integral"], "n_bootstrap": 5})
    for stage, cls in STAGES.items():
        value = getattr(options, stage)
        params = value.params()
        assert yaml.safe_load(yaml.safe_dump(params)) == params  # plain values
        assert cls.from_params(params) == value


def test_options_objects_are_frozen():
    options = defaults()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.nmr.phase = "auto"


def test_strict_construction_names_unknown_and_missing_keys():
    params = defaults().echem.params()
    with pytest.raises(InputError, match="unknown \\['bogus'\\]"):
        EchemOptions.from_params({**params, "bogus": 1})
    params.pop("rest_fraction")
    with pytest.raises(InputError, match="missing \\['rest_fraction'\\]"):
        EchemOptions.from_params(params)


def _objects(schema: dict, path: str = ""):
    """Every object-typed subschema with properties (where keys are fixed)."""
    if schema.get("type") == "object" and "properties" in schema:
        yield path or "config", schema
    for name, sub in (schema.get("properties") or {}).items():
        yield from _objects(sub, f"{path}.{name}" if path else name)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _objects(extra, f"{path}.<name>")
    items = schema.get("items")
    if isinstance(items, dict):
        yield from _objects(items, f"{path}[]")


def test_unknown_keys_are_rejected_at_every_level_of_the_schema():
    objects = list(_objects(SCHEMA))
    assert len(objects) >= 12
    for path, sub in objects:
        assert sub.get("additionalProperties") is False, f"{path} allows unknown keys"


@pytest.mark.parametrize(
    "config, field",
    [
        ({"relaxtion": {}}, "relaxtion"),
        ({"nmr": {"phse": "auto"}}, "nmr"),
        ({"relaxation": {"temperature_calibration": {"slop": 1}}}, "relaxation"),
        ({"ndp": {"calibration": {"method": "edges", "gain": 1}}}, "ndp"),
        ({"ndp": {"normalisation": {"method": "configured", "flux": 1}}}, "ndp"),
        ({"ndp": {"srim": {"helium": "a.txt"}}}, "ndp"),
        (
            {
                "ndp": {
                    "stacks": {
                        "s": [
                            {
                                "formula": "Li",
                                "density_g_cm3": 0.5,
                                "thickness_um": 1,
                                "dens": 2,
                            }
                        ]
                    }
                }
            },
            "ndp",
        ),  # noqa: E501
        (
            {"materials": {"LLZO": {"li_per_cm3": 2e22, "li_per_cm3_error": 1e20}}},
            "materials",
        ),  # noqa: E501
    ],
)
def test_a_typo_anywhere_is_an_error_naming_where(config, field):
    with pytest.raises(InputError) as err:
        validated_config(config)
    assert err.value.field.startswith(field)
    # top-level keys are checked before the schema (their values never read)
    words = (
        "unknown key"
        if "." not in field and field not in SCHEMA["properties"]
        else ("Additional properties are not allowed")
    )
    assert words in str(err.value)


@pytest.mark.parametrize("old", sorted(RENAMED))
def test_renamed_keys_name_their_replacement(old):
    block, key = old
    with pytest.raises(InputError) as err:
        validated_config({block: {key: 1}})
    assert err.value.field == f"{block}.{key}"
    assert RENAMED[old].split()[0] in str(err.value)


def test_material_is_one_key_per_material_and_must_exist():
    options = defaults(
        materials={"LLZO": {"li_per_cm3": 2.8e22, "li_per_cm3_err": 1e20}},
        relaxation={"material": "LLZO"},
        exsy={"material": "LLZO"},
    )
    assert options.relaxation.material == Material("LLZO", 2.8e22, 1e20)
    with pytest.raises(InputError) as err:
        defaults(relaxation={"material": "unobtainium"})
    assert err.value.field == "relaxation.material"
    # the argyrodite default follows from its unit cell: 24 Li in (9.85 A)^3
    assert defaults().relaxation.material.li_per_cm3 == pytest.approx(
        24 / 9.85e-8**3, rel=0.005
    )


def test_build_options_needs_a_validated_config():
    with pytest.raises(KeyError):
        build_options({"sheets": {}})


def test_no_rule_file_restates_a_default(repo_dir):
    """Rules take their options from OPTIONS; no *_DEFAULTS, no config.get(x, y)."""
    for smk in sorted((repo_dir / "rules").glob("*.smk")):
        text = smk.read_text()
        assert not re.search(r"\b[A-Z_]*DEFAULTS\s*=", text), smk.name
        assert not re.search(r"config\.get\(\s*\"(nmr|relaxation|exsy|echem|ndp)", text)
        assert not re.search(
            r"config\[\"(nmr|relaxation|exsy|echem|accounting)\"\]", text
        )


def test_options_reach_the_library_without_dict_defaults(repo_dir):
    """No option is read with a fallback value in the rule scripts."""
    pattern = re.compile(r"\b(opts|options|o|cfg)\.get\(\s*\"[a-z_]+\"\s*,")
    offenders = []
    for script in sorted((repo_dir / "workflow_scripts").glob("*.py")):
        if script.stem.startswith("ndp_"):
            continue  # NDP options move to a typed object with the NDP rework
        for i, line in enumerate(script.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{script.name}:{i}: {line.strip()}")
    assert not offenders, offenders
