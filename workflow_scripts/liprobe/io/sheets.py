"""Read and validate the sheets users write (CONTRACT.md: nmr, regions, ndp,
sites, operando_nmr).

Each sheet is a TSV file. Validation happens when the workflow is parsed, before
any job starts, and every problem is an :class:`~liprobe.errors.InputError`
naming the sheet file, the row (counted as a user counts the lines of the file:
the header is line 1) and the field.

Cells are read literally: only a line whose first character is ``#`` is a
comment, and a path is a path (``[`` and ``*`` are characters) unless its
column is documented as a glob (:data:`GLOB_COLUMNS`; a value that names an
existing file is taken literally there too). Every value that becomes part of
an output path (:data:`NAME_COLUMNS`) is a safe name (:data:`SAFE_NAME`, at most
:data:`MAX_NAME_LENGTH` characters), and every number is finite.
"""

from __future__ import annotations

import csv
import glob
import io
import math
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path

import jsonschema
import pandas as pd
import yaml

from liprobe.errors import InputError
from liprobe.io.bruker.peek import check_expno_folder

SHEET_KEYS = {
    "nmr": "experiment",
    "regions": None,
    "ndp": "run",
    "operando_nmr": "run",
    "sites": None,
}
# Columns holding paths that must exist (resolved against the working directory).
PATH_COLUMNS = {
    "nmr": ["path"],
    "regions": [],
    "sites": [],
    "ndp": ["listmode", "cycler", "background", "reference"],
    "operando_nmr": ["path", "cycler"],
}
# Path columns documented as globs: a value naming no existing file is a pattern.
GLOB_COLUMNS = {"ndp": ["listmode"]}
# Columns whose values become part of output, log and benchmark paths (the EXSY
# sites are the regions' names).
NAME_COLUMNS = {
    "nmr": ["experiment", "sample", "series"],
    "regions": ["sample", "region"],
    "ndp": ["run", "cell"],
    "operando_nmr": ["run", "cell"],
    "sites": ["sample", "site"],
}
#: the one pattern of every name that becomes part of a path: no separator, no
#: leading dot or dash, no wildcard braces, no spaces
SAFE_NAME = "^[A-Za-z0-9][A-Za-z0-9_.+-]*$"
MAX_NAME_LENGTH = 64
_SAFE = re.compile(SAFE_NAME)


def check_name(value: object, file: str | Path | None, field: str, row=None) -> str:
    """``value`` as a name safe inside a path, or an InputError naming ``field``."""
    text = str(value)
    if not _SAFE.fullmatch(text) or len(text) > MAX_NAME_LENGTH:
        raise InputError(
            file,
            field,
            f"a name matching {SAFE_NAME} (letters, digits, _ . + -; starting with "
            f"a letter or digit) of at most {MAX_NAME_LENGTH} characters, because "
            "it becomes part of output paths",
            text,
            row=row,
        )
    return text


def load_schema(path: str | Path) -> dict:
    """Load a YAML/JSON schema file (with libyaml's safe loader when present)."""
    with open(path) as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _coerce(value: str, spec: Mapping) -> object:
    kind = spec.get("type")
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "integer":
        try:
            as_float = float(value)
        except ValueError:
            return value
        return int(as_float) if as_float.is_integer() else as_float
    return value


def _read_lines(path: Path) -> tuple[str, list[int]]:
    """The sheet's text without comment and blank lines, and the file line
    number of each kept line (a comment line starts with ``#`` in column 1)."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a leading BOM is no column
    except UnicodeDecodeError as exc:
        raise InputError(path, "table", "UTF-8 text", str(exc)) from None
    kept, numbers = [], []
    # the line ends the TSV parser knows (str.splitlines knows more)
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if line.startswith("#") or not line.strip():
            continue
        kept.append(line)
        numbers.append(number)
    return "\n".join(kept) + "\n", numbers


def _resolve(value: str, base: Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def read_sheet(
    path: str | Path,
    schema: Mapping,
    name: str,
    base_dir: str | Path = ".",
) -> pd.DataFrame:
    """Read a TSV sheet, validate every row against ``schema``, resolve paths.

    Returns a frame with typed columns, schema defaults filled in, path columns
    made absolute, and (for sheets with a key column) indexed by that key.
    """
    path = Path(path)
    base = Path(base_dir)
    if not path.is_file():
        raise InputError(path, f"sheets.{name}", "an existing TSV file", "no such file")
    text, line_numbers = _read_lines(path)
    try:
        with warnings.catch_warnings():
            # more fields than header names: pandas would drop or shift data
            warnings.simplefilter("error", pd.errors.ParserWarning)
            raw = pd.read_csv(
                io.StringIO(text),
                sep="\t",
                dtype=str,
                keep_default_na=False,
                quoting=csv.QUOTE_NONE,
                skip_blank_lines=True,
                index_col=False,
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise InputError(path, "table", "tab-separated values", str(exc)) from None
    except pd.errors.EmptyDataError:
        raise InputError(
            path, "header", "a header line naming the columns", "an empty file"
        ) from None
    raw.columns = [str(c).strip() for c in raw.columns]
    props: Mapping = schema.get("properties", {})
    for column in schema.get("required", []):
        if column not in raw.columns:
            raise InputError(
                path,
                column,
                f"a column named '{column}' (required columns: "
                f"{', '.join(schema.get('required', []))})",
                f"columns {list(raw.columns)}",
            )
    unknown = [c for c in raw.columns if c not in props]
    if unknown:
        raise InputError(
            path,
            unknown[0],
            f"one of the documented columns {sorted(props)}",
            unknown[0],
        )
    validator = jsonschema.Draft202012Validator(dict(schema))
    records = []
    for i, (_, row) in enumerate(raw.iterrows()):
        line = line_numbers[i + 1]  # the line of the file, header included
        record: dict[str, object] = {}
        for column, value in row.items():
            text = str(value).strip()
            if text == "":
                continue
            value = _coerce(text, props.get(column, {}))
            if isinstance(value, float) and not math.isfinite(value):
                raise InputError(
                    path,
                    str(column),
                    "a finite number (an empty cell takes the documented default)",
                    text,
                    row=line,
                )
            if column in NAME_COLUMNS.get(name, []):
                check_name(value, path, str(column), row=line)
            record[str(column)] = value
        errors = sorted(validator.iter_errors(record), key=lambda e: list(e.path))
        if errors:
            err = errors[0]
            field = ".".join(str(p) for p in err.path) or (
                err.message.split("'")[1] if "'" in err.message else "row"
            )
            found = record.get(field, "<missing>")
            raise InputError(path, field, err.message, found, row=line)
        for column, spec in props.items():
            if column not in record and "default" in spec:
                record[column] = spec["default"]
        for column in PATH_COLUMNS.get(name, []):
            if column in record:
                target = _resolve(str(record[column]), base)
                pattern = (
                    column in GLOB_COLUMNS.get(name, [])
                    and not target.exists()
                    and glob.has_magic(str(target))
                )
                exists = bool(glob.glob(str(target))) if pattern else target.exists()
                if not exists:
                    raise InputError(
                        path,
                        column,
                        (
                            "a glob matching existing files"
                            if pattern
                            else "an existing file or folder (taken literally)"
                        )
                        + " (relative paths resolve against the working directory "
                        f"{base.resolve()})",
                        str(record[column]),
                        row=line,
                    )
                record[column] = str(target) if pattern else str(target.resolve())
        if name == "nmr" and "path" in record:
            # checked here, before anything lists the folder's files
            check_expno_folder(record["path"], path, row=line)
        record["_row"] = line
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        frame = pd.DataFrame(columns=[*props, "_row"])
    key = SHEET_KEYS.get(name)
    if key is not None:
        dup = frame[key].duplicated(keep="first")
        if dup.any():
            first_dup = frame.loc[dup].iloc[0]
            raise InputError(
                path,
                key,
                f"unique values of '{key}'",
                f"'{first_dup[key]}' again",
                row=int(first_dup["_row"]),
            )
        frame = frame.set_index(key, drop=False)
    if name == "nmr" and not frame.empty:
        _check_distinct_folders(path, frame)
    if name == "regions" and not frame.empty:
        bad = frame[frame["ppm_min"] >= frame["ppm_max"]]
        if not bad.empty:
            row = bad.iloc[0]
            raise InputError(
                path,
                "ppm_min",
                "ppm_min < ppm_max",
                f"ppm_min={row['ppm_min']} ppm_max={row['ppm_max']}",
                row=int(row["_row"]),
            )
    if name == "sites" and not frame.empty:
        _check_sites(path, frame)
    return frame


def _check_sites(path: Path, frame: pd.DataFrame) -> None:
    """Each site once per sample; its start value inside its bounds."""
    for row in frame.to_dict("records"):
        if not row["shift_min_ppm"] <= row["shift_ppm"] <= row["shift_max_ppm"]:
            raise InputError(
                path,
                "shift_ppm",
                "shift_min_ppm <= shift_ppm <= shift_max_ppm",
                f"shift_min_ppm={row['shift_min_ppm']} shift_ppm={row['shift_ppm']} "
                f"shift_max_ppm={row['shift_max_ppm']}",
                row=int(row["_row"]),
            )
    dup = frame.duplicated(["sample", "site"], keep="first")
    if dup.any():
        first = frame.loc[dup].iloc[0]
        raise InputError(
            path,
            "site",
            "one row per sample and site",
            f"site '{first['site']}' of sample '{first['sample']}' again",
            row=int(first["_row"]),
        )
    for sample, rows in frame.groupby("sample"):
        shared = set(rows["shared"])
        if len(shared) > 1:
            raise InputError(
                path,
                "shared",
                f"one value of 'shared' for all sites of sample '{sample}' "
                "(a series is fitted jointly or not)",
                ", ".join(sorted(shared)),
                row=int(rows["_row"].iloc[-1]),
            )


def sideband_orders(text: object) -> tuple[int, ...]:
    """The sites sheet's ``sidebands`` cell as sorted non-zero orders."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ()
    if isinstance(text, int | float):
        return (int(text),) if int(text) else ()
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    return tuple(sorted({int(p) for p in parts if int(p) != 0}))


def _check_distinct_folders(path: Path, frame: pd.DataFrame) -> None:
    """One Bruker folder is one experiment: the same raw data under two ids
    would be counted as independent data (halved fit errors)."""
    seen: dict[tuple[int, int], str] = {}
    for experiment, folder, line in zip(
        frame["experiment"], frame["path"], frame["_row"], strict=True
    ):
        st = os.stat(folder)
        identity = (st.st_dev, st.st_ino)
        if identity in seen:
            raise InputError(
                path,
                "path",
                "one row per Bruker folder (each experiment's own raw data)",
                f"{folder} again (experiment '{experiment}'; already experiment "
                f"'{seen[identity]}')",
                row=int(line),
            )
        seen[identity] = str(experiment)


def load_sheets(
    config: Mapping, schema_dir: str | Path, base_dir: str | Path = "."
) -> dict[str, pd.DataFrame]:
    """Load every sheet named under ``config['sheets']``; absent ones are empty."""
    sheets = config.get("sheets", {}) or {}
    out: dict[str, pd.DataFrame] = {}
    for name in SHEET_KEYS:
        schema = load_schema(Path(schema_dir) / f"{name}.schema.yaml")
        if sheets.get(name):
            sheet_path = _resolve(str(sheets[name]), Path(base_dir))
            out[name] = read_sheet(sheet_path, schema, name, base_dir)
        else:
            frame = pd.DataFrame(columns=[*schema.get("properties", {}), "_row"])
            key = SHEET_KEYS[name]
            out[name] = frame.set_index(key, drop=False) if key else frame
    return out


def cell_value(sheet: pd.DataFrame, run: str, column: str):
    """One cell of a sheet (row ``run``, by its key) as a plain value, None when
    the column is absent or the cell empty."""
    if column not in sheet.columns:
        return None
    value = sheet.loc[run, column]
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


def row_values(sheet: pd.DataFrame, run: str, columns) -> dict:
    """The values of ``columns`` in one row of a sheet, as plain str / int /
    float / None (:func:`cell_value`)."""
    out = {}
    for column in columns:
        value = cell_value(sheet, run, column)
        if value is not None and not isinstance(value, int | float):
            value = str(value)
        out[column] = value
    return out
