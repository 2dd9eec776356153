"""``fit``: the training loop, for full-batch, mini-batch and stochastic gradient descent."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import TYPE_CHECKING, Any, TypeAlias

from autograd import Value, checks, no_grad

from .module import Module
from .optim import Optimizer

if TYPE_CHECKING:
    from numpy.typing import NDArray

Data: TypeAlias = "Sequence[Any] | NDArray[Any]"
"""Inputs or targets, one entry per sample: a list (a tuple…) or a NumPy array."""
Loss = Callable[[list[Any], list[Any]], Value]
"""A loss: ``loss(predictions, targets)``, a list of each (``nn.mse``, ``nn.cross_entropy``…)."""
Metric = Callable[[Any, Any], float]
"""A metric: ``metric(predictions, targets)``, lists, or NumPy arrays in compiled training."""


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


def accuracy(predictions: Data, targets: Data) -> float:
    """The fraction classified right. Several outputs are class scores (the largest wins);
    one output is a score or logit: > 0 means the label 1, anything else the other label
    (0 or -1). NumPy arrays of predictions (as compiled training gives) are scored in bulk."""
    if not hasattr(predictions, "ndim"):
        predictions = checks.sequence(predictions, "accuracy", "predictions")
    if not hasattr(targets, "ndim"):
        targets = checks.sequence(targets, "accuracy", "targets")
    if len(predictions) != len(targets):
        raise ValueError(f"accuracy: {len(predictions)} predictions but {len(targets)} targets")
    if len(predictions) == 0:
        raise ValueError("accuracy: needs at least one prediction")
    if hasattr(predictions, "ndim") and predictions.ndim in (1, 2):
        import numpy

        scores = numpy.asarray(predictions)  # an array as it is
        labels = numpy.asarray(targets)
        if scores.ndim == 2 and scores.shape[1] > 1:
            right = numpy.argmax(scores, axis=1) == labels
        else:
            right = (scores.reshape(len(labels)) > 0) == (labels == 1)
        return int(numpy.count_nonzero(right)) / len(labels)
    right = 0
    for i, (p, t) in enumerate(zip(predictions, targets, strict=True)):
        if isinstance(p, (Value, Real)):
            outputs = [float(p)]
        else:
            outputs = [float(v) for v in checks.sequence(p, "accuracy", f"predictions[{i}]")]
        label = checks.real(t, "accuracy", f"targets[{i}]")
        if len(outputs) > 1:
            right += max(range(len(outputs)), key=outputs.__getitem__) == label
        else:
            right += (outputs[0] > 0) == (label == 1)
    return float(right / len(targets))


def fit(
    model: Module,
    data: tuple[Data, Data],
    loss: Loss,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    val_data: tuple[Data, Data] | None = None,
    early_stopping: int | None = None,
    progress: bool = True,
    *,
    metric: Metric | None = accuracy,
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
    ``val_data`` after the epoch. ``progress`` shows a tqdm bar. ``X`` and ``y`` may be
    lists or NumPy arrays.

    ``compile=True`` runs every step as NumPy on one array of the parameters
    (``nn.compile_step``'s machinery): the same History to about 1e-12, many times faster.
    The model's Values are written back at the end of every epoch, when early stopping puts
    the best parameters back, and when anything interrupts training (an error, Ctrl-C): they
    always hold the parameters after some completed step. The metric then receives the
    predictions as NumPy arrays. The loss must be a mean of per-sample losses (checked at
    the first step); a model whose structure depends on its values, or with dropout in
    training, cannot be compiled.
    """
    X, y = data
    for name, values in (("X", X), ("y", y)):
        if not hasattr(values, "ndim"):  # a NumPy array is a sequence of rows
            checks.sequence(values, "fit", name)
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"fit: need as many targets as inputs, at least one: {len(X)}, {len(y)}")
    epochs = checks.integer(epochs, "fit", "epochs", low=1)
    if batch_size is not None:
        batch_size = checks.integer(batch_size, "fit", "batch_size", low=1)
    if early_stopping is not None:
        early_stopping = checks.integer(early_stopping, "fit", "early_stopping", low=1)
        if val_data is None:
            raise ValueError("fit: early_stopping needs val_data to watch")
    run = _Compiled if compile else _Eager
    with run(model, loss, optimizer, penalty) as runner:
        return _epochs(
            runner,
            model,
            X,
            y,
            epochs,
            batch_size,
            val_data,
            early_stopping,
            progress,
            metric,
            seed,
        )


def _epochs(
    runner: _Eager | _Compiled,
    model: Module,
    X: Data,
    y: Data,
    epochs: int,
    batch_size: int | None,
    val_data: tuple[Data, Data] | None,
    early_stopping: int | None,
    progress: bool,
    metric: Metric | None,
    seed: int | None,
) -> History:
    """fit's loop, the same for eager and compiled runs."""
    rng = random.Random(seed)
    size = batch_size or len(X)
    history = History()
    best: tuple[float, Any] | None = None
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
            value, predictions, targets = runner.train(X, y, batch)
            total += value * len(batch)
            if metric is not None:  # on the batch as it was predicted, before the step
                right += metric(predictions, targets) * len(batch)
        runner.end_epoch()
        history.loss.append(total / len(X))
        if metric is not None:
            history.metric.append(right / len(X))
        if val_data is not None:
            val_loss, val_metric = runner.evaluate(val_data, metric)
            history.val_loss.append(val_loss)
            if metric is not None:
                history.val_metric.append(val_metric)
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{history.loss[-1]:.4g}")
        if early_stopping is not None:
            if best is None or history.val_loss[-1] < best[0]:
                best, waited = (history.val_loss[-1], runner.snapshot()), 0
            else:
                waited += 1
                if waited >= early_stopping:
                    history.stopped_early = True
                    break
    if best is not None:
        runner.restore(best[1])
    model.train()
    return history


class _Eager:
    """fit's steps, as a graph of Values per sample."""

    def __init__(
        self,
        model: Module,
        loss: Loss,
        optimizer: Optimizer,
        penalty: Callable[[Module], Value] | None,
    ) -> None:
        self.model, self.loss, self.optimizer, self.penalty = model, loss, optimizer, penalty

    def __enter__(self) -> _Eager:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def train(self, X: Data, y: Data, batch: list[int]) -> tuple[float, list[Any], list[Any]]:
        """One step on the samples ``batch``: the loss, the predictions and the targets."""
        predictions = [self.model(X[i]) for i in batch]
        targets = [y[i] for i in batch]
        value = self.loss(predictions, targets)
        if self.penalty is not None:
            value = value + self.penalty(self.model)
        self.optimizer.zero_grad()
        value.backward()
        self.optimizer.step()
        return value.data, predictions, targets

    def end_epoch(self) -> None:
        return None

    def snapshot(self) -> dict[str, float]:
        return self.model.state_dict()

    def restore(self, state: dict[str, float]) -> None:
        self.model.load_state_dict(state)

    def evaluate(self, data: tuple[Data, Data], metric: Metric | None) -> tuple[float, float]:
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
    """fit's steps, compiled: the parameters in one array for the whole run, every step
    NumPy (see nn.compiled). The Values are written back at each epoch's end, at the
    restore of early stopping's best, and on the way out, whatever ends the run."""

    def __init__(
        self,
        model: Module,
        loss: Loss,
        optimizer: Optimizer,
        penalty: Callable[[Module], Value] | None,
    ) -> None:
        from .compiled import _Trainer

        self.model = model
        self.trainer = _Trainer(model, loss, optimizer, penalty)
        self._converted: dict[int, tuple[Any, Any]] = {}

    def _arrays(self, values: Data) -> Any:
        """A data set of this run as a float64 array, converted once (fit owns its loop:
        nothing changes the data between its steps; the run's end frees them)."""
        key = id(values)
        if key not in self._converted:
            import numpy

            self._converted[key] = (values, numpy.asarray(values, dtype=numpy.float64))
        return self._converted[key][1]

    def __enter__(self) -> _Compiled:
        return self

    def __exit__(self, *exc: object) -> None:
        self.trainer.write()  # whatever ended the run: the last completed step

    def train(self, X: Data, y: Data, batch: list[int]) -> tuple[float, Any, Any]:
        X_all, y_all = self._arrays(X), self._arrays(y)
        targets = y_all[batch]
        value, outputs = self.trainer.step(X_all[batch], targets, _Picked(y, batch))
        return value, outputs, targets

    def end_epoch(self) -> None:
        self.trainer.write(grads=False)  # the gradients too, once, when the run ends

    def snapshot(self) -> Any:
        return self.trainer.theta.copy()

    def restore(self, theta: Any) -> None:
        self.trainer.theta = theta
        self.trainer.write()

    def evaluate(self, data: tuple[Data, Data], metric: Metric | None) -> tuple[float, float]:
        X, y = self._arrays(data[0]), self._arrays(data[1])
        value, predictions = self.trainer.evaluate(X, y)
        return value, metric(predictions, y) if metric is not None else float("nan")


class _Picked:
    """``values[batch[i]]`` for each i: a batch's targets as the caller gave them, read only
    where needed (the check of the loss reads three)."""

    __slots__ = ("batch", "values")

    def __init__(self, values: Data, batch: list[int]) -> None:
        self.values, self.batch = values, batch

    def __getitem__(self, i: int) -> Any:
        return self.values[self.batch[i]]

    def __len__(self) -> int:
        return len(self.batch)


def _progress(n: int, show: bool, desc: str = "epochs") -> Any:
    """range(n), with progress shown on stderr when ``show``: a tqdm bar in a terminal or a
    notebook; in a log (stderr a file or a pipe, as in CI) a plain line at each quarter of
    the run, since a bar redrawn at every step would write a line per step there."""
    if not show:
        return range(n)
    import sys

    # A notebook's stderr is its kernel's stream (ipykernel's): not a terminal, yet it redraws
    # a bar in place. Asked of the stream itself, not of what some code happened to import.
    in_notebook = type(sys.stderr).__module__.partition(".")[0] == "ipykernel"
    if not sys.stderr.isatty() and not in_notebook:
        return _LogLines(n, desc)
    from tqdm.auto import tqdm

    return tqdm(range(n), desc=desc, leave=False)


class _LogLines:
    """range(n) that writes ``desc: done/n (seconds), postfix`` to stderr after each quarter of
    the steps; ``set_postfix`` is tqdm's, so a loop shows its latest loss the same way."""

    __slots__ = ("desc", "n", "postfix")

    def __init__(self, n: int, desc: str) -> None:
        self.n, self.desc, self.postfix = n, desc, ""

    def set_postfix(self, **values: object) -> None:
        self.postfix = ", ".join(f"{name}={value}" for name, value in values.items())

    def __iter__(self) -> Iterator[int]:
        import sys
        import time

        reported = {max(1, round(self.n * quarter / 4)) for quarter in (1, 2, 3, 4)}
        start = time.perf_counter()
        for step in range(self.n):
            yield step
            if step + 1 in reported:  # the step's body has run: its postfix is set
                line = f"{self.desc}: {step + 1}/{self.n} ({time.perf_counter() - start:.1f} s)"
                sys.stdout.flush()  # in order with what the program printed, in a shared log
                print(f"{line}, {self.postfix}" if self.postfix else line, file=sys.stderr)
