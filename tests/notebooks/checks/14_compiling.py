"""The eager and compiled moons steps and the digits run are the reference cases'.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
from nn import cases

assert eager_losses == cases.two_moons(steps=8).losses
assert compiled_losses == cases.two_moons(steps=8, compile=True).losses
assert eager.loss == cases.handwritten_digits(epochs=2).history.loss
