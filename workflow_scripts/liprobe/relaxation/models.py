"""Relaxation models: plain functions whose arguments are the fit parameters.

Each function takes the list time ``t`` (seconds) first and then its parameters,
so it can be wrapped directly as an :class:`lmfit.Model`. Formulas follow
Abragam, *The Principles of Nuclear Magnetism* (1961), ch. VIII, and the
stretched-exponential (Kohlrausch) form discussed by Lindsey & Patterson,
J. Chem. Phys. 73 (1980) 3348; the mean relaxation time of a stretched
exponential, <T> = (T/b) Gamma(1/b), is from the same paper.

:data:`MODELS` describes every model by name: its function, which parameters are
free, their bounds and a data-driven initial guess. :data:`DEFAULT_MODELS` gives
the candidate models per experiment kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gamma


def _stretched(t: np.ndarray, tau: float, b: float) -> np.ndarray:
    x = np.clip(np.asarray(t, dtype=float), 0.0, None) / tau
    return np.exp(-(x**b))


def saturation_recovery(t, I0, a, T1, b):
    """Saturation recovery ``I(t) = I0 [1 - a exp(-(t/T1)^b)]``.

    ``a`` is the saturation efficiency (1 for perfect saturation) and ``b`` the
    stretch exponent (1: mono-exponential). Abragam (1961) ch. VIII; stretched
    form after Lindsey & Patterson, J. Chem. Phys. 73 (1980) 3348.
    """
    return I0 * (1.0 - a * _stretched(t, T1, b))


def inversion_recovery(t, I0, P, T1, b):
    """Inversion recovery ``I(t) = I0 + P exp(-(t/T1)^b)``.

    ``P`` is about ``-2 I0`` for a perfect inversion; ``b`` the stretch exponent.
    This is TopSpin's three-parameter form ``I[0] + P exp(-t/T1)`` for b = 1
    (Vold et al., J. Chem. Phys. 48 (1968) 3831).
    """
    return I0 + P * _stretched(t, T1, b)


def decay(t, I0, T, b, c):
    """Decay ``I(t) = I0 exp(-(t/T)^b) + c`` for T1rho (spin lock) and T2 (CPMG).

    ``c`` is an optional constant offset (fixed at 0 unless the model frees it).
    Abragam (1961) ch. VIII; stretched form after Lindsey & Patterson (1980).
    """
    return I0 * _stretched(t, T, b) + c


def saturation_recovery_2(t, I0, a, f, T1, T1b):
    """Two-component saturation recovery.

    ``I(t) = I0 [1 - a (f exp(-t/T1) + (1 - f) exp(-t/T1b))]``; ``T1`` is the
    component with fraction ``f``. For spin-3/2 nuclei (7Li) the recovery is
    intrinsically bi-exponential (Hubbard, J. Chem. Phys. 53 (1970) 985).
    """
    return I0 * (
        1.0 - a * (f * _stretched(t, T1, 1.0) + (1 - f) * _stretched(t, T1b, 1.0))
    )


def inversion_recovery_2(t, I0, P, f, T1, T1b):
    """Two-component inversion recovery.

    ``I(t) = I0 + P (f exp(-t/T1) + (1 - f) exp(-t/T1b))`` (Hubbard 1970).
    """
    return I0 + P * (f * _stretched(t, T1, 1.0) + (1 - f) * _stretched(t, T1b, 1.0))


def decay_2(t, I0, f, T, Tb, c):
    """Two-component decay ``I(t) = I0 (f exp(-t/T) + (1 - f) exp(-t/Tb)) + c``."""
    return I0 * (f * _stretched(t, T, 1.0) + (1 - f) * _stretched(t, Tb, 1.0)) + c


def mean_time(tau, b):
    """Mean relaxation time ``<T> = (T/b) Gamma(1/b)`` of a stretched exponential.

    Lindsey & Patterson, J. Chem. Phys. 73 (1980) 3348, eq. (11).
    """
    return tau / b * gamma(1.0 / b)


@dataclass(frozen=True)
class ModelSpec:
    """A named relaxation model.

    ``tau`` names the time-constant parameter reported as ``time_constant_s``;
    ``fixed`` maps parameters held constant to their value; ``bounds`` gives
    (min, max) per parameter, where a string bound is a multiple of a data scale
    resolved at fit time (``"tmax"``: longest list time, ``"tmin"``: shortest
    non-zero list time, ``"ymax"``: largest absolute intensity).
    """

    name: str
    func: Callable
    family: str
    tau: str
    fixed: dict[str, float] = field(default_factory=dict)
    bounds: dict[str, tuple] = field(default_factory=dict)

    @property
    def params(self) -> list[str]:
        """All parameter names in call order."""
        code = self.func.__code__
        return list(code.co_varnames[1 : code.co_argcount])

    @property
    def free(self) -> list[str]:
        """Names of the free parameters."""
        return [p for p in self.params if p not in self.fixed]


_TAU_BOUNDS = (("tmin", 1e-3), ("tmax", 1e3))
_B_BOUNDS = (0.2, 1.0)

MODELS: dict[str, ModelSpec] = {
    "sr": ModelSpec(
        "sr",
        saturation_recovery,
        "t1_sr",
        "T1",
        {"b": 1.0},
        {"a": (0.0, 2.0), "T1": _TAU_BOUNDS},
    ),
    "sr_stretched": ModelSpec(
        "sr_stretched",
        saturation_recovery,
        "t1_sr",
        "T1",
        {},
        {"a": (0.0, 2.0), "T1": _TAU_BOUNDS, "b": _B_BOUNDS},
    ),
    "sr_2": ModelSpec(
        "sr_2",
        saturation_recovery_2,
        "t1_sr",
        "T1",
        {},
        {"a": (0.0, 2.0), "f": (0.0, 1.0), "T1": _TAU_BOUNDS, "T1b": _TAU_BOUNDS},
    ),
    "ir": ModelSpec(
        "ir", inversion_recovery, "t1_ir", "T1", {"b": 1.0}, {"T1": _TAU_BOUNDS}
    ),
    "ir_stretched": ModelSpec(
        "ir_stretched",
        inversion_recovery,
        "t1_ir",
        "T1",
        {},
        {"T1": _TAU_BOUNDS, "b": _B_BOUNDS},
    ),
    "ir_2": ModelSpec(
        "ir_2",
        inversion_recovery_2,
        "t1_ir",
        "T1",
        {},
        {"f": (0.0, 1.0), "T1": _TAU_BOUNDS, "T1b": _TAU_BOUNDS},
    ),
    "decay": ModelSpec(
        "decay", decay, "decay", "T", {"b": 1.0, "c": 0.0}, {"T": _TAU_BOUNDS}
    ),
    "decay_offset": ModelSpec(
        "decay_offset", decay, "decay", "T", {"b": 1.0}, {"T": _TAU_BOUNDS}
    ),
    "decay_stretched": ModelSpec(
        "decay_stretched",
        decay,
        "decay",
        "T",
        {"c": 0.0},
        {"T": _TAU_BOUNDS, "b": (0.2, 2.0)},
    ),
    "decay_stretched_offset": ModelSpec(
        "decay_stretched_offset",
        decay,
        "decay",
        "T",
        {},
        {"T": _TAU_BOUNDS, "b": (0.2, 2.0)},
    ),
    "decay_2": ModelSpec(
        "decay_2",
        decay_2,
        "decay",
        "T",
        {"c": 0.0},
        {"f": (0.0, 1.0), "T": _TAU_BOUNDS, "Tb": _TAU_BOUNDS},
    ),
}

#: experiment kind -> model family
KIND_FAMILY = {"t1_sr": "t1_sr", "t1_ir": "t1_ir", "t1rho": "decay", "t2": "decay"}

#: default candidate models per kind (the first is used unless a criterion
#: selects among several)
DEFAULT_MODELS: dict[str, list[str]] = {
    "t1_sr": ["sr_stretched"],
    "t1_ir": ["ir"],
    "t1rho": ["decay_stretched"],
    "t2": ["decay", "decay_stretched", "decay_2"],
}


def models_for_kind(kind: str, choice: str | list[str] | None = None) -> list[str]:
    """Candidate model names for ``kind``.

    ``choice`` may be a model name, a list of names, ``"auto"`` (every model of
    the kind's family) or None (the default for the kind).
    """
    family = KIND_FAMILY.get(kind)
    if family is None:
        raise KeyError(kind)
    if choice is None:
        return list(DEFAULT_MODELS[kind])
    if isinstance(choice, str):
        if choice == "auto":
            return [n for n, s in MODELS.items() if s.family == family]
        choice = [choice]
    return list(choice)
