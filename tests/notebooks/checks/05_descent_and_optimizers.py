"""Each batch size's run is nn.fit's, the compiled runs follow the eager ones, and each
learning-rate schedule's line is nn.fit's.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
import math

from nn import Neuron, fit

for name, size in variants.items():
    check = MLP(1, [16, 1], activation="tanh", init="xavier", seed=0)
    fit(
        check,
        (X, y),
        mse,
        SGD(check.parameters(), lr=0.1),
        40,
        batch_size=size,
        seed=0,
        metric=None,
        progress=False,
    )
    assert check.state_dict() == runs[name].model.state_dict(), name
    for a, b in zip(compiled_runs[name].losses, runs[name].losses, strict=True):
        assert math.isclose(a, b, rel_tol=1e-9), name

# The line fitted under each learning-rate schedule: nn.fit, with the same shuffling, gives
# the same loss on all the samples after every epoch (its validation loss here).
line = [[x] for x in line_x]
for name, lr in schedules.items():
    model = Neuron(1, "linear")
    model.w[0].data, model.b.data = 0.0, 0.0
    history = fit(
        model,
        (line, line_y),
        mse,
        SGD(model.parameters(), lr=lr),
        epochs,
        batch_size=batch_size,
        val_data=(line, line_y),
        seed=0,
        metric=None,
        progress=False,
    )
    for gap, loss in zip(line_runs[name], history.val_loss, strict=True):
        assert math.isclose(gap + best_loss, loss, rel_tol=1e-12), name
