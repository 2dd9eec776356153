"""The worked reference cases (see REFERENCE_CASES in the project's shared notes), each a
function that computes its numbers with the engine and returns them with the model.

Every case is deterministic: the same seed gives the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import autograd
from autograd import Value

from . import datasets
from .compiled import compile_step
from .layers import MLP, Neuron
from .losses import binary_cross_entropy, cross_entropy, hinge, l2_penalty, mae, mse
from .optim import SGD, Adam
from .train import History, Loss, _progress, accuracy, fit

# a. The single-weight perceptron


@dataclass
class Perceptron:
    """One weight, output = input·w, squared error against the target -0.2."""

    output: float
    loss: float
    grad: float
    w_after_one_step: float
    output_after_one_step: float
    loss_after_one_step: float
    w_trained: float
    loss_trained: float
    losses: list[float]
    w: Value


def perceptron(
    x: float = 0.2, w: float = 0.4, target: float = -0.2, lr: float = 0.1, steps: int = 1000
) -> Perceptron:
    """Forward, backward and one gradient step by hand, then ``steps`` steps of SGD."""
    weight = Value(w, "w")
    optimizer = SGD([weight], lr=lr)

    def loss() -> Value:
        return (x * weight - target) ** 2

    first = loss()
    first.backward()
    output, grad = x * w, weight.grad
    optimizer.step()
    after = loss()
    w_after = weight.data
    losses = [first.data, after.data]
    for _ in range(steps - 1):
        optimizer.zero_grad()
        current = loss()
        current.backward()
        optimizer.step()
        losses.append(loss().data)
    return Perceptron(
        output,
        first.data,
        grad,
        w_after,
        x * w_after,
        after.data,
        weight.data,
        losses[-1],
        losses,
        weight,
    )


# b. Backpropagation by hand, and driving z = (2w + b)(b + 1) to 60 through b


def worked_example(w: float = 3.0, b: float = 4.0) -> dict[str, Value]:
    """z = (2w + b)(b + 1) with every node labelled, after backward()."""
    wv, bv = Value(w, "w"), Value(b, "b")
    x = 2 * wv + bv
    y = bv + 1
    z = x * y
    x.label, y.label, z.label = "x", "y", "z"
    z.backward()
    return {"w": wv, "b": bv, "x": x, "y": y, "z": z}


@dataclass
class DriveTo60:
    """b's path to z = 60 with the slope fixed at its first value, and with Newton's method."""

    fixed_slope: list[float]
    fixed_slope_z: list[float]
    newton: list[float]
    newton_z: list[float]


def drive_z_to_60(target: float = 60.0, steps: int = 4) -> DriveTo60:
    """Change b alone: b ← b + (target - z) / slope. With the slope fixed at ∂z/∂b = 15 from
    the start the path creeps in from both sides; with the true derivative each step (from
    ``autograd.grad``) it is Newton's method, converging quadratically."""

    def z_and_slope(b: float) -> tuple[float, float]:
        bv = Value(b, "b")
        z = (2 * 3.0 + bv) * (bv + 1)
        (slope,) = autograd.grad(z, [bv])
        return z.data, slope

    z0, slope0 = z_and_slope(4.0)
    paths: dict[str, tuple[list[float], list[float]]] = {}
    for method in ("fixed", "newton"):
        b, z = 4.0, z0
        bs, zs = [b], [z]
        for _ in range(steps):
            slope = slope0 if method == "fixed" else z_and_slope(b)[1]
            b += (target - z) / slope
            z = z_and_slope(b)[0]
            bs.append(b)
            zs.append(z)
        paths[method] = (bs, zs)
    return DriveTo60(*paths["fixed"], *paths["newton"])


# c. Gradient descent on a parabola


def parabola_descent(x0: float = 0.2, lr: float = 0.1, steps: int = 60) -> list[float]:
    """x ← x - lr·y'(x) on y = (x - 1)² + 0.001, with y' from backward(): the path of x."""
    x = Value(x0, "x")
    optimizer = SGD([x], lr=lr)
    path = [x.data]
    for _ in range(steps):
        optimizer.zero_grad()
        ((x - 1) ** 2 + 0.001).backward()
        optimizer.step()
        path.append(x.data)
    return path


# d. Curve fitting


@dataclass
class Fit:
    model: MLP
    history: History
    error: float  # the final mean absolute (ReLU pieces) or squared (sine) error
    X: list[list[float]] = field(repr=False)
    y: list[float] = field(repr=False)


def relu_pieces_by_hand() -> MLP:
    """The 1-3-1 ReLU network that is exactly R(x - 1) + 3R(x - 4) - 2R(x - 6) - 5: one hidden
    unit per bend (weight 1, bias -bend), output weights 1, 3, -2 and output bias -5."""
    model = MLP(1, [3, 1], activation="relu", seed=0)
    hidden, (out,) = model.layers[0].neurons, model.layers[1].neurons
    for neuron, bend in zip(hidden, (1.0, 4.0, 6.0), strict=True):
        neuron.w[0].data, neuron.b.data = 1.0, -bend
    for weight, scale in zip(out.w, (1.0, 3.0, -2.0), strict=True):
        weight.data = scale
    out.b.data = -5.0
    return model


def _fit_curve(
    model: MLP, data: datasets.Data, loss: Loss, lr: float, epochs: int, progress: bool
) -> Fit:
    X, y = data
    history = fit(
        model, (X, y), loss, Adam(model.parameters(), lr=lr), epochs, metric=None, progress=progress
    )
    with autograd.no_grad():
        error = loss([model(x) for x in X], y).data
    return Fit(model, history, error, X, y)


def relu_pieces_fit(epochs: int = 2500, seed: int = 3, progress: bool = False) -> Fit:
    """A 1-12-1 ReLU network trained from random (He) weights on the ReLU pieces at 17
    points, with x scaled to (x - 4) / 4 in [-1, 1] (zero biases put every initial bend at
    0, the middle of the data). Adam on the squared error, lr 0.05 then 0.005.

    Which seed matters: in this budget other seeds stop at mean absolute errors of 0.01 to
    0.26, with some units dead or bends misplaced (ReLU fits have such local minima).
    """
    X, y = datasets.relu_pieces_curve(n=17)
    scaled = [[(x - 4.0) / 4.0] for (x,) in X]
    model = MLP(1, [12, 1], activation="relu", init="he", seed=seed)
    optimizer = Adam(model.parameters(), lr=lambda k: 0.05 if k < 0.6 * epochs else 0.005)
    history = fit(model, (scaled, y), mse, optimizer, epochs, metric=None, progress=progress)
    with autograd.no_grad():
        error = mae([model(x) for x in scaled], y).data
    return Fit(model, history, error, scaled, y)


def sine_fit(epochs: int = 800, seed: int = 0, progress: bool = False) -> Fit:
    """A 1-10-1 tanh network fitted to sin(x) on [-π, π], on the mean squared error."""
    model = MLP(1, [10, 1], activation="tanh", init="xavier", seed=seed)
    return _fit_curve(model, datasets.sine_curve(), mse, 0.02, epochs, progress)


# e. Logic gates


@dataclass
class Gate:
    name: str
    model: Any
    accuracy: float
    history: History


def logic_gate(name: str, epochs: int = 400, seed: int = 0, progress: bool = False) -> Gate:
    """NOT, AND, OR (and NAND, NOR) with one sigmoid neuron; XOR with a hidden tanh layer.
    Trained on binary cross-entropy from the logit, so σ(output) is the probability of 1."""
    X, y = datasets.logic_gate(name)
    model: MLP | Neuron
    if name.lower() == "xor":
        model = MLP(2, [4, 1], activation="tanh", init="xavier", seed=seed)
        lr = 0.1
    else:
        model = Neuron(len(X[0]), "linear", seed=seed)
        lr = 0.5
    history = fit(
        model,
        (X, y),
        binary_cross_entropy,
        Adam(model.parameters(), lr=lr),
        epochs,
        progress=progress,
    )
    return Gate(name, model, history.metric[-1], history)


# f. Two moons, micrograd's demo


@dataclass
class Moons:
    model: MLP
    losses: list[float]
    accuracies: list[float]
    X: list[list[float]] = field(repr=False)
    y: list[int] = field(repr=False)


def moons_model(seed: int = 1337) -> MLP:
    """micrograd's demo network: 2-16-16-1, ReLU, U(-1, 1) weights in parameter order."""
    return MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=seed)


MOONS_L2 = 1e-4
"""The strength of micrograd's demo's L2 penalty, alpha·Σp²."""


def moons_loss(
    model: MLP, X: list[list[float]], y: list[int], alpha: float = MOONS_L2
) -> tuple[Value, float]:
    """micrograd's demo loss: the hinge loss of the scores plus alpha·Σp², and the accuracy."""
    scores = [model(x)[0] for x in X]
    data_loss = hinge(scores, y)
    return data_loss + alpha * l2_penalty(model.parameters()), accuracy(scores, y)


def compiled_moons_loss(model: MLP, alpha: float = MOONS_L2) -> autograd.CompiledFunction:
    """``moons_loss`` compiled: each sample's hinge term plus alpha·Σp² (their mean is the
    hinge loss plus the penalty), with the sample's score beside it for the accuracy."""
    params = model.parameters()

    def sample_loss(x: list[Value], label: Value) -> list[Value]:
        (score,) = model(x)
        return [(1 + -label * score).relu() + alpha * l2_penalty(params), score]

    return autograd.compile(sample_loss, has_aux=True)


def two_moons(
    steps: int = 100,
    seed: int = 1337,
    model: MLP | None = None,
    progress: bool = False,
    compile: bool = False,
) -> Moons:
    """micrograd's demo: full-batch SGD with lr = 1.0 - 0.9·k/100 on hinge + 1e-4·L2.
    ``compile=True`` runs each step as one compiled training step (``nn.compile_step``)."""
    X, labels = datasets.moons(100, noise=0.1, seed=seed)
    y = [2 * label - 1 for label in labels]  # -1 / +1 for the hinge loss
    model = model or moons_model(seed)
    optimizer = SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100)
    step = (
        compile_step(
            model, hinge, optimizer, penalty=lambda m: MOONS_L2 * l2_penalty(m.parameters())
        )
        if compile
        else None
    )
    losses, accuracies = [], []
    for _ in _progress(steps, progress, "two moons"):
        if step is None:
            loss, acc = moons_loss(model, X, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.data)
        else:
            value, scores = step(X, y)
            acc = accuracy(scores, y)
            losses.append(value)
        accuracies.append(acc)
    return Moons(model, losses, accuracies, X, y)


# g. Handwritten digits


@dataclass
class Digits:
    model: MLP
    history: History
    test_accuracy: float
    confusion: list[list[int]]


def handwritten_digits(
    epochs: int = 5,
    train_size: int = 1000,
    test_size: int = 400,
    seed: int = 0,
    progress: bool = False,
    compile: bool = False,
) -> Digits:
    """A 64-12-10 ReLU MLP on softmax cross-entropy, trained with Adam on mini-batches of
    ``train_size`` digits and scored on ``test_size`` held-out ones (``compile=True``: each
    batch as one NumPy replay)."""
    X, y = datasets.digits()
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        X, y, test_fraction=test_size / len(X), seed=seed
    )
    X_train, y_train = X_train[:train_size], y_train[:train_size]
    model = MLP(64, [12, 10], activation="relu", init="he", seed=seed)
    history = fit(
        model,
        (X_train, y_train),
        cross_entropy,
        Adam(model.parameters(), lr=0.01),
        epochs,
        batch_size=32,
        val_data=(X_test, y_test),
        progress=progress,
        seed=seed,
        compile=compile,
    )
    confusion = [[0] * 10 for _ in range(10)]
    with autograd.no_grad():
        for x, label in zip(X_test, y_test, strict=True):
            scores = [s.data for s in model(x)]
            confusion[label][max(range(10), key=scores.__getitem__)] += 1
    return Digits(model, history, history.val_metric[-1], confusion)


# h. Handwritten digits, 28×28: the classic 784-30-10 network


@dataclass
class Mnist:
    """The trained 784-30-10 network, its History, and its held-out accuracy and confusion
    matrix (a (10, 10) int array: row = true digit, column = predicted), with the held-out
    images, digits and predictions they come from."""

    model: MLP
    history: History
    test_accuracy: float
    confusion: Any
    X_test: Any = field(repr=False)
    y_test: Any = field(repr=False)
    predictions: Any = field(repr=False)


def mnist(epochs: int = 3, seed: int = 0, progress: bool = False, binarize: bool = False) -> Mnist:
    """The source material's network: 784 pixels → 30 ReLU units → 10 digit scores, on
    softmax cross-entropy, trained with ``fit(compile=True)`` (each batch one NumPy replay)
    on 4,000 of the 5,000 28×28 MNIST digits and scored on the other 1,000, 100 of each.

    Adam, lr 0.01, on batches of 200: 3 epochs (60 steps) reach 0.91 held out (0.89 to 0.92
    over seeds 0–9); plain SGD at lr 0.1 and batches of 100 needs 8 epochs for 0.89. Grey
    pixels (pixel/255) by default: binarized ones (``binarize=True``, the source material's
    0/1 input neurons) lose the strokes' soft edges and score about 0.01 lower.
    """
    import numpy

    X, y = datasets.mnist(binarize=binarize)
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        X, y, test_fraction=0.2, seed=seed, stratify=y
    )
    model = MLP(784, [30, 10], activation="relu", init="he", seed=seed)
    history = fit(
        model,
        (X_train, y_train),
        cross_entropy,
        Adam(model.parameters(), lr=0.01),
        epochs,
        batch_size=200,
        val_data=(X_test, y_test),
        progress=progress,
        seed=seed,
        compile=True,
    )
    scores = autograd.compile(model).map(X_test)  # (1000, 10): one replay for all of them
    predictions = scores.argmax(axis=1)
    confusion = numpy.bincount(10 * y_test + predictions, minlength=100).reshape(10, 10)
    return Mnist(model, history, history.val_metric[-1], confusion, X_test, y_test, predictions)
