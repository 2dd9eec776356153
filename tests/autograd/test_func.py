"""Forward mode and the function transforms (jvp, vjp, jacobian, jacfwd, jacrev, hvp): the
worked example by hand, every op against its closed form and central differences, forward
against reverse on random functions, and PyTorch's torch.func in float64."""

from __future__ import annotations

import collections
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import (
    Value,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    no_grad,
    vjp,
)
from autograd.func import _Linearization
from autograd.strategies import Case, expressions
from tests.autograd.test_ops import ALL
from tests.helpers import central_differences, z_example


def x_y_z(w: Value, b: Value) -> list[Value]:
    x = 2 * w + b
    y = b + 1
    return [x, y, x * y]


def test_jvp_of_the_worked_example_gives_each_partial_derivative() -> None:
    assert jvp(z_example, (3.0, 4.0), (1.0, 0.0)) == (50.0, 10.0)
    assert jvp(z_example, (3.0, 4.0), (0.0, 1.0)) == (50.0, 15.0)
    # the source's sensitivity: nudge b by 0.1 and z moves by about 15 · 0.1
    assert jvp(z_example, (3.0, 4.0), (0.0, 0.1))[1] == pytest.approx(1.5)


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_of_x_y_z_with_respect_to_w_b_in_every_mode(mode: str) -> None:
    assert jacobian(x_y_z, [3.0, 4.0], mode=mode) == [[2.0, 1.0], [0.0, 1.0], [10.0, 15.0]]


def test_a_jacobian_takes_one_sweep_per_input_forward_or_one_per_output_in_reverse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sweeps: list[str] = []
    for direction in ("push", "pull"):
        method = getattr(_Linearization, direction)

        def counted(self, *args, method=method, direction=direction):
            sweeps.append(direction)
            return method(self, *args)

        monkeypatch.setattr(_Linearization, direction, counted)
    jacfwd(x_y_z, [3.0, 4.0])
    assert sweeps == ["push"] * 2  # two inputs
    sweeps.clear()
    jacrev(x_y_z, [3.0, 4.0])
    assert sweeps == ["pull"] * 3  # three outputs
    sweeps.clear()
    jacobian(x_y_z, [3.0, 4.0])  # auto: fewer inputs than outputs, so forward
    assert sweeps == ["push"] * 2


def test_jacfwd_and_jacrev_are_the_explicit_modes() -> None:
    expected = [[2.0, 1.0], [0.0, 1.0], [10.0, 15.0]]
    assert jacfwd(x_y_z, [3.0, 4.0]) == jacrev(x_y_z, [3.0, 4.0]) == expected
    assert jacfwd(z_example, [3.0, 4.0]) == jacrev(z_example, [3.0, 4.0]) == [10.0, 15.0]


def test_jvp_of_a_list_gives_a_list_of_tangents() -> None:
    assert jvp(x_y_z, (3.0, 4.0), (0.0, 1.0)) == ([10.0, 5.0, 50.0], [1.0, 1.0, 15.0])


def test_vjp_pulls_a_cotangent_back_to_every_primal() -> None:
    value, vjp_fn = vjp(z_example, 3.0, 4.0)
    assert value == 50.0
    assert vjp_fn(1.0) == (10.0, 15.0)
    assert vjp_fn(2.0) == (20.0, 30.0)  # linear in the cotangent, and reusable
    values, pull = vjp(x_y_z, 3.0, 4.0)
    assert values == [10.0, 5.0, 50.0]
    assert pull([0.0, 0.0, 1.0]) == (10.0, 15.0)
    assert pull([1.0, 1.0, 1.0]) == (12.0, 17.0)


def test_grad_of_several_outputs_with_their_seeds_is_a_vector_jacobian_product() -> None:
    w, b = Value(3.0), Value(4.0)
    x, y, z = x_y_z(w, b)
    assert grad([x, y, z], [w, b]) == [12.0, 17.0]
    assert grad([x, y, z], [w, b], grad_outputs=[1.0, -2.0, 0.5]) == [7.0, 6.5]
    assert grad([z, z], [w, b], grad_outputs=[1.0, 1.0]) == [20.0, 30.0]
    with pytest.raises(ValueError, match="grad: 3 outputs but 2 grad_outputs"):
        grad([x, y, z], [w, b], grad_outputs=[1.0, 2.0])


def test_grad_outputs_may_be_values_for_higher_order() -> None:
    x = Value(2.0)
    seed = Value(3.0)
    (g,) = grad(x**3, [x], grad_outputs=[seed], create_graph=True)
    assert g.data == 36.0  # 3 · 3x²
    assert grad(g, [x, seed]) == [36.0, 12.0]  # 3 · 6x, and 3x²


def test_hvp_equals_the_hessian_times_v() -> None:
    def f(x: Value, y: Value, z: Value) -> Value:
        return (x * y).sin() + z.exp() * x**2 - (y * z).tanh()

    at, v = [0.3, -1.2, 0.7], [0.5, 2.0, -1.0]
    h = hessian(f, at)
    expected = [math.fsum(h[i][j] * v[j] for j in range(3)) for i in range(3)]
    assert hvp(f, at, v) == pytest.approx(expected, rel=1e-13)
    assert hvp(z_example, [3.0, 4.0], [1.0, 0.0]) == [0.0, 2.0]


def test_jvp_of_grad_is_a_column_of_the_hessian() -> None:
    def f(x: Value, y: Value) -> Value:
        return x**3 * y + (x - y).exp()

    def gradient(x: Value, y: Value) -> list[Value]:
        return grad(f(x, y), [x, y], create_graph=True)

    h = hessian(f, [0.5, 1.5])
    for j in range(2):
        direction = [1.0 if i == j else 0.0 for i in range(2)]
        _, column = jvp(gradient, (0.5, 1.5), direction)
        assert column == pytest.approx([h[0][j], h[1][j]], rel=1e-13)


POINTS = [(case, point) for case in ALL for point in case.points]


@pytest.mark.parametrize(("case", "point"), POINTS, ids=[f"{c}{p}" for c, p in POINTS])
def test_every_ops_jvp_matches_its_closed_form_and_central_differences(
    case: object, point: tuple[float, ...]
) -> None:
    closed_form = case.grads(*point)  # type: ignore[attr-defined]
    numeric = central_differences(case.build, point)  # type: ignore[attr-defined]
    for j in range(len(point)):
        direction = [1.0 if i == j else 0.0 for i in range(len(point))]
        value, tangent = jvp(case.build, point, direction)  # type: ignore[attr-defined]
        assert value == pytest.approx(case.value(*point), rel=1e-12)  # type: ignore[attr-defined]
        assert tangent == pytest.approx(closed_form[j], rel=1e-12, abs=1e-15)
        assert tangent == pytest.approx(numeric[j], rel=1e-6, abs=1e-8)


@given(
    st.lists(expressions(max_depth=4, n_inputs=3), min_size=1, max_size=4),
    st.tuples(*[st.floats(-2.0, 2.0)] * 3),
)
def test_jacfwd_equals_jacrev_on_random_functions_of_several_outputs(
    parts: list, inputs: tuple[float, ...]
) -> None:
    cases = [Case(expression, inputs) for expression in parts]
    for case in cases:
        assume(case.well_conditioned())

    def f(*xs: Value) -> list[Value]:
        return [case.f(*xs) for case in cases]

    forward, reverse = jacfwd(f, inputs), jacrev(f, inputs)
    for row_f, row_r in zip(forward, reverse, strict=True):
        assert row_f == pytest.approx(row_r, rel=1e-12, abs=1e-12)


def test_transforms_work_inside_no_grad() -> None:
    with no_grad():
        assert jvp(z_example, (3.0, 4.0), (0.0, 1.0)) == (50.0, 15.0)
        assert jacobian(x_y_z, [3.0, 4.0]) == [[2.0, 1.0], [0.0, 1.0], [10.0, 15.0]]
        assert hvp(z_example, [3.0, 4.0], [0.0, 1.0]) == [2.0, 2.0]


def test_jvp_through_a_million_op_chain_needs_no_recursion() -> None:
    def chain(x: Value) -> Value:
        y = x
        for _ in range(10**6):
            y = y + x
        return y

    assert jvp(chain, (0.5,), (1.0,)) == (0.5 * (10**6 + 1), 10**6 + 1.0)


def test_an_undefined_derivative_is_the_same_error_as_in_backward() -> None:
    with pytest.raises(ZeroDivisionError) as backward_error:
        Value(0.0).sqrt().backward()
    with pytest.raises(ZeroDivisionError) as forward_error:
        jvp(lambda x: x.sqrt(), (0.0,), (1.0,))
    assert str(forward_error.value) == str(backward_error.value)
    with pytest.raises(ZeroDivisionError, match="sqrt: the derivative is undefined"):
        jacfwd(lambda x: [x.sqrt()], [0.0])


def test_a_tangent_too_large_for_a_float_is_an_overflow_error_naming_the_op() -> None:
    with pytest.raises(OverflowError, match=r"the tangent of mul\(.*\) is inf"):
        jvp(lambda x: x * 1e300, (1.0,), (1e10,))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: jvp(z_example, (3.0, 4.0), (1.0,)), ValueError, "jvp: 2 primals but 1 tangents"),
        (lambda: jvp(z_example, 3.0, (1.0,)), TypeError, "jvp: primals must be a sequence"),
        (lambda: jvp(lambda x: 2.0, (1.0,), (1.0,)), TypeError, "jvp: f must return a Value"),
        (lambda: jacobian(z_example, [3.0, 4.0], mode="both"), ValueError, "mode must be 'auto'"),
        (lambda: hvp(x_y_z, [3.0, 4.0], [1.0, 0.0]), TypeError, "hvp: f must return one Value"),
        (lambda: vjp(x_y_z, 3.0, 4.0)[1]([1.0]), ValueError, "3 outputs but 1 cotangents"),
    ],
)
def test_bad_arguments_get_clear_errors(call, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: jvp(lambda x: x * x, [1.0], {0: 1.0}), "jvp: tangents must be a sequence"),
        (lambda: jvp(lambda x: x * x, [1.0], {1.0}), "jvp: tangents must be a sequence"),
        (lambda: jvp(lambda x: x * x, {1.0: 0}, [1.0]), "jvp: primals must be a sequence"),
        (lambda: hvp(lambda x: x * x, [1.0], {0: 1.0}), "hvp: v must be a sequence"),
        (lambda: jacobian(lambda x: x * x, {1.0: 0}), "jacobian: inputs must be a sequence"),
        (lambda: jacfwd(lambda x: x * x, {1.0}), "jacobian: inputs must be a sequence"),
        (lambda: vjp(lambda x: [x, x], 1.0)[1]({0: 1.0, 1: 2.0}), "vjp_fn: cotangents must be"),
        (lambda: vjp(lambda x: x, 1.0)[1]([1.0]), r"vjp_fn: cotangents\[0\] must be a real"),
        (lambda: vjp(lambda x: x, 1j), r"vjp: primals\[0\] must be a real number, got complex"),
        (lambda: jvp(lambda x: x, [1.0], [1j]), r"jvp: tangents\[0\] must be a real number"),
    ],
)
def test_a_mapping_a_set_or_a_complex_number_is_refused_not_misread(call, message: str) -> None:
    """jvp(f, [1.], {0: 1.}) once took the dict's keys as the tangents."""
    with pytest.raises(TypeError, match=message):
        call()


def test_hessian_inside_no_grad_is_the_hessian() -> None:
    with no_grad():
        assert hessian(lambda x, y: x**3 * y, [1.0, 2.0]) == [[12.0, 3.0], [3.0, 0.0]]


def test_reverse_mode_is_not_stopped_by_an_infinite_gradient_of_a_constant() -> None:
    def f(x: Value) -> Value:  # 1e-300·x²: the constant's gradient x² overflows, x's is 2e-100
        return (1e-300 * x) * x

    assert jacfwd(f, [1e200]) == jacrev(f, [1e200]) == [2e-100]
    assert vjp(f, 1e200)[1](1.0) == (2e-100,)
    pull_back = vjp(lambda x: 1e300 * x, 1.0)[1]  # x's own gradient still must be finite
    with pytest.raises(OverflowError, match=r"the gradient of the leaf 1\.0 is inf"):
        pull_back(1e10)


def test_a_jacobian_of_no_inputs_has_a_separate_empty_row_per_output() -> None:
    rows = jacfwd(lambda: [Value(1.0), Value(2.0)], [])
    assert rows == [[], []]
    rows[0].append(99.0)
    assert rows[1] == []


@pytest.mark.parametrize(
    "call",
    [
        lambda: jvp(3, [1.0], [1.0]),
        lambda: vjp(3, 1.0),
        lambda: jacobian(3, [1.0]),
        lambda: hvp(3, [1.0], [1.0]),
        lambda: hessian(3, [1.0]),
    ],
)
def test_a_function_that_is_not_callable_is_named_as_such(call) -> None:
    with pytest.raises(TypeError, match=r"^\w+: expected a function, got int$"):
        call()


def test_results_come_back_as_f_returns_its_outputs_a_tuple_as_a_tuple() -> None:
    def as_tuple(x: Value, y: Value) -> tuple[Value, Value]:
        return x, y * x

    def as_list(x: Value, y: Value) -> list[Value]:
        return [x, y * x]

    assert jvp(as_tuple, [1.0, 2.0], [1.0, 0.0]) == ((1.0, 2.0), (1.0, 2.0))  # torch.func's
    assert vjp(as_tuple, 1.0, 2.0)[0] == (1.0, 2.0)
    assert jacrev(as_tuple, [1.0, 2.0]) == jacfwd(as_tuple, [1.0, 2.0]) == ([1.0, 0.0], [2.0, 1.0])
    assert jvp(as_list, [1.0, 2.0], [1.0, 0.0]) == ([1.0, 2.0], [1.0, 2.0])
    pair = collections.namedtuple("pair", "first second")
    _, tangent = jvp(lambda x, y: pair(x, y * x), [1.0, 2.0], [1.0, 0.0])
    assert tangent == pair(1.0, 2.0)
    assert type(tangent) is pair
    assert jacrev(as_list, [1.0, 2.0]) == [[1.0, 0.0], [2.0, 1.0]]
