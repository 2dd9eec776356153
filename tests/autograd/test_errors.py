"""Bad input gets Python's usual exception, naming the op and the offending value: never a
complex number, a NaN, or a half-done backward pass."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

import pytest

import autograd
from autograd import Value

NON_NUMBERS = ["a", None, [1.0], 1j]
OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


@pytest.mark.parametrize("bad", NON_NUMBERS, ids=repr)
def test_value_of_a_non_number_is_a_type_error_naming_the_type(bad: object) -> None:
    with pytest.raises(TypeError, match=f"Value: expected a real number, got {type(bad).__name__}"):
        Value(bad)


def test_value_of_a_value_suggests_detach() -> None:
    with pytest.raises(TypeError, match="detach"):
        Value(Value(1.0))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=repr)
def test_value_of_a_non_finite_number_is_a_value_error(bad: float) -> None:
    with pytest.raises(ValueError, match=f"Value: expected a finite number, got {bad!r}"):
        Value(bad)


def test_value_of_an_integer_too_large_for_a_float_is_an_overflow_error() -> None:
    with pytest.raises(OverflowError, match=r"Value: 1000.* is too large for a float"):
        Value(10**400)


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0, 5)


@pytest.mark.parametrize("bad", NON_NUMBERS, ids=repr)
@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.__name__)
def test_operator_with_a_non_number_is_pythons_type_error(op: Callable, bad: object) -> None:
    # Python words it per type ("unsupported operand type(s) for +: 'Value' and 'str'",
    # "can only concatenate str (not "Value") to str", ...); every wording names Value.
    for left, right in ((Value(2.0), bad), (bad, Value(2.0))):
        with pytest.raises(TypeError, match="Value"):
            op(left, right)


def test_operator_type_error_names_the_operator_and_the_type() -> None:
    with pytest.raises(
        TypeError, match=r"unsupported operand type\(s\) for \*: 'Value' and 'NoneType'"
    ):
        Value(2.0) * None
    with pytest.raises(
        TypeError, match=r"unsupported operand type\(s\) for \+: 'Value' and 'complex'"
    ):
        Value(2.0) + 1j


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.__name__)
def test_operator_with_a_non_finite_number_names_the_op(op: Callable) -> None:
    with pytest.raises(ValueError, match="expected a finite number, got nan"):
        op(Value(2.0), math.nan)


def test_three_argument_pow_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        pow(Value(2.0), 3, 5)


def test_method_with_a_non_number_names_the_op() -> None:
    with pytest.raises(TypeError, match="leaky_relu: expected a Value or a real number, got str"):
        Value(1.0).leaky_relu("steep")


@pytest.mark.parametrize(
    "function",
    [autograd.sum, autograd.mean, autograd.logsumexp, autograd.softmax, autograd.log_softmax],
    ids=lambda f: f.__name__,
)
def test_function_of_many_with_a_non_number_names_the_function(function: Callable) -> None:
    with pytest.raises(TypeError, match=f"{function.__name__}: expected a Value or a real number"):
        function([Value(1.0), "two"])


@pytest.mark.parametrize("at", [0.0, -1.0, -1e-300])
def test_log_of_a_non_positive_number_is_a_value_error(at: float) -> None:
    with pytest.raises(ValueError, match=f"log: the input must be positive, got {at!r}"):
        Value(at).log()


def test_sqrt_of_a_negative_number_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"sqrt: the input must not be negative, got -4\.0"):
        Value(-4.0).sqrt()


@pytest.mark.parametrize(
    "power",
    [
        lambda: Value(-8.0) ** (1 / 3),
        lambda: Value(-2.0) ** Value(0.5),
        lambda: (-2.0) ** Value(1.5),
    ],
    ids=["number exponent", "Value exponent", "number base"],
)
def test_negative_base_to_a_non_integer_power_is_a_value_error(power: Callable) -> None:
    with pytest.raises(ValueError, match="pow: a negative base to a non-integer power is complex"):
        power()


@pytest.mark.parametrize(
    "divide",
    [lambda: Value(1.0) / 0, lambda: 1 / Value(0.0), lambda: Value(1.0) / Value(-0.0)],
    ids=["by number", "of number", "by Value"],
)
def test_division_by_zero_is_a_zero_division_error(divide: Callable) -> None:
    with pytest.raises(ZeroDivisionError, match=r"div: division by zero: 1\.0 / "):
        divide()


@pytest.mark.parametrize(
    "power", [lambda: Value(0.0) ** -1, lambda: 0 ** Value(-2.0)], ids=["number", "Value"]
)
def test_zero_to_a_negative_power_is_a_zero_division_error(power: Callable) -> None:
    with pytest.raises(
        ZeroDivisionError, match=r"pow: 0\.0 cannot be raised to the negative power"
    ):
        power()


def test_exp_overflow_is_an_overflow_error_naming_the_op() -> None:
    with pytest.raises(OverflowError, match=r"exp: the result overflows .*exp\(x=710\.0\) = inf"):
        Value(710.0, "x").exp()


@pytest.mark.parametrize(
    "overflow",
    [
        lambda: Value(1e200) * Value(1e200),
        lambda: Value(1e308) + 1e308,
        lambda: Value(1e308) - (-1e308),
        lambda: Value(1e300) / 1e-300,
        lambda: Value(10.0) ** 400,
    ],
    ids=["mul", "add", "sub", "div", "pow"],
)
def test_arithmetic_overflow_is_an_overflow_error_not_a_silent_inf(overflow: Callable) -> None:
    with pytest.raises(OverflowError, match="the result overflows the float range"):
        overflow()


@pytest.mark.parametrize("at", [-1e308, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e308])
@pytest.mark.parametrize(
    "squash",
    [Value.sigmoid, Value.tanh, Value.softplus, Value.swish],
    ids=lambda f: f.__name__,
)
def test_squashing_functions_stay_finite_for_any_finite_input(squash: Callable, at: float) -> None:
    x = Value(at)
    y = squash(x)
    y.backward()
    assert math.isfinite(y.data)
    assert math.isfinite(x.grad)


def test_sigmoid_of_minus_1000_is_zero_without_an_exception() -> None:
    assert Value(-1000).sigmoid().data == 0.0
    assert Value(1000).sigmoid().data == 1.0


@pytest.mark.parametrize(
    "xs", [[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0], [1e308, 1e308], [-1e308, -1e308, 1.0]]
)
def test_logsumexp_and_softmax_stay_finite_for_large_inputs(xs: list[float]) -> None:
    values = [Value(x) for x in xs]
    total = autograd.logsumexp(values)
    total.backward()
    assert math.isfinite(total.data)
    assert all(math.isfinite(v.grad) for v in values)
    probabilities = autograd.softmax(values)
    assert math.fsum(p.data for p in probabilities) == pytest.approx(1.0, rel=1e-12)


def test_logsumexp_is_finite_even_for_inputs_a_float_range_apart() -> None:
    assert autograd.logsumexp([-1e308, 1e308]).data == 1e308


@pytest.mark.parametrize(
    ("build", "at", "match"),
    [
        (Value.sqrt, 0.0, r"sqrt: the derivative is undefined at sqrt\(x=0\.0\)"),
        (lambda x: x**0.5, 0.0, r"pow: the derivative is undefined at pow\(x=0\.0, 0\.5\)"),
    ],
    ids=["sqrt", "pow"],
)
def test_an_infinite_derivative_fails_in_backward_naming_op_and_value(
    build: Callable, at: float, match: str
) -> None:
    x = Value(at, "x")
    y = build(x)  # the value itself is fine: sqrt(0) = 0
    assert y.data == 0.0
    with pytest.raises(ZeroDivisionError, match=match):
        y.backward()


def test_a_failing_backward_leaves_every_gradient_as_it_was() -> None:
    x = Value(0.0, "x")
    w = Value(2.0, "w")
    y = x.sqrt() + w * w
    x.grad, w.grad = 7.0, 5.0
    with pytest.raises(ZeroDivisionError):
        y.backward()
    assert (x.grad, w.grad) == (7.0, 5.0)


def test_a_gradient_that_overflows_is_an_overflow_error_and_changes_nothing() -> None:
    y = Value(1e-200, "y")
    w = Value(3.0, "w")
    z = 1 / y + w  # finite: 1e200; but dz/dy = -1e400 does not fit in a float
    w.grad = 2.0
    with pytest.raises(
        OverflowError, match=r"div: the gradient for operand 1 of div\(1\.0, y=1e-200\)"
    ):
        z.backward()
    assert (y.grad, w.grad) == (0.0, 2.0)


def test_a_gradient_sum_that_overflows_at_a_leaf_names_the_leaf() -> None:
    x = Value(1e-154, "x")
    z = 1 / x + 1 / x  # finite: 2e154; each path gives dz/dx = -1e308, their sum is -inf
    with pytest.raises(OverflowError, match="the gradient of leaf x=1e-154 is -inf, the sum of"):
        z.backward()
    assert x.grad == 0.0


def test_a_gradient_sum_that_overflows_inside_the_graph_names_the_node() -> None:
    x = Value(1e-154, "x")
    h = x * 1.0
    z = 1 / h + 1 / h
    with pytest.raises(OverflowError, match=r"the gradient of mul\(x=1e-154, 1\.0\) is -inf"):
        z.backward()


@pytest.mark.parametrize("bad", ["a", None, 1j], ids=repr)
def test_backward_seed_must_be_a_real_number(bad: object) -> None:
    with pytest.raises(TypeError, match="backward: expected a real number"):
        Value(1.0).backward(bad)


def test_backward_seed_must_be_finite() -> None:
    with pytest.raises(ValueError, match="backward: expected a finite number, got nan"):
        Value(1.0).backward(math.nan)
