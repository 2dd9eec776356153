"""Functions of many Values: ``sum``, ``mean``, ``logsumexp``, ``softmax``, ``log_softmax``.

Each accepts any iterable of Values and real numbers (numbers become constant leaves).
``sum`` and ``logsumexp`` are single nodes, so a sum of 100,000 terms is one node with
100,000 parents, not a 100,000-deep chain.
"""

from __future__ import annotations

from collections.abc import Iterable

from .engine import Operand, Value, _operand
from .ops import LogSumExp, Sum


def _values(values: Iterable[Operand], op: str) -> list[Value]:
    return [_operand(v, op) for v in values]


def _nonempty(values: Iterable[Operand], op: str) -> list[Value]:
    operands = _values(values, op)
    if not operands:
        raise ValueError(f"{op}: needs at least one value")
    return operands


def sum(values: Iterable[Operand]) -> Value:  # autograd.sum, like torch.sum
    """x₁ + … + xₙ as one node; the sum of nothing is a constant 0."""
    operands = _values(values, "sum")
    return Sum.apply(*operands) if operands else Value(0.0)


def mean(values: Iterable[Operand]) -> Value:
    """The arithmetic mean: ``sum(values) / n``."""
    operands = _nonempty(values, "mean")
    return Sum.apply(*operands) / len(operands)


def logsumexp(values: Iterable[Operand]) -> Value:
    """log Σ e^xᵢ as one node, computed without overflow for any finite inputs."""
    return LogSumExp.apply(*_values(values, "logsumexp"))


def _shifted(values: Iterable[Operand], op: str) -> list[Value]:
    """xᵢ - max(x), with the maximum taken as a constant: softmax does not change under a
    shift, and after it the largest exponent is e^0, so nothing overflows."""
    operands = _nonempty(values, op)
    top = max(x.data for x in operands)
    return [x - top for x in operands]


def log_softmax(values: Iterable[Operand]) -> list[Value]:
    """log(e^xᵢ / Σ e^xⱼ) = (xᵢ - m) - log Σ e^(xⱼ - m), with m = max x."""
    shifted = _shifted(values, "log_softmax")
    total = LogSumExp.apply(*shifted)
    return [x - total for x in shifted]


def softmax(values: Iterable[Operand]) -> list[Value]:
    """e^xᵢ / Σ e^xⱼ = e^(xᵢ - m) / Σ e^(xⱼ - m), with m = max x: probabilities summing to 1."""
    exps = [x.exp() for x in _shifted(values, "softmax")]
    total = Sum.apply(*exps)
    return [e / total for e in exps]
