"""Write a demo cell's cycling as a BioLogic EC-Lab text export (``.mpt``).

The file follows EC-Lab's text layout: ``EC-Lab ASCII FILE``, the header line
count, a Modulo Bat header with the acquisition start in the instrument's local
time (MM/DD/YYYY) and a table of the sequences (``Ns``: 0 plating CC, 1 rest,
2 stripping CC with a 1 V cutoff, 3 rest, 4 loop), then tab separated columns
``mode, ox/red, error, control changes, Ns changes, counter inc., Ns, time/s,
control/V/mA, Ewe/V, I/mA, dq/mA.h, (Q-Qo)/mA.h, half cycle``. Latin-1, decimal
point. A point is recorded every ``dt_s`` and at every step change; ``dq`` is
the exact charge of the piecewise constant current over the preceding
interval.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from liprobe.simulate.cells import DemoCell, current_trace, schedule

_COLUMNS = [
    "mode",
    "ox/red",
    "error",
    "control changes",
    "Ns changes",
    "counter inc.",
    "Ns",
    "time/s",
    "control/V/mA",
    "Ewe/V",
    "I/mA",
    "dq/mA.h",
    "(Q-Qo)/mA.h",
    "half cycle",
]

_NS = {"plate": 0, "strip": 2}


def _sequence_table(i_ma: float, cell: DemoCell) -> list[str]:
    """The Modulo Bat sequence table of the header (fixed-width columns)."""
    rows = [
        ("Ns", ["0", "1", "2", "3", "4"]),
        ("ctrl_type", ["CC", "Rest", "CC", "Rest", "Loop"]),
        ("Apply I/C", ["I", "I", "I", "I", "I"]),
        ("ctrl1_val", [f"{-i_ma:.3f}", "", f"{i_ma:.3f}", "", f"{cell.n_cycles}"]),
        ("ctrl1_val_unit", ["mA", "", "mA", "", ""]),
        ("lim1_type", ["Time", "Time", "Ewe", "Time", "Time"]),
        ("lim1_comp", [">", ">", ">", ">", ">"]),
        (
            "lim1_value",
            [f"{cell.plate_h:.3f}", f"{cell.rest_h * 60:.3f}", "1.000", "", ""],
        ),
        ("lim1_value_unit", ["h", "mn", "V", "mn", "s"]),
        ("rec1_type", ["Time", "Time", "Time", "Time", "Time"]),
        ("I Range", ["1 mA", "1 mA", "1 mA", "1 mA", "1 mA"]),
    ]
    return [f"{name:<20}" + "".join(f"{v:<20}" for v in vals) for name, vals in rows]


def demo_cycler_frame(cell: DemoCell, dt_s: float = 60.0) -> pd.DataFrame:
    """The demo cell's cycler points: times, Ns, current, voltage, charge.

    Columns ``t_utc, Ns, current_mA, voltage_V, dq_mAh, charge_mAh,
    half_cycle``; a point every ``dt_s`` plus one at every step start.
    """
    sched = schedule(cell)
    t0 = cell.start_utc
    start_s = np.array([(x - t0).total_seconds() for x in sched["t_start_utc"]])
    end_s = np.array([(x - t0).total_seconds() for x in sched["t_end_utc"]])
    total = end_s[-1]
    grid = np.unique(
        np.round(np.concatenate([np.arange(0.0, total, dt_s), start_s, [total]]), 6)
    )
    k = np.clip(np.searchsorted(start_s, grid, side="right") - 1, 0, len(sched) - 1)
    cur_step = sched["current_mA"].to_numpy(float)
    current = cur_step[k]
    current[grid >= total] = 0.0
    # exact cumulative charge of the piecewise constant schedule
    q_edges = np.concatenate([[0.0], np.cumsum(cur_step * (end_s - start_s) / 3600)])
    charge = np.interp(grid, np.concatenate([[0.0], end_s]), q_edges)
    trace = current_trace(cell, dt_s=min(dt_s, 10.0))
    tr_s = (trace["t_utc"] - t0).dt.total_seconds().to_numpy(float)
    voltage = np.interp(grid, tr_s, trace["voltage_V"].to_numpy(float))
    steps = sched["step"].to_numpy()
    ns = np.array([_NS.get(s, 1 if i % 4 == 1 else 3) for i, s in enumerate(steps)])
    half = np.cumsum(np.r_[0, (steps[1:] != "rest") & (steps[1:] != steps[:-1])])
    return pd.DataFrame(
        {
            "t_utc": t0 + pd.to_timedelta(grid, unit="s"),
            "Ns": ns[k],
            "current_mA": current,
            "voltage_V": voltage,
            "dq_mAh": np.diff(charge, prepend=0.0),
            "charge_mAh": charge,
            "half_cycle": half[k],
        }
    )


def write_demo_cycler(
    cell: DemoCell, path: str | Path, timezone: str, dt_s: float = 60.0
) -> Path:
    """Write ``cell``'s current/voltage trace as an EC-Lab ``.mpt`` at ``path``.

    Times are written as EC-Lab does: the acquisition start in the local time
    of ``timezone`` (IANA) and ``time/s`` relative to it. Returns the path.
    """
    path = Path(path)
    zone = ZoneInfo(timezone)
    frame = demo_cycler_frame(cell, dt_s)
    start_local = frame["t_utc"].iloc[0].tz_convert(zone)
    i_ma = cell.current_density_mA_per_cm2 * cell.area_cm2
    t_s = (frame["t_utc"] - frame["t_utc"].iloc[0]).dt.total_seconds().to_numpy()
    ns = frame["Ns"].to_numpy()
    ns_change = np.r_[0, (ns[1:] != ns[:-1]).astype(int)]
    mode = np.where(frame["current_mA"].to_numpy() != 0, 1, 3)
    ox = (frame["current_mA"].to_numpy() > 0).astype(int)
    control = np.select([ns == 0, ns == 2], [-i_ma, i_ma], 0.0)
    body_lines = [
        "\t".join(
            [
                f"{mode[i]:d}",
                f"{ox[i]:d}",
                "0",
                f"{ns_change[i]:d}",
                f"{ns_change[i]:d}",
                "0",
                f"{ns[i]:d}",
                f"{t_s[i]:.15E}",
                f"{control[i]:.7E}",
                f"{frame['voltage_V'].iat[i]:.7E}",
                f"{frame['current_mA'].iat[i]:.7E}",
                f"{frame['dq_mAh'].iat[i]:.15E}",
                f"{frame['charge_mAh'].iat[i]:.15E}",
                f"{frame['half_cycle'].iat[i]:d}",
            ]
        )
        for i in range(len(frame))
    ]
    stamp = start_local.strftime("%m/%d/%Y %H:%M:%S.") + (
        f"{start_local.microsecond // 1000:03d}"
    )
    header = [
        "EC-Lab ASCII FILE",
        "Nb header lines : {n}",
        "",
        "Modulo Bat",
        "",
        "Run on channel : 1 (SN 0001)",
        "User : ",
        "Electrode connection : standard",
        "Potential control : Ewe",
        "Ewe ctrl range : min = -5.00 V, max = 5.00 V",
        f"Acquisition started on : {stamp}",
        "Loaded Setting File :  NONE",
        "Saved on :",
        f"\tFile : {path.with_suffix('.mpr').name}",
        "\tDirectory : C:\\Data\\",
        "Device : VMP3 (SN 0001)",
        "EC-Lab for windows v11.36 (software)",
        f"Electrode material : {cell.name}",
        "Electrolyte : HSE",
        f"Comments : demo cell {cell.name}, simulated",
        f"Electrode surface area : {cell.area_cm2:.3f} cm\u00b2",
        "Characteristic mass : 0.001 g",
        "Cycle Definition : Charge/Discharge alternance",
        *_sequence_table(i_ma, cell),
        "",
        "\t".join(_COLUMNS),
    ]
    n_header = len(header)
    header[1] = f"Nb header lines : {n_header:<3d}".ljust(46)
    text = "\r\n".join(header + body_lines) + "\r\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(text.encode("latin-1"))
    tmp.replace(path)
    return path
