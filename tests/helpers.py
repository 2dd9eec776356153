"""Shared by the tests: the worked example, and an independent way to get derivatives
(central differences)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd import Value


def z_example(w: Value, b: Value) -> Value:
    """The worked example z = (2w + b)(b + 1): at w = 3, b = 4, z = 50, ∂z/∂w = 10, ∂z/∂b = 15."""
    return (2 * w + b) * (b + 1)


def central_differences(
    f: Callable[..., Value], at: Sequence[float], eps: float = 1e-6
) -> list[float]:
    """(f(x + eps) - f(x - eps)) / 2eps for each input in turn, evaluating f on fresh Values."""

    def value_at(point: Sequence[float]) -> float:
        return f(*[Value(x) for x in point]).data

    slopes = []
    for i in range(len(at)):
        up = [*at[:i], at[i] + eps, *at[i + 1 :]]
        down = [*at[:i], at[i] - eps, *at[i + 1 :]]
        slopes.append((value_at(up) - value_at(down)) / (2 * eps))
    return slopes


def engine_gradients(f: Callable[..., Value], at: Sequence[float]) -> tuple[float, list[float]]:
    """f's value and its gradient with respect to each input, from one backward pass."""
    inputs = [Value(x) for x in at]
    out = f(*inputs)
    out.backward()
    return out.data, [x.grad for x in inputs]
