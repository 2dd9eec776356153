"""The standardised neuron's training is nn.fit's.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
from nn import fit

check = Neuron(2, "linear", seed=0)
optimizer = SGD(check.parameters(), lr=0.3)
fit(check, (standardised, y), mse, optimizer, 300, metric=None, progress=False)
assert check.state_dict() == standard_neuron.state_dict()
