"""autograd.testing: numerical_grad, gradcheck, gradgradcheck, assert_grads and assert_close,
including what their failure messages say."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from autograd import Function, Value
from autograd.testing import (
    GradcheckError,
    NotCloseError,
    assert_close,
    assert_grads,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)
from tests.helpers import z_example


class WrongCube(Function):
    """x³ with a deliberately wrong derivative: 2x² instead of 3x²."""

    @staticmethod
    def forward(x: float) -> float:
        return x**3

    @staticmethod
    def local_grads(x: float, out: float) -> tuple[float]:
        return (2 * x**2,)


class FlatExp(Function):
    """e^x whose rule calls math.exp, which turns a Value into a float and loses its graph:
    right first derivatives, wrong second ones."""

    @staticmethod
    def forward(x: float) -> float:
        return math.exp(x)

    @staticmethod
    def local_grads(x: float, out: float) -> tuple[float]:
        return (math.exp(x),)


def test_numerical_grad_of_the_worked_example() -> None:
    assert numerical_grad(z_example, [3.0, 4.0]) == pytest.approx([10.0, 15.0], rel=1e-8)


def test_numerical_grad_is_exact_for_a_linear_function_to_rounding() -> None:
    assert numerical_grad(lambda x, y: 3 * x - y, [1.0, 2.0], eps=0.5) == [3.0, -1.0]


def test_gradcheck_passes_on_the_worked_example() -> None:
    assert gradcheck(z_example, [3.0, 4.0]) is True


def test_gradcheck_catches_a_wrong_derivative_with_a_table() -> None:
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, y: WrongCube.apply(x) * y, [2.0, 1.5])
    message = str(caught.value)
    assert isinstance(caught.value, AssertionError)
    assert message.splitlines()[0] == (
        "gradcheck: backward() against central differences at x=2, y=1.5"
    )
    assert message.splitlines()[1] == (
        "1 of 2 gradients failed: pass if abs error <= atol + rtol·|numeric|, "
        "atol=1e-05, rtol=0.001, eps=1e-06"
    )
    header, x_row, y_row = message.splitlines()[3:6]
    assert header.split() == [
        *("gradient", "analytic", "numeric", "abs", "error", "rel", "error", "verdict")
    ]
    assert x_row.split() == ["x", "12", "18", "6", "0.333", "WRONG"]  # rel error 6 / 18
    assert y_row.split()[0] == "y"
    assert y_row.split()[-1] == "ok"


def test_in_a_notebook_a_failed_check_shows_its_table_not_the_frames_that_raised_it() -> None:
    with pytest.raises(GradcheckError) as caught:
        assert_grads(z_example(Value(3.0, "w"), Value(4.0, "b")), {"w": 10, "b": 14})
    shown = caught.value._render_traceback_()  # what IPython prints instead of a traceback
    assert shown[0] == f"GradcheckError: {str(caught.value).splitlines()[0]}"
    assert shown[1:] == str(caught.value).splitlines()[1:]
    assert shown[-1].split() == ["b", "15", "14", "1", "0.0714", "WRONG"]  # 1 / 14


def scaled_line(factor: float) -> type[Function]:
    """4x whose derivative is 4 times ``factor``: wrong by a relative error of factor - 1.
    (A straight line: its one-sided slopes agree, so no row reads as a kink.)"""

    class ScaledLine(Function):
        @staticmethod
        def forward(x: float) -> float:
            return 4 * x

        @staticmethod
        def local_grads(x: float, out: float) -> tuple[float]:
            return (4 * factor,)

    return ScaledLine


@pytest.mark.parametrize(
    ("factor", "rtol", "rel_error", "verdict"),
    [
        (1.5, 1e-3, "0.5", "WRONG"),
        (1.003, 1e-3, "0.003", "SUSPICIOUS"),
        (1.00005, 1e-6, "5e-05", "OFF"),
    ],
)
def test_gradcheck_verdict_reads_the_rel_error_column(
    factor: float, rtol: float, rel_error: str, verdict: str
) -> None:
    """The rel error column is |analytic - numeric| / |numeric|, what rtol bounds; a failing
    row is WRONG above 1e-2, SUSPICIOUS above 1e-4 and OFF below, as the README says."""
    line = scaled_line(factor)
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x: line.apply(x), [2.0], rtol=rtol, atol=0.0)
    row = str(caught.value).splitlines()[-1].split()
    assert row[0] == "x"
    assert float(row[2]) == pytest.approx(4.0, rel=1e-8)
    assert (row[4], row[5]) == (rel_error, verdict)


def test_rel_error_against_a_zero_reference_is_infinite() -> None:
    with pytest.raises(GradcheckError) as caught:
        assert_grads(Value(2.0, "w") * 3, {"w": 0.0})
    assert str(caught.value).splitlines()[-1].split() == ["w", "3", "0", "3", "inf", "WRONG"]


def test_gradcheck_reports_the_relu_kink_instead_of_hiding_it() -> None:
    with pytest.raises(GradcheckError, match="KINK: slope 0 from the left, 1 from the right"):
        gradcheck(lambda x: x.relu(), [0.0])
    assert gradcheck(lambda x: x.relu(), [0.5])


def test_gradgradcheck_reports_a_kink_of_the_gradient_as_gradcheck_does() -> None:
    # relu(x)·x has gradient 2x for x > 0, 0 for x < 0: its second derivative jumps at 0
    with pytest.raises(GradcheckError, match=r"∂²/∂x².*KINK: slope 0 from the left, 2 from"):
        gradgradcheck(lambda x: x.relu() * x, [0.0])
    assert gradgradcheck(lambda x: x.relu() * x, [0.5])
    with pytest.raises(GradcheckError, match=r"∂²/∂x²\s+0\s+2.718281828.*WRONG"):
        gradgradcheck(lambda x: FlatExp.apply(x), [1.0])  # a wrong rule is still WRONG


def test_gradcheck_names_rows_by_position_when_f_takes_varargs() -> None:
    with pytest.raises(GradcheckError, match=r"x\[0\]=2, x\[1\]=1"):
        gradcheck(lambda *xs: WrongCube.apply(xs[0]) + xs[1], [2.0, 1.0])


def test_gradcheck_tolerances_decide_the_verdict() -> None:
    def f(x: Value) -> Value:
        return (x * 1e4).sin()  # curvature large enough that eps=1e-3 is visibly off

    with pytest.raises(GradcheckError):
        gradcheck(f, [0.3], eps=1e-3)
    assert gradcheck(f, [0.3], eps=1e-3, atol=1e4, rtol=1.0)


def test_gradcheck_of_an_unused_input_is_zero() -> None:
    assert gradcheck(lambda x, y: x * x, [1.0, 5.0])


def test_gradgradcheck_passes_on_a_mix_of_ops() -> None:
    assert gradgradcheck(z_example, [3.0, 4.0])

    def f(x: Value, y: Value) -> Value:
        return (x * y).tanh() + (x / y).log() * y.sigmoid() + x**y - y.swish() * x.softplus()

    assert gradgradcheck(f, [1.3, 0.7])


def test_gradgradcheck_catches_a_rule_that_loses_its_graph() -> None:
    assert gradcheck(lambda x: FlatExp.apply(x), [1.0])  # first derivatives are right
    with pytest.raises(GradcheckError, match=r"∂²/∂x²\s+0\s+2.718281828.*WRONG"):
        gradgradcheck(lambda x: FlatExp.apply(x), [1.0])


def test_assert_grads_accepts_the_hand_computed_gradients() -> None:
    w, b = Value(3.0, "w"), Value(4.0, "b")
    x = 2 * w + b
    x.label = "x"
    y = b + 1
    y.label = "y"
    z = x * y
    assert_grads(z, {"w": 10, "b": 15, "x": 5, "y": 10})
    assert (w.grad, b.grad) == (0.0, 0.0)


def test_assert_grads_takes_a_function_building_the_graph() -> None:
    assert_grads(lambda: z_example(Value(3.0, "w"), Value(4.0, "b")), {"w": 10, "b": 15})


def test_assert_grads_takes_values_as_keys() -> None:
    w, b = Value(3.0), Value(4.0)
    assert_grads(z_example(w, b), {w: 10.0, b: 15.0})


def test_assert_grads_lists_every_mismatch_at_once() -> None:
    w, b = Value(3.0, "w"), Value(4.0, "b")
    with pytest.raises(GradcheckError) as caught:
        assert_grads(z_example(w, b), {"w": 11, "b": 14, "q": 1})
    lines = str(caught.value).splitlines()
    assert lines[1].startswith("3 of 3 gradients failed")
    rows = {line.split()[0]: line for line in lines[4:]}
    assert lines[1].endswith("pass if abs error <= max(rel·|expected|, abs), rel=1e-06, abs=1e-09")
    assert rows["w"].split() == ["w", "10", "11", "1", "0.0909", "WRONG"]  # 1 / 11
    assert rows["b"].split()[-1] == "WRONG"
    assert rows["q"].endswith("MISSING: no node has this label")


def test_assert_grads_refuses_an_ambiguous_label() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "a")
    with pytest.raises(GradcheckError, match="MISSING: 2 nodes share it"):
        assert_grads(a * b, {"a": 2.0})


def test_assert_grads_tolerances_work_like_pytest_approx() -> None:
    w = Value(3.0, "w")
    assert_grads(w * 10, {"w": 10.0 + 1e-6}, rel=1e-6)
    with pytest.raises(GradcheckError):
        assert_grads(w * 10, {"w": 10.0 + 1e-4}, rel=1e-6)
    assert_grads(w * 1e-12, {"w": 0.0}, abs=1e-9)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: gradcheck(z_example, 3.0), TypeError, "gradcheck: inputs must be a sequence"),
        (
            lambda: gradcheck(z_example, [3.0, "4"]),
            TypeError,
            r"gradcheck: inputs\[1\] must be a real number, got str",
        ),
        (lambda: gradcheck(lambda x: 2.0, [1.0]), TypeError, "gradcheck: f must return a Value"),
        (
            lambda: numerical_grad(z_example, [3.0, 4.0], eps=0.0),
            ValueError,
            "numerical_grad: eps must be > 0, got 0.0",
        ),
        (lambda: assert_grads(3.0, {"w": 1.0}), TypeError, "assert_grads: expected a Value"),
        (
            lambda: assert_grads(Value(1.0, "w"), {"w": "1"}),
            TypeError,
            "assert_grads: expected a real",
        ),
        (
            lambda: gradcheck(z_example, [3.0, 4.0], atol=math.nan),
            ValueError,
            "gradcheck: atol must be a finite number, got nan",
        ),
        (
            lambda: gradcheck(z_example, [3.0, 4.0], atol=-1),
            ValueError,
            "gradcheck: atol must be >= 0, got -1",
        ),
        (
            lambda: gradgradcheck(z_example, [3.0, 4.0], rtol=-1),
            ValueError,
            "gradgradcheck: rtol must be >= 0, got -1",
        ),
        (
            lambda: gradcheck(z_example, [3.0, 4.0], atol="a"),
            TypeError,
            "gradcheck: atol must be a real number, got str",
        ),
        (
            lambda: gradcheck(z_example, [3.0, 4.0], eps=math.inf),
            ValueError,
            "gradcheck: eps must be a finite number, got inf",
        ),
        (
            lambda: assert_grads(Value(1.0, "w"), {"w": 1.0}, rel=-1e-6),
            ValueError,
            "assert_grads: rel must be >= 0",
        ),
    ],
)
def test_bad_arguments_get_clear_errors(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


def test_assert_close_passes_within_pytorchs_float64_tolerances() -> None:
    assert_close(1.0 + 1e-8, 1.0)  # rtol = atol = 1e-7, as torch.testing for float64
    assert_close(Value(2.0), 2.0)
    assert_close([0.1 + 0.2, 1.0], (0.3, Value(1.0)))
    assert_close(math.inf, math.inf)
    with pytest.raises(NotCloseError):
        assert_close(1.0 + 1e-6, 1.0)


def test_assert_close_is_an_assertion_error_naming_both_numbers_in_few_digits() -> None:
    x = 0.2 + 0.16  # 0.36000000000000004
    with pytest.raises(AssertionError) as caught:
        assert_close(x, 1, "x after one step", atol=1e-12)
    assert isinstance(caught.value, NotCloseError)
    assert str(caught.value) == (
        "x after one step: 0.36, expected 1\n"
        "off by 0.64, allowed 1e-07 (atol + rtol·|expected|, atol=1e-12, rtol=1e-07)"
    )


def test_assert_close_shows_as_many_digits_as_tell_the_numbers_apart() -> None:
    with pytest.raises(NotCloseError, match=r"^w: 0\.30000000000000004, expected 0\.3\n"):
        assert_close(0.1 * 3, 0.3, "w", rtol=0.0, atol=0.0)
    with pytest.raises(NotCloseError, match=r"^w: 0\.99000000000005, expected 0\.99\n"):
        assert_close(0.99000000000005, 0.99, "w", rtol=0.0, atol=1e-15)


def test_assert_close_of_sequences_names_the_farthest_item_and_shows_short_lists() -> None:
    with pytest.raises(NotCloseError) as caught:
        assert_close([1.0, 2.5, 3.0, 7.0], [1.0, 2.0, 3.0, 4.0], "outputs", atol=0.1)
    assert str(caught.value).splitlines() == [
        "outputs: 2 of 4 differ; the farthest, item 3: 7, expected 4",
        "actual   [1, 2.5, 3, 7]",
        "expected [1, 2, 3, 4]",
        "off by 3, allowed 0.1 (atol + rtol·|expected|, atol=0.1, rtol=1e-07)",
    ]
    with pytest.raises(NotCloseError, match=r"^outputs: 1 of 11 differ") as caught:
        assert_close([0.0] * 10 + [1.0], [0.0] * 11, "outputs")
    assert "actual" not in str(caught.value)  # too long to list
    with pytest.raises(NotCloseError, match=r"^outputs: 2 values, expected 3$"):
        assert_close([1.0, 2.0], [1.0, 2.0, 3.0], "outputs")


def test_assert_close_never_passes_nan_and_an_infinity_only_itself() -> None:
    with pytest.raises(NotCloseError, match=r"^loss: nan, expected 1"):
        assert_close(math.nan, 1.0, "loss")
    with pytest.raises(NotCloseError, match="item 1: nan"):
        assert_close([1.0, math.nan], [1.0, math.nan])
    with pytest.raises(NotCloseError, match=r"^the value: -inf, expected inf"):
        assert_close(-math.inf, math.inf)


def test_in_a_notebook_a_failed_assert_close_shows_its_message_alone() -> None:
    with pytest.raises(NotCloseError) as caught:
        assert_close(0.46, 0.64, "w after two steps")
    assert caught.value._render_traceback_() == [
        "NotCloseError: w after two steps: 0.46, expected 0.64",
        "off by 0.18, allowed 1.64e-07 (atol + rtol·|expected|, atol=1e-07, rtol=1e-07)",
    ]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: assert_close("1", 1), TypeError, "assert_close: the value must be a real number"),
        (lambda: assert_close([1.0], 1.0, "w"), TypeError, "assert_close: w: compare a number"),
        (lambda: assert_close(1.0, 1.0, rtol=-1), ValueError, "assert_close: rtol must be >= 0"),
        (lambda: assert_close(1.0, 1.0, atol=math.nan), ValueError, "assert_close: atol must be"),
        (lambda: assert_close({1.0: 2.0}, [1.0], "w"), TypeError, "assert_close: w must be a seq"),
        (lambda: assert_close([1.0, 2.0], {2.0, 1.0}), TypeError, "the value must be a sequence"),
    ],
)
def test_assert_close_bad_arguments_get_clear_errors(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


@pytest.mark.torch
def test_assert_close_decides_as_torch_testing_assert_close_does() -> None:
    import torch

    pairs = [
        (a, e, rtol, atol)
        for e in (0.0, 1.0, -3.0, 1e6, 1e-9)
        for a in (e, e + 5e-8, e + 2e-7, e * (1 + 3e-7), e - 1e-3, e * 1.1)
        for rtol, atol in ((1e-7, 1e-7), (0.0, 1e-6), (1e-3, 0.0))
    ]
    for a, e, rtol, atol in pairs:
        try:
            torch.testing.assert_close(
                torch.tensor(a, dtype=torch.float64),
                torch.tensor(e, dtype=torch.float64),
                rtol=rtol,
                atol=atol,
            )
            theirs = True
        except AssertionError:
            theirs = False
        try:
            assert_close(a, e, rtol=rtol, atol=atol)
            ours = True
        except NotCloseError:
            ours = False
        assert ours == theirs, (a, e, rtol, atol)


def test_assert_grads_refuses_expectations_that_are_not_a_mapping() -> None:
    with pytest.raises(TypeError, match=r"assert_grads: expected must map labels .* got list"):
        assert_grads(Value(2.0, "w") * 3, [("w", 3.0)])  # type: ignore[arg-type]


def test_a_smooth_curve_checked_at_tight_tolerances_is_not_called_a_kink() -> None:
    """x³ at 2: its one-sided slopes differ by about f''·eps = 1.2e-5, above rtol = 1e-6,
    but the gap shrinks with the step, so it is curvature, not a kink."""
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x: x**3 + 0.0 * x, [2.0], rtol=1e-12, atol=0.0, eps=1e-6)
    assert "KINK" not in str(caught.value)
    with pytest.raises(GradcheckError, match="KINK: slope 0 from the left, 1 from the right"):
        gradcheck(lambda x: x.relu(), [0.0], rtol=1e-12, atol=0.0)


def test_the_checks_differentiate_what_they_evaluate_even_inside_no_grad() -> None:
    from autograd import no_grad

    with no_grad():
        assert gradcheck(lambda x, y: x**3 * y, [1.0, 2.0])
        with pytest.raises(GradcheckError, match=r"∂²/∂x²\s+0\s+2.718281828.*WRONG"):
            gradgradcheck(lambda x: FlatExp.apply(x), [1.0])  # not passed as all zeros
        assert_grads(lambda: z_example(Value(3.0, "w"), Value(4.0, "b")), {"w": 10, "b": 15})


def test_numerical_grad_and_gradcheck_take_a_function_that_calls_grad() -> None:
    from autograd import grad

    def slope(x: Value) -> Value:  # d/dx x³ = 3x², whose own derivative is 6x: 9 at 1.5
        return grad(x**3, [x], create_graph=True)[0]

    assert numerical_grad(slope, [1.5]) == pytest.approx([9.0], rel=1e-8)
    assert gradcheck(slope, [1.5])


def test_a_numpy_scalar_step_is_taken_as_the_float_it_holds() -> None:
    np = pytest.importorskip("numpy")
    (slope,) = numerical_grad(lambda x: x * 1.0, [3.0], eps=np.float32(1e-6))
    assert type(slope) is float
    assert slope == pytest.approx(1.0, rel=1e-9)
    assert gradcheck(lambda x: x**3, [3.0], eps=np.float32(1e-6))


def test_assert_grads_reports_a_value_that_is_not_in_the_graph() -> None:
    w, b = Value(3.0, "w"), Value(4.0, "b")
    stranger = Value(1.0, "stranger")
    with pytest.raises(GradcheckError, match=r"stranger.*MISSING: not a node of the graph"):
        assert_grads(z_example(w, b), {"w": 10, stranger: 0.0})


def test_assert_close_takes_a_0d_numpy_array_as_the_number_it_holds() -> None:
    np = pytest.importorskip("numpy")
    assert_close(np.array(1.0), 1.0)
    assert_close(0.5, np.array(0.5))
    with pytest.raises(NotCloseError, match="2, expected 1"):
        assert_close(np.array(2.0), 1.0)
