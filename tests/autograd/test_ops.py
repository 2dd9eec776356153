"""Every operation: its value and derivatives against closed forms worked out by hand, and
against central differences; and its derivative rule evaluated on Values."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest

import autograd
from autograd import Value
from autograd.ops import ShiftedExp
from autograd.testing import gradgradcheck
from tests.helpers import central_differences, engine_gradients


def sigma(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class Case:
    """An op applied to Values, with its value and partial derivatives in closed form."""

    op: str
    build: Callable[..., Value]
    value: Callable[..., float]
    grads: Callable[..., tuple[float, ...]]
    points: tuple[tuple[float, ...], ...]

    def __str__(self) -> str:
        return self.op


UNARY = [
    Case("neg", lambda x: -x, lambda x: -x, lambda x: (-1.0,), ((-2.0,), (0.5,), (3.0,))),
    Case(
        "abs",
        lambda x: abs(x),
        abs,
        lambda x: (math.copysign(1.0, x),),
        ((-2.5,), (0.75,), (3.0,)),
    ),
    Case("exp", Value.exp, math.exp, lambda x: (math.exp(x),), ((-2.0,), (0.0,), (1.5,))),
    Case("log", Value.log, math.log, lambda x: (1 / x,), ((0.1,), (1.0,), (7.5,))),
    Case(
        "sqrt",
        Value.sqrt,
        math.sqrt,
        lambda x: (1 / (2 * math.sqrt(x)),),
        ((0.25,), (1.0,), (9.0,)),
    ),
    Case(
        "tanh",
        Value.tanh,
        math.tanh,
        lambda x: (1 - math.tanh(x) ** 2,),
        ((-1.5,), (0.0,), (0.7,)),
    ),
    Case(
        "sigmoid",
        Value.sigmoid,
        sigma,
        lambda x: (sigma(x) * (1 - sigma(x)),),
        ((-3.0,), (0.0,), (2.0,)),
    ),
    Case(
        "relu",
        Value.relu,
        lambda x: max(0.0, x),
        lambda x: (1.0 if x > 0 else 0.0,),
        ((-2.0,), (0.5,), (3.0,)),
    ),
    Case(
        "leaky_relu",
        Value.leaky_relu,
        lambda x: x if x > 0 else 0.01 * x,
        lambda x: (1.0 if x > 0 else 0.01,),
        ((-2.0,), (0.5,), (3.0,)),
    ),
    Case(
        "softplus",
        Value.softplus,
        lambda x: math.log(1 + math.exp(x)),
        lambda x: (sigma(x),),
        ((-3.0,), (0.0,), (2.0,)),
    ),
    Case(
        "swish",
        Value.swish,
        lambda x: x * sigma(x),
        lambda x: (sigma(x) + x * sigma(x) * (1 - sigma(x)),),
        ((-3.0,), (0.0,), (2.0,)),
    ),
    Case("sin", Value.sin, math.sin, lambda x: (math.cos(x),), ((-1.0,), (0.0,), (2.0,))),
    Case("cos", Value.cos, math.cos, lambda x: (-math.sin(x),), ((-1.0,), (0.0,), (2.0,))),
]

BINARY = [
    Case(
        "add",
        lambda x, y: x + y,
        lambda x, y: x + y,
        lambda x, y: (1.0, 1.0),
        ((2.0, 3.0), (-1.5, 0.5), (0.0, 4.0)),
    ),
    Case(
        "sub",
        lambda x, y: x - y,
        lambda x, y: x - y,
        lambda x, y: (1.0, -1.0),
        ((2.0, 3.0), (-1.5, 0.5), (0.0, 4.0)),
    ),
    Case(
        "mul",
        lambda x, y: x * y,
        lambda x, y: x * y,
        lambda x, y: (y, x),
        ((2.0, 3.0), (-1.5, 0.5), (0.0, 4.0)),
    ),
    Case(
        "div",
        lambda x, y: x / y,
        lambda x, y: x / y,
        lambda x, y: (1 / y, -x / y**2),
        ((2.0, 3.0), (-1.5, 0.5), (0.0, -4.0)),
    ),
    Case(
        "pow",
        lambda x, y: x**y,
        lambda x, y: x**y,
        lambda x, y: (y * x ** (y - 1), x**y * math.log(x)),
        ((2.0, 3.0), (0.5, 2.5), (3.0, -1.5)),
    ),
    Case(
        "leaky_relu",
        lambda x, slope: x.leaky_relu(slope),
        lambda x, slope: x if x > 0 else slope * x,
        lambda x, slope: (1.0, 0.0) if x > 0 else (slope, x),
        ((2.0, 0.1), (-1.5, 0.2), (-3.0, 0.5)),
    ),
]

# The same ops with a Python number as one operand: the number becomes a constant leaf.
WITH_NUMBERS = [
    Case("pow", lambda x: x**3, lambda x: x**3, lambda x: (3 * x**2,), ((-2.0,), (0.5,), (4.0,))),
    Case(
        "pow",
        lambda x: x**0.5,
        math.sqrt,
        lambda x: (0.5 / math.sqrt(x),),
        ((0.25,), (1.0,), (4.0,)),
    ),
    Case(
        "pow",
        lambda x: 2**x,
        lambda x: 2**x,
        lambda x: (2**x * math.log(2),),
        ((-1.0,), (0.0,), (3.5,)),
    ),
    Case(
        "div", lambda x: 1 / x, lambda x: 1 / x, lambda x: (-1 / x**2,), ((-2.0,), (0.5,), (4.0,))
    ),
    Case("sub", lambda x: 5 - x, lambda x: 5 - x, lambda x: (-1.0,), ((-2.0,), (0.5,), (4.0,))),
    Case("mul", lambda x: 2.5 * x, lambda x: 2.5 * x, lambda x: (2.5,), ((-2.0,), (0.5,), (4.0,))),
    Case("add", lambda x: 1 + x, lambda x: 1 + x, lambda x: (1.0,), ((-2.0,), (0.5,), (4.0,))),
]


def _softmax_of(*xs: float) -> list[float]:
    total = math.fsum(math.exp(x) for x in xs)
    return [math.exp(x) / total for x in xs]


# Ops of several operands that the functions of many values are built from.
MANY = [
    Case(
        "shifted_exp",
        ShiftedExp.apply,
        lambda x, s: math.exp(x - s),
        lambda x, s: (math.exp(x - s), -math.exp(x - s)),
        ((1.0, 2.0), (-3.0, 0.5), (700.0, 1.0)),
    ),
    Case(
        "max",
        lambda x, y, z: autograd.max([x, y, z]),
        max,
        lambda x, y, z: tuple(1.0 if v == max(x, y, z) else 0.0 for v in (x, y, z)),
        ((1.0, 3.0, 2.0), (-1.0, -2.0, -3.0), (0.5, 0.25, 4.0)),
    ),
    Case(
        "shifted_logsumexp",
        lambda s, x, y: autograd.logsumexp([x, y], shift=s),
        lambda s, x, y: math.log(math.exp(x - s) + math.exp(y - s)),
        lambda s, x, y: (-1.0, *_softmax_of(x, y)),
        ((0.0, 1.0, 2.0), (2.0, 2.0, -1.0), (-1.0, 0.5, 0.25)),
    ),
]

ALL = UNARY + BINARY + WITH_NUMBERS + MANY
AT_POINTS = [(case, point) for case in ALL for point in case.points]
IDS = [f"{case}{point}" for case, point in AT_POINTS]


@pytest.mark.parametrize(("case", "point"), AT_POINTS, ids=IDS)
def test_value_and_gradient_match_the_closed_form(case: Case, point: tuple[float, ...]) -> None:
    value, grads = engine_gradients(case.build, point)
    assert value == pytest.approx(case.value(*point), rel=1e-12, abs=1e-15)
    assert grads == pytest.approx(list(case.grads(*point)), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("case", "point"), AT_POINTS, ids=IDS)
def test_gradient_matches_central_differences(case: Case, point: tuple[float, ...]) -> None:
    _, grads = engine_gradients(case.build, point)
    assert grads == pytest.approx(central_differences(case.build, point), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("case", UNARY + BINARY + MANY, ids=str)
def test_result_records_its_op_and_operands_in_order(case: Case) -> None:
    inputs = [Value(x) for x in case.points[0]]
    out = case.build(*inputs)
    assert out.op == case.op
    assert out.parents[: len(inputs)] == tuple(inputs)


def test_reflected_operators_keep_operand_order() -> None:
    x = Value(2.0)
    for out in (5 - x, 5 / x, 5**x, 5 + x, 5 * x):
        constant, operand = out.parents
        assert (constant.data, constant.is_leaf, operand) == (5.0, True, x)


def test_number_operands_become_constant_leaves() -> None:
    x = Value(2.0)
    y = x * 3
    assert y.parents[0] is x
    assert y.parents[1].data == 3.0
    assert y.parents[1].op == ""
    assert y.parents[1].parents == ()


def test_leaky_relu_slope_is_an_operand() -> None:
    x = Value(-2.0)
    y = x.leaky_relu(0.2)
    assert y.op == "leaky_relu"
    assert y.parents[1].data == 0.2
    assert y.data == pytest.approx(-0.4)


def test_unary_plus_returns_the_same_value() -> None:
    x = Value(2.0)
    assert +x is x


@pytest.mark.parametrize(
    ("build", "at", "grad"),
    [
        (Value.relu, 0.0, 0.0),
        (Value.abs, 0.0, 0.0),
        (Value.leaky_relu, 0.0, 0.01),
    ],
    ids=["relu", "abs", "leaky_relu"],
)
def test_derivative_at_a_kink_follows_pytorch(
    build: Callable[[Value], Value], at: float, grad: float
) -> None:
    assert engine_gradients(build, [at])[1] == [grad]


def test_pow_with_zero_exponent_has_zero_derivative_even_at_zero() -> None:
    assert engine_gradients(lambda x: x**0, [0.0]) == (1.0, [0.0])


def test_pow_derivative_at_zero_base_with_integer_exponent() -> None:
    assert engine_gradients(lambda x: x**1, [0.0]) == (0.0, [1.0])
    assert engine_gradients(lambda x: x**3, [0.0]) == (0.0, [0.0])


def test_pow_exponent_derivative_at_a_zero_base_is_zero_as_in_pytorch() -> None:
    assert engine_gradients(lambda x, y: x**y, [0.0, 2.0]) == (0.0, [0.0, 0.0])


def test_pow_of_a_negative_base_to_an_integer_power() -> None:
    value, grads = engine_gradients(lambda x: x**2, [-3.0])
    assert (value, grads) == (9.0, [-6.0])
    # The exponent's derivative does not exist for a negative base; it is documented as 0.
    assert engine_gradients(lambda x, y: x**y, [-3.0, 3.0]) == (-27.0, [27.0, 0.0])


# Second derivatives of each unary op, worked out by hand.
SECOND = {
    "neg": lambda x: 0.0,
    "abs": lambda x: 0.0,
    "exp": math.exp,
    "log": lambda x: -1 / x**2,
    "sqrt": lambda x: -0.25 * x**-1.5,
    "tanh": lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
    "sigmoid": lambda x: sigma(x) * (1 - sigma(x)) * (1 - 2 * sigma(x)),
    "relu": lambda x: 0.0,
    "leaky_relu": lambda x: 0.0,
    "softplus": lambda x: sigma(x) * (1 - sigma(x)),
    "swish": lambda x: sigma(x) * (1 - sigma(x)) * (2 + x * (1 - 2 * sigma(x))),
    "sin": lambda x: -math.sin(x),
    "cos": lambda x: -math.cos(x),
}


@pytest.mark.parametrize("case", UNARY, ids=str)
def test_derivative_rule_on_values_gives_the_same_numbers_as_on_floats(case: Case) -> None:
    for (at,) in case.points:
        x = Value(at)
        out = case.build(x)
        on_floats = out._fn.local_grads(*[p.data for p in out.parents], out=out.data)
        on_values = out._fn.local_grads(*out.parents, out=out)
        assert [float(d) for d in on_values] == pytest.approx(list(on_floats), rel=1e-15)


@pytest.mark.parametrize("case", UNARY, ids=str)
def test_derivative_rule_on_values_differentiates_to_the_second_derivative(case: Case) -> None:
    for (at,) in case.points:
        x = Value(at)
        out = case.build(x)
        first = out._fn.local_grads(*out.parents, out=out)[0]
        if isinstance(first, Value):
            first.backward()
        assert x.grad == pytest.approx(SECOND[case.op](at), rel=1e-12, abs=1e-15)


def test_max_shares_its_gradient_evenly_between_ties_as_pytorch_does() -> None:
    xs = [Value(x) for x in (1.0, 3.0, 3.0)]
    autograd.max(xs).backward()
    assert [x.grad for x in xs] == [0.0, 0.5, 0.5]


def test_take_selects_by_an_index_value_and_differentiates_only_the_chosen() -> None:
    xs = [Value(x) for x in (1.0, 3.0, 5.0)]
    index = Value(2.0)
    out = autograd.take(xs, index)
    assert (out.data, out.op, out.parents) == (5.0, "take", (index, *xs))
    out.backward()
    assert [x.grad for x in (index, *xs)] == [0.0, 0.0, 0.0, 1.0]
    assert autograd.take(xs, 1).data == 3.0


@pytest.mark.parametrize("index", [3.0, -1.0, 0.5])
def test_take_with_an_index_outside_the_values_is_a_value_error(index: float) -> None:
    with pytest.raises(
        ValueError, match=rf"take: the index must be a whole number in \[0, 3\), got {index}"
    ):
        autograd.take([1.0, 2.0, 3.0], Value(index))


def test_shifted_exp_underflows_to_zero_where_the_shift_alone_would_overflow() -> None:
    x, s = Value(-1e308), Value(1e308)
    out = ShiftedExp.apply(x, s)
    out.backward()
    assert (out.data, x.grad, s.grad) == (0.0, 0.0, -0.0)


@pytest.mark.parametrize("case", MANY, ids=str)
def test_many_operand_rules_differentiate_to_their_second_derivatives(case: Case) -> None:
    for point in case.points:
        assert gradgradcheck(case.build, point, rtol=1e-5)
