"""Every gate's trained model is the reference case's.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
from nn import cases

for name, model in gates.items():
    assert model.state_dict() == cases.logic_gate(name).model.state_dict(), name
