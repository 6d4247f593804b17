"""Hostile but schema-typed config values: each is a clear InputError at parse time.

The schema's ranges let NaN and inf through (every comparison with NaN is
false), so every number is checked to be finite; [min, max] pairs must
increase; sizes that would exhaust memory are refused before any allocation;
an alias bomb under an unknown key stops before anything walks it; no rule
receives the config object itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from liprobe.errors import InputError
from liprobe.options import (
    MAX_CONFIG_VALUES,
    build_options,
    check_config_shape,
    validated_config,
)

from conftest import run_snakemake

REPO = Path(__file__).resolve().parents[1]
NAN, INF = float("nan"), float("inf")
# a valid NDP normalisation, so that each case below fails on its own key only
REFERENCE = {"method": "reference", "areal_density_per_cm2": 1.0e17}


def _check(config: dict) -> None:
    """Validate, build and check the options as the workflow's parse does."""
    ndp = {"normalisation": dict(REFERENCE), **config.get("ndp", {})}
    options = build_options(validated_config({**config, "ndp": ndp}))
    options.ndp.check()


def test_the_reference_config_is_accepted():
    _check({})


ATTACKS = {
    "n_channels_1e9": ({"ndp": {"n_channels": 10**9}}, "ndp.n_channels"),
    "slice_s_nan": ({"ndp": {"slice_s": NAN}}, "ndp.slice_s"),
    "slice_s_inf": ({"ndp": {"slice_s": INF}}, "ndp.slice_s"),
    "energy_bin_nan": ({"ndp": {"energy_bin_keV": NAN}}, "ndp.energy_bin_keV"),
    "depth_step_nan": ({"ndp": {"depth_step_um": NAN}}, "ndp.depth_step_um"),
    "depth_step_memory": ({"ndp": {"depth_step_um": 1e-6}}, "ndp.depth_step_um"),
    "depth_max_inf": ({"ndp": {"depth_max_um": INF}}, "ndp.depth_max_um"),
    "flux_nan": (
        {
            "ndp": {
                "normalisation": {
                    "method": "configured",
                    "flux_n_per_cm2_s": NAN,
                    "solid_angle_fraction": 0.1,
                }
            }
        },
        "ndp.normalisation.flux_n_per_cm2_s",
    ),
    "energy_window_reversed": (
        {"ndp": {"energy_window_keV": [2800.0, 700.0]}},
        "ndp.energy_window_keV",
    ),
    "energy_window_empty": (
        {"ndp": {"energy_window_keV": [700.0, 700.0]}},
        "ndp.energy_window_keV",
    ),
    "interference_window_reversed": (
        {"ndp": {"interference_windows_keV": [[620.0, 380.0]]}},
        "ndp.interference_windows_keV[0]",
    ),
    "reference_window_reversed": (
        {"ndp": {"normalisation": {**REFERENCE, "window_keV": [1900.0, 1300.0]}}},
        "ndp.normalisation.window_keV",
    ),
    "rest_fraction_nan": ({"echem": {"rest_fraction": NAN}}, "echem.rest_fraction"),
    "max_gap_inf": ({"echem": {"max_gap_s": INF}}, "echem.max_gap_s"),
    "inventory_depth_reversed": (
        {"accounting": {"inventory_depth_um": [5.0, 1.0]}},
        "accounting.inventory_depth_um",
    ),
    "inventory_depth_nan": (
        {"accounting": {"inventory_depth_um": [NAN, 1.0]}},
        "accounting.inventory_depth_um[0]",
    ),
    "plausible_temperature_reversed": (
        {"nmr": {"plausible_temperature_K": [600.0, 100.0]}},
        "nmr.plausible_temperature_K",
    ),
    "noise_ppm_reversed": ({"nmr": {"noise_ppm": [10.0, -10.0]}}, "nmr.noise_ppm"),
    "beta_bounds_reversed": (
        {"relaxation": {"beta_bounds": [2.0, 1.0]}},
        "relaxation.beta_bounds",
    ),
    "reference_temperature_inf": (
        {"relaxation": {"reference_temperature_K": INF}},
        "relaxation.reference_temperature_K",
    ),
    "calibration_offset_nan": (
        {
            "ndp": {
                "calibration": {
                    "method": "configured",
                    "offset_keV": NAN,
                    "gain_keV_per_channel": 0.5,
                }
            }
        },
        "ndp.calibration.offset_keV",
    ),
    "material_density_inf": (
        {"materials": {"Li6PS5Cl": {"li_per_cm3": 2.5e22, "li_per_cm3_err": INF}}},
        "materials.Li6PS5Cl.li_per_cm3_err",
    ),
    "normalisation_method_typo": (
        {"ndp": {"normalisation": {"method": "configurd"}}},
        "ndp.normalisation.method",
    ),
    "normalisation_not_a_block": (
        {"ndp": {"normalisation": "configurd"}},
        "ndp.normalisation",
    ),
    "calibration_points_without_points": (
        {"ndp": {"calibration": {"method": "points"}}},
        "ndp.calibration.points",
    ),
    "unknown_top_level_key": ({"relaxtion": {}}, "relaxtion"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_hostile_config_value_is_an_input_error(attack):
    config, field = ATTACKS[attack]
    with pytest.raises(InputError) as info:
        _check(config)
    assert info.value.field == field, str(info.value)


def _bomb(levels: int) -> list:
    """A YAML alias bomb as loaded: each level shares two references to the last,
    2**levels leaves when walked."""
    node: list = ["lol"]
    for _ in range(levels):
        node = [node, node]
    return node


def test_alias_bomb_under_an_unknown_key_is_rejected_without_walking_it():
    with pytest.raises(InputError, match="unknown key 'lols'"):
        check_config_shape(
            {"sheets": {}, "lols": _bomb(60)}, {"properties": {"sheets": {}}}
        )


def test_alias_bomb_under_a_known_key_stops_at_the_value_budget():
    schema = {"properties": {"sheets": {}, "nmr": {}}}
    with pytest.raises(InputError, match=f"at most {MAX_CONFIG_VALUES}") as info:
        check_config_shape({"sheets": {}, "nmr": {"noise_ppm": _bomb(60)}}, schema)
    assert info.value.field == "nmr"


def test_alias_bomb_config_file_stops_the_workflow_at_parse(tmp_path):
    """A real YAML file, read by Snakemake: 2**40 values expanded, refused."""
    from snakemake.exceptions import WorkflowError

    lines = ["sheets: {}", "lols:", "  l0: &l0 [lol, lol]"]
    lines += [f"  l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, 40)]
    cfg = tmp_path / "bomb.yaml"
    cfg.write_text("\n".join(lines) + "\n")
    with pytest.raises(WorkflowError, match="unknown key 'lols'"):
        run_snakemake(tmp_path, cfg, executor="dryrun")


def test_non_finite_config_value_stops_the_workflow_at_parse(tmp_path):
    from snakemake.exceptions import WorkflowError

    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("sheets: {}\nechem:\n  rest_fraction: .nan\n")
    with pytest.raises(WorkflowError, match="echem.rest_fraction.*finite"):
        run_snakemake(tmp_path, cfg, executor="dryrun")


def test_no_rule_receives_the_whole_config():
    """A params or input value that is the config object itself would carry any
    key (and any alias bomb) into every job's provenance."""
    whole = re.compile(r"^\s+\w+\s*=\s*config\s*,?\s*$", re.M)
    for smk in sorted((REPO / "rules").glob("*.smk")):
        found = whole.findall(smk.read_text())
        assert not found, f"{smk.name}: {found}"
