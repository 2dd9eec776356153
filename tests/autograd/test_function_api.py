"""User-defined operations through autograd.Function: a learner writes an op, then checks it."""

from __future__ import annotations

import math

import pytest

from autograd import Function, Value, detect_anomaly, no_grad
from tests.helpers import central_differences, engine_gradients


class Cube(Function):
    """x³, the README's example."""

    @staticmethod
    def forward(x: float) -> float:
        return x**3

    @staticmethod
    def local_grads(x: float, out: float) -> tuple[float]:
        return (3 * x**2,)


class Hypot(Function):
    """√(x² + y²), an op of two inputs whose derivative uses its output."""

    name = "hypotenuse"

    @staticmethod
    def forward(x: float, y: float) -> float:
        return math.hypot(x, y)

    @staticmethod
    def local_grads(x: float, y: float, out: float) -> tuple[float, float]:
        return x / out, y / out


class Norm(Function):
    """√(Σ xᵢ²), an op of any number of inputs."""

    @staticmethod
    def forward(*xs: float) -> float:
        return math.sqrt(math.fsum(x * x for x in xs))

    @staticmethod
    def local_grads(*xs: float, out: float) -> tuple[float, ...]:
        return tuple(x / out for x in xs)


def test_custom_op_records_value_op_name_and_gradient() -> None:
    x = Value(2.0)
    y = Cube.apply(x)
    y.backward()
    assert (y.data, y.op, y.parents, x.grad) == (8.0, "cube", (x,), 12.0)


def test_custom_op_gradient_matches_central_differences() -> None:
    for f, at in [
        (Cube.apply, [1.5]),
        (Hypot.apply, [3.0, -4.0]),
        (Norm.apply, [1.0, 2.0, -2.0, 0.5]),
    ]:
        assert engine_gradients(f, at)[1] == pytest.approx(central_differences(f, at), rel=1e-7)


def test_custom_op_combines_with_builtin_ops() -> None:
    x = Value(3.0)
    y = Hypot.apply(x, 4.0).log() * x
    y.backward()
    assert y.data == pytest.approx(3 * math.log(5))
    assert x.grad == pytest.approx(math.log(5) + 3 * (3 / 5) / 5, rel=1e-14)


def test_name_defaults_to_the_class_name_and_can_be_set() -> None:
    assert Cube.name == "cube"
    assert Hypot.apply(3.0, 4.0).op == "hypotenuse"


def test_numbers_given_to_apply_become_constant_leaves() -> None:
    y = Hypot.apply(3, 4)
    assert y.data == 5.0
    assert all(p.is_leaf for p in y.parents)


def test_custom_op_respects_no_grad() -> None:
    with no_grad():
        assert Cube.apply(Value(2.0)).parents == ()


def test_a_function_without_local_grads_is_rejected_when_defined() -> None:
    with pytest.raises(TypeError, match="Function Broken must define local_grads"):

        class Broken(Function):
            @staticmethod
            def forward(x: float) -> float:
                return x


def test_apply_with_a_non_number_names_the_op() -> None:
    with pytest.raises(TypeError, match="cube: expected a Value or a real number, got str"):
        Cube.apply("x")


def test_forward_returning_a_non_number_names_the_op() -> None:
    class Wordy(Function):
        @staticmethod
        def forward(x: float) -> str:
            return "eight"

        @staticmethod
        def local_grads(x: float, out: float) -> tuple[float]:
            return (1.0,)

    with pytest.raises(TypeError, match="wordy: forward must return a real number, got str"):
        Wordy.apply(2.0)


def test_forward_returning_an_int_gives_float_data() -> None:
    class Floor(Function):
        @staticmethod
        def forward(x: float) -> int:
            return math.floor(x)

        @staticmethod
        def local_grads(x: float, out: float) -> tuple[float]:
            return (0.0,)

    y = Floor.apply(2.7)
    assert (y.data, type(y.data)) == (2.0, float)


def test_forward_returning_nan_is_a_value_error_or_under_detect_anomaly_floating_point() -> None:
    class Undefined(Function):
        @staticmethod
        def forward(x: float) -> float:
            return math.nan

        @staticmethod
        def local_grads(x: float, out: float) -> tuple[float]:
            return (0.0,)

    not_a_number = r"undefined: the result is not a number: undefined\(2\.0\) = nan"
    with pytest.raises(ValueError, match=not_a_number):
        Undefined.apply(2.0)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="undefined"):
        Undefined.apply(2.0)


@pytest.mark.parametrize("bad", [(1.0, 2.0), (), ("one",)], ids=["too many", "none", "a str"])
def test_local_grads_of_the_wrong_shape_name_the_op_and_change_nothing(bad: tuple) -> None:
    class Wrong(Function):
        @staticmethod
        def forward(x: float) -> float:
            return 2 * x

        @staticmethod
        def local_grads(x: float, out: float) -> tuple:
            return bad

    x = Value(1.0)
    x.grad = 5.0
    y = Wrong.apply(x) + x
    with pytest.raises(TypeError, match=r"wrong: local_grads must return one real number per"):
        y.backward()
    assert x.grad == 5.0


def test_a_derivative_that_divides_by_zero_names_the_op_and_the_point() -> None:
    x = Value(0.0, "x")
    y = Hypot.apply(x, 0.0)
    with pytest.raises(ZeroDivisionError, match=r"hypotenuse: the derivative is undefined at "):
        y.backward()


def test_local_grads_returning_a_value_in_backward_is_a_type_error() -> None:
    class Graphy(Function):
        @staticmethod
        def forward(x: float) -> float:
            return 2 * x

        @staticmethod
        def local_grads(x: float, out: float) -> tuple[Value]:
            return (Value(2.0),)  # a Value where backward() needs a number

    x = Value(1.0)
    y = Graphy.apply(x)
    with pytest.raises(TypeError, match="graphy: local_grads must return one real number"):
        y.backward()
    assert (x.grad, type(x.grad)) == (0.0, float)


def test_local_grads_of_an_op_of_many_inputs_must_match_the_operand_count() -> None:
    class Short(Function):
        @staticmethod
        def forward(*xs: float) -> float:
            return math.fsum(xs)

        @staticmethod
        def local_grads(*xs: float, out: float) -> tuple[float, ...]:
            return (1.0,) * (len(xs) - 1)

    xs = [Value(1.0), Value(2.0), Value(3.0)]
    with pytest.raises(
        TypeError, match=r"short: local_grads must return one real number per operand \(3\)"
    ):
        Short.apply(*xs).backward()
    assert [x.grad for x in xs] == [0.0, 0.0, 0.0]


def test_a_rule_raising_its_own_value_error_subclass_is_reported_as_a_value_error() -> None:
    class OddError(ValueError):
        def __init__(self, code: int, detail: str) -> None:
            super().__init__(f"{code}: {detail}")

    class Picky(Function):
        @staticmethod
        def forward(x: float) -> float:
            return x

        @staticmethod
        def local_grads(x: float, out: float) -> tuple[float]:
            raise OddError(7, "no slope here")

    with pytest.raises(ValueError, match=r"picky: the derivative is undefined at picky\(1\.0\)"):
        Picky.apply(1.0).backward()


def test_require_passes_when_every_element_holds_and_names_the_first_that_does_not() -> None:
    import numpy as np

    from autograd import require

    require(True, ValueError, "never {!r}", 1.0)
    require(np.array([True, True]), ValueError, "never {!r}", 1.0)
    require([True, True], ValueError, "never {!r}", 1.0)  # any array-like of bools
    with pytest.raises(TypeError):  # not bools: a Value is not taken for its truth
        require(Value(1.0), ValueError, "never {!r}", 1.0)
    x = np.array([[1.0, 2.0], [3.0, -4.0]])
    with pytest.raises(ValueError, match=r"^must be positive, got -4\.0$") as caught:
        require(x > 0.0, ValueError, "must be positive, got {!r}", x)
    assert tuple(int(i) for i in caught.value.position) == (1, 1)
    with pytest.raises(ZeroDivisionError, match=r"^no 0\.0$"):
        require(False, ZeroDivisionError, "no {!r}", 0.0)
