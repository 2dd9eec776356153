"""fit(compile=True) and the compiled cases give eager's History, to 1e-12 relative."""

from __future__ import annotations

import math

import pytest

import nn
from nn import cases


def same(ours: list[float], theirs: list[float], rel: float = 1e-12) -> bool:
    return len(ours) == len(theirs) and all(
        math.isclose(a, b, rel_tol=rel, abs_tol=1e-15) for a, b in zip(ours, theirs, strict=True)
    )


def assert_same_history(ours: nn.History, theirs: nn.History) -> None:
    for field in ("loss", "metric", "val_loss", "val_metric"):
        assert same(getattr(ours, field), getattr(theirs, field)), field
    assert ours.stopped_early == theirs.stopped_early


def test_compiled_moons_fit_with_a_penalty_gives_eagers_history() -> None:
    X, labels = nn.datasets.moons(100, noise=0.1, seed=1337)
    y = [2 * label - 1 for label in labels]

    def train(compile: bool) -> tuple[nn.History, nn.MLP]:
        model = cases.moons_model(1337)
        history = nn.fit(
            model,
            (X, y),
            nn.hinge,
            nn.SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100),
            epochs=8,
            penalty=lambda m: 1e-4 * nn.l2_penalty(m.parameters()),
            progress=False,
            compile=compile,
        )
        return history, model

    (eager, eager_model), (compiled, compiled_model) = train(False), train(True)
    assert_same_history(compiled, eager)
    assert same(
        [p.data for p in compiled_model.parameters()],
        [p.data for p in eager_model.parameters()],
        1e-11,
    )


def test_compiled_moons_case_gives_eagers_losses_and_accuracies() -> None:
    eager = cases.two_moons(steps=8)
    compiled = cases.two_moons(steps=8, compile=True)
    assert same(compiled.losses, eager.losses)
    assert compiled.accuracies == eager.accuracies


def test_compiled_digits_epoch_with_integer_labels_gives_eagers_history() -> None:
    eager = cases.handwritten_digits(epochs=1)
    compiled = cases.handwritten_digits(epochs=1, compile=True)
    assert_same_history(compiled.history, eager.history)
    assert compiled.confusion == eager.confusion


def test_compiled_fit_with_early_stopping_and_minibatches_gives_eagers_history() -> None:
    X, y = nn.datasets.moons(60, noise=0.2, seed=3)
    X_train, X_val, y_train, y_val = nn.datasets.train_test_split(X, y, 0.3, seed=1)

    def train(compile: bool) -> nn.History:
        model = nn.MLP(2, [8, 1], activation="tanh", init="xavier", seed=2)
        return nn.fit(
            model,
            (X_train, y_train),
            nn.binary_cross_entropy,
            nn.Adam(model.parameters(), lr=0.05),
            epochs=12,
            batch_size=7,
            val_data=(X_val, y_val),
            early_stopping=2,
            progress=False,
            seed=4,
            compile=compile,
        )

    assert_same_history(train(True), train(False))


def test_a_model_with_dropout_cannot_be_fitted_compiled() -> None:
    model = nn.MLP(2, [4, 1], dropout=0.5, seed=0)
    X, y = nn.datasets.logic_gate("xor")
    with pytest.raises(TypeError, match="Dropout: a compiled function is traced once"):
        nn.fit(
            model,
            (X, y),
            nn.mse,
            nn.SGD(model.parameters(), lr=0.1),
            1,
            progress=False,
            compile=True,
        )


@pytest.mark.parametrize(
    ("loss", "targets", "message"),
    [
        (
            nn.hinge,
            lambda y: [(t + 1) // 2 for t in y],
            r"hinge: labels must be -1 or \+1, got 0.0",
        ),
        (
            nn.binary_cross_entropy,
            lambda y: [5.0] * len(y),
            r"a target must be in \[0, 1\], got 5.0",
        ),
        (nn.binary_cross_entropy, lambda y: [0.5] * (len(y) - 1) + [5.0], "got 5.0 .sample"),
    ],
)
def test_compiled_training_checks_every_target_as_eager_does(loss, targets, message: str) -> None:
    X, labels = nn.datasets.moons(20, noise=0.1, seed=1)
    y = targets([2 * label - 1 for label in labels])
    for compile in (False, True):
        model = nn.MLP(2, [4, 1], seed=0)
        with pytest.raises(ValueError, match=message if compile else message.split(" .sample")[0]):
            nn.fit(
                model,
                (X, y),
                loss,
                nn.SGD(model.parameters(), lr=0.1),
                1,
                progress=False,
                compile=compile,
            )
