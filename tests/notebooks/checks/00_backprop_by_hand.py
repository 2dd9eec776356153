"""Driving z to 60: the notebook's fixed-slope and Newton paths are the reference case's.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
from nn import cases

case = cases.drive_z_to_60()
assert paths["fixed slope"] == (case.fixed_slope, case.fixed_slope_z)
assert paths["Newton"] == (case.newton, case.newton_z)
