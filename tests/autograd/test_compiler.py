"""autograd.trace and autograd.compile: a function recorded once and replayed, one sample at
a time or for a whole batch with NumPy, against the eager engine: values and gradients to
1e-12, the same errors, and nothing data-dependent baked in silently."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd
import nn
from autograd import ConcretizationError, Function, Value, detect_anomaly, no_grad
from autograd.compiler.codegen import NonFiniteError
from autograd.strategies import Case, expressions
from nn import cases

REL = 1e-12


def close(a: float, b: float, rel: float = REL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-14)


# Tracing: what a program records


def test_trace_records_inputs_parameters_constants_and_instructions() -> None:
    w = Value(0.5, "w")
    program = autograd.trace(lambda x, y: (x[0] * w + x[1]).relu() * y + 2.0, [1.0, 2.0], 3.0)
    assert program.parameters == [w]
    assert program.constants == [2.0]
    assert [a.name for a in program.arguments] == ["x", "y"]
    assert [(i.fn.name, i.operands, i.out) for i in program.instructions] == [
        ("mul", (0, 3), 5),
        ("add", (5, 1), 6),
        ("relu", (6,), 7),
        ("mul", (7, 2), 8),
        ("add", (8, 4), 9),
    ]
    assert program.to_text().splitlines() == [
        "<lambda>(x[2], y): 5 instructions, 1 parameter, 1 constant; returns %9",
        "%0 = input x[0]   data=1",
        "%1 = input x[1]   data=2",
        "%2 = input y      data=3",
        "%3 = parameter    data=0.5  # w",
        "%4 = constant     data=2",
        "%5 = mul(%0, %3)  data=0.5",
        "%6 = add(%5, %1)  data=2.5",
        "%7 = relu(%6)     data=2.5",
        "%8 = mul(%7, %2)  data=7.5",
        "%9 = add(%8, %4)  data=9.5",
    ]


def test_a_program_replays_one_sample_at_new_inputs_and_current_parameters() -> None:
    w = Value(0.5, "w")
    program = autograd.trace(lambda x, y: (x[0] * w + x[1]).relu() * y + 2.0, [1.0, 2.0], 3.0)
    assert program([0.5, -1.0], 2.0) == 2.0  # relu(0.25 - 1) * 2 + 2
    assert program([3.0, 1.0], -1.0) == -0.5
    w.data = 2.0  # parameters are read at every replay
    assert program([3.0, 1.0], -1.0) == -5.0


def test_a_model_traces_with_its_weights_as_parameters_in_a_fixed_order() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    program = autograd.trace(lambda x: model(x)[0], [0.1, 0.2])
    again = autograd.trace(lambda x: model(x)[0], [0.7, -0.2])
    assert program.parameters == again.parameters
    assert set(program.parameters) == set(model.parameters())
    assert program.to_text() != again.to_text()  # the data differ, the listing's shape not
    assert program([0.3, -0.4]) == model([0.3, -0.4])[0].data


@pytest.mark.parametrize(
    ("body", "action"),
    [
        ("if y:\n        return y\n    return -y", "branches on"),
        ("if y > 0:\n        return y\n    return -y", "compares"),
        ("return Value(float(y))", "takes float\\(\\) of"),
        ("return y * int(y)", "takes int\\(\\) of"),
        ("return y + y.data", "reads the .data of"),
        ("return [y, 2 * y][y]", "autograd.take"),
        ("return y.detach() * 2", "detaches"),
        ("with no_grad():\n        z = y * 2\n    return z", "no_grad"),
    ],
)
def test_anything_that_depends_on_the_values_is_refused_naming_the_line(
    body: str, action: str
) -> None:
    namespace: dict = {"Value": Value, "no_grad": no_grad}
    exec(f"def f(x):\n    y = x * 2\n    {body}\n", namespace)
    with pytest.raises(ConcretizationError, match=action) as refused:
        autograd.trace(namespace["f"], 1.5)
    assert "at <string>:" in str(refused.value)
    assert isinstance(refused.value, TypeError)
    assert refused.value._render_traceback_() == [f"ConcretizationError: {refused.value}"]


def test_dropout_in_training_cannot_be_traced_but_in_eval_it_can() -> None:
    model = nn.MLP(2, [4, 1], dropout=0.5, seed=0)
    with pytest.raises(ConcretizationError, match="random mask"):
        autograd.trace(lambda x: model(x)[0], [0.1, 0.2])
    model.eval()
    assert (
        autograd.trace(lambda x: model(x)[0], [0.1, 0.2])([0.3, 0.4]) == model([0.3, 0.4])[0].data
    )


def test_trace_refuses_a_result_that_is_not_a_value() -> None:
    with pytest.raises(TypeError, match="must return a Value or a list of Values"):
        autograd.trace(lambda x: 2.0, 1.0)


# Compiling: a batch at once, one Value back


def moons_setup(points: int = 100):
    X, labels = nn.datasets.moons(points, noise=0.1, seed=1337)
    y = [2 * label - 1 for label in labels]
    model = cases.moons_model(1337)
    return X, y, model


def test_compiled_moons_training_equals_eager_over_eight_steps() -> None:
    X, y, eager_model = moons_setup()
    _, _, compiled_model = moons_setup()
    params = compiled_model.parameters()

    def sample_loss(x: list[Value], label: Value) -> Value:
        (score,) = compiled_model(x)
        return (1 + -label * score).relu()

    step = autograd.compile(sample_loss)
    eager_opt = nn.SGD(eager_model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100)
    compiled_opt = nn.SGD(params, lr=lambda k: 1.0 - 0.9 * k / 100)
    for _ in range(8):
        eager_loss, _ = cases.moons_loss(eager_model, X, y, 1e-4)
        compiled_loss = step(X, y) + 1e-4 * nn.l2_penalty(params)  # composes with eager Values
        assert close(compiled_loss.data, eager_loss.data)
        for loss, opt in ((eager_loss, eager_opt), (compiled_loss, compiled_opt)):
            opt.zero_grad()
            loss.backward()
        for ours, theirs in zip(params, eager_model.parameters(), strict=True):
            assert close(ours.grad, theirs.grad, 1e-11)
        eager_opt.step()
        compiled_opt.step()
    for ours, theirs in zip(params, eager_model.parameters(), strict=True):
        assert close(ours.data, theirs.data, 1e-11)


def test_the_compiled_value_is_one_node_whose_parents_are_the_parameters() -> None:
    X, y, model = moons_setup(20)
    step = autograd.compile(lambda x, label: (1 - label * model(x)[0]).relu())
    loss = step(X, y)
    assert loss.op == "compiled(<lambda>)[20 samples]"
    assert set(loss.parents) == set(model.parameters())
    assert len(loss.parents) == len(model.parameters())
    listing = autograd.to_text(loss).splitlines()
    assert listing[-1].startswith(f"%{len(listing) - 1} = compiled(<lambda>)[20 samples](")
    assert 'label="compiled(<lambda>)[20 samples]"' in autograd.to_dot(loss)


def test_map_gives_every_samples_value_as_a_numpy_array_equal_to_a_loop() -> None:
    X, y, model = moons_setup(30)
    step = autograd.compile(lambda x, label: (1 - label * model(x)[0]).relu())
    per_sample = step.map(np.array(X), np.array(y))
    assert per_sample.dtype == np.float64
    assert per_sample.shape == (30,)
    program = step.program
    for s in range(30):
        assert close(per_sample[s], program(X[s], y[s]))
        assert close(per_sample[s], (1 - y[s] * model(X[s])[0]).relu().data)
    assert close(step(X, y).data, float(per_sample.mean()))


def test_sum_reduction_and_several_outputs_in_map() -> None:
    X, y, model = moons_setup(10)
    total = autograd.compile(lambda x, label: (1 - label * model(x)[0]).relu(), reduction="sum")
    mean = autograd.compile(lambda x, label: (1 - label * model(x)[0]).relu())
    assert close(total(X, y).data, 10 * mean(X, y).data)
    layer = nn.Layer(2, 3, seed=0)
    outputs = autograd.compile(layer)
    rows = outputs.map(X)
    assert rows.shape == (10, 3)
    assert close(rows[4, 2], layer(X[4])[2].data)
    with pytest.raises(TypeError, match=r"returns 3 values for each sample.*\.map"):
        outputs(X)


@pytest.mark.parametrize("n", [3, 70])  # few operands, and more than numpy.choose takes
def test_take_picks_each_samples_operand_and_its_gradient_as_eager_does(n: int) -> None:
    rng = np.random.default_rng(n)
    X, index = rng.normal(size=(12, n - 1)), rng.integers(0, n - 1, size=12).astype(float)
    index[:3] = n - 1  # some samples pick w, the operand that is the same for every sample
    w = Value(0.5)  # a parameter among the operands: one value for every sample

    def picked(x: list[Value], i: Value) -> Value:
        return autograd.take([*(x[k] * (k + 1) for k in range(n - 1)), w], i) * w

    step = autograd.compile(picked)
    eager = [picked([Value(v) for v in X[s]], Value(index[s])) for s in range(12)]
    assert np.array_equal(step.map(X, index), [v.data for v in eager])
    step(X, index).backward()
    compiled_grad, w.grad = w.grad, 0.0
    (sum(eager) / 12).backward()
    assert close(compiled_grad, w.grad)


def test_take_of_parameters_at_each_samples_label_matches_eager() -> None:
    rng = np.random.default_rng(1)
    W = [Value(float(v)) for v in rng.normal(size=5)]  # the same operands for every sample
    X, labels = rng.normal(size=7), rng.integers(0, 5, size=7).astype(float)

    def f(x: Value, label: Value) -> Value:
        return autograd.take(W, label) * x

    step = autograd.compile(f)
    eager = [f(Value(X[s]), Value(labels[s])) for s in range(7)]
    assert np.array_equal(step.map(X, labels), [v.data for v in eager])
    step(X, labels).backward()
    compiled = [w.grad for w in W]
    for w in W:
        w.grad = 0.0
    (sum(eager) / 7).backward()
    assert compiled == pytest.approx([w.grad for w in W], rel=REL, abs=1e-15)


def test_fusion_runs_a_layer_as_one_matrix_product_and_same_ops_as_one_step() -> None:
    X, y, model = moons_setup(10)
    step = autograd.compile(lambda x, label: (1 - label * model(x)[0]).relu())
    step(X, y)
    kinds = [(s.kind, s.fn.name, len(s.members)) for s in step.fused.steps]
    assert kinds[:3] == [("layer", "linear", 16), ("map", "relu", 16), ("layer", "linear", 16)]
    assert ("layer", "linear", 1) in kinds
    assert len(step.fused.steps) < len(step.program.instructions) / 5
    text = step.fused.to_text()
    assert "16 × linear of 16 inputs: one matrix product" in text
    penalty = autograd.compile(
        lambda x: x * 0.0 + autograd.sum([abs(p) for p in model.parameters()])
    )
    penalty([1.0, 2.0])
    assert "1 × sum of 337: one reduction" in penalty.fused.to_text()
    assert "337 × abs" in penalty.fused.to_text()


def test_parameter_only_work_is_done_once_per_call_not_once_per_sample() -> None:
    X, y, model = moons_setup(10)
    params = model.parameters()
    step = autograd.compile(
        lambda x, t: (1 - t * model(x)[0]).relu() + 1e-4 * nn.l2_penalty(params)
    )
    step(X, y)
    once = [s for s in step.fused.steps if not s.batched]
    assert {(s.kind, s.fn.name) for s in once} == {("layer", "linear"), ("map", "mul")}
    assert "once per call" in step.fused.to_text()


@given(
    expressions(max_depth=4, n_inputs=3),
    st.lists(st.floats(-2.0, 2.0), min_size=6, max_size=6),
    st.tuples(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0)),
)
def test_a_traced_expression_replays_at_other_points_as_eager_computes_them(
    expression: object, points: list[float], weights: tuple[float, float]
) -> None:
    """x0 is the input, x1 and x2 parameters: traced at the first point, replayed at five."""
    cases = [Case(expression, (x, *weights)) for x in points]  # type: ignore[arg-type]
    for case in cases:
        assume(case.well_conditioned())
    p1, p2 = Value(weights[0]), Value(weights[1])

    def f(x: Value) -> Value:
        out = expression(x, p1, p2)  # type: ignore[operator]
        return out if isinstance(out, Value) else x * 0.0 + out

    step = autograd.compile(f, reduction="sum")
    step(points[:1])
    replay = points[1:]
    compiled = step(replay)
    compiled.backward()
    values = step.map(replay)
    eager_p1, eager_p2 = Value(weights[0]), Value(weights[1])
    eager_total = 0.0
    for k, x in enumerate(replay):
        out = expression(Value(x), eager_p1, eager_p2)  # type: ignore[operator]
        if isinstance(out, Value):
            out.backward()
            out = out.data
        assert math.isclose(values[k], out, rel_tol=1e-12, abs_tol=1e-12)
        eager_total += out
    assert math.isclose(compiled.data, eager_total, rel_tol=1e-12, abs_tol=1e-11)
    for ours, theirs in ((p1, eager_p1), (p2, eager_p2)):
        assert math.isclose(ours.grad, theirs.grad, rel_tol=1e-12, abs_tol=1e-11)


# Bad input and errors: eager's, with the sample that caused them


def test_arguments_must_match_the_traced_structure() -> None:
    w = Value(1.0)
    step = autograd.compile(lambda x, y: (x[0] * w + x[1]) * y)
    step([[1.0, 2.0]], [3.0])
    with pytest.raises(TypeError, match="takes 2 arguments, got 1"):
        step([[1.0, 2.0]])
    with pytest.raises(
        ValueError, match="each sample of x holds 3 numbers, but the program was traced with 2"
    ):
        step([[1.0, 2.0, 3.0]], [1.0])
    with pytest.raises(
        ValueError,
        match="each sample of y holds 2 numbers, but the program was traced with a number",
    ):
        step([[1.0, 2.0]], [[1.0, 2.0]])
    with pytest.raises(
        ValueError,
        match="each sample of y holds a row of 1 number, but the program was traced with a number",
    ):
        step([[1.0, 2.0]], np.ones((1, 1)))
    rows = autograd.compile(lambda x: x[0] * w)
    rows([[1.0]])
    with pytest.raises(
        ValueError, match="x holds a number, but the program was traced with a row of 1 number"
    ):
        rows([1.0])
    with pytest.raises(ValueError, match="argument 'x' has 1 samples but argument 'y' has 2"):
        step([[1.0, 2.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="argument 'y' holds a NaN or an infinity at sample 1"):
        step([[1.0, 2.0], [3.0, 4.0]], [1.0, math.nan])
    with pytest.raises(TypeError, match="must hold real numbers"):
        step([["a", "b"]], [1.0])
    with pytest.raises(ValueError, match="needs at least one sample"):
        step(np.zeros((0, 2)), np.zeros(0))


def test_a_domain_error_in_one_sample_is_eagers_error_naming_the_sample() -> None:
    w = Value(1.0)
    step = autograd.compile(lambda x: (x * w).log())
    with pytest.raises(ValueError, match="log") as eager:
        Value(-3.0).log()
    with pytest.raises(
        ValueError, match=r"log: the input must be positive, got -3.0 \(sample 2 of 4"
    ) as compiled:
        step([1.0, 2.0, -3.0, 4.0])
    assert str(compiled.value).startswith(str(eager.value))
    divide = autograd.compile(lambda x: w / x)
    with pytest.raises(
        ZeroDivisionError, match=r"div: division by zero: 1.0 / 0.0 \(sample 1 of 3"
    ):
        divide([1.0, 0.0, 2.0])


def test_a_result_too_large_is_an_overflow_error_or_under_anomaly_a_floating_point_error() -> None:
    w = Value(1.0)
    step = autograd.compile(lambda x: (x * w).exp())
    with pytest.raises(
        OverflowError,
        match=r"exp: the result overflows the float range: exp\(710.0\) = inf \(sample 1 of 2",
    ):
        step([1.0, 710.0])
    with detect_anomaly(), pytest.raises(FloatingPointError, match="exp"):
        step([1.0, 710.0])


def test_a_parameter_that_is_not_finite_raises_eagers_error_even_where_relu_would_hide_it() -> None:
    scale = Value(2.0, "scale")
    step = autograd.compile(lambda x: (scale * x).relu(), parameters=[scale])
    step([1.0, -1.0])
    scale.data = -math.inf  # relu(-inf · 1) = 0 and its derivative 0: nothing else would show it
    with pytest.raises(OverflowError, match=r"mul: the result overflows") as eager:
        (scale * Value(1.0)).relu()
    with pytest.raises(OverflowError, match=r"mul: the result overflows .* \(sample 0 of 1"):
        step([1.0])
    assert str(eager.value).startswith("mul: the result overflows the float range")
    for bad in (-math.inf, math.nan):  # a parameters array given as it is: checked alike
        with pytest.raises((OverflowError, ValueError), match="mul: the result"):
            step.value_and_grad(np.array([bad]), [1.0])


def test_a_matrix_products_overflow_that_numpy_does_not_flag_is_found_and_named() -> None:
    """BLAS's threads raise no FloatingPointError; relu(-inf) = 0 would hide the overflow."""
    model = nn.MLP(2, [1, 1], activation="relu", seed=0)
    for w in model.layers[0].neurons[0].w:
        w.data = -1e150  # its square is a float: only the product overflows
    step = autograd.compile(lambda x: model(x)[0])
    step([[0.0, 0.0]])  # traced at a sample that does not overflow
    with pytest.raises(OverflowError, match=r"linear: the result overflows") as eager:
        model([Value(1e200), Value(1e200)])
    batch = [[0.0, 0.0], [1e200, 1e200]]
    with pytest.raises(OverflowError, match=r"linear: the result overflows .*\(sample 1 of 2"):
        step(batch)
    assert str(eager.value).startswith("linear: the result overflows the float range")
    generated, p = step._generated, np.array([v.data for v in step.parameters])
    with np.errstate(all="ignore"), pytest.raises(NonFiniteError):  # as if no flag were raised
        generated.forward(2, np.array(batch), p)
    model.layers[0].neurons[0].w[0].data = math.nan  # eager's words for a NaN too
    with pytest.raises(ValueError, match=r"^linear: the result is not a number: nan \(sample 0"):
        step(batch)


def test_an_undefined_derivative_in_one_sample_raises_at_backward_and_writes_no_grad() -> None:
    w = Value(1.0)
    w.grad = 5.0
    step = autograd.compile(lambda x: (x * w).sqrt())
    loss = step([4.0, 0.0, 1.0])
    with pytest.raises(
        ZeroDivisionError, match=r"sqrt: the derivative is undefined at sqrt\(0.0\) \(sample 1 of 3"
    ):
        loss.backward()
    assert w.grad == 5.0
    with pytest.raises(ZeroDivisionError):  # eager raises the same type
        Value(0.0).sqrt().backward()


def test_softmax_of_inputs_beyond_the_float_range_apart_compiles_like_eager() -> None:
    w = Value(1.0)
    step = autograd.compile(lambda x: autograd.softmax([x[0] * w, x[1]])[0])
    assert step.map([[1e308, -1e308], [0.0, 0.0]]).tolist() == [1.0, 0.5]


def test_higher_order_through_a_compiled_node_says_to_use_the_eager_graph() -> None:
    w = Value(2.0)
    loss = autograd.compile(lambda x: (x * w) ** 2)([1.0, 2.0])
    assert autograd.grad(loss, [w]) == [pytest.approx(10.0)]  # mean of 2x²w: 2w·mean(x²)
    with pytest.raises(TypeError, match="derivatives of derivatives need the eager graph"):
        autograd.grad(loss, [w], create_graph=True)


def test_under_no_grad_the_result_is_a_leaf() -> None:
    w = Value(2.0)
    step = autograd.compile(lambda x: x * w)
    with no_grad():
        loss = step([1.0, 2.0])
    assert (loss.data, loss.parents, loss.op) == (3.0, (), "")


def test_compile_refuses_a_bad_reduction_and_a_non_function() -> None:
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        autograd.compile(lambda x: x, reduction="max")
    with pytest.raises(TypeError, match="expected a function"):
        autograd.compile(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ("mapping", "parameters must be a Value or a sequence of Values, got dict"),
        ("set", "parameters must be a Value or a sequence of Values, got set"),
        ("number", r"parameters\[1\] must be a Value, got float"),
    ],
)
def test_compile_refuses_parameters_that_are_not_values_in_an_order(
    parameters: str, message: str
) -> None:
    w = Value(2.0)
    given = {"mapping": {w: 1}, "set": {w}, "number": [w, 3.0]}[parameters]
    with pytest.raises(TypeError, match=message):
        autograd.compile(lambda x: w * x, parameters=given)  # type: ignore[arg-type]


def test_import_autograd_imports_neither_numpy_nor_the_compiler_until_it_is_used() -> None:
    code = (
        "import sys, autograd; print('numpy' in sys.modules, 'autograd.compiler' in sys.modules);"
        "print('compile' in dir(autograd), 'ConcretizationError' in autograd.__all__);"
        "from autograd import ConcretizationError, compile;"
        "print(compile is autograd.compiler.compile, issubclass(ConcretizationError, TypeError))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False", "True", "True", "True", "True"]
    with pytest.raises(AttributeError, match="no attribute 'compiel'"):
        autograd.compiel  # noqa: B018


def test_has_aux_returns_the_other_outputs_and_leaves_the_gradient_alone() -> None:
    X, y, model = moons_setup(12)
    params = model.parameters()
    plain = autograd.compile(lambda x, label: (1 - label * model(x)[0]).relu())
    with_aux = autograd.compile(
        lambda x, label: [(1 - label * model(x)[0]).relu(), model(x)[0], label * 2],
        has_aux=True,
    )
    plain(X, y).backward()
    expected = [p.grad for p in params]
    model.zero_grad()
    loss, aux = with_aux(X, y)
    loss.backward()
    assert [p.grad for p in params] == pytest.approx(expected, rel=1e-13, abs=1e-15)
    assert aux.shape == (12, 2)
    assert aux[:, 1].tolist() == [2.0 * label for label in y]
    assert close(aux[3, 0], model(X[3])[0].data)
    with pytest.raises(TypeError, match="must return a list"):
        autograd.compile(lambda x, label: label * 2.0, has_aux=True)(X, y)


def test_writing_into_the_auxiliary_outputs_changes_neither_a_gradient_nor_the_inputs() -> None:
    w = [Value(0.5), Value(0.3)]
    roots = autograd.compile(lambda x: [(w[0] * x[0]).sqrt(), (w[1] * x[1]).sqrt()], has_aux=True)
    loss, aux = roots(np.array([[1.0, 2.0], [3.0, 4.0]]))
    aux[:] = 0.0  # the outputs are what sqrt's derivative reads: aux must be a copy
    loss.backward()
    # the mean of sqrt(w₀x₀) over x₀ = 1, 3: d/dw₀ = (1/√0.5 + 3/√1.5) / 4; w₁ feeds only aux
    assert [p.grad for p in w] == pytest.approx([0.25 / 0.5**0.5 + 0.75 / 1.5**0.5, 0.0])
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    picks = autograd.compile(lambda x: [x[0], x[1], x[2]], has_aux=True)
    aux = picks.value_and_grad(np.zeros(0), X)[2]
    aux[:] = -1.0
    assert X.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_an_undefined_derivative_where_no_gradient_is_needed_raises_as_in_eager() -> None:
    w = Value(1.0)
    f = lambda x: x.sqrt() * w  # noqa: E731  # sqrt reads only the input
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        f(Value(0.0)).backward()
    loss = autograd.compile(f)([1.0, 0.0])
    with pytest.raises(
        ZeroDivisionError, match=r"sqrt: the derivative is undefined at sqrt\(0.0\) \(sample 1"
    ):
        loss.backward()


# Generated code: the fused program written out as NumPy source, run fast, checked on failure


def test_the_generated_source_runs_each_layer_as_a_matrix_product_forward_and_back() -> None:
    X, y, model = moons_setup(10)
    step = autograd.compile(
        lambda x, label: (1 - label * model(x)[0]).relu(), parameters=model.parameters()
    )
    step(X, y)
    source = step.source
    assert "def forward(n, x, label, p):" in source
    assert "def backward(n, seed, saved):" in source
    assert "s1 = b1 + x @ W1.T" in source  # Linear's own rule, b + Σ wᵢxᵢ, as a formula
    assert "s2 = np.maximum(s1, 0.0)" in source  # ReLU's rule, max(x, 0), as a formula
    assert "relu_grads(" in source  # a rule that compares is called, on the whole array
    # the weights' gradient: Gᵀ x, summed over the samples, added into a view of gp
    assert "gW1 = gp[0:48].reshape(16, 3)[:, :2]" in source
    assert "gW1 += gs1.T @ x" in source
    assert "gp[2:48:3] += ones @ gs1" in source  # the biases': G summed over the samples, 1ᵀG
    assert "gs2 = gs3 @ W3" in source  # the inputs' gradient: G W, for the 16 neurons of step 3
    assert "gs4 = gs5 * W5" in source  # for the one output neuron an outer product, as G * w
    assert "gs1 = gs2 * d2" in source  # the chain rule through relu's local derivative
    # the parameters in the model's order: every layer's weights are a view, no index array
    assert "I0" not in source
    assert "reshape(16, 3)[:, :2]" in source  # 16 neurons of 2 weights and a bias each


def test_the_fast_variant_runs_ordinary_batches_as_the_checked_one_without_falling_back() -> None:
    X, y, model = moons_setup(25)
    step = autograd.compile(lambda x, label: (1 - label * model(x)[0]).relu())
    step(X, y)
    generated = step._generated
    inputs = [np.array(X), np.array(y, dtype=float).reshape(-1, 1)]
    p = np.array([v.data for v in step.parameters])
    seed = np.full(25, 1 / 25)
    with np.errstate(all="raise"):  # the fast variant alone: any fallback would raise here
        out, saved = generated.forward(25, *inputs, p)
        gradient = generated.backward(25, seed, saved)
    checked_out, checked_saved = generated.checked_forward(25, *inputs, p)
    assert np.array_equal(out, checked_out)
    assert np.array_equal(gradient, generated.checked_backward(25, seed, checked_saved))


def test_value_and_grad_runs_on_a_parameters_array_as_backward_on_the_values() -> None:
    X, y, model = moons_setup(12)
    params = model.parameters()
    step = autograd.compile(lambda x, label: (1 - label * model(x)[0]).relu(), parameters=params)
    loss = step(X, y)
    loss.backward()
    assert step.parameters == tuple(params)
    theta = np.array([p.data for p in params])
    value, gradient, aux = step.value_and_grad(theta, X, y)
    assert value == loss.data
    assert aux is None
    assert np.allclose(gradient, [p.grad for p in params], rtol=1e-13, atol=0)
    moved = theta + 0.01
    assert not np.allclose(step.value_and_grad(moved, X, y)[1], gradient)
    assert not np.allclose(step.map(X, y, parameters=moved), step.map(X, y))
    with pytest.raises(ValueError, match=r"expected a float64 array of the 337 parameters"):
        step.value_and_grad(theta[:-1], X, y)


def test_a_parameters_array_of_ints_counts_as_its_numbers_and_one_of_strings_is_refused() -> None:
    a, b = Value(1.0), Value(1.0)
    step = autograd.compile(lambda x: a * b * x, parameters=[a, b])
    big = 2**40  # as ints, big · big wraps around
    value, gradient, _ = step.value_and_grad(np.array([big, big]), [1.0])
    assert value == float(big) * float(big)
    assert gradient.tolist() == [float(big), float(big)]
    assert step.value_and_grad(np.array([3, 2], dtype=np.uint8), [1.0])[0] == 6.0
    with pytest.raises(TypeError, match=r"the parameters must be real numbers, got an array of"):
        step.value_and_grad(np.array(["1", "2"]), [1.0])


def test_backward_over_a_node_whose_parents_are_all_leaves_takes_them_in_bulk() -> None:
    """One compiled call, one penalty over every parameter: their gradients equal the general
    walk's (forced here by an add on top), leaves accumulate, and a Value that appears twice
    among the parents gets both its parts."""
    X, y, model = moons_setup(8)
    params = model.parameters()
    step = autograd.compile(lambda x, label: (1 - label * model(x)[0]).relu())
    for build in (lambda: step(X, y), lambda: nn.l2_penalty(params)):
        build().backward()
        bulk = [p.grad for p in params]
        build().backward()
        assert [p.grad for p in params] == pytest.approx([2 * g for g in bulk], rel=1e-15)
        model.zero_grad()
        (build() + 0.0).backward()  # two parents: the general walk
        assert [p.grad for p in params] == bulk
        model.zero_grad()
    assert nn.l2_penalty(params).parents.count(params[0]) == 2


class _Grouped(Function):
    """Arithmetic whose grouping matters in floating point: the generated formula must keep it."""

    @staticmethod
    def forward(x: float, y: float) -> float:
        return x * (y * x) - (x - y) / y**2 + -(x**-y)

    @staticmethod
    def local_grads(x: float, y: float, out: float) -> tuple[float, float]:
        return 2 * x * y - 1 / y**2, x * x + (x - 2 * y) / y**3 * -1 - 0.5 * out


def test_a_rule_written_inline_keeps_its_grouping_and_gives_the_rules_own_bits() -> None:
    w = Value(1.3)
    step = autograd.compile(lambda x: _Grouped.apply(x * w, x + 2.0))
    points = np.linspace(0.1, 3.0, 50)
    step(points)
    source = step.source
    assert "_grouped(" not in source.split("def backward")[0]  # forward written inline
    generated = step._generated
    p = np.array([w.data])
    seed = np.full(50, 1 / 50)
    with np.errstate(all="raise"):
        out, saved = generated.forward(50, points.reshape(-1, 1), p)
        gradient = generated.backward(50, seed, saved)
    checked_out, checked_saved = generated.checked_forward(50, points.reshape(-1, 1), p)
    assert np.array_equal(out, checked_out)  # the checked variant calls the rule itself
    assert np.array_equal(gradient, generated.checked_backward(50, seed, checked_saved))


def test_a_program_of_thousands_of_matrix_products_checks_them_in_lines_of_a_hundred() -> None:
    """Each product's Σ x² is in the finite check; Python's compiler recurses once per +, so
    3,000 of them in one expression could not be compiled."""
    weights = [Value(0.5 + 1e-4 * i) for i in range(3000)]

    def deep(x: Value) -> Value:
        for w in weights:
            x = autograd.linear([x], [w], 0.01)
        return x

    step = autograd.compile(deep)
    loss = step([1.0, 2.0])
    assert step.source.count("squares += ") == 30  # 3,001 terms: p, then 3,000 products
    with no_grad():
        expected = (deep(Value(1.0)).data + deep(Value(2.0)).data) / 2
    assert close(loss.data, expected)


def test_a_long_program_runs_in_chunks_with_the_same_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A chain where nothing fuses is one generated step per op: past a length it is compiled
    and run in chunks of whole steps (here made short, to keep the test quick)."""
    from autograd.compiler import codegen

    x = Value(0.5)

    def chain(s: Value) -> Value:
        y = s * x
        for k in range(60):
            y = (y + x) * 0.99 if k % 2 else (y + x).tanh()
        return y

    whole = autograd.compile(chain)
    whole([0.3, 0.7]).backward()
    expected, x.grad = x.grad, 0.0
    monkeypatch.setattr(codegen, "_KEPT_LINES", 50)
    monkeypatch.setattr(codegen, "_CHUNK_LINES", 20)
    chunked = autograd.compile(chain)
    loss = chunked([0.3, 0.7])
    assert isinstance(chunked._generated.forward, codegen._Chunked)
    assert len(chunked._generated.forward.chunks) > 5
    loss.backward()
    assert x.grad == expected
    assert loss.data == whole([0.3, 0.7]).data
    assert chunked.source == whole.source  # written again on demand, the same
