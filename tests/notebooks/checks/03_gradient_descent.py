"""The descent on the parabola, at every learning rate shown, is the reference case's.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
from nn import cases

assert path == cases.parabola_descent(x0=0.2, lr=0.1, steps=60)
for lr in (0.01, 0.1, 0.5, 1.0, 1.05):
    assert descend(0.2, lr=lr, steps=30) == cases.parabola_descent(x0=0.2, lr=lr, steps=30)
