"""Module housekeeping: parameter order and names, zero_grad, train/eval, state and files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import nn
from autograd import Value


def test_parameters_go_layer_by_layer_neuron_by_neuron_weights_then_bias() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w0",
        "layers.0.neurons.0.w1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w0",
    ]
    assert names[-4:] == [
        "layers.1.neurons.0.w0",
        "layers.1.neurons.0.w1",
        "layers.1.neurons.0.w2",
        "layers.1.neurons.0.b",
    ]
    assert len(names) == len(set(names)) == 3 * 3 + 4
    assert model.parameters() == [p for _, p in model.named_parameters()]


def test_zero_grad_clears_every_parameter() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    model([1.0, 2.0])[0].backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_train_and_eval_reach_every_dropout() -> None:
    model = nn.MLP(4, [8, 8, 1], dropout=0.5, seed=0)
    assert model.eval() is model
    assert not model.training
    assert all(not d.training for d in model._dropouts)
    model.train()
    assert all(d.training for d in model._dropouts)


def test_state_dict_round_trips_through_a_json_file(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    path = model.save(tmp_path / "model.json")
    document = json.loads(path.read_text())
    assert document["format"] == "valuegrad-module"
    assert document["module"] == "MLP"
    other = nn.MLP(2, [3, 1], seed=2)
    assert other.state_dict() != model.state_dict()
    assert other.load(path) is other
    assert other.state_dict() == model.state_dict()
    x = [0.3, -0.7]
    assert other(x)[0].data == model(x)[0].data


def _unchanged_after(model: nn.MLP, error: type[Exception], message: str, load) -> None:
    before = model.state_dict()
    with pytest.raises(error, match=message):
        load()
    assert model.state_dict() == before


def test_a_mismatched_state_raises_and_changes_nothing() -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    state = model.state_dict()
    fewer = dict(list(state.items())[:-1])
    _unchanged_after(
        model, ValueError, "missing layers.1.neurons.0.b", lambda: model.load_state_dict(fewer)
    )
    extra = {**state, "layers.2.neurons.0.b": 0.0}
    _unchanged_after(model, ValueError, "unexpected layers.2", lambda: model.load_state_dict(extra))
    bad = {**dict.fromkeys(state, 9.0), "layers.1.neurons.0.b": "x"}
    _unchanged_after(model, TypeError, "must be a number", lambda: model.load_state_dict(bad))
    nan = {**dict.fromkeys(state, 9.0), "layers.1.neurons.0.b": float("nan")}
    _unchanged_after(model, ValueError, "must be finite", lambda: model.load_state_dict(nan))


def test_a_corrupt_or_foreign_file_raises_and_changes_nothing(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    bigger = nn.MLP(2, [4, 1], seed=1).save(tmp_path / "bigger.json")
    _unchanged_after(model, ValueError, "missing|unexpected", lambda: model.load(bigger))
    truncated = tmp_path / "truncated.json"
    truncated.write_text(bigger.read_text()[:50])
    _unchanged_after(model, ValueError, "is not a saved module", lambda: model.load(truncated))
    other = tmp_path / "other.json"
    other.write_text('{"weights": [1, 2]}')
    _unchanged_after(model, ValueError, "no 'valuegrad-module' header", lambda: model.load(other))
    neuron = nn.Neuron(2, seed=0).save(tmp_path / "neuron.json")
    _unchanged_after(model, ValueError, "holds a Neuron, not a MLP", lambda: model.load(neuron))


def test_a_custom_module_finds_values_modules_and_lists() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            self.scale = Value(2.0)
            self.blocks = [nn.Neuron(1, "linear", seed=0), nn.Neuron(1, "linear", seed=1)]

        def forward(self, x: list[float]) -> Value:
            return self.scale * sum(block(x) for block in self.blocks)

    names = [name for name, _ in Net().named_parameters()]
    assert names == ["scale", "blocks.0.w0", "blocks.0.b", "blocks.1.w0", "blocks.1.b"]


def test_named_parameters_drive_the_graph_drawings_clusters() -> None:
    import autograd

    model = nn.MLP(2, [16, 16, 1], seed=0)
    (out,) = model([0.5, -0.2])
    full = autograd.to_dot(out, names=model.named_parameters())
    collapsed = autograd.to_dot(out, names=model.named_parameters(), collapse="neuron")
    assert 'subgraph "cluster_layers.1.neurons.15" {' in full
    # each neuron's weights, its linear node and its activation become one box
    assert full.count(" [label=") >= 10 * collapsed.count(" [label=")
