"""Line shapes of one NMR site, as plain functions of their parameters.

Every shape is normalised to its ``area`` (the integral over ``x``) and has
one full width at half maximum ``fwhm`` in the unit of ``x`` (ppm here):

* :func:`lorentzian`: ``area * (fwhm/2) / pi / ((x - center)^2 + (fwhm/2)^2)``;
* :func:`gaussian`: ``area * sqrt(4 ln 2 / pi) / fwhm``
  ``* exp(-4 ln 2 (x - center)^2 / fwhm^2)``;
* :func:`pseudo_voigt`: ``eta * lorentzian + (1 - eta) * gaussian`` with the
  same centre, width and area (0 <= eta <= 1).

:func:`baseline` is a polynomial in ``x - x0`` (coefficients ``c0, c1, ...``).
"""

from __future__ import annotations

import math

import numpy as np

_G = math.sqrt(4.0 * math.log(2.0) / math.pi)
_FOUR_LN2 = 4.0 * math.log(2.0)

#: shape name -> whether it has an ``eta`` parameter
SHAPES: dict[str, bool] = {"pseudo_voigt": True, "gaussian": False, "lorentzian": False}


def lorentzian(x, center, fwhm, area):
    """Area-normalised Lorentzian line."""
    half = 0.5 * fwhm
    return area * half / math.pi / ((x - center) ** 2 + half**2)


def gaussian(x, center, fwhm, area):
    """Area-normalised Gaussian line."""
    return area * _G / fwhm * np.exp(-_FOUR_LN2 * (x - center) ** 2 / fwhm**2)


def pseudo_voigt(x, center, fwhm, eta, area):
    """Area-normalised pseudo-Voigt line: a Lorentzian fraction ``eta``."""
    return eta * lorentzian(x, center, fwhm, area) + (1.0 - eta) * gaussian(
        x, center, fwhm, area
    )


SHAPE_FUNCTIONS = {
    "pseudo_voigt": pseudo_voigt,
    "gaussian": gaussian,
    "lorentzian": lorentzian,
}


def peak_height(shape: str, fwhm, area, eta=0.0):
    """Height of a line of ``area`` and ``fwhm`` at its centre."""
    lor = area * 2.0 / (math.pi * fwhm)
    gau = area * _G / fwhm
    if shape == "lorentzian":
        return lor
    if shape == "gaussian":
        return gau
    return eta * lor + (1.0 - eta) * gau
