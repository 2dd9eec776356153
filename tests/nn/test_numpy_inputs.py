"""NumPy data, the data users actually have: arrays wherever a list of numbers is taken, and
NumPy scalars wherever a number is, across nn and the engine."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Function, Value


def test_fit_takes_numpy_arrays_and_gives_the_same_history_as_lists() -> None:
    X, y = nn.datasets.logic_gate("and")

    def train(data: tuple) -> nn.History:
        model = nn.Neuron(2, "linear", seed=0)
        optimizer = nn.SGD(model.parameters(), lr=np.float64(0.5))
        return nn.fit(model, data, nn.binary_cross_entropy, optimizer, np.int64(20), progress=False)

    from_lists = train((X, y))
    from_arrays = train((np.array(X), np.array(y)))
    assert from_arrays.loss == from_lists.loss
    assert from_arrays.metric == from_lists.metric


def test_fit_takes_numpy_arrays_for_validation_and_minibatches() -> None:
    X, y = nn.datasets.moons(40, noise=0.1, seed=0)
    model = nn.MLP(2, np.array([4, 1]), seed=0)
    history = nn.fit(
        model,
        (np.array(X), np.array(y)),
        nn.binary_cross_entropy,
        nn.Adam(model.parameters(), lr=0.05),
        epochs=3,
        batch_size=np.int64(8),
        val_data=(np.array(X[:10]), np.array(y[:10])),
        early_stopping=np.int64(5),
        progress=False,
    )
    assert history.epochs == 3
    assert len(history.val_loss) == 3


def test_layers_take_numpy_sizes_and_numpy_rows() -> None:
    model = nn.MLP(np.int64(2), np.array([3, 1]), seed=0)
    assert repr(model) == "MLP(2-3-1, 13 parameters)"
    row = np.array([0.5, -0.25])
    assert model(row)[0].data == model([0.5, -0.25])[0].data
    assert (
        nn.Layer(np.int64(2), np.int64(3), seed=0)(row)[2].data
        == nn.Layer(2, 3, seed=0)([0.5, -0.25])[2].data
    )


def test_optimizers_take_numpy_numbers() -> None:
    for make in (
        lambda ps: nn.SGD(
            ps, lr=np.float64(0.1), momentum=np.float64(0.9), weight_decay=np.float32(0.01)
        ),
        lambda ps: nn.SGD(ps, lr=lambda k: np.float64(0.1)),
        lambda ps: nn.Adam(
            ps, lr=np.float64(0.01), betas=np.array([0.9, 0.999]), eps=np.float64(1e-8)
        ),
    ):
        w = Value(1.0)
        optimizer = make([w])
        (w * w).backward()
        optimizer.step()
        assert type(w.data) is float
        assert w.data < 1.0


def test_dropout_takes_a_numpy_probability() -> None:
    assert nn.Dropout(np.float64(0.5)).p == 0.5


def test_losses_take_numpy_targets_and_integer_labels() -> None:
    logits = [[Value(1.0), Value(2.0), Value(0.5)], [Value(0.1), Value(0.2), Value(3.0)]]
    with_ints = nn.cross_entropy(logits, [1, 2]).data
    assert nn.cross_entropy(logits, np.array([1, 2])).data == with_ints
    assert nn.cross_entropy(logits, [np.int64(1), np.int32(2)]).data == with_ints
    scores = [Value(0.3), Value(-1.2)]
    assert nn.hinge(scores, np.array([1, -1])).data == nn.hinge(scores, [1, -1]).data
    assert nn.mse(scores, np.array([0.5, 0.0])).data == nn.mse(scores, [0.5, 0.0]).data
    bce = nn.binary_cross_entropy(scores, np.array([1.0, 0.0])).data
    assert bce == nn.binary_cross_entropy(scores, [1.0, 0.0]).data


def test_accuracy_takes_numpy_labels() -> None:
    assert nn.accuracy([Value(1.0), Value(-1.0)], np.array([1, 0])) == 1.0


def test_a_numpy_scalar_times_a_value_is_a_value() -> None:
    x = Value(3.0)
    for scalar in (np.float64(2.0), np.int64(2), np.float32(2.0)):
        for product in (scalar * x, x * scalar):
            assert type(product) is Value
            assert product.data == 6.0
    assert (np.float64(1.0) - x).data == -2.0
    assert (np.float64(6.0) / x).data == 2.0


def test_a_numpy_array_with_a_value_is_pythons_type_error() -> None:
    with pytest.raises(TypeError, match="Value"):
        np.array([1.0, 2.0]) * Value(3.0)


class NumpyCube(Function):
    @staticmethod
    def forward(x: float) -> float:
        return np.float64(x) ** 3

    @staticmethod
    def local_grads(x: float, out: float) -> tuple:
        return (np.float64(3.0) * x**2,)


def test_a_custom_rule_returning_numpy_scalars_gives_float_gradients() -> None:
    x = Value(2.0)
    y = NumpyCube.apply(x) * 2
    y.backward()
    assert (x.grad, type(x.grad)) == (24.0, float)
    assert all(type(node.grad) is float for node in autograd.topological_order(y))
    (g,) = autograd.grad(NumpyCube.apply(x), [x])
    assert (g, type(g)) == (12.0, float)
