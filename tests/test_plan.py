"""Which sheet rows become which EXSY series."""

import pandas as pd

from liprobe.plan.campaign import (
    conversion_series,
    exsy_plan,
    series_name,
    series_of_sample,
)


def _nmr():
    return pd.DataFrame(
        {
            "experiment": ["a1", "a2", "b1", "r1", "x1"],
            "sample": ["A", "A", "A", "A", "B"],
            "path": ["p/a1", "p/a2", "p/b1", "p/r1", "p/x1"],
            "kind": ["exsy", "exsy", "auto", "t1_sr", None],
            "series": [None, None, None, None, "custom"],
            "temperature_K": [300.0, 300.0, 320.0, 300.0, float("nan")],
            "procno": [1, 1, 2, 1, float("nan")],
            "particle_radius_um": [1.5, 1.5, 1.5, float("nan"), float("nan")],
        }
    ).set_index("experiment")


def test_plan_groups_by_sample_and_temperature():
    regions = pd.DataFrame(
        {
            "sample": ["A", "A", "B"],
            "region": ["s1", "s2", "q"],
            "ppm_min": [1.0, 0.0, 5.0],
            "ppm_max": [2.0, 0.5, 6.0],
        }
    )
    detected = []

    def detect(path):
        detected.append(path)
        return "exsy" if path in ("p/b1", "p/x1") else "1d"

    plan = exsy_plan(
        _nmr(), regions, detect_kind=detect, overrides_of=lambda e: {"temperature_K": 1}
    )
    assert plan["series"] == {
        "A_300K": ["a1", "a2"],
        "A_320K": ["b1"],
        "custom": ["x1"],
    }
    assert detected == ["p/b1", "p/x1"]  # only rows of kind auto are probed
    assert plan["samples"] == ["A", "B"]
    assert series_of_sample(plan, "A") == ["A_300K", "A_320K"]
    exp = plan["experiments"]["A_320K"][0]
    assert exp["procno"] == 2 and exp["particle_radius_um"] == 1.5
    assert exp["overrides"] == {"temperature_K": 1, "kind": "exsy"}
    assert plan["experiments"]["custom"][0]["particle_radius_um"] is None
    assert plan["regions"]["A_300K"] == [["A", "s1", 1.0, 2.0], ["A", "s2", 0.0, 0.5]]
    assert plan["paths"]["A_300K"] == ["p/a1", "p/a2"]


def test_series_name_without_temperature_is_the_sample():
    nmr = _nmr()
    assert series_name(nmr, "x1") == "custom"
    nmr.loc["x1", "series"] = None
    assert series_name(nmr, "x1") == "B"


def test_plan_without_exsy_rows_is_empty():
    plan = exsy_plan(
        _nmr().drop(index=["a1", "a2"]), pd.DataFrame(), detect_kind=lambda p: "1d"
    )
    assert plan["series"] == {} and plan["samples"] == []


def test_exsy_campaign_refuses_a_phase_its_2d_processing_cannot_do(demo_run):
    """nmr.phase auto0 suits 1D spectra, not the 2D processing: with EXSY
    series in the campaign the workflow stops at parse time, saying why."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    snakemake = Path(sys.executable).with_name("snakemake")
    out = subprocess.run(
        [
            str(snakemake),
            "-s",
            str(repo / "Snakefile"),
            "--configfile",
            str(demo_run / "config.yaml"),
            "--config",
            "nmr={phase: auto0}",
            "-n",
            "--cores",
            "1",
        ],
        cwd=demo_run,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode != 0
    assert "nmr.phase is 'auto0'" in out.stdout + out.stderr


def test_conversion_series_take_every_kind_but_exsy_by_series():
    """One conversion job per series: the sheet's series, else the sample."""
    kinds = {"a1": "exsy", "a2": "exsy", "b1": "1d", "r1": "t1_sr", "x1": "1d"}
    assert conversion_series(_nmr(), kinds) == {"A": ["b1", "r1"], "custom": ["x1"]}
    assert conversion_series(_nmr(), dict.fromkeys(kinds, "exsy")) == {}
