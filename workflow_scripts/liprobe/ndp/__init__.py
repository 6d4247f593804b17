"""Operando neutron depth profiling: events to Li depth profiles.

Modules: :mod:`.stopping` (stopping powers and ranges, CATIMA or SRIM tables),
:mod:`.response` (forward response matrix depth -> energy),
:mod:`.invert` (regularised non-negative inversion and the channel-depth map),
:mod:`.events` (event accounting, time slices, live time, spectra),
:mod:`.calibration` (channel -> energy), :mod:`.concentration` (normalisation,
profiles, inventory).
"""
