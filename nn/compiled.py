"""Compiled training: a whole training step, forward, backward and the optimizer's update,
as NumPy on one array that holds every parameter.

An eager step builds a graph of Values for every sample, walks it back, then updates each
parameter in Python. ``compile_step`` traces the model and the loss of one sample once
(``autograd.compile``), and from then on a step is a few NumPy calls: the generated forward
and backward passes, and the optimizer's own update rule applied to the parameters array.
The Values stay the truth a user reads: ``compile_step`` writes them back after every step,
``fit(compile=True)`` at the end of every epoch, both in bulk.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Value

from .module import Module
from .optim import Optimizer, _packed

Loss = Callable[[list[Any], list[Any]], Value]

MEAN_CHECK = 1e-12
"""How closely a batch's loss must equal the mean of its samples' losses (see ``_Trainer``)."""


def _floats(values: Any) -> Any:
    """A batch as a float64 array: a float64 array as it is, anything else converted."""
    return np.asarray(values, dtype=np.float64)


class CompiledStep:
    """One training step of ``model`` on a batch, compiled: see ``compile_step``."""

    def __init__(
        self,
        model: Module,
        loss: Loss,
        optimizer: Optimizer,
        penalty: Callable[[Module], Value] | None = None,
    ) -> None:
        self._trainer = _Trainer(model, loss, optimizer, penalty)

    def __call__(self, X: Any, y: Any) -> tuple[float, Any]:
        """Train on the batch ``(X, y)``: the loss before the step and the model's outputs
        (an array: one row per sample, or one number per sample for one output). After it,
        every parameter's ``.data`` is the updated value and its ``.grad`` this step's
        gradient, as after ``zero_grad(); loss.backward(); optimizer.step()``."""
        trainer = self._trainer
        inputs, targets = _floats(X), _floats(y)  # the caller's arrays, as they are now
        # read: the Values may have been changed since the last step
        value, outputs = trainer.step(inputs, targets, y, read=True)
        trainer.write()
        return value, outputs

    @property
    def source(self) -> str:
        """The generated code of the forward and backward passes (after the first call)."""
        return self._trainer.compiled.source

    @property
    def compiled(self) -> autograd.CompiledFunction:
        """The compiled loss of one sample (with the model's outputs after it)."""
        return self._trainer.compiled


def compile_step(
    model: Module,
    loss: Loss,
    optimizer: Optimizer,
    *,
    penalty: Callable[[Module], Value] | None = None,
) -> CompiledStep:
    """The training step ``loss(model(X), y) (+ penalty(model))``, zero_grad, backward,
    ``optimizer.step()``, compiled into one call per batch::

        step = nn.compile_step(model, nn.mse, optimizer)
        for epoch in range(100):
            loss, predictions = step(X, y)

    The numbers are eager's to about 1e-12. ``loss`` must be the mean of its samples'
    losses (nn.mse, nn.hinge, nn.cross_entropy… are): that is checked at the first step, and
    any other loss is refused there with a ValueError. As with ``autograd.compile``, the
    model's structure must not depend on its values, and dropout in training is refused.
    """
    return CompiledStep(model, loss, optimizer, penalty)


class _Trainer:
    """The parameters as one array (``theta``, in the optimizer's order, then any other
    parameter the model reads, which no step changes), the compiled loss and gradient, and
    the optimizer's rule applied to the array. ``fit(compile=True)`` and ``CompiledStep``
    share it; ``read`` and ``write`` move the numbers between the array and the Values."""

    def __init__(
        self,
        model: Module,
        loss: Loss,
        optimizer: Optimizer,
        penalty: Callable[[Module], Value] | None,
    ) -> None:
        self.loss, self.optimizer = loss, optimizer
        self.skip = 1 if penalty is None else 2  # where the model's outputs start

        def sample_loss(x: list[Value], target: Value) -> list[Value]:
            outputs = model(x)
            outputs = [outputs] if isinstance(outputs, Value) else list(outputs)
            value = loss([outputs], [target])
            if penalty is None:
                return [value, *outputs]
            return [value + penalty(model), value, *outputs]

        sample_loss.__name__ = "sample_loss"
        self.compiled = autograd.compile(sample_loss, has_aux=True, parameters=optimizer.params)
        self.theta: Any = None  # the parameters, between read() and write()
        self.ahead = False  # whether steps changed the array since the Values were written
        self.gradient: Any = None  # the last step's gradient
        self.extra_gradients: Any = np.zeros(0)  # the others', summed since the last write
        self.checked_mean = False

    @property
    def parameters(self) -> tuple[Value, ...]:
        return self.compiled.parameters

    def sync(self, X: Any, y: Any) -> None:
        """Trace at the first sample before the first step, and again where an assumption of
        the trace changed (a parameter Value replaced, say): the old parameters get the
        array's numbers back if steps changed them (not otherwise: the Values may have been
        changed since, by the user), and the array is read from the new ones."""
        if self.theta is not None and self.compiled.is_current():
            return
        if self.ahead:
            self.write(grads=False)
        self.compiled.trace(X[:1], y[:1])
        self.read()

    def read(self) -> None:
        """The parameters array from the Values' ``.data`` (once traced), in bulk. Always
        packed again: telling that a Value still holds the float it was given takes as long
        (``==`` is not enough: 0.0 == -0.0, and np.float32(x) == x for a nearby float)."""
        params = self.parameters
        self.theta = _packed([p.data for p in params])
        if len(self.extra_gradients) != len(params) - len(self.optimizer.params):
            self.extra_gradients = np.zeros(len(params) - len(self.optimizer.params))

    def write(self, grads: bool = True) -> None:
        """Every parameter's ``.data`` from the array and (if ``grads``) its ``.grad``, in bulk,
        never through backward(): as eager leaves them, the optimizer's parameters hold the
        last step's gradient (zero_grad cleared theirs), and any other parameter the model
        reads has every step's gradient added to what it held (as backward() adds)."""
        if self.theta is None:
            return
        self.ahead = False
        params = self.parameters
        if not grads or self.gradient is None:
            for p, value in zip(params, self.theta.tolist(), strict=True):
                p.data = value
            return
        n = len(self.optimizer.params)
        theta, gradient = self.theta, self.gradient
        if n < len(params):  # the others' data never changes: no step updates them
            for p, g in zip(params[n:], self.extra_gradients.tolist(), strict=True):
                p.grad += g
            self.extra_gradients = np.zeros(len(params) - n)
            params, theta, gradient = params[:n], theta[:n], gradient[:n]
        for p, value, g in zip(params, theta.tolist(), gradient.tolist(), strict=True):
            p.data = value
            p.grad = g

    def step(self, X: Any, y: Any, targets: Any, read: bool = False) -> tuple[float, Any]:
        """One step on a batch (arrays; ``targets``: the same targets as the caller gave
        them, for the check of the loss), from the Values' numbers if ``read``, else from the
        array: the loss before the update, and the model's outputs. The array, the gradient
        and the optimizer change together, or not at all."""
        self.sync(X, y)
        if read:
            self.read()
        value, gradient, aux = self.compiled.value_and_grad(self.theta, X, y)
        aux = aux.reshape(len(X), -1)  # every output after the first, a column each
        outputs = aux[:, self.skip - 1 :]
        if outputs.shape[1] == 1:
            outputs = outputs[:, 0]
        if not self.checked_mean and len(X) > 1:
            self._check_mean(aux, targets)
        optimizer = self.optimizer
        n = len(optimizer.params)
        every = n == len(gradient)  # no parameter but the optimizer's: no slices
        updated, state = optimizer.update(
            self.theta if every else self.theta[:n],
            gradient if every else gradient[:n],
            optimizer.state,
            optimizer.rate(),
        )
        # Σ u², one call; a closer look only where it is not finite
        if not math.isfinite(np.vdot(updated, updated)) and not np.isfinite(updated).all():
            position = int(np.argmax(~np.isfinite(updated)))
            raise OverflowError(
                f"{type(optimizer).__name__}: the update made parameter {position} "
                f"{float(updated[position])!r} (did training diverge?)"
            )
        self.theta = updated if every else np.concatenate([updated, self.theta[n:]])
        self.gradient = gradient
        self.ahead = True
        if not every:
            self.extra_gradients = self.extra_gradients + gradient[n:]
        optimizer.state = state
        optimizer.steps += 1
        return value, outputs

    def evaluate(self, X: Any, y: Any) -> tuple[float, Any]:
        """The loss (without the penalty) at the current array, and the model's outputs."""
        self.sync(X, y)
        results = self.compiled.map(X, y, parameters=self.theta)
        outputs = results[:, self.skip :]
        if outputs.shape[1] == 1:
            outputs = outputs[:, 0]
        return float(results[:, self.skip - 1].mean()), outputs

    def _check_mean(self, aux: Any, targets: Any) -> None:
        """The compiled loss is the mean of each sample's loss; the loss given may be
        something else (a root of the mean, a sum…). Compare it, eagerly, on the batch's
        first three samples and on their first two, with the mean of their own losses."""
        outputs = aux[:, self.skip - 1 :]
        rows = [[Value(v) for v in row] for row in outputs[:3].tolist()]
        given = [targets[i] for i in range(len(rows))]
        with autograd.no_grad():
            alone = [self.loss([row], [t]).data for row, t in zip(rows, given, strict=True)]
            for k in (2, 3)[: len(rows) - 1]:
                together = self.loss(rows[:k], given[:k]).data
                mean = math.fsum(alone[:k]) / k
                if not math.isclose(together, mean, rel_tol=MEAN_CHECK, abs_tol=1e-300):
                    raise ValueError(
                        f"compiled training: the loss of {k} samples is {together!r}, but the "
                        f"mean of their losses is {mean!r}. A compiled step computes the loss "
                        "of each sample and takes the mean, so the loss must be such a mean "
                        "(nn.mse, nn.mae, nn.hinge, nn.binary_cross_entropy, "
                        "nn.cross_entropy are); train without compiling, or write the loss "
                        "as the mean of a per-sample term"
                    )
        self.checked_mean = True
