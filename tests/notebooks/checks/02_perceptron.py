"""The perceptron's training loops give their reference numbers: the single weight's losses
are the reference case's, the sigmoid neuron's are nn.fit's, and Rosenblatt's rule, written
again on NumPy vectors, passes through the same weights, updates and counts every epoch.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
import math

import numpy as np

from nn import SGD, Neuron, cases, fit, mse

case = cases.perceptron(steps=1000)
assert [*losses, loss_trained] == case.losses

for name, (X, y) in truth_tables.items():
    # The rule on (w0, w1, b) at once: each input gets a 1 appended, which the bias multiplies.
    inputs, targets = np.c_[np.array(X), np.ones(len(X))], np.array(y)
    weights = np.zeros(3)
    for epoch, (w_seen, b_seen, updates_seen, right_seen) in enumerate(rosenblatt_runs[name], 1):
        updates = 0
        for x, t in zip(inputs, targets, strict=True):
            error = t - int(weights @ x > 0)
            updates += error != 0
            weights = weights + error * x
        right = int(((inputs @ weights > 0) == (targets == 1)).sum())
        assert [*w_seen, b_seen] == weights.tolist(), (name, epoch)
        assert (updates_seen, right_seen) == (updates, right), (name, epoch)

    model = Neuron(2, "sigmoid")
    for parameter, start in zip(model.parameters(), (0.5, -0.5, 0.0), strict=True):
        parameter.data = start
    history = fit(
        model, (X, y), mse, SGD(model.parameters(), lr=2.0), 300, metric=None, progress=False
    )
    params, epoch_losses, _ = sigmoid_runs[name]
    for mine, reference in zip(epoch_losses, history.loss, strict=True):
        assert math.isclose(mine, reference, rel_tol=1e-12), name
    for mine, reference in zip(params, model.parameters(), strict=True):
        assert math.isclose(mine.data, reference.data, rel_tol=1e-9, abs_tol=1e-12), name

assert [right for *_, right in rosenblatt_runs["AND"]][-1] == 4
assert max(right for *_, right in rosenblatt_runs["XOR"]) < 4
