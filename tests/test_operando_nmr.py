"""Operando 7Li NMR of Li metal: spectrum times, components, Li per cm2.

* times: audita.txt "started at" / "completed at" when present, else acqus
  DATE (the end) minus the duration from NS, DS, D1 and AQ; checked on the
  real folder whose audita and DATE agree, and on folders built here;
* components: a spectrum of known Gaussian lines and white noise (built here,
  not by the demo simulator) is deconvolved into counter, plated,
  microstructure and SEI; recovered areas within their reported errors;
* skin depth and calibration: the closed forms against a quadrature done
  here; the charge and counter calibrations on a synthetic run;
* real data: the 7Li SEI folder read as a one-spectrum operando run without a
  cycler file (first increment): the metal line near 265 ppm.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liprobe.errors import InputError
from liprobe.io.bruker import read_acquisition_times, read_parameters
from liprobe.io.sheets import load_schema, read_sheet
from liprobe.lineshape.noise import noise_model
from liprobe.operando.components import (
    components_from_options,
    components_with_sites,
    free_points,
    run_components,
)
from liprobe.operando.inventory import (
    counter_visible_li,
    film_correction,
    metal_inventory,
    skin_depth_um,
)
from liprobe.operando.sheet import expno_folders, run_sheet
from liprobe.operando.timing import (
    acquisition_duration_s,
    align_with_cycles,
    spectrum_times,
)
from liprobe.options import defaults
from liprobe.steps.job import Fields, Job

from conftest import REPO

SEI_FOLDER = ("bruker", "relaxnmr_7Li_cpmgT2_SEI", "38")
LI_PER_CM3 = 4.63e22


# --------------------------------------------------------------------------- #
# times
# --------------------------------------------------------------------------- #
def test_audita_times_of_the_real_folder_and_acqus_date_agree(shared_dir):
    folder = shared_dir.joinpath(*SEI_FOLDER)
    start, end = read_acquisition_times(folder)
    assert start == pd.Timestamp("2022-11-15 21:10:23.684", tz="UTC")
    assert end == pd.Timestamp("2022-11-16 06:47:43.911", tz="UTC")
    acqus = read_parameters(folder / "acqus")
    # DATE marks the end of the acquisition
    assert abs(pd.Timestamp(acqus["DATE"], unit="s", tz="UTC") - end) < pd.Timedelta(
        seconds=1
    )
    # the duration from NS, DS, D1 and AQ over the 9 rows: the audit's span
    # holds it plus the per-scan overheads (pulses, echo trains), a few per mil
    duration = acquisition_duration_s(acqus, 9, folder / "acqus")
    span = (end - start).total_seconds()
    assert duration == pytest.approx(9 * 128 * (30.0 + 25000 / 2 / 192307.692307692))
    assert 0.99 < duration / span <= 1.0


def _acqus(date: int, ns=16, ds=4, d1=2.0, td=4096, sw=50000.0) -> dict:
    return {"DATE": date, "NS": ns, "DS": ds, "D": [0, d1, 0], "TD": td, "SW_h": sw}


def test_acqus_date_is_the_end_and_mid_is_half_the_duration_earlier():
    date = 1_700_000_000
    acqus = _acqus(date)
    duration = (16 + 4) * (2.0 + 4096 / 2 / 50000.0)
    times = spectrum_times(
        [
            {
                "expno": "3",
                "acqus": acqus,
                "acqus_file": "x/acqus",
                "rows": 1,
                "audit": None,
                "increments": [1],
            }
        ]
    )
    (row,) = times.to_dict("records")
    end = pd.Timestamp(date, unit="s", tz="UTC")
    assert row["time_source"] == "acqus_DATE"
    assert row["t_end_utc"] == end
    assert row["t_mid_utc"] == end - pd.Timedelta(seconds=duration / 2)
    assert row["duration_s"] == pytest.approx(duration)


def test_audit_wins_and_a_pseudo_2d_folder_shares_its_span_between_rows():
    start = pd.Timestamp("2024-01-01 10:00", tz="UTC")
    end = start + pd.Timedelta(hours=4)
    folders = [
        {
            "expno": "7",
            "acqus": _acqus(0),  # DATE not used when the audit has the times
            "acqus_file": "x/acqus",
            "rows": 4,
            "audit": (start, end),
            "increments": [1, 2, 3, 4],
        }
    ]
    times = spectrum_times(folders)
    assert list(times["time_source"]) == ["audita"] * 4
    assert list(times["t_start_utc"]) == [
        start + pd.Timedelta(hours=h) for h in range(4)
    ]
    assert times["t_mid_utc"].iloc[0] == start + pd.Timedelta(minutes=30)
    cycles = pd.DataFrame(
        {
            "cycle": [1, 1],
            "step": ["plate", "strip"],
            "t_start_utc": [start, start + pd.Timedelta(hours=2)],
            "t_end_utc": [start + pd.Timedelta(hours=2), end],
        }
    )
    aligned = align_with_cycles(times, cycles)
    assert list(aligned["step"]) == ["plate", "plate", "strip", "strip"]
    assert list(aligned["t_from_start_s"]) == [1800.0, 5400.0, 9000.0, 12600.0]


def test_audit_with_zone_offsets_and_bad_times(tmp_path):
    f = tmp_path / "1"
    f.mkdir()
    assert read_acquisition_times(f) is None
    (f / "audita.txt").write_text(
        "(   1,<2024-03-04 09:05:00.000 +0100>,<nmr>,<x>,<go4>,<TopSpin>,\n"
        "  <started at 2024-03-04 09:00:00.000 +0100, POWCHK enabled,\n"
        "   completed at 2024-03-04 09:05:00.000 +0100>)\n##END=\n"
    )
    start, end = read_acquisition_times(f)
    assert start == pd.Timestamp("2024-03-04 08:00", tz="UTC")
    assert end == pd.Timestamp("2024-03-04 08:05", tz="UTC")
    (f / "audita.txt").write_text(
        "(   1,<x>,\n  <started at 2024-03-04 09:00:00.000 +0000,\n"
        "   completed at 2024-03-04 08:00:00.000 +0000>)\n"
    )
    with pytest.raises(InputError, match="completed at"):
        read_acquisition_times(f)


def test_acqus_without_delays_is_a_clear_error():
    with pytest.raises(InputError, match="D"):
        acquisition_duration_s({"NS": 1, "DS": 0, "TD": 2, "SW_h": 1.0}, 1, "a")


# --------------------------------------------------------------------------- #
# components
# --------------------------------------------------------------------------- #
def _gauss(x, c, fwhm, area):
    return (
        area
        * math.sqrt(4 * math.log(2) / math.pi)
        / fwhm
        * np.exp(-4 * math.log(2) * (x - c) ** 2 / fwhm**2)
    )


LINES = {  # name: (ppm, fwhm ppm)
    "counter": (246.0, 4.0),
    "plated": (259.0, 5.0),
    "microstructure": (273.0, 6.0),
    "sei": (0.5, 3.0),
}


def _spectrum(areas: dict, rng, sigma=0.02):
    ppm = np.linspace(400.0, -150.0, 4096)
    y = sum(_gauss(ppm, *LINES[k], a) for k, a in areas.items() if a)
    return ppm, y + rng.normal(0, sigma, ppm.size)


def test_components_recover_areas_within_their_errors_and_hold_the_counter():
    rng = np.random.default_rng(3)
    truth = [
        {"counter": 40.0, "plated": 0.0, "microstructure": 0.0, "sei": 6.0},
        {"counter": 40.0, "plated": 5.0, "microstructure": 2.0, "sei": 6.5},
        {"counter": 40.0, "plated": 3.0, "microstructure": 4.0, "sei": 7.0},
    ]
    spectra = [_spectrum(a, rng) for a in truth]
    opts = defaults().operando_nmr
    rows = run_components(
        spectra,
        components_from_options(opts.params()["components"]),
        metal_window_ppm=tuple(opts.metal_window_ppm),
        sei_window_ppm=tuple(opts.sei_window_ppm),
        shape=opts.shape,
        baseline_order=opts.baseline_order,
        sf_MHz=194.4,
        poor_fit_p=opts.poor_fit_p_value,
    )
    assert len(rows) == 12
    z = []
    for k, areas in enumerate(truth, start=1):
        for name, area in areas.items():
            r = rows[(rows["spectrum"] == k) & (rows["component"] == name)].iloc[0]
            assert r["area_err"] > 0
            z.append((r["area"] - area) / r["area_err"])
            if area == 0:
                assert r["area"] == 0 and "absent" in r["flags"]
    z = np.array(z)
    assert np.all(np.abs(z) < 4), z
    # the counter's shift: fitted once, then held
    counter = rows[rows["component"] == "counter"]
    assert counter["shift_ppm"].nunique() == 1
    assert counter["shift_ppm"].iloc[0] == pytest.approx(246.0, abs=0.05)
    assert "shift_held_from_first_spectrum" in counter["flags"].iloc[1]
    assert counter["fit_ok"].iloc[1]


def test_noise_is_measured_outside_both_windows():
    ppm = np.linspace(400.0, -150.0, 4096)
    free = free_points(ppm, [(220.0, 300.0), (-30.0, 30.0)])
    assert not free[(ppm > 221) & (ppm < 299)].any()
    assert free[(ppm > 40) & (ppm < 200)].all()
    rng = np.random.default_rng(1)
    y = rng.normal(0, 0.5, ppm.size)
    assert noise_model(y, free).sigma == pytest.approx(0.5, rel=0.1)


def test_component_ranges_are_checked():
    bad = defaults().operando_nmr.params()["components"]
    bad["plated"]["shift_ppm"] = 300.0
    with pytest.raises(InputError, match="operando_nmr.components.plated"):
        components_from_options(bad)


def test_sites_sheet_rows_of_the_cell_give_the_start_values():
    config = components_from_options(defaults().operando_nmr.params()["components"])
    rows = [
        {"site": "plated", "shift_ppm": 262.0, "shift_min_ppm": 258.0},
        {"site": "LAGP", "shift_ppm": -1.0, "shift_min_ppm": -5.0},  # not a component
    ]
    rows[0]["shift_max_ppm"] = 266.0
    rows[1]["shift_max_ppm"] = 3.0
    starts, source = components_with_sites(config, rows, "sites.tsv")
    assert starts["plated"].shift_ppm == 262.0
    assert (starts["plated"].shift_min_ppm, starts["plated"].shift_max_ppm) == (
        258.0,
        266.0,
    )
    assert starts["counter"] == config["counter"]
    assert source == {
        "counter": "config",
        "plated": "sites sheet",
        "microstructure": "config",
        "sei": "config",
    }
    rows[0]["shift_ppm"] = 270.0
    with pytest.raises(InputError, match="sites.tsv.*site plated"):
        components_with_sites(config, rows, "sites.tsv")


# --------------------------------------------------------------------------- #
# skin depth and calibration
# --------------------------------------------------------------------------- #
def test_skin_depth_of_li_at_194_MHz_is_11_um():
    assert skin_depth_um(9.3e-8, 194.4) == pytest.approx(11.0, abs=0.1)


@pytest.mark.parametrize("thickness_um", [0.5, 3.0, 11.0, 30.0])
def test_film_correction_inverts_the_depth_weighted_signal(thickness_um):
    d, rho = 11.0, 0.8
    z = np.linspace(0, thickness_um, 20001)
    seen = rho * LI_PER_CM3 * np.trapezoid(np.exp(-z / d), z) * 1e-4
    true = rho * LI_PER_CM3 * thickness_um * 1e-4
    n, e, beyond = film_correction(np.array([seen]), np.array([1e15]), d, rho)
    assert not beyond[0]
    assert n[0] == pytest.approx(true, rel=1e-6)
    # the error grows as the film thickens past the skin depth
    assert e[0] == pytest.approx(1e15 * math.exp(thickness_um / d), rel=1e-6)
    limit = rho * LI_PER_CM3 * d * 1e-4
    n, _, beyond = film_correction(np.array([1.01 * limit]), np.array([1.0]), d, rho)
    assert beyond[0] and np.isnan(n[0])


def test_counter_strip_shows_both_faces_over_the_skin_depth():
    # thick strip: two faces x skin depth; thin strip: all of it
    thick = counter_visible_li(1.0, 500.0, 11.0)
    assert thick == pytest.approx(2 * LI_PER_CM3 * 11e-4)
    thin = counter_visible_li(1.0, 0.01, 11.0)
    assert thin == pytest.approx(LI_PER_CM3 * 0.01e-4, rel=1e-3)
    # between: the cosh profile of a field entering from both faces
    z = np.linspace(0, 20.0, 20001)
    w = np.cosh((z - 10.0) / 11.0) / np.cosh(10.0 / 11.0)
    assert counter_visible_li(0.5, 20.0, 11.0) == pytest.approx(
        0.5 * LI_PER_CM3 * np.trapezoid(w, z) * 1e-4, rel=1e-6
    )


def _synthetic_run(per_li: float, rng):
    """Areas of a run with a known calibration: first plating step 0-4 h
    (0.2 mAh/cm2, 5 % to the SEI), no skin correction needed (thin film)."""
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    q_li = 0.2 * 3.6 / 1.602176634e-19
    hours = np.array([0.5, 1.5, 2.5, 3.5])
    frac = hours / 4.0
    metal = 0.95 * q_li * frac
    sei = 1e18 + 0.05 * q_li * frac
    rows = []
    for k, (m, s) in enumerate(zip(metal, sei, strict=True), start=1):
        for name, li in (
            ("counter", 1e19),
            ("plated", m),
            ("microstructure", 0.0),
            ("sei", s),
        ):
            err = 2e-3 * 1e19 * per_li
            rows.append(
                {
                    "spectrum": k,
                    "component": name,
                    "area": li * per_li + rng.normal(0, err),
                    "area_err": err,
                }
            )
    times = pd.DataFrame(
        {
            "spectrum": [1, 2, 3, 4],
            "t_start_utc": t0 + pd.to_timedelta(hours - 0.1, unit="h"),
            "t_end_utc": t0 + pd.to_timedelta(hours + 0.1, unit="h"),
            "t_mid_utc": t0 + pd.to_timedelta(hours, unit="h"),
        }
    )
    cycles = pd.DataFrame(
        {
            "cycle": [1],
            "step": ["plate"],
            "t_start_utc": [t0],
            "t_end_utc": [t0 + pd.Timedelta(hours=4)],
            "charge_mAh": [0.2],
        }
    )
    return pd.DataFrame(rows), times, cycles, metal


@pytest.mark.parametrize("reference", ["charge", "counter"])
def test_calibrations_recover_li_per_cm2(reference):
    rng = np.random.default_rng(11)
    per_li = 3e-11
    comps, times, cycles, metal = _synthetic_run(per_li, rng)
    d = skin_depth_um(9.3e-8, 194.4)
    # a counter strip whose visible Li is the 1e19 of the synthetic areas
    thickness = 2 * d * math.atanh(1e19 / (2 * LI_PER_CM3 * d * 1e-4))
    out, cal = metal_inventory(
        comps,
        times,
        cycles,
        area_cm2=1.0,
        reference=reference,
        frequency_MHz=194.4,
        resistivity_ohm_m=9.3e-8,
        skin_depth_correction=False,
        film_density_rel=1.0,
        counter_area_cm2=1.0,
        counter_thickness_um=thickness,
    )
    assert (cal["area_per_li"] - per_li) / (per_li * cal["rel_err"]) == pytest.approx(
        0, abs=3
    )
    z = (out["li_per_cm2"] - metal) / out["li_per_cm2_err"]
    assert np.all(np.abs(z) < 4)
    assert reference in out["calibration"].iloc[0] or "counter" in cal["text"]
    assert "no skin-depth correction" in out["skin_depth_assumption"].iloc[0]


def test_charge_calibration_needs_a_cycler_and_counter_its_strip():
    rng = np.random.default_rng(1)
    comps, times, cycles, _ = _synthetic_run(1e-11, rng)
    common = dict(
        area_cm2=1.0,
        frequency_MHz=194.4,
        resistivity_ohm_m=9.3e-8,
        skin_depth_correction=True,
        film_density_rel=1.0,
        source="sheet.tsv",
    )
    with pytest.raises(InputError, match="cycler"):
        metal_inventory(comps, times, None, reference="charge", **common)
    with pytest.raises(InputError, match="counter_area_cm2"):
        metal_inventory(comps, times, cycles, reference="counter", **common)
    with pytest.raises(InputError, match="reference"):
        metal_inventory(comps, times, cycles, reference="ndp", **common)


# --------------------------------------------------------------------------- #
# sheet
# --------------------------------------------------------------------------- #
def _sheet(tmp_path: Path, text: str) -> pd.DataFrame:
    path = tmp_path / "operando_nmr.tsv"
    path.write_text(text)
    schema = load_schema(REPO / "config" / "schemas" / "operando_nmr.schema.yaml")
    return read_sheet(path, schema, "operando_nmr", tmp_path)


def test_sheet_rows_and_expno_folders(tmp_path):
    for n in (1, 2, 10):
        (tmp_path / "ds" / str(n)).mkdir(parents=True)
        (tmp_path / "ds" / str(n) / "acqus").write_text("##END=\n")
    (tmp_path / "ds" / "notes").mkdir()
    sheet = _sheet(
        tmp_path, "run\tcell\tpath\tarea_cm2\texpnos\nr1\tc1\tds\t1.0\t2-10\n"
    )
    row = run_sheet(sheet, "r1")
    assert row["reference"] == "charge" and row["plating_sign"] == "negative"
    folders = expno_folders(row["path"], row["expnos"], "s", "r1")
    assert [Path(f).name for f in folders] == ["2", "10"]
    assert [Path(f).name for f in expno_folders(row["path"], None, "s", "r1")] == [
        "1",
        "2",
        "10",
    ]
    with pytest.raises(InputError, match="expnos"):
        expno_folders(folders[0], "1-2", "s", "r1")
    with pytest.raises(InputError, match="EXPNO"):
        expno_folders(tmp_path / "ds" / "notes", None, "s", "r1")


def test_sheet_rejects_an_unknown_reference(tmp_path):
    (tmp_path / "ds").mkdir()
    with pytest.raises(InputError, match=r"operando_nmr.tsv, row 2: field 'reference'"):
        _sheet(tmp_path, "run\tcell\tpath\tarea_cm2\treference\nr1\tc1\tds\t1\tndp\n")


# --------------------------------------------------------------------------- #
# real data
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("with_sites", [False, True])
def test_real_sei_folder_as_a_one_spectrum_run_finds_the_metal_line(
    shared_dir, tmp_path, with_sites
):
    """The first increment of a 7Li CPMG series of a cell with Li metal and SEI,
    read as an operando run of one spectrum, without a cycler file."""
    from liprobe.io.tables import read_table
    from liprobe.steps import operando_nmr_components

    folder = tmp_path / "38"
    shutil.copytree(shared_dir.joinpath(*SEI_FOLDER), folder)
    sheet = _sheet(
        tmp_path, f"run\tcell\tpath\tarea_cm2\tincrement\nsei\tcellA\t{folder}\t1\t1\n"
    )
    row = run_sheet(sheet, "sei")
    folders = expno_folders(row["path"], row["expnos"], "sheet", "sei")
    opts = defaults()
    job = Job(
        input=Fields({"raw": [], "cycles": []}),
        output=Fields(
            {
                "times": str(tmp_path / "spectra.parquet"),
                "components": str(tmp_path / "li_metal_nmr.parquet"),
            }
        ),
        params=Fields(
            {
                "run": "sei",
                "run_sheet": row,
                "folders": folders,
                "sheet_name": "sheet",
                # the plated line's start from a sites sheet row of the cell
                "sites": (
                    [
                        {
                            "site": "plated",
                            "shift_ppm": 264.0,
                            "shift_min_ppm": 255.0,
                            "shift_max_ppm": 275.0,
                        }
                    ]
                    if with_sites
                    else []
                ),
                "sites_sheet_name": "sites.tsv",
                "options": opts.operando_nmr.params(),
                "nmr_options": opts.nmr.params(),
                "mixing_delay_index": opts.exsy.mixing_delay_index,
            }
        ),
        log=[str(tmp_path / "log.txt")],
    )
    operando_nmr_components.run(job)
    times = read_table(job.output.times)
    assert len(times) == 1
    assert times["time_source"].iloc[0] == "audita"
    # one of nine rows: the first ninth of the acquisition's span
    assert times["duration_s"].iloc[0] == pytest.approx(34640.227 / 9, rel=1e-6)
    rows = read_table(job.output.components)
    metal = rows[(rows["window"] == "metal") & (rows["area"] > 0)]
    strongest = metal.loc[metal["area"].idxmax()]
    assert strongest["shift_ppm"] == pytest.approx(265.0, abs=5.0)
    assert strongest["area"] > 10 * strongest["area_err"]
    assert np.isnan(rows["cycle"].astype(float)).all()
    source = dict(zip(rows["component"], rows["start_source"], strict=True))
    assert source["plated"] == ("sites sheet" if with_sites else "config")
    assert source["counter"] == "config"


def test_demo_operando_sheet_is_a_valid_user_sheet(tmp_path):
    """The demo's operando_nmr sheet reads as a user's would: schema columns,
    paths that exist, a dataset folder of 30 EXPNO folders per cell."""
    import os

    from liprobe.simulate.demo import build_demo

    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        build_demo("demo", parts=("operando_nmr",), workdir=".")
        schema = load_schema(REPO / "config" / "schemas" / "operando_nmr.schema.yaml")
        sheet = read_sheet("demo/operando_nmr.tsv", schema, "operando_nmr", ".")
    finally:
        os.chdir(old)
    assert list(sheet.index) == ["nmr_bare_Cu", "nmr_ZnO_Cu"]
    assert list(sheet["reference"]) == ["charge", "counter"]
    for run in sheet.index:
        row = run_sheet(sheet, run)
        folders = expno_folders(row["path"], row["expnos"], "sheet", run)
        assert len(folders) == 30
        audit = [(Path(f) / "audita.txt").is_file() for f in folders]
        assert all(audit) if row["reference"] == "charge" else not any(audit)


def test_sites_rows_may_name_an_operando_cell_instead_of_an_nmr_sample():
    from liprobe.plan.peaks import peak_experiments

    nmr = pd.DataFrame({"sample": ["S"]}, index=["e1"])
    sites = {"cellA": [{"site": "plated"}]}
    assert peak_experiments(nmr, {"e1": "1d"}, sites, "sites.tsv", cells={"cellA"}) == [
        "e1"
    ]
    with pytest.raises(InputError, match="operando_nmr sheet"):
        peak_experiments(nmr, {"e1": "1d"}, sites, "sites.tsv")
