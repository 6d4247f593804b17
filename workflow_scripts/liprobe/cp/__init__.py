"""Cross-polarization build-up: models, fits with the AICc choice, the table."""
