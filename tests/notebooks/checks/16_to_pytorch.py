"""The moons model trained here is the compiled reference case's.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
from nn import cases

assert losses == cases.two_moons(steps=100, compile=True).losses
