"""A compiled function computes what eager computes, or raises naming the line: nothing a
trace saw is baked in silently (values, copies, gradients, the Values it reads, the modules'
training mode), bad batches are refused, and failures are named as eager names them."""

from __future__ import annotations

import copy
import math
import pickle
import warnings
from collections.abc import Callable

import numpy as np
import pytest

import autograd
import nn
from autograd import ConcretizationError, Function, Value
from autograd.compiler.codegen import PerSampleWarning

# 1. What a trace computes from a traced Value is traced, or refused at the line


def test_autograd_grad_inside_a_compiled_function_is_part_of_the_program() -> None:
    def f(x: Value) -> Value:
        y = x * x * x
        (g,) = autograd.grad(y, [x])  # 3x², at every sample, not only the traced one
        return y + g

    assert autograd.compile(f).map([1.0, 2.0, 3.0]).tolist() == [4.0, 20.0, 54.0]
    assert [f(Value(x)).data for x in (1.0, 2.0, 3.0)] == [4.0, 20.0, 54.0]


@pytest.mark.parametrize(
    ("body", "action"),
    [
        (lambda x: copy.copy(x) * 2, "copies"),
        (lambda x: copy.deepcopy(x) * 2, "copies"),
        (lambda x: x * len(pickle.dumps(x)), "pickles"),
        (lambda x: x * float(f"{x:.3f}"), "formats"),
        (lambda x: (x * x).backward() or x, "calls backward"),
        (lambda x: autograd.trace(lambda y: y * 2, 1.0) and x, "traces"),
    ],
)
def test_every_way_a_traced_value_becomes_a_number_is_refused_naming_the_line(
    body: Callable[[Value], Value], action: str
) -> None:
    with pytest.raises(ConcretizationError, match=action) as refused:
        autograd.compile(body).map([1.0, 2.0])
    assert "test_compiler_guards.py:" in str(refused.value)  # the user's line, not copy.py's


def test_a_traced_value_shows_no_number() -> None:
    shown = []
    autograd.trace(lambda x: shown.append(repr(x * 2)) or x, 3.0)
    assert shown == ["TracedValue(op='mul')"]


def test_a_compiled_result_used_inside_another_compiled_function_is_refused_clearly() -> None:
    w = Value(2.0)
    inner = autograd.compile(lambda x: w * x)([1.0, 2.0])
    with pytest.raises(TypeError, match=r"uses compiled\(<lambda>\)\[2 samples\], the result"):
        autograd.compile(lambda x: x * inner).map([1.0])


# 2, 14, 16. A batch holds real numbers, and nothing else


@pytest.mark.parametrize(
    ("batch", "error", "message"),
    [
        ([Value(1.0), Value(3.0)], TypeError, "holds a Value at sample 0: a batch is data"),
        (["1.5", "2"], TypeError, "must hold real numbers, got an array of <U3"),
        ([1 + 2j], TypeError, "must hold real numbers, got an array of complex128"),
        ([1.0, None], TypeError, r"argument 0\[1\] must be a real number, got NoneType"),
        ([10**400], OverflowError, r"compiled\(<lambda>\): argument 0\[0\] 1000.*too large"),
    ],
)
def test_a_batch_of_anything_but_real_numbers_is_refused_naming_it(
    batch: list[object], error: type[Exception], message: str
) -> None:
    w = Value(1.0)
    with pytest.raises(error, match=message):
        autograd.compile(lambda x: w * x * x)(batch)
    assert w.grad == 0.0


def test_a_batch_of_any_real_numbers_is_taken() -> None:
    from fractions import Fraction

    step = autograd.compile(lambda x: x * 2.0)
    assert step.map([True, 3, Fraction(1, 4), np.int64(5)]).tolist() == [2.0, 6.0, 0.5, 10.0]


# 5. What a trace assumed is checked at every call


def test_a_parameter_replaced_after_the_first_call_is_read_as_eager_reads_it() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    step = autograd.compile(lambda x: model(x)[0])
    step([[1.0, 2.0]])
    model.layers[0].neurons[0].w[0] = Value(100.0)  # replaced in place in a list
    model.layers[1].neurons[0].b = Value(-7.0)  # an attribute set anew
    assert step.map([[1.0, 2.0]])[0] == pytest.approx(model([1.0, 2.0])[0].data, rel=1e-12)
    assert model.layers[1].neurons[0].b in step.program.parameters


def test_a_variable_the_function_reads_rebound_after_the_first_call_is_read_again() -> None:
    w = Value(2.0)
    step = autograd.compile(lambda x: w * x)
    assert step.map([1.0]).tolist() == [2.0]
    w = Value(5.0)
    assert step.map([1.0]).tolist() == [5.0]


def test_a_model_traced_in_eval_and_switched_to_train_is_traced_again() -> None:
    model = nn.MLP(2, [4, 1], seed=0, dropout=0.5).eval()
    step = autograd.compile(lambda x: model(x)[0])
    eval_out = step.map([[1.0, 2.0]])
    model.train()
    with pytest.raises(ConcretizationError, match="Dropout"):  # dropout in training cannot be
        step.map([[1.0, 2.0]])
    model.eval()
    assert step.map([[1.0, 2.0]]).tolist() == eval_out.tolist()


# 7. The caller's arrays are not kept


def test_changing_the_callers_batch_before_backward_changes_nothing() -> None:
    w = Value(0.5)
    step = autograd.compile(lambda x: (w * x) ** 2)
    buffer = np.array([1.0, 2.0, 3.0])
    loss = step(buffer)
    buffer[:] = [10.0, 20.0, 30.0]  # the next batch, read into the same array
    loss.backward()
    assert w.grad == pytest.approx(2 * 0.5 * (1 + 4 + 9) / 3, rel=1e-15)


# 9. An undefined derivative is named as eager names it, parameters or not


def test_an_undefined_derivative_beside_a_parameter_is_eagers_zero_division_error() -> None:
    w = Value(1.0)
    f = lambda x: autograd.sum([w * x, x.sqrt()])  # noqa: E731
    with pytest.raises(
        ZeroDivisionError, match=r"sqrt: the derivative is undefined at sqrt\(0.0\)"
    ):
        f(Value(0.0)).backward()
    with pytest.raises(
        ZeroDivisionError, match=r"sqrt: the derivative is undefined at sqrt\(0.0\) \(sample 0"
    ):
        autograd.compile(f)([0.0, 1.0]).backward()


def test_an_undefined_derivative_in_a_program_without_parameters_still_raises() -> None:
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        Value(0.0).sqrt().backward()
    loss = autograd.compile(lambda x: x.sqrt())([1.0, 0.0])
    assert loss.parents == ()
    with pytest.raises(ZeroDivisionError, match=r"sqrt: the derivative is undefined .*sample 1"):
        loss.backward()


def test_an_undefined_derivative_in_a_program_without_parameters_raises_inside_a_wide_sum() -> None:
    # a sum of many leaves takes backward()'s short way; the call beside them is not a leaf
    loss = autograd.compile(lambda x: x.sqrt())([1.0, 0.0])
    total = autograd.sum([Value(1.0) for _ in range(20)] + [loss])
    with pytest.raises(ZeroDivisionError, match=r"sqrt: the derivative is undefined .*sample 1"):
        total.backward()


# 11. Your own op, written for floats only, runs per sample, right


class Sine(Function):
    @staticmethod
    def forward(x: float) -> float:
        return math.sin(x)

    @staticmethod
    def local_grads(x: float, out: float) -> tuple[float]:
        return (math.cos(x),)


class Step(Function):
    @staticmethod
    def forward(x: float) -> float:
        if x > 0:
            return 1.0
        return 0.0

    @staticmethod
    def local_grads(x: float, out: float) -> tuple[float]:
        return (0.0,)


class Two(Function):
    @staticmethod
    def forward(x: float) -> float:
        return 2.0

    @staticmethod
    def local_grads(x: float, out: float) -> tuple[float]:
        return (0.0,)


@pytest.mark.parametrize("op", [Sine, Step, Two])
def test_an_op_whose_rule_works_on_floats_only_runs_per_sample_with_eagers_numbers(
    op: type[Function],
) -> None:
    w = Value(1.5)
    points = [0.5, -1.0, 2.0]
    with pytest.warns(PerSampleWarning, match=f"{op.name}'s rule does not work on arrays"):
        loss = autograd.compile(lambda x: op.apply(x * w) * w)(points)
    loss.backward()
    compiled_grad, w.grad = w.grad, 0.0
    eager = autograd.mean([op.apply(Value(x) * w) * w for x in points])
    eager.backward()
    assert loss.data == pytest.approx(eager.data, rel=1e-15)
    assert compiled_grad == pytest.approx(w.grad, rel=1e-15)


def test_an_op_written_with_arithmetic_runs_on_whole_arrays_without_a_warning() -> None:
    from tests.autograd.test_function_api import Cube  # the README's example

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert autograd.compile(lambda x: Cube.apply(x)).map([1.0, 2.0]).tolist() == [1.0, 8.0]
