"""The diffusion weighting b of a PFG experiment and the convention behind it.

Stejskal-Tanner for rectangular gradient pulses of length delta, separated by
Delta: I(G) = I0 exp(-D b), b = (gamma G delta)^2 (Delta - delta/3), gamma in
rad/s/T. TopSpin's T1/T2 module writes the same law with gamma in Hz/G, G in
G/cm, delta and Delta in s and D in m^2/s:
b = (2 pi gamma G delta)^2 (Delta - delta/3) 1e4 (the 1e4 turns cm^2 into m^2).

For half-sine gradient pulses the same law holds with delta scaled by 2/pi and
Delta - delta/4 in place of Delta - delta/3 (Sinnaeve, Concepts Magn. Reson. A
40 (2012) 39). Bipolar pulse pairs (the ``bp`` programs, e.g. ``stebpgp1s``)
encode with both halves: delta = 2 x P30.

Where the numbers come from, in order: TopSpin's own diffusion fit in
``ct1t2.txt`` (its printed gamma, Little Delta and Big Delta, taken with its
rectangular law as printed); else the acquisition: delta from P30 (us), Delta
from D20 (s), the shape from the ``GPNAM`` of the gradient that P30 carries
(``p30:gp<n>`` in the pulse program), gamma from the nucleus. Every result
states the convention in words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from liprobe.nmr.acquisition import XI_PERCENT

#: gamma / 2 pi of 1H in Hz/G (CODATA 2018: 42.577478 MHz/T); other nuclei by
#: their IUPAC frequency ratio Xi (Harris et al. 2001), which is exact to the
#: shielding of the reference compounds (below 1e-4, far below the errors).
GAMMA_1H_HZ_PER_G = 4257.7478

SHAPES = ("rectangular", "sine")


def gamma_Hz_per_G(nucleus: str) -> float:
    """gamma / 2 pi of ``nucleus`` in Hz/G (NaN for a nucleus not in the table)."""
    xi = XI_PERCENT.get(str(nucleus).strip())
    return math.nan if xi is None else GAMMA_1H_HZ_PER_G * xi / 100.0


@dataclass(frozen=True)
class Encoding:
    """delta, Delta, gamma and gradient shape of one PFG experiment.

    ``source`` is ``topspin_ct1t2`` or ``pulse_program``; ``convention`` says
    in words how the numbers were obtained and which law they enter; ``flags``
    lists doubts (an unknown gradient shape taken as rectangular).
    """

    delta_s: float
    big_delta_s: float
    gamma_Hz_per_G: float
    shape: str
    source: str
    convention: str
    flags: tuple[str, ...] = ()

    def b_s_per_m2(self, gradient_G_per_cm) -> np.ndarray:
        """Diffusion weighting b (s/m^2) at gradient strengths G (G/cm)."""
        g = np.asarray(gradient_G_per_cm, dtype=float)
        if self.shape == "sine":
            delta_eff = self.delta_s * 2.0 / math.pi
            diffusion_time = self.big_delta_s - self.delta_s / 4.0
        else:
            delta_eff = self.delta_s
            diffusion_time = self.big_delta_s - self.delta_s / 3.0
        q = 2.0 * math.pi * self.gamma_Hz_per_G * g * delta_eff  # 1/cm
        return q**2 * diffusion_time * 1e4

    @property
    def diffusion_time_s(self) -> float:
        """Delta - delta/3 (rectangular) or Delta - delta/4 (sine)."""
        return self.big_delta_s - self.delta_s / (4.0 if self.shape == "sine" else 3.0)


def from_topspin(row: Mapping) -> Encoding:
    """The encoding TopSpin's diffusion fit printed (one row of
    :func:`liprobe.io.bruker.read_topspin_diffusion`)."""
    return Encoding(
        delta_s=float(row["little_delta_s"]),
        big_delta_s=float(row["big_delta_s"]),
        gamma_Hz_per_G=float(row["gamma_Hz_per_G"]),
        shape="rectangular",
        source="topspin_ct1t2",
        convention=(
            "TopSpin ct1t2.txt: gamma, Little Delta and Big Delta as printed, "
            "rectangular law b = (2 pi gamma G delta)^2 (Delta - delta/3) 1e4"
        ),
    )


def _gradient_index(pulse_program_text: str) -> int | None:
    m = re.search(r"\bp30\s*:\s*gp(\d+)", pulse_program_text, re.I)
    return int(m.group(1)) if m else None


def gradient_shape(acqus: Mapping, pulse_program_text: str) -> tuple[str, str, list]:
    """``(shape, shape name, flags)`` of the diffusion gradient.

    The gradient P30 carries (``p30:gp<n>``) names its shape in acqus
    ``GPNAM[n]``: ``SINE...`` is a half sine, ``RECT...`` or none a rectangle;
    any other shape (``SMSQ10.100``, a smoothed square) is taken as a rectangle
    and flagged ``gradient_shape_<name>_taken_as_rectangular``.
    """
    index = _gradient_index(pulse_program_text)
    names = acqus.get("GPNAM") or []
    if index is None or not isinstance(names, list | tuple) or index >= len(names):
        return "rectangular", "", ["gradient_shape_unknown_taken_as_rectangular"]
    name = str(names[index]).strip().strip("<>")
    upper = name.upper()
    if upper.startswith("SINE"):
        return "sine", name, []
    if not upper or upper.startswith("RECT"):
        return "rectangular", name, []
    safe = re.sub(r"[^A-Za-z0-9]+", "", name)
    return "rectangular", name, [f"gradient_shape_{safe}_taken_as_rectangular"]


def from_acquisition(
    acqus: Mapping, pulse_program: str, pulse_program_text: str, nucleus: str
) -> Encoding:
    """The encoding from the acquisition parameters (P30, D20, GPNAM, nucleus).

    delta = P30 (x 2 for bipolar programs, whose name holds ``bp``), Delta =
    D20, gamma from the nucleus (NaN when it is not known: the fit is then
    flagged). Missing P30 or D20 give NaN.
    """
    pulses = list(acqus.get("P") or [])
    delays = list(acqus.get("D") or [])
    p30 = float(pulses[30]) * 1e-6 if len(pulses) > 30 else math.nan
    d20 = float(delays[20]) if len(delays) > 20 else math.nan
    bipolar = "bp" in pulse_program.lower()
    delta = 2.0 * p30 if bipolar else p30
    shape, shape_name, flags = gradient_shape(acqus, pulse_program_text)
    if not (math.isfinite(delta) and delta > 0):
        flags.append("acqus_P30_missing")
    if not (math.isfinite(d20) and d20 > 0):
        flags.append("acqus_D20_missing")
    gamma = gamma_Hz_per_G(nucleus)
    if not math.isfinite(gamma):
        flags.append("gamma_unknown_for_nucleus")
    law = (
        "b = (2 pi gamma G delta 2/pi)^2 (Delta - delta/4) 1e4 (half-sine)"
        if shape == "sine"
        else "b = (2 pi gamma G delta)^2 (Delta - delta/3) 1e4 (rectangular)"
    )
    convention = (
        f"pulse program: delta = {'2 x P30 (bipolar)' if bipolar else 'P30'}, "
        f"Delta = D20, gradient shape {shape_name or 'not stated'}, "
        f"gamma of {nucleus or 'unknown nucleus'}; {law}"
    )
    return Encoding(
        delta_s=delta,
        big_delta_s=d20,
        gamma_Hz_per_G=gamma,
        shape=shape,
        source="pulse_program",
        convention=convention,
        flags=tuple(flags),
    )
