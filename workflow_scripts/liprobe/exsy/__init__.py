"""Two-dimensional exchange NMR (EXSY): processing, peak volumes, exchange models,
fits, Arrhenius analysis and the equilibrium exchange current."""
