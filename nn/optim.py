"""Optimizers: SGD (with momentum and weight decay) and Adam, with PyTorch's update rules.

``lr`` is a number or a schedule: a function of the step number (0 for the first step)
returning the learning rate, e.g. ``lambda k: 1.0 - 0.9 * k / 100``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from autograd import Value, checks

Rate = float | Callable[[int], float]
_grad = attrgetter("grad")


class Optimizer:
    """Holds the parameters and the step count; ``step()`` updates ``.data`` from ``.grad``."""

    def __init__(self, params: Iterable[Value], lr: Rate) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got no parameters to optimise")
        if not all(isinstance(p, Value) for p in self.params):
            raise TypeError(f"{type(self).__name__}: parameters must be Values")
        self.lr = lr if callable(lr) else _setting(lr, type(self).__name__, "lr", positive=True)
        self.steps = 0

    def rate(self) -> float:
        """The learning rate for the coming step."""
        rate = self.lr(self.steps) if callable(self.lr) else self.lr
        return _setting(rate, type(self).__name__, "lr")

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        self._update(self.rate())
        self.steps += 1

    def _update(self, lr: float) -> None:
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
        self._velocity: list[float] | None = None

    def _update(self, lr: float) -> None:
        if not (self.momentum or self.weight_decay):  # plain gradient descent
            for p in self.params:
                p.data -= lr * p.grad
            return
        grads = [
            p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            for p in self.params
        ]
        if self.momentum:
            if self._velocity is None:
                self._velocity = grads
            else:
                self._velocity = [
                    self.momentum * v + g for v, g in zip(self._velocity, grads, strict=True)
                ]
            grads = self._velocity
        for p, g in zip(self.params, grads, strict=True):
            p.data -= lr * g


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
        beta1, beta2 = (
            checks.real(beta, "Adam", "betas", low=0.0, high=1.0, high_inclusive=False)
            for beta in betas
        )
        self.betas = (beta1, beta2)
        self.eps = _setting(eps, "Adam", "eps", positive=True)
        self._m: Any = 0.0  # the running means, one per parameter (arrays after a step)
        self._v: Any = 0.0

    def _update(self, lr: float) -> None:
        # Every parameter at once, as arrays: the same arithmetic as one at a time, element by
        # element, so the same numbers; a NumPy call per operation, not a Python loop.
        import numpy

        beta1, beta2 = self.betas
        t = self.steps + 1
        correction1, correction2 = 1 - beta1**t, 1 - beta2**t
        g = numpy.fromiter(map(_grad, self.params), numpy.float64, len(self.params))
        self._m = m = beta1 * self._m + (1 - beta1) * g
        self._v = v = beta2 * self._v + (1 - beta2) * g * g
        steps = lr * (m / correction1) / (numpy.sqrt(v / correction2) + self.eps)
        for p, step in zip(self.params, steps.tolist(), strict=True):
            p.data -= step


def _setting(x: object, where: str, name: str, positive: bool = False) -> float:
    """A finite number >= 0 (> 0 if ``positive``): a rate, a momentum, a decay or an eps."""
    return checks.real(x, where, name, low=0.0, low_inclusive=not positive)
