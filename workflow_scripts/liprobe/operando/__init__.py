"""Operando 7Li NMR of Li metal: spectrum times, metal and SEI components,
a Li inventory calibrated per cm2 beside the NDP one."""
