"""Each batch size's run is nn.fit's, and the compiled runs follow the eager ones.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
import math

from nn import fit

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
