"""Hypothesis strategies: random expressions over every operation, for property-based tests.

    from hypothesis import assume, given
    from autograd.strategies import cases
    from autograd.testing import gradcheck

    @given(cases())
    def test_backward_matches_central_differences(case):
        assume(case.well_conditioned())
        assert gradcheck(case.f, case.inputs)

An ``Expression`` is a tree (depth up to 6 by default) over every op of the engine, printed
as Python so a failing example reads as the formula it is. Inputs stay inside each op's
domain by construction: ``log``, ``sqrt`` and the base of a power with a Value exponent take
a subexpression that is positive by its form (``exp(…)``, ``sigmoid(…)``, ``softplus(…)``,
or sums, products and quotients of those). ``Case.well_conditioned`` rejects the rest: a
value near a kink or a pole, or too large for central differences to be accurate.

Needs the ``hypothesis`` package (``pip install valuegrad[test]``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st

from .engine import Value
from .functional import linear, log_softmax, logsumexp, mean, softmax, take
from .functional import max as value_max
from .functional import sum as value_sum
from .graph import topological_order

__all__ = ["OPS", "Case", "Expression", "cases", "expressions"]

OPS: Mapping[str, Callable[..., Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
    "neg": operator.neg,
    "abs": abs,
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "softplus": Value.softplus,
    "swish": Value.swish,
    "sin": Value.sin,
    "cos": Value.cos,
    "sum": lambda *xs: value_sum(xs),
    "linear": lambda b, *pairs: linear(pairs[1::2], pairs[::2], b),  # args: b, w0, x0, w1, x1…
    "mean": lambda *xs: mean(xs),
    "max": lambda *xs: value_max(xs),
    "take": lambda i, *xs: take(xs, i),  # args: the index (a whole number), then the values
    "logsumexp": lambda *xs: logsumexp(xs),
    "shifted_logsumexp": lambda s, *xs: logsumexp(xs, shift=s),
    "softmax": lambda *xs: softmax(xs)[0],
    "log_softmax": lambda *xs: log_softmax(xs)[-1],
}
"""How this engine evaluates each op of an Expression. Give ``Expression.__call__`` another
mapping with the same keys to evaluate the same formula elsewhere (PyTorch, say)."""

_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
_KINKS = {"relu", "abs", "leaky_relu"}


@dataclass(frozen=True)
class Expression:
    """A formula: an input ``x0``, ``x1``… (``op == "input"``), a number (``op == "number"``),
    or an op applied to subexpressions."""

    op: str
    args: tuple[Expression, ...] = ()
    number: float = 0.0
    index: int = 0

    def __call__(self, *inputs: Any, ops: Mapping[str, Callable[..., Any]] = OPS) -> Any:
        if self.op == "input":
            return inputs[self.index]
        if self.op == "number":
            return self.number
        return ops[self.op](*[arg(*inputs, ops=ops) for arg in self.args])

    def __str__(self) -> str:
        if self.op == "input":
            return f"x{self.index}"
        if self.op == "number":
            return repr(self.number)
        if self.op in _INFIX:
            left, right = self.args
            return f"({left} {_INFIX[self.op]} {right})"
        if self.op == "neg":
            return f"(-{self.args[0]})"
        return f"{self.op}({', '.join(str(arg) for arg in self.args)})"

    def depth(self) -> int:
        return 1 + max((arg.depth() for arg in self.args), default=-1)


@dataclass(frozen=True)
class Case:
    """An expression and the float inputs to evaluate it at."""

    expression: Expression
    inputs: tuple[float, ...]

    def f(self, *values: Value) -> Value:
        """The expression as a function of Values (what gradcheck takes)."""
        out = self.expression(*values)
        return out if isinstance(out, Value) else Value(out)

    def well_conditioned(self, *, limit: float = 1e4, margin: float = 1e-3) -> bool:
        """False where central differences cannot be trusted: a value or gradient beyond
        ``limit``, a kink's input (relu, abs, leaky_relu) within ``margin`` of 0, or an
        operand within ``margin`` of a pole (a denominator, log's or sqrt's input, a base)."""
        try:
            out = self.f(*[Value(x) for x in self.inputs])
            out.backward()
        except (ArithmeticError, ValueError):
            return False
        for node in topological_order(out):
            if abs(node.data) > limit or abs(node.grad) > limit:
                return False
            if not node.parents:
                continue
            first = node.parents[0].data
            if node.op in _KINKS and abs(first) < margin:
                return False
            if node.op in ("log", "sqrt", "pow") and abs(first) < margin:
                return False
            if node.op == "div" and abs(node.parents[1].data) < margin:
                return False
            if node.op == "max" and len(node.parents) > 1:
                first, second = sorted((p.data for p in node.parents), reverse=True)[:2]
                if first - second < margin:
                    return False
        return True

    def __str__(self) -> str:
        return f"{self.expression} at {self.inputs}"


_NUMBERS = st.sampled_from([-2.0, -1.5, -0.5, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0])


def _node(op: str, *args: st.SearchStrategy) -> st.SearchStrategy[Expression]:
    return st.tuples(*args).map(lambda parts: Expression(op, tuple(parts)))


def _many(op: str, several: st.SearchStrategy[list[Expression]]) -> st.SearchStrategy[Expression]:
    return several.map(lambda args: Expression(op, tuple(args)))


def _number(values: st.SearchStrategy[float]) -> st.SearchStrategy[Expression]:
    return values.map(lambda x: Expression("number", number=x))


@cache
def _real(depth: int, n_inputs: int) -> st.SearchStrategy[Expression]:
    """Any expression at most ``depth`` ops deep."""
    inputs = st.integers(0, n_inputs - 1).map(lambda i: Expression("input", index=i))
    if depth == 0:
        return inputs
    real = _real(depth - 1, n_inputs)
    unary = [
        _node(op, real)
        for op in ("neg", "abs", "tanh", "sigmoid", "relu", "softplus", "swish", "sin", "cos")
    ]
    operand = st.one_of(real, _number(_NUMBERS))
    several = st.lists(real, min_size=1, max_size=4)
    options = [
        inputs,
        _positive(depth, n_inputs),
        *unary,
        _node("leaky_relu", real, _number(st.sampled_from([0.01, 0.1, 0.3]))),
        *[_node(op, real, operand) for op in ("add", "sub", "mul", "div")],
        *[_node(op, _number(_NUMBERS), real) for op in ("add", "sub", "mul")],
        _node("pow", real, _number(st.sampled_from([2.0, 3.0, -1.0]))),
        _node("pow", _number(st.sampled_from([0.5, 2.0, 3.0])), real),
        *[
            _many(op, several)
            for op in ("sum", "mean", "max", "logsumexp", "softmax", "log_softmax")
        ],
        st.tuples(real, several).map(
            lambda parts: Expression("shifted_logsumexp", (parts[0], *parts[1]))
        ),
        several.flatmap(
            lambda args: st.integers(0, len(args) - 1).map(
                lambda i: Expression("take", (Expression("number", number=float(i)), *args))
            )
        ),
        st.tuples(operand, st.lists(st.tuples(real, operand), min_size=1, max_size=3)).map(
            lambda parts: Expression("linear", (parts[0], *[a for pair in parts[1] for a in pair]))
        ),
    ]
    if depth >= 2:  # ops whose operand must be positive: one level goes into making it so
        positive = _positive(depth - 1, n_inputs)
        exponent = st.one_of(real, _number(st.sampled_from([0.5, -1.5, 2.5])))
        options += [
            _node("log", positive),
            _node("sqrt", positive),
            _node("pow", positive, exponent),
        ]
    return st.one_of(*options)


@cache
def _positive(depth: int, n_inputs: int) -> st.SearchStrategy[Expression]:
    """Expressions at most ``depth`` (>= 1) deep that are positive by their form: the domain
    of log, sqrt and the base of a power."""
    made_positive = [_node(op, _real(depth - 1, n_inputs)) for op in ("exp", "sigmoid", "softplus")]
    if depth == 1:
        return st.one_of(*made_positive)
    positive = _positive(depth - 1, n_inputs)
    return st.one_of(
        *made_positive,
        *[_node(op, positive, positive) for op in ("add", "mul", "div")],
        _node("sqrt", positive),
    )


def expressions(max_depth: int = 6, n_inputs: int = 3) -> st.SearchStrategy[Expression]:
    """Random expressions over every op, at most ``max_depth`` ops deep, in ``n_inputs``
    inputs x0, x1, …"""
    if max_depth < 1 or n_inputs < 1:
        raise ValueError(
            f"expressions: max_depth and n_inputs must be >= 1, got {max_depth}, {n_inputs}"
        )
    return st.one_of(*[_real(depth, n_inputs) for depth in range(1, max_depth + 1)])


def cases(
    max_depth: int = 6, n_inputs: int = 3, low: float = -2.0, high: float = 2.0
) -> st.SearchStrategy[Case]:
    """An expression with float inputs drawn from [low, high]."""
    inputs = st.tuples(*[st.floats(low, high) for _ in range(n_inputs)])
    return st.builds(Case, expressions(max_depth, n_inputs), inputs)
