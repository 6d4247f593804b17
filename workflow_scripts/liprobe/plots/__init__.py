"""Figure functions: they read tidy tables, never raw files."""
