# Shared set-up: config validation, the sheets, target collection and helpers.
import json
import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

# The liprobe checkout: the folder above this file's. Not workflow.basedir,
# which is the folder of the main Snakefile: another workflow's when liprobe is
# used as a module (`module liprobe: snakefile: <liprobe>/Snakefile`).
_HERE = workflow.current_basedir.get_path_or_uri(secret_free=False)
if not Path(_HERE).is_dir():
    raise WorkflowError(
        f"liprobe's rules are at {_HERE}, not a local folder: use liprobe as a "
        "module from a local checkout (module liprobe: snakefile: <checkout>/Snakefile)"
    )
LIPROBE_DIR = Path(_HERE).resolve().parent

# liprobe is imported from this checkout, never from an installed copy: first on
# this process's path, and first on the path of every job's interpreter (local,
# conda or cluster). Snakemake's script preamble only appends the workflow's
# paths to sys.path, after site-packages, where an older liprobe may be installed.
# (PYTHONPATH need not be set by the user: it is only extended here.)
_SCRIPTS = str(LIPROBE_DIR / "workflow_scripts")
_PATH_VAR = "PYTHONPATH"
sys.path.insert(0, _SCRIPTS)
_OTHERS = os.environ.get(_PATH_VAR, "").split(os.pathsep)
os.environ[_PATH_VAR] = os.pathsep.join(
    [_SCRIPTS, *(p for p in _OTHERS if p and p != _SCRIPTS)]
)

from liprobe.errors import LiprobeError  # noqa: E402
from liprobe.nmr.kinds import peek_kind  # noqa: E402
from liprobe.io.sheets import load_schema, load_sheets  # noqa: E402
from liprobe.io.tables import COMMIT_ENV, git_commit  # noqa: E402
from liprobe.options import (  # noqa: E402
    build_options,
    check_config_shape,
    check_renamed,
)
from liprobe.plan.campaign import (  # noqa: E402
    conversion_series,
    cp_series,
    exsy_plan,
    linewidth_series,
    pfg_series,
    relaxation_series,
)
from liprobe.plan.imports import import_closure  # noqa: E402

_CONFIG_SCHEMA = LIPROBE_DIR / "config" / "schemas" / "config.schema.yaml"
# Renamed keys first (their message names the new key), then the schema: the
# only place a default lives; unknown keys are errors at every level.
try:
    # unknown top-level keys and alias bombs first, before anything walks them
    check_config_shape(config, load_schema(_CONFIG_SCHEMA))
    check_renamed(config)
except LiprobeError as exc:
    raise WorkflowError(f"invalid config: {exc}") from None
validate(config, str(_CONFIG_SCHEMA), set_default=True)
try:
    OPTIONS = build_options(config)
except LiprobeError as exc:
    raise WorkflowError(f"invalid config: {exc}") from None
# What report_config records: the documented blocks of the validated config,
# defaults filled in, as plain values (no rule receives the config object).
CONFIG_USED = json.loads(
    json.dumps({key: config[key] for key in load_schema(_CONFIG_SCHEMA)["properties"]})
)

# The liprobe commit, read once per run; every job's tables record it.
os.environ[COMMIT_ENV] = git_commit()

SCHEMA_DIR = LIPROBE_DIR / "config" / "schemas"
SCRIPTS_DIR = LIPROBE_DIR / "workflow_scripts"
LIB_DIR = SCRIPTS_DIR / "liprobe"

try:
    SHEETS = load_sheets(config, SCHEMA_DIR, base_dir=Path.cwd())
except LiprobeError as exc:
    raise WorkflowError(f"invalid sheet: {exc}") from None

NMR = SHEETS["nmr"]
REGIONS = SHEETS["regions"]
NDP = SHEETS["ndp"]
SITES = SHEETS["sites"]

# The kind of every NMR experiment: the sheet's, or detected from its parameter
# files (pulse program, lists, TD1) without reading the binary data.
NMR_KIND = {
    experiment: (
        str(NMR.at[experiment, "kind"])
        if str(NMR.at[experiment, "kind"]) != "auto"
        else peek_kind(NMR.at[experiment, "path"])
    )
    for experiment in NMR.index
}
NMR_1D = [e for e in NMR.index if NMR_KIND[e] != "exsy"]

# Final outputs; each stage file appends its own.
TARGETS = []


def lib(script):
    """The library sources a rule's script imports, declared as inputs so that
    an edit of any of them reruns the rule.

    Computed from the script's import closure (liprobe.plan.imports), never
    listed by hand. Plain paths of the local checkout (the scripts import the
    package from there, see sys.path above).
    """
    return [str(p) for p in import_closure(SCRIPTS_DIR / script, LIB_DIR)]


def raw_files(folder):
    """Every file of a raw folder, so that a changed raw byte triggers a rerun."""
    folder = Path(folder)
    if folder.is_file():
        return [str(folder)]
    return sorted(str(p) for p in folder.rglob("*") if p.is_file())


def sheet_value(frame, key, column, default=None):
    """One cell of a sheet, or ``default`` when the column is absent or empty."""
    if column not in frame.columns:
        return default
    value = frame.at[key, column]
    if value is None or (isinstance(value, float) and value != value):
        return default
    return value


# NMR helpers


# Region rows by sample, built once: every NMR job's params read them.
REGION_ROWS = {}
for _row in REGIONS.to_dict("records"):
    REGION_ROWS.setdefault(str(_row["sample"]), []).append(
        {
            "region": str(_row["region"]),
            "ppm_min": float(_row["ppm_min"]),
            "ppm_max": float(_row["ppm_max"]),
        }
    )


def nmr_regions(experiment):
    """Region rows of an experiment's sample, or [] to use TopSpin's intrng."""
    return REGION_ROWS.get(str(NMR.at[experiment, "sample"]), [])


def nmr_overrides(experiment):
    """Sheet values that override acqus (kind, temperature, nucleus, Larmor)."""
    out = {}
    for column in ("kind", "temperature_K", "nucleus", "larmor_MHz", "spinlock_kHz"):
        value = sheet_value(NMR, experiment, column)
        if value is not None and value != "auto":
            out[column] = value
    return out


def nmr_series_raw(series):
    """Every raw file of a conversion series' folders."""
    return [f for e in NMR_SERIES[series] for f in raw_files(NMR.at[e, "path"])]


def nmr_series_items(series):
    """The sheet rows of a conversion series, as its job reads them."""
    return [
        {
            "experiment": e,
            "sample": str(NMR.at[e, "sample"]),
            "series": sheet_value(NMR, e, "series", ""),
            "path": str(NMR.at[e, "path"]),
            "procno": int(sheet_value(NMR, e, "procno", 1)),
            "particle_radius_um": sheet_value(NMR, e, "particle_radius_um"),
            "overrides": nmr_overrides(e),
            "regions": nmr_regions(e),
        }
        for e in NMR_SERIES[series]
    ]


def linewidth_items(series):
    """The sheet rows of a line-width series, as its job reads them."""
    return [
        {
            "experiment": e,
            "sample": str(NMR.at[e, "sample"]),
            "series": series,
            "path": str(NMR.at[e, "path"]),
            "procno": int(sheet_value(NMR, e, "procno", 1)),
            "overrides": nmr_overrides(e),
            "regions": nmr_regions(e),
        }
        for e in LINEWIDTH_SERIES[series]
    ]


def pfg_raw_files():
    """The files of each PFG folder the fits read besides the tables."""
    files = []
    for experiment in NMR.index:
        if NMR_KIND[experiment] != "pfg":
            continue
        folder = Path(NMR.at[experiment, "path"])
        procno = int(sheet_value(NMR, experiment, "procno", 1))
        for name in (
            "acqus",
            "difflist",
            "pulseprogram",
            f"pdata/{procno}/ct1t2.txt",
        ):
            if (folder / name).is_file():
                files.append(str(folder / name))
    return files


def check_regions():
    """Stop before any job when a sample has neither regions nor TopSpin intrng."""
    for experiment in NMR.index:
        if nmr_regions(experiment):
            continue
        procno = int(sheet_value(NMR, experiment, "procno", 1))
        intrng = Path(NMR.at[experiment, "path"]) / "pdata" / str(procno) / "intrng"
        if not intrng.is_file():
            raise WorkflowError(
                f"{config['sheets'].get('regions') or 'regions sheet'}: sample "
                f"'{NMR.at[experiment, 'sample']}' (experiment '{experiment}') has "
                f"no rows, and its experiment has no TopSpin regions file {intrng}"
            )


check_regions()


# The campaign's plan: the relaxation and EXSY series (one series rule for all
# stages, liprobe.plan.campaign), from the kinds found above.
# Series names enter paths: a derived name that is not a safe name stops here.
try:
    RELAXATION_SERIES = relaxation_series(NMR, NMR_KIND)
    PFG_SERIES = pfg_series(NMR, NMR_KIND)
    # One conversion job per series of 1D and pseudo-2D experiments.
    NMR_SERIES = conversion_series(NMR, NMR_KIND)
    # One width-measuring job per series of kind linewidth (sheet only).
    LINEWIDTH_SERIES = linewidth_series(NMR, NMR_KIND)
    _KIND_OF_PATH = {str(NMR.at[e, "path"]): NMR_KIND[e] for e in NMR.index}
    EXSY = exsy_plan(
        NMR,
        REGIONS,
        detect_kind=_KIND_OF_PATH.__getitem__,
        overrides_of=nmr_overrides,
    )
except LiprobeError as exc:
    raise WorkflowError(f"invalid sheet {config['sheets'].get('nmr')}: {exc}") from None
EXSY_SERIES = list(EXSY["series"])
# The 2D processing phases from procs or automatically (zero order per
# dimension): stop before any job when nmr.phase asks for more.
if EXSY_SERIES and OPTIONS.exsy.phase not in ("procs", "auto"):
    raise WorkflowError(
        f"invalid config: nmr.phase is {OPTIONS.exsy.phase!r}, but the campaign has "
        "EXSY series, whose 2D processing takes 'procs' or 'auto'"
    )


def report_tables(targets):
    """Names of the contract tables among the targets (for the report)."""
    names = []
    for target in targets:
        path = Path(target)
        if path.parent.as_posix() == "results/tables" and path.suffix == ".parquet":
            names.append(path.stem)
    return names


def print_stage_summary(tables_dir="results/tables"):
    """One line per stage: what the run produced and what it flagged."""
    from liprobe.io.tables import read_table
    from liprobe.run_summary import STAGE_TABLES, stage_lines

    names = [name for parts in STAGE_TABLES.values() for name, _ in parts]
    found = {
        name: read_table(Path(tables_dir) / f"{name}.parquet")
        for name in names
        if (Path(tables_dir) / f"{name}.parquet").is_file()
    }
    for line in stage_lines(found):
        print(line, file=sys.stderr)
