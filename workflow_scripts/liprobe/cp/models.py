"""Cross-polarization build-up models: plain functions whose arguments are the
fit parameters.

Each function takes the contact time ``t`` (seconds) first and then its
parameters, so it can be wrapped directly as an :class:`lmfit.Model`. Formulas
after Kolodziejski & Klinowski, Chem. Rev. 102 (2002) 613:

* classical I-S (spin-temperature) model, a dilute S spin (6Li) polarised from
  an abundant I bath (1H) that relaxes in the rotating frame::

      I(t) = I0 (1 - T_IS / T1rho_H)^-1 [exp(-t / T1rho_H) - exp(-t / T_IS)]

  It is unchanged when ``T_IS`` and ``T1rho_H`` are swapped and ``I0``
  rescaled, so the fit imposes ``T_IS < T1rho_H`` through its parametrisation
  (:data:`CLASSICAL_RATIO`: ``T_IS = ratio x T1rho_H`` with ``0 < ratio < 1``);
* non-classical I-I*-S model, for an S spin strongly coupled to a few protons
  I* (rigid pairs), which first exchange polarisation with S (dipolar
  oscillation damped with ``T2``) and are refilled from the bath by spin
  diffusion (``T_df``)::

      I(t) = I0 exp(-t / T1rho_H) [1 - lambda exp(-t / T_df)
             - (1 - lambda) exp(-3 t / (2 T_df)) exp(-t^2 / (2 T2^2))]

  with ``lambda = 1 / (n + 1)`` for ``n`` protons in the I* group (fitted
  between 0 and 1 here). The time of the I*-S transfer, ``T2``, is what the
  table reports as this model's ``T_IS_s``.
"""

from __future__ import annotations

import numpy as np

#: names of the models, in the order the table lists them
MODEL_NAMES: tuple[str, ...] = ("classical", "non_classical")
#: the constrained parameter of the classical model: T_IS = ratio x T1rho_H
CLASSICAL_RATIO = "ratio"


def classical(t, I0, T_IS, T1rho_H):
    """Classical I-S build-up (see the module docstring).

    Written as ``I0 e^(-t/T1) (1 - e^(-t (1/T_IS - 1/T1))) / (1 - T_IS/T1)``
    (``T1 = T1rho_H``) with ``expm1``, so that it stays finite (tending to
    ``I0 t/T e^(-t/T)``) as the two times approach each other.
    """
    t = np.asarray(t, dtype=float)
    ratio = T_IS / T1rho_H
    rate = 1.0 / T_IS - 1.0 / T1rho_H
    if abs(1.0 - ratio) < 1e-9:
        return I0 * (t / T1rho_H) * np.exp(-t / T1rho_H)
    return I0 * np.exp(-t / T1rho_H) * (-np.expm1(-t * rate)) / (1.0 - ratio)


def non_classical(t, I0, T_df, T2, lam, T1rho_H):
    """Non-classical I-I*-S build-up (see the module docstring)."""
    t = np.asarray(t, dtype=float)
    inner = (
        1.0
        - lam * np.exp(-t / T_df)
        - (1.0 - lam) * np.exp(-1.5 * t / T_df) * np.exp(-(t**2) / (2.0 * T2**2))
    )
    return I0 * np.exp(-t / T1rho_H) * inner
