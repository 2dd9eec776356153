"""Losses (each the mean over the samples) and weight penalties.

Predictions are Values, or one-element lists such as a one-output model returns; targets
are numbers. ``cross_entropy`` takes one list of logits per sample and class indices.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Number, Real
from typing import TYPE_CHECKING, Any, TypeAlias

import autograd
from autograd import Function, Operand, Value, checks

if TYPE_CHECKING:
    from numpy.typing import NDArray

Prediction = Value | float | Sequence[Value]
"""One sample's prediction: a Value (or a number), or a one-output model's list of one."""
Targets: TypeAlias = "Sequence[float | Value] | NDArray[Any]"
"""One target per sample: numbers (a list, a NumPy array…), or Values (see below)."""
Classes: TypeAlias = "Sequence[int | Value] | NDArray[Any]"
"""One class index per sample: ints (a list, a NumPy array…), or Values."""

# Targets are numbers, checked here, or Values: inputs of a compiled function, whose values
# are not known until it runs; a loss's own check of them is then an op (``HingeLabel``,
# ``Probability``), which the compiled function runs on the whole batch.


def _scalar(p: Prediction, loss: str, i: int) -> Value | float:
    """One sample's prediction: a Value or a number, or a sequence of exactly one."""
    if isinstance(p, Value):
        return p
    if isinstance(p, Number):  # a real number, or a complex one: refused by checks.real
        return checks.real(p, loss, f"predictions[{i}]")
    outputs = checks.sequence(p, loss, f"predictions[{i}]")
    if len(outputs) != 1:
        raise ValueError(f"{loss}: expected one output per sample, got {len(outputs)}")
    (item,) = outputs
    return item if isinstance(item, Value) else checks.real(item, loss, f"predictions[{i}]")


def _pairs(
    predictions: object, targets: object, loss: str
) -> list[tuple[Value | float, Value | float]]:
    if isinstance(predictions, Value):
        predictions, targets = [predictions], [targets]  # one sample
    predictions = checks.sequence(predictions, loss, "predictions")
    targets = checks.sequence(targets, loss, "targets")
    if len(predictions) != len(targets):
        raise ValueError(f"{loss}: {len(predictions)} predictions but {len(targets)} targets")
    if len(predictions) == 0:
        raise ValueError(f"{loss}: needs at least one sample")
    return [
        (_scalar(p, loss, i), t if isinstance(t, Value) else checks.real(t, loss, "a target"))
        for i, (p, t) in enumerate(zip(predictions, targets, strict=True))
    ]


def mse(predictions: Sequence[Prediction], targets: Targets) -> Value:
    """Mean squared error: mean of (p - t)²; for regression."""
    return autograd.mean([(p - t) ** 2 for p, t in _pairs(predictions, targets, "mse")])


def mae(predictions: Sequence[Prediction], targets: Targets) -> Value:
    """Mean absolute error: mean of |p - t|; less swayed by outliers than mse."""
    pairs = _pairs(predictions, targets, "mae")
    # mypy types abs() of a Value or a float as object (it joins the two): the terms are both.
    return autograd.mean([abs(p - t) for p, t in pairs])  # type: ignore[misc]


class HingeLabel(Function):
    """A hinge loss's label, -1 or +1, checked and passed on: numbers are checked here, and
    a label that is a compiled function's input is checked by the same rule for the whole
    batch, sample by sample.    d/dy = 1"""

    name = "hinge_label"

    @staticmethod
    def forward(y: Any) -> Any:
        autograd.require(abs(y) == 1.0, ValueError, "hinge: labels must be -1 or +1, got {!r}", y)
        return y

    @staticmethod
    def local_grads(y: Any, out: Any) -> tuple[Any, ...]:
        return (1.0,)


class Probability(Function):
    """A target of the binary cross-entropy, checked to lie in [0, 1] and passed on (see
    ``HingeLabel``).    d/dt = 1"""

    name = "probability"

    @staticmethod
    def forward(t: Any) -> Any:
        autograd.require(
            (t >= 0.0) & (t <= 1.0),
            ValueError,
            "binary_cross_entropy: a target must be in [0, 1], got {!r}",
            t,
        )
        return t

    @staticmethod
    def local_grads(t: Any, out: Any) -> tuple[Any, ...]:
        return (1.0,)


def _checked(check: type[Function], target: Value | float) -> Value | float:
    """A target through its check: the op itself for a Value (recorded, so that a compiled
    function checks every sample), its rule alone for a number."""
    return check.apply(target) if isinstance(target, Value) else check.forward(target)


def hinge(scores: Sequence[Prediction], labels: Targets) -> Value:
    """The SVM max-margin loss: mean of max(0, 1 - y·s), for labels y of -1 or +1."""
    pairs = _pairs(scores, labels, "hinge")
    return autograd.mean([_relu(1 + -_checked(HingeLabel, y) * s) for s, y in pairs])


def binary_cross_entropy(logits: Sequence[Prediction], targets: Targets) -> Value:
    """Cross-entropy of sigmoid(z) against targets in [0, 1], from the logits z:
    softplus(z) - t·z, which equals -t·log σ(z) - (1 - t)·log(1 - σ(z)) and never overflows."""
    pairs = _pairs(logits, targets, "binary_cross_entropy")
    return autograd.mean([_softplus(z) - _checked(Probability, t) * z for z, t in pairs])


def _relu(z: Value | float) -> Value:
    return z.relu() if isinstance(z, Value) else Value(z).relu()


def _softplus(z: Value | float) -> Value:
    return z.softplus() if isinstance(z, Value) else Value(z).softplus()


def cross_entropy(
    logits: Sequence[Sequence[Operand]] | Sequence[Operand], classes: Classes | int | Value
) -> Value:
    """Softmax cross-entropy: mean of -log softmax(z)[c] = log Σⱼ e^(zⱼ - z_c), one node per
    sample, exact for any finite logits. ``logits`` holds one list of scores per sample (one
    list alone is one sample); ``classes`` the right class of each, an int (or a Value)."""
    rows = checks.sequence(logits, "cross_entropy", "logits")
    if len(rows) and isinstance(rows[0], (Value, Real)):
        rows, labels = [rows], [classes]  # one sample
    else:
        labels = checks.sequence(classes, "cross_entropy", "classes")
    if len(rows) != len(labels):
        raise ValueError(f"cross_entropy: {len(rows)} samples but {len(labels)} classes")
    if len(rows) == 0:
        raise ValueError("cross_entropy: needs at least one sample")
    terms = []
    for row, c in zip(rows, labels, strict=True):
        if isinstance(c, Value):
            right = autograd.take(row, c)
        else:
            right = row[checks.integer(c, "cross_entropy", "a class", low=0, high=len(row) - 1)]
        terms.append(autograd.logsumexp(row, shift=right))
    return autograd.mean(terms)


def l1_penalty(parameters: Iterable[Value]) -> Value:
    """Σ|p|: pushes weights to exactly zero (sparse models)."""
    return autograd.sum([abs(p) for p in checks.sequence(parameters, "l1_penalty", "parameters")])


def l2_penalty(parameters: Iterable[Value]) -> Value:
    """Σp²: keeps weights small (weight decay). One node, Σ p·p as ``autograd.linear`` adds
    it (the same numbers as a sum of squares)."""
    weights = checks.sequence(parameters, "l2_penalty", "parameters")  # in order: not a set
    return autograd.linear(weights, weights)
