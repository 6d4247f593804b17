"""What a folder of Bruker experiments holds, told from its parameter files.

:func:`describe_experiment` reads one EXPNO folder (acqus, acqu2s, the pulse
program, the variable lists, the title and the size of the binary) into a
:class:`FoundExperiment`: its kind with the evidence, nucleus, temperatures,
the mixing time, and whether the acquisition is complete.
:func:`plan_rows` then turns the usable experiments into the rows of the
``nmr`` sheet: readable unique ids, samples and series.

Kinds that no acquisition parameter reveals (``linewidth``, operando runs,
isotope pairs) cannot be told here: such experiments stay ``1d`` with a note.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from liprobe.errors import InputError
from liprobe.io.bruker import complete_rows, read_parameters, text
from liprobe.io.bruker.lists import VARIABLE_LISTS
from liprobe.io.sheets import MAX_NAME_LENGTH, load_schema
from liprobe.nmr.acquisition import check_nucleus
from liprobe.nmr.kinds import RELAXATION_KINDS, explain_kind
from liprobe.options import schema_path

#: characters a sheet id may hold (the nmr sheet's experiment pattern)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]+")
_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_.+-]*$")
_NUCLEUS = re.compile(r"^\d+[A-Z][a-z]?$")
_KELVIN = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)\s*K\b")
_CELSIUS = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)\s*(?:°|deg)?\s*C\b")
# title words that name a quantity, not a sample: T1, T1rho, d8, p15, 2D ...
_NOT_SAMPLE = re.compile(r"^(?:[TtDdPp]\d\w{0,3}|\d+D|\d+(?:\.\d+)?[A-Za-z]{0,3})$")


@dataclass(frozen=True)
class FoundExperiment:
    """One EXPNO folder as its files describe it."""

    path: Path
    dataset: str
    expno: str
    title: str
    pulse_program: str = ""
    nucleus: str = ""
    td1: int = 1
    lists: tuple[str, ...] = ()
    kind: str = ""
    kind_reason: str = ""
    kind_recognised: bool = True
    te_K: float | None = None
    title_K: float | None = None
    mixing_s: float | None = None
    acquired_rows: int | None = None
    fingerprint: str = ""
    flags: tuple[str, ...] = ()
    #: why the experiment cannot be listed ('' when it can)
    skip: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def temperature_K(self) -> float | None:
        """The sample temperature: acqus TE when plausible, else the title's."""
        return self.te_K if self.te_K is not None else self.title_K


def sheet_columns(sheet: str, rows: list[dict]) -> list[str]:
    """The columns of a drafted sheet: those of its schema (in the schema's
    order) that the drafted rows fill."""
    schema = load_schema(schema_path().parent / f"{sheet}.schema.yaml")
    filled = {key for row in rows for key in row}
    return [c for c in schema["properties"] if c in filled]


def title_temperature_K(title: str) -> float | None:
    """A temperature stated in a title (``180 K``, ``(163K)``, ``25 C``), in K."""
    match = _KELVIN.search(title)
    if match:
        return float(match.group(1))
    match = _CELSIUS.search(title)
    if match:
        return float(match.group(1)) + 273.15
    return None


def safe_id(value: str) -> str:
    """``value`` as a name the sheets accept (:data:`liprobe.io.sheets.SAFE_NAME`):
    every run of other characters becomes ``_``; a name longer than
    :data:`~liprobe.io.sheets.MAX_NAME_LENGTH` keeps its end (where EXPNOs and
    temperatures are) and as much of its start as fits."""
    cleaned = _UNSAFE.sub("_", value).strip("_.+-") or "x"
    if len(cleaned) > MAX_NAME_LENGTH:
        tail = cleaned[-(MAX_NAME_LENGTH // 2) :]
        head = cleaned[: MAX_NAME_LENGTH - len(tail) - 1].rstrip("_.+-")
        cleaned = f"{head}_{tail.lstrip('_.+-')}"
    return cleaned


def sample_from(title: str, dataset: str) -> tuple[str, str]:
    """The sample of an experiment and where it was read from.

    A title word that also appears in the dataset name wins (``Li6PS5Cl`` in
    ``Li6PS5Cl_slr``); then the first title word that looks like a sample
    name (a letter first, then letters, digits and ``_.+-`` with at least one
    digit or underscore, four characters or more, not a nucleus or a quantity
    such as ``T1`` or ``298K``); then the dataset name.
    """
    words = [w.strip("()[]{},;:") for w in title.split()]
    candidates = [
        w
        for w in words
        if len(w) >= 4
        and _WORD.match(w)
        and re.search(r"[\d_]", w)
        and not _NUCLEUS.match(w)
        and not _NOT_SAMPLE.match(w)
    ]
    lowered = dataset.lower()
    for word in candidates:
        if word.lower() in lowered:
            return safe_id(word), "title (also in the dataset name)"
    if candidates:
        return safe_id(candidates[0]), "title"
    return safe_id(dataset), "dataset name"


def _number(params: dict, key: str) -> float | None:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(float(value)) else None


def _array_value(params: dict, key: str, index: int) -> float | None:
    values = params.get(key)
    if not isinstance(values, list) or index >= len(values):
        return None
    value = values[index]
    return float(value) if isinstance(value, int | float) else None


def _fingerprint(files: list[Path]) -> str:
    """SHA-256 over the parameter and binary files (duplicate folders agree)."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode())
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def describe_experiment(
    path: Path,
    *,
    plausible_temperature_K: tuple[float, float],
    mixing_delay_index: int,
) -> FoundExperiment:
    """Read one EXPNO folder's parameter files into a :class:`FoundExperiment`.

    Never raises for a folder it cannot use: ``skip`` then says why (no
    ``ser``/``fid``, unreadable parameters, no complete row, a pulse program
    whose kind nothing reveals). The EXSY mixing time is acqus
    ``D[mixing_delay_index]``.
    """
    path = Path(path)
    title_file = path / "pdata" / "1" / "title"
    title = ""
    if title_file.is_file():
        title = title_file.read_bytes().decode("latin-1").strip()
    found = FoundExperiment(
        path=path, dataset=path.parent.name, expno=path.name, title=title
    )
    try:
        acqus = read_parameters(path / "acqus")
    except InputError as exc:
        return replace(found, skip=f"unreadable acqus ({exc})")
    data = next((path / n for n in ("ser", "fid") if (path / n).is_file()), None)
    if data is None:
        return replace(found, skip="no ser or fid (not acquired, or data removed)")
    flags: list[str] = []
    notes: list[str] = []
    td1 = 1
    acquired = None
    if data.name == "ser":
        try:
            acqu2s = read_parameters(path / "acqu2s")
        except InputError as exc:
            return replace(found, skip=f"a ser without a readable acqu2s ({exc})")
        td1 = int(_number(acqu2s, "TD") or 0)
        td = int(_number(acqus, "TD") or 0)
        if td1 <= 0 or td <= 0:
            return replace(found, skip=f"TD = {td}, TD1 = {td1}: nothing acquired")
        try:
            acquired, _, _ = complete_rows(data, td, td1, _number(acqus, "DTYPA") == 2)
        except InputError as exc:
            return replace(found, skip=f"ser not readable as acquired ({exc})")
        if acquired < td1:
            flags.append("interrupted_acquisition")
            notes.append(f"interrupted acquisition: {acquired} of {td1} rows")
    pulprog = text(acqus, "PULPROG")
    pp_file = path / "pulseprogram"
    pp_text = pp_file.read_bytes().decode("latin-1") if pp_file.is_file() else ""
    lists = tuple(n for n in VARIABLE_LISTS if (path / n).is_file())
    kind, reason, recognised = explain_kind(pulprog, pp_text, td1, set(lists))
    if not recognised:
        return replace(
            found,
            pulse_program=pulprog,
            td1=td1,
            skip=f"unknown pulse program '{pulprog or '(none)'}': {reason}",
        )
    nucleus, nucleus_flags = check_nucleus(acqus)
    flags += nucleus_flags
    if not nucleus:
        nucleus = text(acqus, "NUC1")
        notes.append(f"NUC1 {nucleus} disagrees with BF1: check the nucleus column")
    te = _number(acqus, "TE")
    lo, hi = plausible_temperature_K
    if te is not None and not lo <= te <= hi:
        notes.append(f"acqus TE = {te:g} K is outside {lo:g}-{hi:g} K")
        te = None
    title_K = title_temperature_K(title)
    if title_K is not None and not lo <= title_K <= hi:
        title_K = None
    mixing = _array_value(acqus, "D", mixing_delay_index) if kind == "exsy" else None
    files = [path / "acqus", data, *(path / n for n in lists)]
    return replace(
        found,
        pulse_program=pulprog,
        nucleus=nucleus,
        td1=td1,
        lists=lists,
        kind=kind,
        kind_reason=reason,
        te_K=te,
        title_K=title_K,
        mixing_s=mixing,
        acquired_rows=acquired,
        fingerprint=_fingerprint(files),
        flags=tuple(flags),
        notes=tuple(notes),
    )


def drop_duplicates(found: list[FoundExperiment]) -> list[FoundExperiment]:
    """Mark every later copy of the same acquisition (equal files) as skipped."""
    first: dict[str, Path] = {}
    out = []
    for exp in found:
        if exp.skip or not exp.fingerprint:
            out.append(exp)
            continue
        if exp.fingerprint in first:
            out.append(replace(exp, skip=f"duplicate of {first[exp.fingerprint]}"))
            continue
        first[exp.fingerprint] = exp.path
        out.append(exp)
    return out


@dataclass(frozen=True)
class SheetRow:
    """One row of the scaffolded ``nmr`` sheet."""

    experiment: str
    sample: str
    path: str
    kind: str
    series: str
    temperature_K: float | None
    note: str
    source: FoundExperiment


def _series_stem(keys: list[tuple], key: tuple, sample: str) -> str:
    """The shortest name that tells ``key`` apart from the sample's other keys.

    ``key`` is ``(sample, nucleus, pulse program, kind)``: the nucleus is added
    when the sample was measured on several, the kind when it has several, the
    pulse program when another one gave the same kind of the same nucleus.
    """
    same_sample = [k for k in keys if k[0] == sample]
    parts = [sample]
    if len({k[1] for k in same_sample}) > 1:
        parts.append(key[1])
    if len({k[3] for k in same_sample}) > 1:
        parts.append(key[3])
    if len({k[2] for k in same_sample if (k[1], k[3]) == (key[1], key[3])}) > 1:
        parts.append(key[2])
    return safe_id("_".join(parts))


def plan_rows(found: list[FoundExperiment]) -> list[SheetRow]:
    """The ``nmr`` sheet rows of the usable experiments, in folder order.

    Ids are ``<dataset>_<expno>`` (made unique when two datasets share a name).
    A series holds the experiments of one sample, nucleus, pulse program and
    kind; relaxation and 1D series run over temperature (or, for CP, contact
    time), EXSY series over mixing time at one temperature (``<stem>_<T>K``).
    """
    usable = [e for e in found if not e.skip]
    samples = {e.path: sample_from(e.title, e.dataset) for e in usable}
    keys = {
        e.path: (samples[e.path][0], e.nucleus, e.pulse_program, e.kind) for e in usable
    }
    all_keys = list(dict.fromkeys(k for e, k in keys.items()))
    base_ids = Counter(f"{e.dataset}_{e.expno}" for e in usable)
    rows: list[SheetRow] = []
    used: set[str] = set()
    members: dict[str, list[FoundExperiment]] = defaultdict(list)
    for exp in usable:
        base = f"{exp.dataset}_{exp.expno}"
        if base_ids[base] > 1:
            base = f"{exp.path.parent.parent.name}_{base}"
        experiment = safe_id(base)
        n = 2
        while experiment in used:
            experiment = safe_id(f"{base}_{n}")
            n += 1
        used.add(experiment)
        sample, sample_source = samples[exp.path]
        key = keys[exp.path]
        stem = _series_stem(all_keys, key, sample)
        if exp.kind == "exsy":
            temperature = exp.temperature_K
            series = stem if temperature is None else f"{stem}_{round(temperature)}K"
        elif exp.kind in RELAXATION_KINDS or exp.kind in ("cp", "pfg"):
            series = stem
        else:
            series = stem if stem != sample else f"{sample}_1d"
        notes = list(exp.notes)
        if exp.kind == "1d":
            notes.append(
                "kind 1d: set linewidth, operando or isotope kinds by hand "
                "(no acquisition parameter reveals them)"
            )
        if sample_source == "dataset name":
            notes.append("sample from the dataset name: edit if needed")
        temperature = None
        if exp.te_K is None and exp.title_K is not None:
            temperature = exp.title_K
            notes.append(f"temperature {exp.title_K:g} K from the title")
        row = SheetRow(
            experiment=experiment,
            sample=sample,
            path=str(exp.path),
            kind=exp.kind,
            series=safe_id(series),
            temperature_K=temperature,
            note="; ".join(notes),
            source=exp,
        )
        rows.append(row)
        members[row.series].append(exp)
    return _note_repeats(rows, members)


def _note_repeats(rows: list[SheetRow], members: dict) -> list[SheetRow]:
    """Add a note where a series repeats a temperature or a mixing time."""
    out = []
    for row in rows:
        exp = row.source
        peers = [m for m in members[row.series] if m.path != exp.path]
        notes = [row.note] if row.note else []
        if exp.kind == "exsy" and exp.mixing_s is not None:
            if any(m.mixing_s == exp.mixing_s for m in peers):
                notes.append(f"mixing time {exp.mixing_s:g} s repeated in the series")
        elif exp.temperature_K is not None and exp.kind in RELAXATION_KINDS:
            same = [
                m.path.name
                for m in peers
                if m.temperature_K is not None
                and abs(m.temperature_K - exp.temperature_K) < 0.5
            ]
            if same:
                notes.append(
                    f"temperature {exp.temperature_K:g} K also in EXPNO "
                    f"{', '.join(same)}: a repeat, or a wrong TE?"
                )
        out.append(replace(row, note="; ".join(notes)))
    return out
