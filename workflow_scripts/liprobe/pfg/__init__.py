"""Pulsed-field-gradient (PFG) diffusion: the diffusion weighting of a series
(:mod:`.encoding`), Stejskal-Tanner fits per experiment and region
(:mod:`.fit`, :mod:`.table`) and the Arrhenius law of D (:mod:`.arrhenius`)."""
