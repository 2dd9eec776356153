"""``fit``: the training loop, for full-batch, mini-batch and stochastic gradient descent."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import autograd
from autograd import Value, checks, no_grad

from .module import Module
from .optim import Optimizer

Loss = Callable[[list, list], Value]


@dataclass
class History:
    """Per-epoch numbers from ``fit``: training loss and metric, and the same on the
    validation data when given; ``stopped_early`` says whether early stopping ended it."""

    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.loss)


def accuracy(predictions: Sequence[Any], targets: Sequence[Any]) -> float:
    """The fraction classified right. Several outputs are class scores (the largest wins);
    one output is a score or logit: > 0 means the label 1, anything else the other label
    (0 or -1)."""
    if len(predictions) != len(targets):
        raise ValueError(f"accuracy: {len(predictions)} predictions but {len(targets)} targets")
    if len(predictions) == 0:
        raise ValueError("accuracy: needs at least one prediction")
    right = 0
    for p, t in zip(predictions, targets, strict=True):
        outputs = [float(p)] if isinstance(p, (Value, Real)) else [float(v) for v in p]
        if len(outputs) > 1:
            right += max(range(len(outputs)), key=outputs.__getitem__) == t
        else:
            right += (outputs[0] > 0) == (t == 1)
    return float(right / len(targets))


def fit(
    model: Module,
    data: tuple[Sequence, Sequence],
    loss: Loss,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    val_data: tuple[Sequence, Sequence] | None = None,
    early_stopping: int | None = None,
    progress: bool = True,
    *,
    metric: Callable[[list, Sequence], float] | None = accuracy,
    penalty: Callable[[Module], Value] | None = None,
    seed: int | None = None,
    compile: bool = False,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``data = (X, y)`` and return the History.

    Each step: forward on a batch, ``loss(predictions, targets)`` (+ ``penalty(model)``),
    zero_grad, backward, ``optimizer.step()``. ``batch_size=None`` is full-batch gradient
    descent, 1 stochastic, k mini-batch (shuffled each epoch with ``seed``).
    ``early_stopping=n`` stops when the validation loss has not improved for n epochs and
    puts back the best parameters. ``metric`` (accuracy by default; None for regression)
    is recorded each epoch: on the training batches as they were predicted, and on
    ``val_data`` after the epoch. ``progress`` shows a tqdm bar.

    ``compile=True`` traces the model and the loss of one sample once (``autograd.compile``)
    and evaluates each batch in one NumPy replay: the same History to about 1e-12, many
    times faster. The metric then receives the predictions as NumPy arrays. A model whose
    structure depends on its values, or with dropout in training, cannot be compiled.
    """
    X, y = data
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"fit: need as many targets as inputs, at least one: {len(X)}, {len(y)}")
    epochs = checks.integer(epochs, "fit", "epochs", low=1)
    if batch_size is not None:
        batch_size = checks.integer(batch_size, "fit", "batch_size", low=1)
    if early_stopping is not None:
        early_stopping = checks.integer(early_stopping, "fit", "early_stopping", low=1)
        if val_data is None:
            raise ValueError("fit: early_stopping needs val_data to watch")
    run = _Compiled(model, loss) if compile else _Eager(model, loss)
    rng = random.Random(seed)
    size = batch_size or len(X)
    history = History()
    best: tuple[float, dict[str, float]] | None = None
    waited = 0
    bar = _progress(epochs, progress)
    order = list(range(len(X)))
    for _ in bar:
        model.train()
        if size < len(X):
            rng.shuffle(order)
        total, right = 0.0, 0.0
        for start in range(0, len(X), size):
            batch = order[start : start + size]
            value, predictions, targets = run.batch(X, y, batch)
            if penalty is not None:
                value = value + penalty(model)
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
            total += value.data * len(batch)
            if metric is not None:  # on the batch as it was predicted, before the step
                right += metric(predictions, targets) * len(batch)
        history.loss.append(total / len(X))
        if metric is not None:
            history.metric.append(right / len(X))
        if val_data is not None:
            val_loss, val_metric = run.evaluate(val_data, metric)
            history.val_loss.append(val_loss)
            if metric is not None:
                history.val_metric.append(val_metric)
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{history.loss[-1]:.4g}")
        if early_stopping is not None:
            if best is None or history.val_loss[-1] < best[0]:
                best, waited = (history.val_loss[-1], model.state_dict()), 0
            else:
                waited += 1
                if waited >= early_stopping:
                    history.stopped_early = True
                    break
    if best is not None:
        model.load_state_dict(best[1])
    model.train()
    return history


class _Eager:
    """fit's batches, as a graph of Values per sample."""

    def __init__(self, model: Module, loss: Loss) -> None:
        self.model, self.loss = model, loss

    def batch(self, X: Sequence, y: Sequence, batch: list[int]) -> tuple:
        predictions = [self.model(X[i]) for i in batch]
        targets = [y[i] for i in batch]
        return self.loss(predictions, targets), predictions, targets

    def evaluate(
        self, data: tuple[Sequence, Sequence], metric: Callable | None
    ) -> tuple[float, float]:
        """The loss and metric on ``data``, in eval mode and without recording a graph."""
        X, y = data
        self.model.eval()
        with no_grad():
            predictions = [self.model(x) for x in X]
            value = self.loss(predictions, list(y)).data
            score = metric(predictions, list(y)) if metric is not None else float("nan")
        self.model.train()
        return value, score


class _Compiled:
    """fit's batches, as one NumPy replay each of the traced loss of one sample, with the
    model's outputs alongside for the metric."""

    def __init__(self, model: Module, loss: Loss) -> None:
        def sample_loss(x: list[Value], target: Value) -> list[Value]:
            outputs = model(x)
            outputs = [outputs] if isinstance(outputs, Value) else list(outputs)
            return [loss([outputs], [target]), *outputs]

        self.model = model
        self.step = autograd.compile(sample_loss, has_aux=True)
        self._arrays: dict[int, Any] = {}

    def _array(self, values: Sequence) -> Any:
        """``values`` as a NumPy array, converted once per data set."""
        key = id(values)
        if key not in self._arrays:
            import numpy

            self._arrays[key] = (values, numpy.asarray(values, dtype=numpy.float64))
        return self._arrays[key][1]

    def batch(self, X: Sequence, y: Sequence, batch: list[int]) -> tuple:
        targets = self._array(y)[batch]
        value, predictions = self.step(self._array(X)[batch], targets)
        return value, predictions, targets

    def evaluate(
        self, data: tuple[Sequence, Sequence], metric: Callable | None
    ) -> tuple[float, float]:
        targets = self._array(data[1])
        self.model.eval()
        results = self.step.map(self._array(data[0]), targets)
        self.model.train()
        predictions = results[:, 1] if results.shape[1] == 2 else results[:, 1:]
        value = float(results[:, 0].mean())
        return value, metric(predictions, targets) if metric is not None else float("nan")


def _progress(n: int, show: bool, desc: str = "epochs") -> Any:
    """range(n), with a tqdm progress bar when ``show``."""
    if not show:
        return range(n)
    from tqdm.auto import tqdm

    return tqdm(range(n), desc=desc, leave=False)
