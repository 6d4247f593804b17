"""Hostile but well-formed inputs that are not errors: what they must flag.

Each test is named after the attack. Inputs that must stop with an
InputError are in the malformed corpus (``tests/malformed.py``); here are the
ones whose result is a flag, or a figure that must still be drawn.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, nmr_opts, read_experiment, relax, with_schema_defaults
from malformed import TZ, _bruker, set_param


def test_missing_pulse_program_kind_guess_is_flagged(tmp_path):
    folder = _bruker(tmp_path)
    set_param(folder / "acqus", "PULPROG", "<user_sequence_3>")
    (folder / "pulseprogram").unlink()
    fid = read_experiment(folder)
    assert fid.kind in ("t1_sr", "t1_ir")  # a guess from the vdlist alone
    assert "kind_guessed_without_pulse_program" in fid.flags


def test_pulse_program_name_or_text_decides_without_flag(tmp_path):
    folder = _bruker(tmp_path / "a")
    fid = read_experiment(folder)  # name satrect1 and its text
    assert fid.kind == "t1_sr"
    assert "kind_guessed_without_pulse_program" not in fid.flags
    (folder / "pulseprogram").unlink()  # the name alone still says it
    fid = read_experiment(folder)
    assert fid.kind == "t1_sr"
    assert "kind_guessed_without_pulse_program" not in fid.flags


def test_relaxation_curve_of_zero_list_times_is_still_drawn(tmp_path):
    """All list times zero (a vdlist of zeros given through a table): the curve
    figure is drawn (points at t = 0 cannot sit on a logarithmic axis)."""
    from liprobe.nmr import experiment_record, integrate_regions, process
    from liprobe.plots.relaxation import plot_series_curves
    from liprobe.relaxation.table import fit_relaxation_table

    fid = read_experiment(_bruker(tmp_path))
    spectra = process(fid, nmr_opts({}))
    regions = pd.DataFrame({"region": ["Li"], "ppm_min": [-50.0], "ppm_max": [50.0]})
    integrals = integrate_regions(spectra, fid, regions)
    integrals.insert(0, "experiment", "e1")
    integrals["list_time_s"] = 0.0
    record = experiment_record(fid, spectra)
    record.update(experiment="e1", sample="s", series="s")
    fits = fit_relaxation_table(integrals, pd.DataFrame([record]), relax({}))
    assert not fits["fit_ok"].any()
    fig = plot_series_curves(fits, integrals, "s")
    assert fig.axes


def test_nmr_path_of_root_is_refused_without_walking(tmp_path, monkeypatch):
    from liprobe.errors import InputError
    from liprobe.io.bruker.peek import check_expno_folder

    def no_walk(*args, **kwargs):
        raise AssertionError("the check must not walk the folder")

    monkeypatch.setattr(Path, "rglob", no_walk)
    monkeypatch.setattr(os, "walk", no_walk)
    with pytest.raises(InputError) as err:
        check_expno_folder("/", "nmr.tsv", row=3)
    e = err.value
    assert (e.file, e.field, e.row) == ("nmr.tsv", "path", 3)
    assert "acqus" in e.expected and "without acqus" in str(e.found)


def test_nmr_path_of_a_dataset_folder_names_its_expno(tmp_path):
    from liprobe.errors import InputError
    from liprobe.io.bruker.peek import check_expno_folder

    expno = _bruker(tmp_path)  # tmp/ds/10
    check_expno_folder(expno, "nmr.tsv")  # the right folder passes
    with pytest.raises(InputError, match="a dataset folder") as err:
        check_expno_folder(expno.parent, "nmr.tsv", row=2)
    assert str(expno) in str(err.value.found)
    with pytest.raises(InputError, match="not a folder"):
        check_expno_folder(expno / "acqus", "nmr.tsv", row=2)


def test_nmr_path_of_root_stops_the_workflow_at_parse_time(tmp_path):
    """A sheet path of ``/`` (which exists) stops the dry run with the sheet,
    row and column named, before any rule lists its raw files."""
    from liprobe.simulate.demo import build_demo

    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        build_demo("demo", parts=("nmr",), workdir=".")
    finally:
        os.chdir(old)
    sheet = pd.read_csv(tmp_path / "demo" / "nmr.tsv", sep="\t").iloc[:2]
    sheet.loc[1, "path"] = "/"
    sheet.to_csv(tmp_path / "demo" / "nmr.tsv", sep="\t", index=False)
    cfg = tmp_path / "config.yaml"
    cfg.write_text("sheets:\n  nmr: demo/nmr.tsv\n  regions: demo/regions.tsv\n")
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "-s", str(REPO / "Snakefile")]
        + ["--configfile", str(cfg)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "workflow_scripts")},
        timeout=300,
    )
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "demo/nmr.tsv, row 3: field 'path': expected a Bruker experiment" in out
    assert "'/ (a folder without acqus)'" in out


def _events_job(tmp_path, listmode, **inputs):
    from liprobe.options import defaults
    from liprobe.steps.job import Fields, Job

    names = ("slices", "spectra", "background", "reference", "accounting")
    return Job(
        input=Fields(listmode=[str(listmode)], **inputs),
        output=Fields({k: str(tmp_path / "out" / f"{k}.parquet") for k in names}),
        params=Fields(
            run="r1",
            run_sheet={"listmode_start_utc": "2024-03-04T09:00:00+00:00"},
            sheet_name="ndp.tsv",
            options=defaults().ndp.params(),
        ),
        log=[str(tmp_path / "ndp_events.log")],
    )


def _compass(path: Path, n_events: int) -> Path:
    from liprobe.io.listmode import write_compass_bin

    ps = np.arange(n_events, dtype=np.uint64) * np.uint64(10**9)
    return write_compass_bin(
        path, ps, np.full(n_events, 1000), np.zeros(n_events, np.uint32)
    )


@pytest.mark.parametrize("role", ["signal", "background"])
def test_compass_file_with_zero_events_is_an_input_error(tmp_path, role):
    from liprobe.steps import ndp_events

    signal = _compass(tmp_path / "run.BIN", 0 if role == "signal" else 50)
    empty = tmp_path / "run.BIN"
    inputs = {}
    if role == "background":
        empty = _compass(tmp_path / "bare.BIN", 0)
        inputs["background"] = str(empty)
    with pytest.raises(SystemExit) as err:
        ndp_events.run(_events_job(tmp_path, signal, **inputs))
    message = str(err.value.code)
    assert message.startswith("liprobe InputError: ")
    assert f"{empty}: field 'events': expected at least one event" in message
    assert role in message and "found '0 events'" in message
    assert not (tmp_path / "out").exists()


def _echem_job(tmp_path, cycler_file):
    from liprobe.options import defaults
    from liprobe.steps.job import Fields, Job

    names = ("trace", "cycles", "coulombic")
    return Job(
        input=Fields(cycler=str(cycler_file)),
        output=Fields({k: str(tmp_path / "out" / f"{k}.parquet") for k in names}),
        params=Fields(
            run="cell1",
            run_sheet={"cycler_timezone": TZ, "cycler_date_order": "month_first"},
            timezone=TZ,
            plating_sign="negative",
            area_cm2=1.0,
            options=defaults().echem.params(),
        ),
        log=[str(tmp_path / "echem_segment.log")],
    )


@pytest.mark.parametrize(
    "attack, field, found",
    [
        ("cycler_file_with_zero_current", "current_mA", "largest |current| 0 mA"),
        ("cycler_file_with_one_point", "data rows", "1 point(s)"),
    ],
)
def test_cycler_file_without_a_step_is_an_input_error(tmp_path, attack, field, found):
    from liprobe.steps import echem_segment

    from malformed import _mpt_table, _write_mpt, good_mpt

    path = good_mpt(tmp_path / "cell.mpt")
    header, data = _mpt_table(path)
    if attack.endswith("zero_current"):
        for column in ("I/mA", "dq/mA.h", "(Q-Qo)/mA.h", "control/V/mA"):
            data[column] = 0.0
    else:
        data = data.iloc[:1]
    _write_mpt(path, header, data)
    with pytest.raises(SystemExit) as err:
        echem_segment.run(_echem_job(tmp_path, path))
    message = str(err.value.code)
    assert message.startswith(f"liprobe InputError: {path}: field '{field}'")
    assert found in message
    assert not (tmp_path / "out").exists()


def test_ortec_local_header_time_says_the_zone_it_assumed(tmp_path, shared_dir):
    """An ORTEC file's start time is the acquisition computer's clock: without
    listmode_start_utc the slices table says it was read as UTC, zone unknown."""
    from liprobe.io.tables import read_metadata, read_table
    from liprobe.steps import ndp_events

    ortec = shared_dir / "listmode" / "ortec_sample_Ba-133.Lis"
    job = _events_job(tmp_path, ortec)
    job.params["run_sheet"] = {}
    ndp_events.run(job)
    slices = read_table(job.output["slices"])
    source = set(slices["start_time_source"])
    assert len(source) == 1
    (text,) = source
    assert "local time" in text and "zone unknown" in text and "read as UTC" in text
    meta = read_metadata(job.output["slices"])
    assert meta["liprobe.ndp.start_source"] == text
    # the sheet's zone-aware time wins and says so
    job = _events_job(
        tmp_path / "b", shared_dir / "listmode" / "ortec_sample_Ba-133.Lis"
    )
    ndp_events.run(job)
    slices = read_table(job.output["slices"])
    assert set(slices["start_time_source"]) == {"sheet listmode_start_utc"}


def _cycles_a_year_before(path: Path) -> Path:
    from liprobe.io.tables import write_table

    t0 = pd.Timestamp("2023-03-04T09:00:00Z")
    cycles = pd.DataFrame(
        {
            "cycle": [1, 1],
            "step": ["plate", "strip"],
            "t_start_utc": [t0, t0 + pd.Timedelta(hours=1)],
            "t_end_utc": [t0 + pd.Timedelta(hours=1), t0 + pd.Timedelta(hours=2)],
        }
    )
    return write_table(cycles, path)


def test_start_time_a_year_off_is_an_input_error(tmp_path):
    """The sheet's listmode_start_utc a year after the cycler steps: no slice
    can meet a step, which the run says, naming the sheet field and both spans."""
    from liprobe.steps import ndp_events

    signal = _compass(tmp_path / "run.BIN", 50)
    cycles = _cycles_a_year_before(tmp_path / "cycles.parquet")
    job = _events_job(tmp_path, signal, cycles=str(cycles))
    with pytest.raises(SystemExit) as err:
        ndp_events.run(job)
    message = str(err.value.code)
    assert message.startswith(
        "liprobe InputError: ndp.tsv: field 'listmode_start_utc (run r1)': "
        "expected a list-mode run overlapping its cycler steps (2023-03-04"
    )
    assert "found 'a run from 2024-03-04 09:00:00+00:00" in message
    assert not (tmp_path / "out").exists()


def test_step_profiles_without_a_step_inside_the_run_are_drawn(tmp_path):
    """Cycler steps that all end before the run (the plot's former KeyError
    'label'): evenly spread slices are drawn instead."""
    from liprobe.plots.ndp import plot_step_profiles, step_end_slices

    t0 = pd.Timestamp("2024-03-04T09:00:00Z")
    rows = []
    for s in range(4):
        for depth in (0.5, 1.5, 2.5):
            rows.append(
                {
                    "run": "r1",
                    "slice": s,
                    "t_start_utc": t0 + pd.Timedelta(hours=s),
                    "t_end_utc": t0 + pd.Timedelta(hours=s + 1),
                    "depth_um": depth,
                    "li_density_rel": 0.1 * s,
                    "li_per_cm3_err": 1e20,
                }
            )
    profiles = pd.DataFrame(rows)
    cycles = pd.read_parquet(_cycles_a_year_before(tmp_path / "cycles.parquet"))
    picks = step_end_slices(profiles, "r1", cycles)
    assert list(picks["label"]) == [f"slice {s}" for s in range(4)]
    fig = plot_step_profiles(profiles, "r1", cycles)
    assert fig.axes


def test_listmode_path_that_is_a_folder_is_not_called_missing(tmp_path):
    from liprobe.errors import InputError
    from liprobe.io.listmode import open_listmode

    with pytest.raises(InputError) as err:
        open_listmode(tmp_path, "auto", chunk_events=16)
    assert (err.value.file, err.value.field) == (str(tmp_path), "listmode")
    assert err.value.found == "a folder, not a file"
    with pytest.raises(InputError) as err:
        open_listmode(tmp_path / "absent.BIN", "auto", chunk_events=16)
    assert err.value.found == "no such file"


def test_cycler_path_that_is_a_device_is_not_called_missing():
    from liprobe.errors import InputError
    from liprobe.io import cycler

    read_cycler = with_schema_defaults(cycler.read_cycler, "echem")
    with pytest.raises(InputError) as err:
        read_cycler("/dev/null", TZ)
    assert err.value.field == "cycler"
    assert err.value.found == "a device, pipe or socket, not a regular file"


def test_250_character_id_in_an_output_name_is_an_input_error(tmp_path):
    """An id of 250 characters makes an output name the file system refuses
    (``File name too long``): an InputError naming the output and the length."""
    from liprobe.errors import InputError
    from liprobe.io.atomic import write_text_atomic
    from liprobe.io.tables import write_table

    out = tmp_path / "results" / ("x" * 250) / ("x" * 250 + ".parquet")
    with pytest.raises(InputError) as err:
        write_table(pd.DataFrame({"a": [1]}), out)
    assert err.value.file == str(out) and err.value.field == "file name"
    assert "too long for the file system" in str(err.value.found)
    # the name while it is written: 250 + .parquet + .partial
    assert "266 bytes" in str(err.value.found)
    with pytest.raises(InputError, match="file name"):
        write_text_atomic(tmp_path / ("y" * 300 + ".md"), "text")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_250_character_nmr_path_is_an_input_error_at_parse_time(tmp_path):
    from liprobe.errors import InputError
    from liprobe.io.bruker.peek import check_expno_folder

    with pytest.raises(InputError) as err:
        check_expno_folder(tmp_path / ("d" * 300) / "10", "nmr.tsv", row=2)
    assert err.value.field == "path" and "too long" in str(err.value.found)


def test_fit_error_names_the_run_and_the_file(tmp_path):
    """An NDP calibration without a peak (an empty spectrum): the job's one-line
    error names the run and the spectra file, not only 'empty spectrum'."""
    from liprobe.errors import FitError, fit_context
    from liprobe.io.runlog import rule_log
    from liprobe.ndp.calibration import edge_calibration

    spectra = tmp_path / "results" / "ndp" / "r1" / "spectra.parquet"
    with pytest.raises(SystemExit) as err:
        with rule_log(tmp_path / "ndp_profiles.log"), fit_context("run r1", spectra):
            edge_calibration(np.zeros(4096), 2055.0, 2727.0)
    assert str(err.value.code) == f"liprobe FitError: run r1, {spectra}: empty spectrum"
    with pytest.raises(FitError, match="^experiment e1, f: no peak"):
        with fit_context("experiment e1", "f"):
            raise FitError("no peak between channels 0 and 3")


def test_ndp_profiles_step_names_its_run_in_fit_errors():
    import inspect

    from liprobe.steps import ndp_profiles

    source = inspect.getsource(ndp_profiles.run)
    assert 'fit_context(f"run {job.params.run}", job.input.spectra)' in source
