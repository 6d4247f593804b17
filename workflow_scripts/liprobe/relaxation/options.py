"""Documented defaults of the ``relaxation:`` config block (no heavy imports).

Kept apart so that the workflow can read them at parse time without importing
the fitting libraries.
"""

from __future__ import annotations

#: documented defaults of the ``relaxation:`` config block
DEFAULTS: dict = {
    "models": {},  # kind -> model name, list of names or "auto"; {} = per-kind default
    "criterion": "aic",  # aic or bic: picks the selected model among candidates
    "quantities": ["integral", "height"],
    "scale_covar": False,
    "poor_fit_p_value": 0.001,
    "n_bootstrap": 0,
    "engine": "lmfit",  # lmfit (reference) or fast
    "spinlock_kHz": None,
    "temperature_calibration": {
        "offset_K": 0.0,
        "slope": 1.0,
        "mas_coefficient_K_per_kHz2": 0.0,
        "mas_kHz": None,
    },
    "reference_temperature_K": 298.15,
    "jump_distance_nm": 0.25,
    "dimensionality": 3,
    "li_density_per_cm3": 1.0e22,
    "haven_ratio": 1.0,
    "correlation_factor": 1.0,
    "beta_bounds": [1.0, 2.0],
    "flank_margin_K": 0.0,
}


def merged_options(options: dict | None) -> dict:
    """``DEFAULTS`` updated with ``options`` (one level deep for dicts)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULTS.items()}
    for k, v in (options or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k].update(v)
        else:
            out[k] = v
    return out
