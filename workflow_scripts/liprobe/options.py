"""Typed, frozen options of every stage, built once from the validated config.

The config schema (``config/schemas/config.schema.yaml``) is the only place a
default lives: the workflow validates the config with ``set_default=True`` at
parse time, then :func:`build_options` turns each stage's block into one frozen
dataclass. Building is strict in both directions: a key the dataclass does not
know and a field the config does not fill are errors (a field without a schema
default would otherwise silently take a value from somewhere else).

Rules pass ``options.params()`` (plain values, tracked by Snakemake for reruns);
the step rebuilds the object with ``<Options>.from_params(...)``. Library
functions take these objects or plain arguments, never a config dict.

Cross-stage keys are resolved here, once: the EXSY stage phases with
``nmr.phase`` and judges acqus TE by ``nmr.plausible_temperature_K``;
``relaxation.material`` and ``exsy.material`` name an entry of ``materials``,
which becomes a :class:`Material` field.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields

from liprobe.errors import InputError

#: old config keys and what replaced them (a clear error instead of "unknown key")
RENAMED: dict[tuple[str, str], str] = {
    ("exsy", "phase_mode"): "nmr.phase (one phase choice for 1D, pseudo-2D and EXSY)",
    ("exsy", "li_density_per_cm3"): (
        "exsy.material, naming an entry of materials (materials.<name>.li_per_cm3)"
    ),
    ("relaxation", "li_density_per_cm3"): (
        "relaxation.material, naming an entry of materials "
        "(materials.<name>.li_per_cm3)"
    ),
    ("echem", "inventory_depth_um"): "accounting.inventory_depth_um",
}


def check_renamed(config: Mapping, source: str = "config") -> None:
    """Raise an InputError naming the new key for every renamed key in ``config``."""
    for (block, key), new in RENAMED.items():
        section = config.get(block)
        if isinstance(section, Mapping) and key in section:
            raise InputError(
                source, f"{block}.{key}", f"the key {new}", f"the old key {block}.{key}"
            )


#: [min, max] pairs of the config, each strictly increasing (None: open end)
ORDERED_PAIRS = (
    ("nmr", "plausible_temperature_K"),
    ("nmr", "noise_ppm"),
    ("relaxation", "beta_bounds"),
    ("ndp", "energy_window_keV"),
    ("ndp", "normalisation", "window_keV"),
    ("accounting", "inventory_depth_um"),
    ("operando_nmr", "metal_window_ppm"),
    ("operando_nmr", "sei_window_ppm"),
)
#: values of a config file, counting every use of a YAML alias (a bigger file is
#: an alias bomb or not a liprobe config)
MAX_CONFIG_VALUES = 100_000
#: cells of the NDP forward model (depth bins x 1-keV energy steps over the
#: window widened by 100 keV each side), a few arrays of float64 each
MAX_RESPONSE_CELLS = 50_000_000


def check_config_shape(config: Mapping, schema: Mapping) -> None:
    """Before the schema validation: top-level keys the schema does not know are
    errors (their values are never read), and the config, its YAML aliases
    expanded, holds at most :data:`MAX_CONFIG_VALUES` values (counted with a
    budget, so an alias bomb stops here instead of exhausting memory)."""
    known = set(schema.get("properties", {}))
    for key in config:
        if key not in known:
            raise InputError(
                "config",
                str(key),
                f"one of the top-level keys {sorted(known)}",
                f"the unknown key {key!r}",
            )
    budget = MAX_CONFIG_VALUES
    stack: list[tuple[str, object]] = [(str(k), v) for k, v in config.items()]
    while stack:
        where, value = stack.pop()
        budget -= 1
        if budget < 0:
            raise InputError(
                "config",
                where.split(".")[0],
                f"at most {MAX_CONFIG_VALUES} values (YAML aliases counted at each "
                "use)",
                "more (an alias bomb or not a liprobe config)",
            )
        if isinstance(value, Mapping):
            stack.extend((f"{where}.{k}", v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(value))


def _check_values(config: Mapping) -> None:
    """Every number is finite (the schema's ranges let NaN and inf through) and
    every [min, max] pair is increasing."""
    stack: list[tuple[str, object]] = [(str(k), v) for k, v in config.items()]
    while stack:
        where, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError("config", where, "a finite number", value)
        if isinstance(value, Mapping):
            stack.extend((f"{where}.{k}", v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(value))
    pairs = [(".".join(keys), _lookup(config, keys)) for keys in ORDERED_PAIRS]
    windows = _lookup(config, ("ndp", "interference_windows_keV")) or []
    pairs += [(f"ndp.interference_windows_keV[{i}]", w) for i, w in enumerate(windows)]
    for where, pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        lo, hi = pair
        if lo is not None and hi is not None and not lo < hi:
            raise InputError("config", where, "[min, max] with min < max", list(pair))


def _lookup(config: Mapping, keys: tuple):
    value = config
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _freeze(value):
    """Lists become tuples and dicts read-only mappings, so options are hashable."""
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, Mapping):
        return types.MappingProxyType({k: _freeze(v) for k, v in value.items()})
    return value


def _thaw(value):
    """The plain-value form of an option (for params, tables and JSON)."""
    if dataclasses.is_dataclass(value):
        return {f.name: _thaw(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    return value


class _Options:
    """Strict construction from a mapping and the plain-value round trip."""

    @classmethod
    def from_params(cls, values: Mapping, where: str = ""):
        where = where or cls.__name__
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        missing = sorted(names - set(values))
        if unknown or missing:
            raise InputError(
                "config",
                where,
                f"exactly the keys {sorted(names)}",
                f"unknown {unknown}, missing {missing}",
            )
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for name in names:
            value = values[name]
            kind = hints[name]
            if isinstance(kind, type) and issubclass(kind, _Options):
                value = kind.from_params(value, f"{where}.{name}")
            kwargs[name] = _freeze(value)
        return cls(**kwargs)

    def params(self) -> dict:
        """Plain values (lists and dicts) for a rule's ``params:``."""
        return _thaw(self)


@dataclass(frozen=True)
class Material(_Options):
    """Li number density of a material (``materials.<name>``)."""

    name: str
    li_per_cm3: float
    li_per_cm3_err: float


@dataclass(frozen=True)
class NmrOptions(_Options):
    """``nmr:``: processing of 1D and pseudo-2D spectra and their integrals."""

    phase: str | tuple
    auto_phase_late_points: float
    lb_Hz: float | None
    si: int | None
    baseline: bool
    baseline_order: int
    topspin_baseline: bool
    dc_offset: bool | None
    first_point: float
    noise_ppm: tuple | None
    height: str
    plausible_temperature_K: tuple


@dataclass(frozen=True)
class TemperatureCalibration(_Options):
    """Sample temperature = offset_K + slope T_set + coefficient MAS_kHz^2."""

    offset_K: float
    slope: float
    mas_coefficient_K_per_kHz2: float
    mas_kHz: float | None


@dataclass(frozen=True)
class RelaxationOptions(_Options):
    """``relaxation:``: relaxation fits and the BPP / Arrhenius analysis."""

    models: Mapping
    criterion: str
    quantities: tuple
    scale_covar: bool
    poor_fit_p_value: float
    n_bootstrap: int
    engine: str
    spinlock_kHz: float | None
    temperature_calibration: TemperatureCalibration
    reference_temperature_K: float
    jump_distance_nm: float
    dimensionality: int
    material: Material
    haven_ratio: float
    correlation_factor: float
    beta_bounds: tuple
    flank_margin_K: float
    flank_asymptote_fraction: float
    cpmg_echoes: str
    cpmg_outlier_sigma: float | None
    cpmg_excess_scatter: bool


@dataclass(frozen=True)
class ExsyOptions(_Options):
    """``exsy:`` (and ``nmr.phase``, ``nmr.plausible_temperature_K``): 2D
    processing, volumes, exchange fits, i0."""

    phase: str
    plausible_temperature_K: tuple
    mixing_delay_index: int
    baseline: bool
    noise_margin_fraction: float
    models: tuple
    detailed_balance: bool
    equal_R1: bool
    n_site_detailed_balance: bool
    overlap_correction: bool
    particle_site: str
    poor_fit_p_value: float
    spectrum_pad_fraction: float
    default_particle_radius_um: float | None
    material: Material
    interface_area_fraction: float
    reference_temperature_K: float


@dataclass(frozen=True)
class EchemOptions(_Options):
    """``echem:``: cycler reading and half-cycle segmentation."""

    format: str
    rest_current_mA: float | None
    rest_fraction: float
    min_step_s: float
    min_points: int
    exclude_techniques: tuple
    max_gap_s: float | None
    reader_timeout_s: float


@dataclass(frozen=True)
class AccountingOptions(_Options):
    """``accounting:``: Li inventory and efficiency."""

    inventory_depth_um: tuple | None


@dataclass(frozen=True)
class OperandoNmrOptions(_Options):
    """``operando_nmr:``: Li-metal components of operando 7Li spectra and their
    calibration to Li per cm2. ``components`` maps each component name to
    ``shift_ppm``, ``shift_min_ppm`` and ``shift_max_ppm``."""

    components: Mapping
    metal_window_ppm: tuple
    sei_window_ppm: tuple
    shape: str
    baseline_order: int
    poor_fit_p_value: float
    skin_depth_correction: bool
    resistivity_ohm_m: float
    film_density_rel: float


@dataclass(frozen=True)
class PeaksOptions(_Options):
    """``peaks:``: deconvolution of 1D spectra and the isotope exchange."""

    baseline_order: int
    poor_fit_p_value: float
    window_margin: float
    noise_guard: float
    shape: str
    pick_snr: float
    fit_mas_rate: bool
    natural_li6_fraction: float
    saturation_t1_factor: float


@dataclass(frozen=True)
class NdpCalibration(_Options):
    """``ndp.calibration``: channel -> keV."""

    method: str
    refine: bool
    points: tuple | None
    offset_keV: float | None
    gain_keV_per_channel: float | None


@dataclass(frozen=True)
class NdpNormalisation(_Options):
    """``ndp.normalisation``: configured beam or a 10B reference standard."""

    method: str
    flux_n_per_cm2_s: float | None
    solid_angle_fraction: float | None
    beam_area_cm2: float | None
    areal_density_per_cm2: float | None
    cross_section_b: float
    window_keV: tuple


@dataclass(frozen=True)
class NdpRegularisation(_Options):
    """``ndp.regularisation``: one strength per run, by its criterion."""

    order: int
    criterion: str


@dataclass(frozen=True)
class NdpSrim(_Options):
    """``ndp.srim``: SRIM stopping tables by particle (None: CATIMA)."""

    alpha: str | None
    triton: str | None
    proton_N14: str | None


@dataclass(frozen=True)
class NdpOptions(_Options):
    """``ndp:``: list-mode events to Li depth profiles."""

    stacks: Mapping
    calibration: NdpCalibration
    energy_window_keV: tuple
    interference_windows_keV: tuple
    energy_bin_keV: float
    depth_max_um: float
    depth_step_um: float
    resolution_fwhm_keV: float
    cone_half_angle_deg: float
    n_channels: int
    slice_s: float
    disorder_tolerance_s: float
    dead_time_per_event_s: float
    chunk_events: int
    calibrated_channel_keV: float
    monitor_channel: int | None
    max_time_jump_s: float
    max_disorder_fraction: float
    max_histogram_bytes: int
    srim: NdpSrim
    normalisation: NdpNormalisation
    regularisation: NdpRegularisation

    def _check_grid(self, source: str) -> None:
        """The forward model's depth x energy grid fits in memory."""
        lo, hi = self.energy_window_keV
        depth_bins = self.depth_max_um / self.depth_step_um
        cells = depth_bins * (hi - lo + 200.0)
        if cells > MAX_RESPONSE_CELLS:
            raise InputError(
                source,
                "ndp.depth_step_um",
                f"at most {MAX_RESPONSE_CELLS:.0e} response cells (depth_max_um / "
                "depth_step_um depth bins x the energy window plus 200 keV in 1-keV "
                "steps); a coarser depth_step_um, a smaller depth_max_um or a "
                "narrower energy_window_keV",
                f"{cells:.3g} cells (depth_max_um {self.depth_max_um}, depth_step_um "
                f"{self.depth_step_um}, energy_window_keV [{lo}, {hi}])",
            )

    def check(self, source: str = "config") -> None:
        """The keys each chosen method needs (checked at parse time when the
        campaign has NDP runs; a campaign without NDP needs none of them)."""
        needs = {
            ("calibration", "points"): ("points",),
            ("calibration", "configured"): ("offset_keV", "gain_keV_per_channel"),
            ("normalisation", "configured"): (
                "flux_n_per_cm2_s",
                "solid_angle_fraction",
            ),
            ("normalisation", "reference"): ("areal_density_per_cm2",),
        }
        self._check_grid(source)
        for (block, method), keys in needs.items():
            value = getattr(self, block)
            if value.method != method:
                continue
            for key in keys:
                if getattr(value, key) is None:
                    raise InputError(
                        source,
                        f"ndp.{block}.{key}",
                        f"a value (ndp.{block}.method is {method})",
                        "none",
                    )


@dataclass(frozen=True)
class LinewidthOptions(_Options):
    """``linewidth:``: line widths over temperature (motional narrowing)."""

    method: str
    shape: str
    baseline_order: int
    poor_fit_p_value: float
    n_resample: int
    seed: int
    onset_fraction: float


@dataclass(frozen=True)
class ScaffoldOptions(_Options):
    """``scaffold:``: how ``liprobe init`` drafts regions from spectra."""

    peak_snr: float
    region_height_fraction: float
    max_peaks: int


@dataclass(frozen=True)
class CpOptions(_Options):
    """``cp:``: cross-polarization build-up fits and the model choice."""

    models: tuple
    poor_fit_p_value: float


@dataclass(frozen=True)
class Options:
    """Every stage's options."""

    nmr: NmrOptions
    relaxation: RelaxationOptions
    exsy: ExsyOptions
    echem: EchemOptions
    accounting: AccountingOptions
    ndp: NdpOptions
    scaffold: ScaffoldOptions
    linewidth: LinewidthOptions
    operando_nmr: OperandoNmrOptions
    peaks: PeaksOptions
    cp: CpOptions


def _material(config: Mapping, block: str) -> dict:
    name = config[block]["material"]
    materials = config["materials"]
    if name not in materials:
        raise InputError(
            "config",
            f"{block}.material",
            f"one of the materials {sorted(materials)}",
            repr(name),
        )
    return {"name": name, **materials[name]}


def build_options(config: Mapping) -> Options:
    """The options of every stage from a config validated with its defaults set."""
    check_renamed(config)
    _check_values(config)
    relaxation = {**config["relaxation"], "material": _material(config, "relaxation")}
    exsy = {
        **config["exsy"],
        "phase": config["nmr"]["phase"],
        "plausible_temperature_K": config["nmr"]["plausible_temperature_K"],
        "material": _material(config, "exsy"),
    }
    return Options(
        nmr=NmrOptions.from_params(config["nmr"], "nmr"),
        relaxation=RelaxationOptions.from_params(relaxation, "relaxation"),
        exsy=ExsyOptions.from_params(exsy, "exsy"),
        echem=EchemOptions.from_params(config["echem"], "echem"),
        accounting=AccountingOptions.from_params(config["accounting"], "accounting"),
        ndp=NdpOptions.from_params(config["ndp"], "ndp"),
        scaffold=ScaffoldOptions.from_params(config["scaffold"], "scaffold"),
        linewidth=LinewidthOptions.from_params(config["linewidth"], "linewidth"),
        operando_nmr=OperandoNmrOptions.from_params(
            config["operando_nmr"], "operando_nmr"
        ),
        peaks=PeaksOptions.from_params(config["peaks"], "peaks"),
        cp=CpOptions.from_params(config["cp"], "cp"),
    )


def schema_path():
    """The config schema of this checkout (the only place defaults live)."""
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "config/schemas/config.schema.yaml"


def validated_config(config: Mapping) -> dict:
    """A copy of ``config`` validated against the schema, every default filled in.

    The same rules as the workflow's parse-time validation (Snakemake's
    ``validate(..., set_default=True)``): a property missing from an object
    takes the schema's ``default``, then the object is checked.
    """
    import copy

    import jsonschema
    import yaml

    schema = yaml.safe_load(schema_path().read_text())
    base = jsonschema.validators.validator_for(schema)
    check_properties = base.VALIDATORS["properties"]

    def fill_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from check_properties(validator, properties, instance, schema)

    filling = jsonschema.validators.extend(base, {"properties": fill_defaults})
    check_config_shape(config, schema)
    out = copy.deepcopy(dict(config))
    out.setdefault("sheets", {})
    check_renamed(out)
    errors = sorted(filling(schema).iter_errors(out), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.path) or "config"
        raise InputError("config", where, "a value the schema allows", first.message)
    return out


def defaults(**blocks: Mapping) -> Options:
    """Options of every stage from the schema defaults, with ``blocks`` applied.

    ``defaults(relaxation={"quantities": ["integral"]}).relaxation`` is what a
    campaign whose config sets only that key would use.
    """
    return build_options(validated_config(blocks))
