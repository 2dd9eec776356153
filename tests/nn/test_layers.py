"""Neurons, layers, MLPs, dropout and initialisation."""

from __future__ import annotations

import math
import random
import statistics

import pytest

import nn
from autograd import Value
from autograd.testing import assert_grads


def test_neuron_computes_activation_of_w_dot_x_plus_b() -> None:
    neuron = nn.Neuron(2, "tanh", seed=0)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 0.5, -1.0, 0.25
    out = neuron([2.0, 0.5])
    assert out.data == math.tanh(0.5 * 2.0 - 1.0 * 0.5 + 0.25)
    for w, x in zip(neuron.w, [2.0, 0.5], strict=True):
        w.label = f"w{x}"
    assert_grads(out, {"w2.0": 2 * (1 - out.data**2), "w0.5": 0.5 * (1 - out.data**2)})


@pytest.mark.parametrize(
    ("name", "f"),
    [
        ("relu", lambda s: max(s, 0.0)),
        ("leaky_relu", lambda s: s if s > 0 else 0.01 * s),
        ("tanh", math.tanh),
        ("sigmoid", lambda s: 1 / (1 + math.exp(-s))),
        ("swish", lambda s: s / (1 + math.exp(-s))),
        ("linear", lambda s: s),
    ],
)
def test_every_activation(name: str, f) -> None:
    neuron = nn.Neuron(1, name, seed=3)
    for x in (-1.5, 0.7):
        s = neuron.w[0].data * x
        assert neuron([x]).data == pytest.approx(f(s), rel=1e-15)


def test_layer_returns_a_list_even_for_one_neuron() -> None:
    out = nn.Layer(3, 1, seed=0)([1.0, 2.0, 3.0])
    assert isinstance(out, list)
    assert len(out) == 1


def test_mlp_uses_the_output_activation_on_the_last_layer_only() -> None:
    model = nn.MLP(1, [4, 1], activation="relu", output_activation="sigmoid", seed=0)
    assert [n.activation for n in model.layers[0].neurons] == ["relu"] * 4
    assert model.layers[1].neurons[0].activation == "sigmoid"
    assert 0 < model([0.3])[0].data < 1


def test_same_seed_same_network_and_micrograd_draws() -> None:
    a, b = nn.MLP(2, [16, 16, 1], seed=7), nn.MLP(2, [16, 16, 1], seed=7)
    assert a.state_dict() == b.state_dict()
    rng = random.Random(7)
    expected = []
    for nin, nout in [(2, 16), (16, 16), (16, 1)]:
        for _ in range(nout):
            expected += [rng.uniform(-1, 1) for _ in range(nin)] + [0.0]
    assert [p.data for p in a.parameters()] == expected


def test_xavier_and_he_scale_with_the_layer_width() -> None:
    wide = nn.MLP(200, [100], init="xavier", seed=0)
    bound = math.sqrt(6 / 300)
    weights = [p.data for name, p in wide.named_parameters() if not name.endswith(".b")]
    assert max(map(abs, weights)) <= bound
    assert statistics.pstdev(weights) == pytest.approx(bound / math.sqrt(3), rel=0.02)
    he = nn.MLP(200, [100], init="he", seed=0)
    weights = [p.data for name, p in he.named_parameters() if not name.endswith(".b")]
    assert statistics.pstdev(weights) == pytest.approx(math.sqrt(2 / 200), rel=0.02)
    assert all(p.data == 0.0 for name, p in he.named_parameters() if name.endswith(".b"))


def test_dropout_zeroes_a_fraction_and_rescales_in_training_only() -> None:
    drop = nn.Dropout(0.25, seed=0)
    xs = [Value(1.0) for _ in range(4000)]
    out = drop(xs)
    zeros = sum(v.data == 0.0 for v in out)
    assert zeros / 4000 == pytest.approx(0.25, abs=0.03)
    assert {v.data for v in out} == {0.0, 1 / 0.75}
    drop.eval()
    assert drop(xs) == xs


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: nn.Neuron(0), ValueError, "Neuron: nin must be >= 1, got 0"),
        (lambda: nn.Neuron(2.0), TypeError, "nin must be an int"),
        (lambda: nn.Neuron(2, "softsign"), ValueError, "unknown activation 'softsign'"),
        (lambda: nn.MLP(2, [3], init="normal"), ValueError, "unknown init 'normal'"),
        (lambda: nn.MLP(2, []), ValueError, "sizes must name at least one layer"),
        (
            lambda: nn.MLP(2, 3),
            TypeError,
            r"MLP: sizes must be a sequence of layer widths such as \[16, 1\], got int",
        ),
        (lambda: nn.MLP(2, [3, 1.5]), TypeError, r"MLP: sizes\[1\] must be an int, got float"),
        (lambda: nn.MLP(2, [3, 0]), ValueError, r"MLP: sizes\[1\] must be >= 1, got 0"),
        (lambda: nn.Dropout(1.5), ValueError, r"Dropout: p must be in \[0, 1\], got 1.5"),
        (lambda: nn.Neuron(2, seed=0)([1.0]), ValueError, "expected 2 inputs, got 1"),
    ],
)
def test_bad_arguments_get_clear_errors(make, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.Neuron(2, seed=0)({5: 1.0, 6: 2.0}), "must be a sequence"),
        (lambda: nn.Neuron(2, seed=0)({1.0, 2.0}), "must be a sequence"),
        (lambda: nn.Layer(2, 1, seed=0)({5: 1.0, 6: 2.0}), "Layer: the input must be a sequence"),
        (lambda: nn.MLP(2, [1], seed=0)({5: 1.0, 6: 2.0}), "Layer: the input must be a sequence"),
        (lambda: nn.MLP(2, {3, 1}), "MLP: sizes must be a sequence"),
        (lambda: nn.MLP(2, {3: 0, 1: 0}), "MLP: sizes must be a sequence"),
        (lambda: nn.MLP(2, [3], activation=None), "activation must be a str, got NoneType"),
        (lambda: nn.Neuron(2, ["relu"]), "activation must be a str, got list"),
        (lambda: nn.MLP(2, [3], init=["he"]), "init must be a str, got list"),
    ],
)
def test_a_mapping_a_set_or_a_non_string_setting_is_a_type_error(make, message: str) -> None:
    """A dict as a layer's input once gave its keys as the inputs."""
    with pytest.raises(TypeError, match=message):
        make()
