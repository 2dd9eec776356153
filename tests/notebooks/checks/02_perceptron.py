"""The perceptron's training loop gives the reference case's losses.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
from nn import cases

case = cases.perceptron(steps=1000)
assert [*losses, loss_trained] == case.losses
