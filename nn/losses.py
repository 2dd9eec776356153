"""Losses (each the mean over the samples) and weight penalties.

Predictions are Values, or one-element lists such as a one-output model returns; targets
are numbers. ``cross_entropy`` takes one list of logits per sample and class indices.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import autograd
from autograd import Value

Prediction = Value | float | Sequence[Value]


def _scalar(p: Prediction) -> Value | float:
    if isinstance(p, (list, tuple)):
        if len(p) != 1:
            raise ValueError(f"expected one output per sample, got {len(p)}")
        return p[0]
    return p


def _pairs(predictions: Sequence[Prediction], targets: Sequence[float], loss: str) -> list:
    if isinstance(predictions, Value):
        predictions, targets = [predictions], [targets]  # one sample
    if len(predictions) != len(targets):
        raise ValueError(f"{loss}: {len(predictions)} predictions but {len(targets)} targets")
    if not predictions:
        raise ValueError(f"{loss}: needs at least one sample")
    return [(_scalar(p), t) for p, t in zip(predictions, targets, strict=True)]


def mse(predictions: Sequence[Prediction], targets: Sequence[float]) -> Value:
    """Mean squared error: mean of (p - t)²; for regression."""
    return autograd.mean([(p - t) ** 2 for p, t in _pairs(predictions, targets, "mse")])


def mae(predictions: Sequence[Prediction], targets: Sequence[float]) -> Value:
    """Mean absolute error: mean of |p - t|; less swayed by outliers than mse."""
    return autograd.mean([abs(p - t) for p, t in _pairs(predictions, targets, "mae")])


def hinge(scores: Sequence[Prediction], labels: Sequence[float]) -> Value:
    """The SVM max-margin loss: mean of max(0, 1 - y·s), for labels y of -1 or +1."""
    pairs = _pairs(scores, labels, "hinge")
    for _, y in pairs:
        if y not in (-1, 1):
            raise ValueError(f"hinge: labels must be -1 or +1, got {y!r}")
    return autograd.mean([(1 + -y * s).relu() for s, y in pairs])


def binary_cross_entropy(logits: Sequence[Prediction], targets: Sequence[float]) -> Value:
    """Cross-entropy of sigmoid(z) against targets in [0, 1], from the logits z:
    softplus(z) - t·z, which equals -t·log σ(z) - (1 - t)·log(1 - σ(z)) and never overflows."""
    pairs = _pairs(logits, targets, "binary_cross_entropy")
    for _, t in pairs:
        if not 0 <= t <= 1:
            raise ValueError(f"binary_cross_entropy: targets must be in [0, 1], got {t!r}")
    return autograd.mean([_softplus(z) - t * z for z, t in pairs])


def _softplus(z: Value | float) -> Value:
    return z.softplus() if isinstance(z, Value) else Value(z).softplus()


def cross_entropy(logits: Sequence[Sequence[Value]], classes: Sequence[int]) -> Value:
    """Softmax cross-entropy: mean of -log softmax(z)[class], computed as a stable
    log_softmax. ``logits`` holds one list of scores per sample (one list alone is one sample)."""
    if logits and isinstance(logits[0], (Value, int, float)):
        logits, classes = [logits], [classes]  # type: ignore[list-item]
    if len(logits) != len(classes):
        raise ValueError(f"cross_entropy: {len(logits)} samples but {len(classes)} classes")
    if not logits:
        raise ValueError("cross_entropy: needs at least one sample")
    terms = []
    for row, c in zip(logits, classes, strict=True):
        if type(c) is not int or not 0 <= c < len(row):
            raise ValueError(f"cross_entropy: class must be an int in [0, {len(row)}), got {c!r}")
        terms.append(-autograd.log_softmax(row)[c])
    return autograd.mean(terms)


def l1_penalty(parameters: Iterable[Value]) -> Value:
    """Σ|p|: pushes weights to exactly zero (sparse models)."""
    return autograd.sum([abs(p) for p in parameters])


def l2_penalty(parameters: Iterable[Value]) -> Value:
    """Σp²: keeps weights small (weight decay)."""
    return autograd.sum([p * p for p in parameters])
