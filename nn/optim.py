"""Optimizers: SGD (with momentum and weight decay) and Adam, with PyTorch's update rules.

``lr`` is a number or a schedule: a function of the step number (0 for the first step)
returning the learning rate, e.g. ``lambda k: 1.0 - 0.9 * k / 100``.

Each optimizer's update is one rule, ``update(data, grad, state, lr)``, written with
arithmetic alone, as the ops' derivatives are: it serves floats (one parameter) and NumPy
arrays (every parameter at once) alike. ``step()`` applies it to the parameters' Values;
compiled training (``nn.compile_step``, ``fit(compile=True)``) applies the same rule to the
array its parameters live in. Both keep the optimizer's state (momentum, Adam's running
means) here, in the order of ``params``, so that they can take turns.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from autograd import Value, checks

Rate = float | Callable[[int], float]


class Optimizer:
    """Holds the parameters, the step count and the state of the update rule; ``step()``
    updates ``.data`` from ``.grad``."""

    def __init__(self, params: Iterable[Value], lr: Rate) -> None:
        # a set has no order: the parameters' order is the order of the optimizer's state
        self.params = list(checks.sequence(params, type(self).__name__, "params"))
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got no parameters to optimise")
        if not all(isinstance(p, Value) for p in self.params):
            raise TypeError(f"{type(self).__name__}: parameters must be Values")
        if len(set(self.params)) != len(self.params):
            raise ValueError(f"{type(self).__name__}: a parameter is listed twice")
        self.lr = lr if callable(lr) else _setting(lr, type(self).__name__, "lr", positive=True)
        self.steps = 0
        self.state: Any = None  # what the rule carries from step to step (None before the first)

    def rate(self) -> float:
        """The learning rate for the coming step."""
        rate = self.lr(self.steps) if callable(self.lr) else self.lr
        return _setting(rate, type(self).__name__, "lr")

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """One update of every parameter from its ``.grad``, all at once."""
        data = _packed([p.data for p in self.params])
        grad = _packed([p.grad for p in self.params])
        new, state = self.update(data, grad, self.state, self.rate())
        for p, value in zip(self.params, new.tolist(), strict=True):
            p.data = value
        self.state = state
        self.steps += 1

    def update(self, data: Any, grad: Any, state: Any, lr: float) -> tuple[Any, Any]:
        """The rule: the parameters after one step, and the state after it, from the
        parameters, their gradients and the state before (floats or arrays alike). Pure:
        it changes none of its arguments."""
        raise NotImplementedError


class SGD(Optimizer):
    """p ← p - lr·v with v = momentum·v + (grad + weight_decay·p); plain gradient descent
    when momentum = weight_decay = 0."""

    def __init__(
        self, params: Iterable[Value], lr: Rate, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _setting(momentum, "SGD", "momentum")
        self.weight_decay = _setting(weight_decay, "SGD", "weight_decay")

    def update(self, data: Any, grad: Any, state: Any, lr: float) -> tuple[Any, Any]:
        if self.weight_decay:
            grad = grad + self.weight_decay * data
        if self.momentum:  # the state is the velocity, the first step's gradient to begin with
            state = grad if state is None else self.momentum * state + grad
            grad = state
        return data - lr * grad, state


class Adam(Optimizer):
    """Adam: per-parameter steps from running means of the gradient and its square, with
    bias correction (Kingma & Ba, 2015; PyTorch's defaults)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: Rate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        given = checks.sequence(betas, "Adam", "betas")
        if len(given) != 2:
            raise ValueError(f"Adam: betas must be two numbers, got {len(given)}")
        beta1, beta2 = (
            checks.real(beta, "Adam", "betas", low=0.0, high=1.0, high_inclusive=False)
            for beta in given
        )
        self.betas = (beta1, beta2)
        self.eps = _setting(eps, "Adam", "eps", positive=True)

    def update(self, data: Any, grad: Any, state: Any, lr: float) -> tuple[Any, Any]:
        # The state: the running means m and v, and how many steps they have seen.
        m, v, t = (0.0, 0.0, 0) if state is None else state
        beta1, beta2 = self.betas
        t += 1
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        step = lr * (m / (1 - beta1**t)) / (_sqrt(v / (1 - beta2**t)) + self.eps)
        return data - step, (m, v, t)


def _packed(floats: list[float]) -> Any:
    """The floats as a float64 array, packed into its memory by one C call (``struct``): half
    the work of ``np.fromiter``, which converts them one by one. Give it a list comprehension
    (``[p.data for p in params]``), the quickest way to read many Values' slots."""
    import numpy

    array: Any = numpy.empty(len(floats))  # a buffer struct writes into
    _packer(len(floats)).pack_into(array, 0, *floats)
    return array


@cache
def _packer(n: int) -> struct.Struct:
    return struct.Struct(f"{n}d")


def _sqrt(x: Any) -> Any:
    """√x of a float (math) or of an array (NumPy, imported only then): both exact."""
    if type(x) is float:
        return math.sqrt(x)
    import numpy

    return numpy.sqrt(x)


def _setting(x: object, where: str, name: str, positive: bool = False) -> float:
    """A finite number >= 0 (> 0 if ``positive``): a rate, a momentum, a decay or an eps."""
    return checks.real(x, where, name, low=0.0, low_inclusive=not positive)
