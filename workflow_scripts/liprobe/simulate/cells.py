"""The truth of the two demo operando cells (Cu/HSE/Li and ZnO@Cu/HSE/Li).

The demo campaign mimics the operando NDP experiment of Liu, Ganapathy &
Wagemaker (Acc. Chem. Res. 55 (2022) 333): five plating/stripping cycles at
0.05 mA/cm2 with 4 h plating steps, a Li efficiency of about 45 % on bare Cu and
about 80 % on ZnO-coated Cu. Everything the cycler and NDP simulators write, and
everything the tests compare against, derives from :class:`DemoCell` and the
functions here.

Charge bookkeeping per cycle (per cm2, ``e`` the elementary charge):

* plating passes ``Q_plate = j * plate_h``; a fraction ``f`` (``reduction_fraction``)
  goes into electrolyte reduction and deposits no Li, so ``(1 - f) Q_plate / e``
  Li atoms are deposited;
* stripping removes ``Q_strip / e`` Li atoms and stops at the voltage cutoff when
  the active Li deposited in that cycle is gone; the rest of that cycle's Li
  becomes inactive ("dead") Li;
* Li efficiency ``eta = Q_strip / ((1 - f) Q_plate)`` and Coulombic efficiency
  ``CE = Q_strip / Q_plate = eta (1 - f)``; stripping lasts ``plate_h * CE``.

Spatial model used by the NDP forward model (:func:`true_layers`): depth 0 is the
Cu surface facing the sample (the detector looks through the Cu). Inactive Li
sits next to the Cu as a porous layer of relative density ``dead_density_rel``;
active Li sits on it as a layer of relative density ``plated_density_rel``
(relative to Li metal, 4.63e22 Li/cm3). The electrolyte beyond holds no Li in
this demo. During stripping the cycle's active Li turns into dead Li in
proportion to the stripped fraction, so the active layer vanishes exactly at
the end of the step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Li atoms per mAh (3.6 C / e).
LI_PER_MAH = 3.6 / 1.602176634e-19
#: Li atoms per cm3 of Li metal.
LI_METAL_PER_CM3 = 4.63e22


@dataclass(frozen=True)
class DemoCell:
    """One demo operando cell and its cycling protocol.

    Attributes
    ----------
    name: ``"bare_Cu"`` or ``"ZnO_Cu"``.
    area_cm2: electrode area.
    current_density_mA_per_cm2: magnitude of the plating and stripping current.
    plate_h: duration of each plating step.
    n_cycles: number of plating/stripping cycles.
    li_efficiency: fraction of the Li deposited in a cycle that is stripped.
    reduction_fraction: fraction of the plating charge spent on electrolyte
        reduction (deposits no Li).
    start_utc: start of the first plating step (tz-aware UTC).
    rest_h: rest after every plating and stripping step.
    window: name of the NDP layer stack (config ``ndp.stacks``).
    plated_density_rel: density of active plated Li relative to Li metal.
    dead_density_rel: density of the inactive (dead) Li layer relative to Li metal.
    cu_window_um: thickness of the Cu current collector facing the detector.
    """

    name: str
    area_cm2: float = 1.0
    current_density_mA_per_cm2: float = 0.05
    plate_h: float = 4.0
    n_cycles: int = 5
    li_efficiency: float = 0.45
    reduction_fraction: float = 0.05
    start_utc: pd.Timestamp = pd.Timestamp("2024-03-04 08:00:00", tz="UTC")
    rest_h: float = 0.25
    window: str = "cu1um_hse"
    plated_density_rel: float = 0.8
    dead_density_rel: float = 0.5
    cu_window_um: float = 1.0

    @property
    def coulombic_efficiency(self) -> float:
        """CE = Q_strip / Q_plate = li_efficiency * (1 - reduction_fraction)."""
        return self.li_efficiency * (1.0 - self.reduction_fraction)

    @property
    def li_plated_per_cycle_per_cm2(self) -> float:
        """Li atoms per cm2 deposited by one plating step."""
        q_mah = self.current_density_mA_per_cm2 * self.plate_h
        return (1.0 - self.reduction_fraction) * q_mah * LI_PER_MAH


def demo_cells() -> list[DemoCell]:
    """The two demo cells: bare Cu (Li efficiency 0.45) and ZnO@Cu (0.80)."""
    return [
        DemoCell(name="bare_Cu", li_efficiency=0.45),
        DemoCell(
            name="ZnO_Cu",
            li_efficiency=0.80,
            start_utc=pd.Timestamp("2024-03-11 08:00:00", tz="UTC"),
        ),
    ]


def schedule(cell: DemoCell) -> pd.DataFrame:
    """The cycling protocol, one row per step.

    Columns: ``cycle, step ('plate'|'strip'|'rest'), t_start_utc, t_end_utc,
    current_mA``. Plating current is negative (BioLogic working-electrode
    convention); each cycle is plate, rest, strip, rest.
    """
    i_ma = cell.current_density_mA_per_cm2 * cell.area_cm2
    rows = []
    t = cell.start_utc
    steps = (
        ("plate", cell.plate_h, -i_ma),
        ("rest", cell.rest_h, 0.0),
        ("strip", cell.plate_h * cell.coulombic_efficiency, i_ma),
        ("rest", cell.rest_h, 0.0),
    )
    for cycle in range(1, cell.n_cycles + 1):
        for step, hours, current in steps:
            end = t + pd.Timedelta(seconds=round(hours * 3600.0, 6))
            rows.append((cycle, step, t, end, current))
            t = end
    return pd.DataFrame(
        rows, columns=["cycle", "step", "t_start_utc", "t_end_utc", "current_mA"]
    )


def _as_utc(times_utc) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(pd.to_datetime(times_utc))
    if idx.tz is None:
        raise ValueError("times_utc must be tz-aware")
    return idx.tz_convert("UTC")


def _state(
    cell: DemoCell, times_utc
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Active and inactive Li per cm2 at the given times."""
    idx = _as_utc(times_utc)
    sched = schedule(cell)
    t0 = cell.start_utc
    t = np.asarray((idx - t0).total_seconds(), dtype=float)
    per_cycle = cell.li_plated_per_cycle_per_cm2
    eta = cell.li_efficiency
    active = np.zeros_like(t)
    inactive = np.zeros_like(t)
    for cycle in range(1, cell.n_cycles + 1):
        rows = sched[sched["cycle"] == cycle]
        plate = rows[rows["step"] == "plate"].iloc[0]
        strip = rows[rows["step"] == "strip"].iloc[0]
        p0 = (plate["t_start_utc"] - t0).total_seconds()
        p1 = (plate["t_end_utc"] - t0).total_seconds()
        s0 = (strip["t_start_utc"] - t0).total_seconds()
        s1 = (strip["t_end_utc"] - t0).total_seconds()
        f_plate = np.clip((t - p0) / (p1 - p0), 0.0, 1.0)
        f_strip = np.clip((t - s0) / (s1 - s0), 0.0, 1.0)
        active += per_cycle * f_plate * (1.0 - f_strip)
        inactive += per_cycle * (1.0 - eta) * f_strip
    return idx, active, inactive


def true_inventory(cell: DemoCell, times_utc) -> pd.DataFrame:
    """True plated Li per cm2 at ``times_utc`` (tz-aware).

    Columns: ``t_utc, li_active_per_cm2, li_inactive_per_cm2, li_total_per_cm2``.
    Before the first step everything is zero; the electrolyte's Li is not counted.
    """
    idx, active, inactive = _state(cell, times_utc)
    return pd.DataFrame(
        {
            "t_utc": idx,
            "li_active_per_cm2": active,
            "li_inactive_per_cm2": inactive,
            "li_total_per_cm2": active + inactive,
        }
    )


def true_layers(cell: DemoCell, times_utc) -> pd.DataFrame:
    """Layer geometry of the plated Li at ``times_utc``.

    Columns: ``t_utc, dead_thickness_um, active_thickness_um,
    dense_equivalent_um`` (total Li / 4.63e22, i.e. Li-metal-equivalent
    thickness). The dead layer spans depth 0 to ``dead_thickness_um`` at
    ``dead_density_rel``; the active layer follows at ``plated_density_rel``.
    """
    idx, active, inactive = _state(cell, times_utc)
    dense = 1e4 / LI_METAL_PER_CM3
    return pd.DataFrame(
        {
            "t_utc": idx,
            "dead_thickness_um": inactive * dense / cell.dead_density_rel,
            "active_thickness_um": active * dense / cell.plated_density_rel,
            "dense_equivalent_um": (active + inactive) * dense,
        }
    )


def true_profile(cell: DemoCell, time_utc, depth_um) -> np.ndarray:
    """True Li density relative to Li metal at ``depth_um`` for one instant."""
    lay = true_layers(cell, [pd.Timestamp(time_utc)]).iloc[0]
    x = np.asarray(depth_um, dtype=float)
    d_dead = lay["dead_thickness_um"]
    d_act = lay["active_thickness_um"]
    out = np.zeros_like(x)
    out[(x >= 0) & (x < d_dead)] = cell.dead_density_rel
    out[(x >= d_dead) & (x < d_dead + d_act)] = cell.plated_density_rel
    return out


def true_efficiency(cell: DemoCell) -> pd.DataFrame:
    """Per-cycle truth: ``cycle, li_efficiency, coulombic_efficiency,
    inactive_li_per_cm2`` (cumulative at the end of the cycle's stripping)."""
    cycles = np.arange(1, cell.n_cycles + 1)
    dead = cell.li_plated_per_cycle_per_cm2 * (1.0 - cell.li_efficiency) * cycles
    return pd.DataFrame(
        {
            "cycle": cycles,
            "li_efficiency": np.full(cycles.size, cell.li_efficiency),
            "coulombic_efficiency": np.full(cycles.size, cell.coulombic_efficiency),
            "inactive_li_per_cm2": dead,
        }
    )


def _voltage(cell: DemoCell, t_s: np.ndarray, sched: pd.DataFrame) -> np.ndarray:
    """A plausible cell voltage (V) at seconds ``t_s`` after ``start_utc``."""
    v = np.zeros_like(t_s)
    t0 = cell.start_utc
    v_last = 0.0
    for _, row in sched.iterrows():
        a = (row["t_start_utc"] - t0).total_seconds()
        b = (row["t_end_utc"] - t0).total_seconds()
        m = (t_s >= a) & (t_s < b)
        u = (t_s[m] - a) / max(b - a, 1e-9)
        if row["step"] == "plate":
            # nucleation dip, then a growth plateau near -30 mV
            v[m] = -0.030 - 0.020 * np.exp(-u / 0.02) - 0.005 * u
            v_end = -0.035
        elif row["step"] == "strip":
            # stripping plateau rising slowly, then sharply at the cutoff
            v[m] = 0.025 + 0.015 * u + 0.95 * np.exp((u - 1.0) / 0.01)
            v_end = 1.0
        else:
            tau = 0.1 * max(b - a, 1.0)
            v[m] = 0.002 + (v_last - 0.002) * np.exp(-(t_s[m] - a) / tau)
            v_end = 0.002 + (v_last - 0.002) * np.exp(-(b - a) / tau)
        v_last = v_end
    return v


def current_trace(cell: DemoCell, dt_s: float) -> pd.DataFrame:
    """Sampled cycler data: ``t_utc, current_mA, voltage_V`` every ``dt_s``.

    Plating overpotential about -30 to -50 mV (with a nucleation dip), stripping
    +25 to +40 mV rising sharply to the 1 V cutoff, near-0 V in rests.
    """
    sched = schedule(cell)
    total = (sched["t_end_utc"].iloc[-1] - cell.start_utc).total_seconds()
    t_s = np.arange(0.0, total + 0.5 * dt_s, dt_s)
    t_s = t_s[t_s <= total]
    starts = np.array(
        [(x - cell.start_utc).total_seconds() for x in sched["t_start_utc"]]
    )
    k = np.clip(np.searchsorted(starts, t_s, side="right") - 1, 0, len(sched) - 1)
    current = sched["current_mA"].to_numpy()[k]
    return pd.DataFrame(
        {
            "t_utc": cell.start_utc + pd.to_timedelta(t_s, unit="s"),
            "current_mA": current,
            "voltage_V": _voltage(cell, t_s, sched),
        }
    )
