"""The L2, dropout and early-stopping runs are nn.fit's, with the same options.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
from nn import fit

for name in ("L2 (1e-3)", "dropout 0.2", "early stopping"):
    options = dict(runs[name])
    dropout = options.pop("dropout", 0.0)
    check = MLP(1, [16, 16, 1], activation="tanh", init="xavier", seed=1, dropout=dropout)
    if "patience" in options:
        options["early_stopping"] = options.pop("patience")
    history = fit(
        check,
        (train_x, train_y),
        mse,
        Adam(check.parameters(), lr=0.01),
        300,
        val_data=(val_x, val_y),
        metric=None,
        progress=False,
        seed=0,
        **options,
    )
    assert history.val_loss == curves[name][1], name
    assert check.state_dict() == models[name].state_dict(), name
