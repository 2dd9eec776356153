"""The two-moons and 8×8-digits loops are the reference cases'.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
from nn import cases

case = cases.two_moons(steps=100)
assert losses == case.losses
assert accuracies == case.accuracies
assert model.state_dict() == case.model.state_dict()
case = cases.handwritten_digits()
assert epoch_losses == case.history.loss
assert test_accuracy == case.test_accuracy
assert confusion == case.confusion
