"""The 784-30-10 network on the 28×28 digits: training on arrays equals training on lists,
eager equals compiled, and the case reaches its accuracy without the data as Python floats."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import autograd
import nn
from nn import cases, datasets


def _train(X: object, y: object, compile: bool) -> tuple[np.ndarray, np.ndarray]:
    """Four steps of the case's network and optimizer (two epochs of two batches): the
    losses and every parameter after them."""
    model = nn.MLP(784, [30, 10], activation="relu", init="he", seed=0)
    history = nn.fit(
        model,
        (X, y),
        nn.cross_entropy,
        nn.Adam(model.parameters(), lr=0.01),
        epochs=2,
        batch_size=10,
        seed=0,
        progress=False,
        compile=compile,
    )
    return np.array(history.loss), np.array([p.data for p in model.parameters()])


@pytest.fixture(scope="module")
def twenty_digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = datasets.mnist()
    return X[::250], y[::250]  # two of each digit


def test_compiled_training_on_arrays_equals_training_on_the_same_lists(
    twenty_digits: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = twenty_digits
    losses, params = _train(X, y, compile=True)
    list_losses, list_params = _train(X.tolist(), y.tolist(), compile=True)
    np.testing.assert_allclose(losses, list_losses, rtol=0, atol=1e-12)
    np.testing.assert_allclose(params, list_params, rtol=0, atol=1e-12)
    assert not np.allclose(params, _train(X, y[::-1].copy(), compile=True)[1])  # not inert


def test_eager_and_compiled_training_match_on_twenty_digits(
    twenty_digits: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = twenty_digits
    losses, params = _train(X, y, compile=True)
    eager_losses, eager_params = _train(X, y, compile=False)
    np.testing.assert_allclose(losses, eager_losses, rtol=0, atol=1e-12)
    np.testing.assert_allclose(params, eager_params, rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def trained() -> tuple[cases.Mnist, int]:
    """The default case, run once, with the peak of the memory Python allocates meanwhile
    (NumPy's arrays included)."""
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        result = cases.mnist()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not already:
            tracemalloc.stop()
    return result, peak


def test_mnist_case_reaches_88_percent_on_the_held_out_digits(
    trained: tuple[cases.Mnist, int],
) -> None:
    mnist, _ = trained
    assert mnist.history.epochs == 3
    assert mnist.test_accuracy >= 0.88
    assert mnist.history.loss[-1] < mnist.history.loss[0]


def test_mnist_confusion_counts_the_1000_held_out_predictions(
    trained: tuple[cases.Mnist, int],
) -> None:
    mnist, _ = trained
    assert mnist.X_test.shape == (1000, 784)
    assert mnist.confusion.sum(axis=1).tolist() == [100] * 10
    expected = [[0] * 10 for _ in range(10)]
    for digit, predicted in zip(mnist.y_test.tolist(), mnist.predictions.tolist(), strict=True):
        expected[digit][predicted] += 1
    assert mnist.confusion.tolist() == expected
    assert np.trace(mnist.confusion) == round(1000 * mnist.test_accuracy)
    with autograd.no_grad():  # the bulk predictions are the eager model's, image by image
        for x, predicted in zip(mnist.X_test[:5], mnist.predictions[:5], strict=True):
            scores = [s.data for s in mnist.model(x)]
            assert scores.index(max(scores)) == predicted


def test_mnist_case_never_holds_the_data_as_python_floats(
    trained: tuple[cases.Mnist, int],
) -> None:
    mnist, peak = trained
    assert isinstance(mnist.X_test, np.ndarray)
    assert mnist.X_test.dtype == np.float64
    # The arrays take 30 MiB (all 5,000 images) + 24 + 6 MiB (the two parts); the same
    # pixels as lists of Python floats would add 120 MiB by themselves.
    assert peak < 110 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_demo_draws_the_held_out_digits_with_wrong_ones_in_red_and_the_hidden_units(
    trained: tuple[cases.Mnist, int], tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    from nn import demo

    mnist, _ = trained
    plt = demo._pyplot()
    demo._mnist_predictions(plt, tmp_path / "predictions.png", mnist)
    demo._mnist_hidden_units(plt, tmp_path / "hidden.png", mnist.model)
    red = np.array([0xD6, 0x27, 0x28]) / 255  # matplotlib's C3, the colour of a wrong label
    wrong_shown = int((mnist.predictions[:50] != mnist.y_test[:50]).sum())
    assert wrong_shown > 0
    pixels = imread(tmp_path / "predictions.png")[..., :3]
    assert (np.abs(pixels - red).max(axis=-1) < 0.02).sum() > 100 * wrong_shown
    right_only = cases.Mnist(**{**vars(mnist), "predictions": mnist.y_test})
    demo._mnist_predictions(plt, tmp_path / "all_right.png", right_only, rows=1)
    pixels = imread(tmp_path / "all_right.png")[..., :3]
    assert (np.abs(pixels - red).max(axis=-1) < 0.02).sum() == 0
    assert imread(tmp_path / "hidden.png").shape[:2] == (430, 1000)
