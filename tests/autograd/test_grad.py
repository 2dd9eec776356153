"""autograd.grad and autograd.hessian: gradients as results, and derivatives of derivatives."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import autograd
from autograd import Value, grad, hessian, no_grad
from tests.autograd.test_ops import SECOND, UNARY, Case
from tests.helpers import central_differences


def test_second_and_third_derivative_of_a_cube() -> None:
    x = Value(2.0, "x")
    (first,) = grad(x**3, [x], create_graph=True)
    (second,) = grad(first, [x], create_graph=True)
    (third,) = grad(second, [x])
    assert (first.data, second.data, third) == (12.0, 12.0, 6.0)


def test_hessian_of_the_worked_example_in_w_b_order() -> None:
    assert hessian(lambda w, b: (2 * w + b) * (b + 1), [3.0, 4.0]) == [[0.0, 2.0], [2.0, 2.0]]


def test_newton_drives_the_worked_example_to_60_in_four_steps() -> None:
    b = 4.0
    path = []
    for _ in range(4):
        w_, b_ = Value(3.0), Value(b)
        z = (2 * w_ + b_) * (b_ + 1)
        (slope,) = grad(z, [b_])
        b -= (z.data - 60.0) / slope
        path.append(b)
    assert path[:3] == pytest.approx([4.666667, 4.6394558, 4.6394102982], abs=1e-6)
    assert path[3] == pytest.approx(4.639410298049853, rel=1e-15)
    assert (2 * 3.0 + b) * (b + 1) == pytest.approx(60.0, rel=1e-14)


def test_grad_leaves_every_grad_untouched() -> None:
    w, b = Value(3.0), Value(4.0)
    w.grad = 7.0
    z = (2 * w + b) * (b + 1)
    assert grad(z, [w, b]) == [10.0, 15.0]
    assert (w.grad, b.grad, z.grad) == (7.0, 0.0, 0.0)


def test_float_gradients_are_bitwise_those_of_backward() -> None:
    x, y, z = xs = [Value(v) for v in (0.3, -1.7, 2.2)]
    out = autograd.sum([(x * y).tanh() * z.exp(), (y / z).sin() * x, x.relu() * y.sigmoid()])
    expected = grad(out, xs)
    out.backward()
    assert expected == [x.grad for x in xs]


def test_grad_with_respect_to_an_intermediate_node() -> None:
    w, b = Value(3.0), Value(4.0)
    x = 2 * w + b
    z = x * (b + 1)
    assert grad(z, [x]) == [5.0]


def test_a_single_value_as_inputs_still_gives_a_list() -> None:
    x = Value(1.5)
    assert grad(x * x, x) == [3.0]


def test_create_graph_gives_values_leading_back_to_the_inputs() -> None:
    x, y = Value(2.0, "x"), Value(3.0, "y")
    dx, dy = grad(x * y + x, [x, y], create_graph=True)
    assert isinstance(dx, Value)
    assert isinstance(dy, Value)
    assert (dx.data, dy.data) == (4.0, 2.0)
    assert grad(dx, [y]) == [1.0]


def test_a_constant_gradient_is_a_value_with_create_graph() -> None:
    x, y = Value(2.0), Value(3.0)
    dx, dy = grad(x + y, [x, y], create_graph=True)
    assert (type(dx), dx.data, dy.data) == (Value, 1.0, 1.0)
    with pytest.raises(ValueError, match="does not depend on inputs"):
        grad(dx, [x])
    assert grad(dx, [x], allow_unused=True) == [0.0]


def test_create_graph_records_even_inside_no_grad() -> None:
    x = Value(2.0)
    y = x**3
    with no_grad():
        (first,) = grad(y, [x], create_graph=True)
    assert grad(first, [x]) == [12.0]


def test_unused_input_raises_naming_it_unless_allowed() -> None:
    x, y = Value(1.0, "x"), Value(2.0, "y")
    with pytest.raises(ValueError, match=r"inputs\[1\] \(y=2.0\).*allow_unused=True"):
        grad(x * 3, [x, y])
    assert grad(x * 3, [x, y], allow_unused=True) == [3.0, 0.0]
    assert [g.data for g in grad(x * 3, [x, y], create_graph=True, allow_unused=True)] == [
        3.0,
        0.0,
    ]


@pytest.mark.parametrize("create_graph", [False, True])
def test_an_undefined_derivative_raises_naming_the_op(create_graph: bool) -> None:
    x = Value(0.0, "x")
    undefined = r"sqrt: the derivative is undefined at sqrt\(x=0.0\)"
    with pytest.raises(ZeroDivisionError, match=undefined):
        grad(x.sqrt(), [x], create_graph=create_graph)


def test_an_overflowing_gradient_raises() -> None:
    x = Value(5e-324, "x")  # log(x) is finite, its derivative 1/x is not
    with pytest.raises(OverflowError, match=r"grad: the gradient with respect to inputs\[0\]"):
        grad(x.log(), [x])


def test_bad_arguments_are_type_errors() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="grad: outputs must be a Value or a sequence of Values"):
        grad(1.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] must be a Value, got int"):
        grad(x * 2, [x, 3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="hessian: f must return a Value, got float"):
        hessian(lambda a: 2.0, [1.0])
    with pytest.raises(TypeError, match=r"hessian: inputs\[0\] must be a real number, got str"):
        hessian(lambda a: a * a, ["1"])  # type: ignore[list-item]


@pytest.mark.parametrize("case", UNARY, ids=str)
def test_second_derivative_of_each_unary_op_matches_its_closed_form(case: Case) -> None:
    for (at,) in case.points:
        assert hessian(case.build, [at]) == [
            [pytest.approx(SECOND[case.op](at), rel=1e-12, abs=1e-15)]
        ]


def _log_sum_exp_hessian(*xs: float) -> list[list[float]]:
    top = max(xs)
    total = math.fsum(math.exp(x - top) for x in xs)
    p = [math.exp(x - top) / total for x in xs]
    n = len(xs)
    return [[(p[i] if i == j else 0.0) - p[i] * p[j] for j in range(n)] for i in range(n)]


# Hessians of the ops of several operands, worked out by hand.
HESSIANS: list[tuple[str, Callable[..., Value], Callable[..., list[list[float]]], list]] = [
    ("add", lambda x, y: x + y, lambda x, y: [[0, 0], [0, 0]], [(1.0, 2.0)]),
    ("sub", lambda x, y: x - y, lambda x, y: [[0, 0], [0, 0]], [(1.0, 2.0)]),
    ("mul", lambda x, y: x * y, lambda x, y: [[0, 1], [1, 0]], [(1.5, -2.0)]),
    (
        "div",
        lambda x, y: x / y,
        lambda x, y: [[0, -1 / y**2], [-1 / y**2, 2 * x / y**3]],
        [(1.5, -2.0), (3.0, 0.5)],
    ),
    (
        "pow",
        lambda x, y: x**y,
        lambda x, y: [
            [y * (y - 1) * x ** (y - 2), x ** (y - 1) * (1 + y * math.log(x))],
            [x ** (y - 1) * (1 + y * math.log(x)), x**y * math.log(x) ** 2],
        ],
        [(2.0, 3.0), (0.5, -1.5), (1.7, 0.3)],
    ),
    (
        "leaky_relu",
        lambda x, s: x.leaky_relu(s),
        lambda x, s: [[0, 0], [0, 0]] if x > 0 else [[0, 1], [1, 0]],
        [(1.5, 0.1), (-2.0, 0.2)],
    ),
    ("sum", lambda *xs: autograd.sum(xs), lambda *xs: [[0] * 3] * 3, [(1.0, 2.0, 3.0)]),
    (
        "linear",  # operands b, w0, x0, w1, x1: only ∂²/∂wᵢ∂xᵢ = 1
        lambda b, w0, x0, w1, x1: autograd.linear([x0, x1], [w0, w1], b),
        lambda *_: [
            [0, 0, 0, 0, 0],
            [0, 0, 1, 0, 0],
            [0, 1, 0, 0, 0],
            [0, 0, 0, 0, 1],
            [0, 0, 0, 1, 0],
        ],
        [(0.5, 2.0, -1.5, 0.25, 3.0)],
    ),
    ("logsumexp", lambda *xs: autograd.logsumexp(xs), _log_sum_exp_hessian, [(0.5, -1.0, 2.0)]),
]


@pytest.mark.parametrize(
    ("op", "build", "expected", "points"), HESSIANS, ids=[h[0] for h in HESSIANS]
)
def test_hessian_of_each_op_of_several_operands_matches_its_closed_form(
    op: str, build: Callable[..., Value], expected: Callable, points: list
) -> None:
    for at in points:
        found = hessian(build, list(at))
        for row, want in zip(found, expected(*at), strict=True):
            assert row == pytest.approx(want, rel=1e-12, abs=1e-14)


def test_hessian_is_the_numerical_derivative_of_grad() -> None:
    def f(x: Value, y: Value, z: Value) -> Value:
        return (x * y).tanh() * z.exp() + (x / z).sin() - y.softplus() * x.swish()

    at = [0.4, -1.3, 0.8]
    found = hessian(f, at)
    for i in range(3):
        row = central_differences(lambda *vs, i=i: grad(f(*vs), list(vs), create_graph=True)[i], at)
        assert found[i] == pytest.approx(row, rel=1e-6, abs=1e-8)
    for i in range(3):
        assert [found[j][i] for j in range(3)] == pytest.approx(found[i], rel=1e-12)


def test_pow_keeps_its_second_derivative_at_a_zero_exponent() -> None:
    # exp(x) ** x = e^(x²): the second derivative is 2 at 0 (PyTorch's pow rule gives 1 there)
    assert hessian(lambda x: x.exp() ** x, [0.0]) == [[2.0]]
    assert hessian(lambda x, y: x**y, [3.0, 0.0])[0][1] == pytest.approx(1 / 3, rel=1e-15)


def test_a_value_seed_without_create_graph_gives_floats_and_records_nothing() -> None:
    """As torch.autograd.grad: without create_graph, a seed's value is used, and the
    gradients are plain numbers, with no graph behind them."""
    a = Value(3.0, "a")
    seed = Value(2.0, "seed")
    (g,) = grad(a * a, [a], grad_outputs=seed)
    assert (type(g), g) == (float, 12.0)  # 2 · 2a
    assert grad([a * a, a], [a], grad_outputs=[seed, 1.0]) == [13.0]
    (h,) = grad(a * a, [a], grad_outputs=seed, create_graph=True)
    assert isinstance(h, Value)
    assert seed in autograd.topological_order(h)  # with create_graph the seed is in the graph


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: grad(x * 2, {x}), "grad: inputs must be a Value or a sequence of Values"),
        (lambda x: grad(x * 2, {x: 1}), "grad: inputs must be a Value or a sequence of Values"),
        (lambda x: grad({x * 2: 1}, [x]), "grad: outputs must be a Value or a sequence"),
        (lambda x: grad(x * 2, [x], grad_outputs={x: 5.0}), "grad: grad_outputs must be"),
        (lambda x: grad(x * 2, [x], grad_outputs=1j), r"grad: grad_outputs must be .*complex"),
        (lambda x: grad(x * 2, [x], grad_outputs=[1j]), r"grad_outputs\[0\] must be a real"),
        (lambda x: grad(x * 2, [x], grad_outputs="1"), "grad: grad_outputs must be"),
        (lambda x: hessian(lambda a: a * a, {1.0: 0}), "hessian: inputs must be a sequence"),
    ],
)
def test_a_mapping_a_set_or_a_non_number_is_refused_not_misread(call, message: str) -> None:
    """A dict of seeds once gave its keys (Values) as the seeds; a set of inputs its own
    order (by memory address)."""
    with pytest.raises(TypeError, match=message):
        call(Value(1.0, "x"))


class ComplexRule(autograd.Function):
    """A custom op whose derivative is complex: an error, whatever the mode."""

    @staticmethod
    def forward(x: float) -> float:
        return 2 * x

    @staticmethod
    def local_grads(x: object, out: object) -> tuple:
        return (1j,)


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_rule_with_a_complex_derivative_is_a_type_error_naming_the_op(create_graph: bool) -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"complexrule: local_grads must return one real number"):
        grad(ComplexRule.apply(x), [x], create_graph=create_graph)


class NumpyRule(autograd.Function):
    """A custom op whose derivative is a NumPy scalar: taken as a float."""

    @staticmethod
    def forward(x: float) -> float:
        return 2 * x

    @staticmethod
    def local_grads(x: object, out: object) -> tuple:
        np = pytest.importorskip("numpy")
        return (np.float64(2.0),)


def test_a_numpy_derivative_becomes_a_float_in_a_graph_of_gradients() -> None:
    x = Value(1.0)
    (g,) = grad(NumpyRule.apply(x), [x], create_graph=True)
    assert (type(g.data), g.data) == (float, 2.0)


def test_a_value_seed_inside_a_compiled_function_is_traced_not_read() -> None:
    """Inside a traced function grad records its derivative, seeds included: reading the
    seed's value there would bake the first sample's into the program."""

    def f(x: Value) -> Value:
        (g,) = grad(x * x * x, [x], grad_outputs=x)  # x · 3x² = 3x³
        return g

    compiled = autograd.compile(f)
    assert compiled.map([1.0, 2.0, 3.0]).tolist() == [3.0, 24.0, 81.0]
