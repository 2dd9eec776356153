"""Optimizers: SGD (with momentum and weight decay) and Adam, with PyTorch's update rules.

``lr`` is a number or a schedule: a function of the step number (0 for the first step)
returning the learning rate, e.g. ``lambda k: 1.0 - 0.9 * k / 100``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from autograd import Value

Rate = float | Callable[[int], float]


class Optimizer:
    """Holds the parameters and the step count; ``step()`` updates ``.data`` from ``.grad``."""

    def __init__(self, params: Iterable[Value], lr: Rate) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got no parameters to optimise")
        if not all(isinstance(p, Value) for p in self.params):
            raise TypeError(f"{type(self).__name__}: parameters must be Values")
        if not callable(lr):
            _positive(lr, "lr", type(self).__name__)
        self.lr = lr
        self.steps = 0

    def rate(self) -> float:
        """The learning rate for the coming step."""
        rate = self.lr(self.steps) if callable(self.lr) else self.lr
        return _positive(rate, "lr", type(self).__name__, allow_zero=True)

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
        self.momentum = _positive(momentum, "momentum", "SGD", allow_zero=True)
        self.weight_decay = _positive(weight_decay, "weight_decay", "SGD", allow_zero=True)
        self._velocity: list[float] | None = None

    def _update(self, lr: float) -> None:
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
        beta1, beta2 = betas
        for beta in betas:
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Adam: betas must be in [0, 1), got {betas!r}")
        self.betas = (float(beta1), float(beta2))
        self.eps = _positive(eps, "eps", "Adam")
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        beta1, beta2 = self.betas
        t = self.steps + 1
        correction1, correction2 = 1 - beta1**t, 1 - beta2**t
        for i, p in enumerate(self.params):
            g = p.grad
            self._m[i] = m = beta1 * self._m[i] + (1 - beta1) * g
            self._v[i] = v = beta2 * self._v[i] + (1 - beta2) * g * g
            p.data -= lr * (m / correction1) / (math.sqrt(v / correction2) + self.eps)


def _positive(x: object, name: str, where: str, allow_zero: bool = False) -> float:
    if type(x) not in (int, float) or not math.isfinite(x):
        raise TypeError(f"{where}: {name} must be a finite number, got {x!r}")
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{where}: {name} must be {'>= 0' if allow_zero else '> 0'}, got {x!r}")
    return float(x)
