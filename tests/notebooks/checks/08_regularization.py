"""The five runs are nn.fit's, with the same settings.

The dropout run, trained by the loop the notebook writes out, gives exactly what eager
``nn.fit`` gives. The compiled runs give eager ``nn.fit``'s numbers to 1e-9: early stopping
over its whole run (where it stops, every loss, the weights it puts back), the others over
their first 50 epochs (the whole run, eagerly, would take most of a minute).

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
from autograd.testing import assert_close
from nn import fit


def eager(name, epochs):
    """The run ``name`` by eager nn.fit, with the notebook's settings: the model, the History."""
    options = dict(settings[name])
    model = network(dropout=options.pop("dropout", 0.0))
    history = fit(
        model,
        (train_x, train_y),
        mse,
        Adam(model.parameters(), lr=0.02),
        epochs,
        val_data=(val_x, val_y),
        metric=None,
        progress=False,
        **options,
    )
    return model, history


model, history = eager("dropout 0.1", EPOCHS)
assert history.val_loss == curves["dropout 0.1"][1]
assert model.state_dict() == models["dropout 0.1"].state_dict()
assert_close(history.loss, curves["dropout 0.1"][0], "dropout: training loss", rtol=1e-14, atol=0)

model, history = eager("early stopping", EPOCHS)
assert history.epochs == len(curves["early stopping"][0]) < EPOCHS
assert_close(history.val_loss, curves["early stopping"][1], "early stopping", rtol=1e-9, atol=0)
kept, weights = models["early stopping"].state_dict(), model.state_dict()
assert weights.keys() == kept.keys()
assert_close(list(weights.values()), list(kept.values()), "early stopping", rtol=1e-9, atol=1e-12)

for name in ("plain", "L2, λ = 0.005", "L1, λ = 0.01"):
    model, history = eager(name, 50)
    assert_close(history.loss, curves[name][0][:50], f"{name}: training loss", rtol=1e-9, atol=0)
    assert_close(history.val_loss, curves[name][1][:50], f"{name}: val loss", rtol=1e-9, atol=0)
