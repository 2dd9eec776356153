"""fit (full-batch, mini-batch, stochastic, validation, early stopping) and the data sets."""

from __future__ import annotations

import math

import pytest

import autograd
import nn
from nn import datasets


def line_data() -> tuple[list[list[float]], list[float]]:
    X = [[i / 10] for i in range(-10, 11)]
    return X, [2 * x - 1 for (x,) in X]


@pytest.mark.parametrize("batch_size", [None, 5, 1])
def test_fit_learns_a_line_in_every_batch_mode(batch_size: int | None) -> None:
    model = nn.Neuron(1, "linear", seed=0)
    history = nn.fit(
        model,
        line_data(),
        nn.mse,
        nn.SGD(model.parameters(), lr=0.1),
        300,
        batch_size=batch_size,
        metric=None,
        progress=False,
        seed=0,
    )
    assert history.epochs == 300
    assert history.loss[-1] < 1e-6 < history.loss[0]
    assert model.w[0].data == pytest.approx(2.0, abs=1e-3)
    assert model.b.data == pytest.approx(-1.0, abs=1e-3)


def test_fit_is_deterministic_for_a_seed() -> None:
    runs = []
    for _ in range(2):
        model = nn.Neuron(1, "linear", seed=0)
        nn.fit(
            model,
            line_data(),
            nn.mse,
            nn.SGD(model.parameters(), lr=0.1),
            5,
            batch_size=3,
            metric=None,
            progress=False,
            seed=4,
        )
        runs.append(model.state_dict())
    assert runs[0] == runs[1]


def test_full_batch_fit_equals_the_explicit_loop() -> None:
    X, y = line_data()
    a, b = nn.Neuron(1, "tanh", seed=1), nn.Neuron(1, "tanh", seed=1)
    nn.fit(a, (X, y), nn.mse, nn.SGD(a.parameters(), lr=0.2), 10, metric=None, progress=False)
    opt = nn.SGD(b.parameters(), lr=0.2)
    for _ in range(10):
        loss = nn.mse([b(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert a.state_dict() == b.state_dict()


def test_history_records_validation_and_early_stopping_restores_the_best() -> None:
    X, y = datasets.moons(60, noise=0.3, seed=1)
    X_val, y_val = datasets.moons(60, noise=0.3, seed=2)
    model = nn.MLP(2, [16, 1], seed=0)
    history = nn.fit(
        model,
        (X, y),
        nn.binary_cross_entropy,
        nn.Adam(model.parameters(), lr=0.3),
        200,
        val_data=(X_val, y_val),
        early_stopping=3,
        progress=False,
    )
    assert history.stopped_early
    assert len(history.val_loss) == len(history.val_metric) == history.epochs < 200
    best = min(history.val_loss)
    with autograd.no_grad():
        now = nn.binary_cross_entropy([model(x) for x in X_val], y_val).data
    assert now == pytest.approx(best, rel=1e-12)
    assert 0.5 < history.val_metric[-1] <= 1.0


def test_fit_shows_a_tqdm_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    model = nn.Neuron(1, "linear", seed=0)
    nn.fit(model, line_data(), nn.mse, nn.SGD(model.parameters(), lr=0.1), 3, metric=None)
    assert "epochs" in capsys.readouterr().err


def test_accuracy_reads_scores_logits_and_labels() -> None:
    assert nn.accuracy([[0.1, 0.7, 0.2], [0.9, 0.0, 0.1]], [1, 2]) == 0.5
    assert nn.accuracy([0.3, -0.2, 0.5], [1, -1, -1]) == pytest.approx(2 / 3)
    assert nn.accuracy([[0.3], [-0.2]], [1, 0]) == 1.0


def test_accuracy_of_nothing_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="accuracy: needs at least one prediction"):
        nn.accuracy([], [])
    with pytest.raises(ValueError, match="accuracy: 2 predictions but 1 targets"):
        nn.accuracy([1.0, 2.0], [1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "fit: epochs must be >= 1, got 0"),
        ({"epochs": 1, "batch_size": 0}, "fit: batch_size must be >= 1, got 0"),
        ({"epochs": 1, "early_stopping": 2}, "early_stopping needs val_data"),
    ],
)
def test_bad_fit_arguments(kwargs: dict, message: str) -> None:
    model = nn.Neuron(1, "linear", seed=0)
    with pytest.raises(ValueError, match=message):
        nn.fit(
            model, line_data(), nn.mse, nn.SGD(model.parameters(), lr=0.1), progress=False, **kwargs
        )


def test_moons_are_two_seeded_half_circles() -> None:
    X, y = datasets.moons(100, noise=0.0, seed=3)
    assert (len(X), sorted(set(y)), y.count(0)) == (100, [0, 1], 50)
    for (a, b), label in zip(X, y, strict=True):
        centre = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(a - centre[0], b - centre[1]) == pytest.approx(1.0)
    assert datasets.moons(100, 0.1, seed=3) == datasets.moons(100, 0.1, seed=3)
    assert datasets.moons(100, 0.1, seed=3) != datasets.moons(100, 0.1, seed=4)


def test_logic_gates_truth_tables() -> None:
    assert datasets.logic_gate("XOR") == ([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0])
    assert datasets.logic_gate("not") == ([[0.0], [1.0]], [1, 0])
    with pytest.raises(ValueError, match="unknown gate 'xnor'"):
        datasets.logic_gate("xnor")


def test_curve_targets() -> None:
    X, y = datasets.relu_pieces_curve(n=9)
    assert [x for (x,) in X] == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert y == [-5, -5, -4, -3, -2, 2, 6, 8, 10]
    X, y = datasets.sine_curve(n=3)
    assert y == pytest.approx([0.0, 0.0, 0.0], abs=1e-15)


def test_digits_are_the_shipped_1797_images() -> None:
    X, y = datasets.digits()
    assert (len(X), len(X[0]), len(y)) == (1797, 64, 1797)
    assert [y.count(d) for d in range(10)] == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert min(min(row) for row in X) == 0.0
    assert max(max(row) for row in X) == 1.0
    assert X[0][:8] == [0, 0, 5 / 16, 13 / 16, 9 / 16, 1 / 16, 0, 0]


def test_train_test_split_is_a_seeded_partition() -> None:
    X = [[i] for i in range(10)]
    y = list(range(10))
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, 0.3, seed=0)
    assert (len(X_train), len(X_test)) == (7, 3)
    assert sorted(y_train + y_test) == y
    assert [x for (x,) in X_test] == y_test
    assert datasets.train_test_split(X, y, 0.3, seed=0) == (X_train, X_test, y_train, y_test)


def test_data_set_functions_refuse_the_wrong_kind_of_argument() -> None:
    with pytest.raises(TypeError, match="logic_gate: name must be a str, got list"):
        datasets.logic_gate(["xor"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="train_test_split: X must be a sequence"):
        datasets.train_test_split({0: [1.0], 1: [2.0]}, [0, 1])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="train_test_split: y must be a sequence"):
        datasets.train_test_split([[1.0], [2.0]], {0, 1})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="moons: noise must be a real number, got complex"):
        datasets.moons(10, noise=1j)  # type: ignore[arg-type]
