"""sum, mean, logsumexp, softmax, log_softmax: values, gradients, shape of the graph, stability."""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import Value, topological_order
from tests.helpers import central_differences, engine_gradients

POINT = [0.5, -1.25, 2.0, 0.0]


def probabilities(xs: list[float]) -> list[float]:
    exps = [math.exp(x) for x in xs]
    return [e / math.fsum(exps) for e in exps]


def test_sum_is_one_node_with_every_operand_as_a_parent() -> None:
    xs = [Value(x) for x in POINT]
    total = autograd.sum(xs)
    assert (total.op, total.parents, total.data) == ("sum", tuple(xs), 1.25)


def test_sum_gradient_is_one_for_every_operand() -> None:
    assert engine_gradients(lambda *xs: autograd.sum(xs), POINT)[1] == [1.0] * 4


def test_sum_adds_left_to_right_like_a_chain_of_additions() -> None:
    xs = [0.1, 0.2, 0.3, 1e16, -1e16]
    assert autograd.sum(xs).data == (((0.1 + 0.2) + 0.3) + 1e16) - 1e16


def test_sum_of_a_hundred_thousand_terms_stays_one_level_deep() -> None:
    xs = [Value(float(i)) for i in range(100_000)]
    total = autograd.sum(x * x for x in xs)
    assert len(total.parents) == 100_000
    assert len(topological_order(total)) == 200_001  # each xᵢ, each xᵢ·xᵢ, the sum
    total.backward()
    assert xs[7].grad == 14.0


def test_sum_takes_numbers_as_constants_and_nothing_as_zero() -> None:
    x = Value(2.0)
    total = autograd.sum([x, 3, 4.5])
    assert total.data == 9.5
    assert total.parents[1].is_leaf
    empty = autograd.sum([])
    assert (empty.data, empty.parents) == (0.0, ())


def test_mean_value_and_gradient() -> None:
    value, grads = engine_gradients(lambda *xs: autograd.mean(xs), POINT)
    assert value == 0.3125
    assert grads == [0.25] * 4


def test_mean_of_nothing_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="mean: needs at least one value"):
        autograd.mean([])


def test_logsumexp_value_and_gradient_is_the_softmax() -> None:
    value, grads = engine_gradients(lambda *xs: autograd.logsumexp(xs), POINT)
    assert value == pytest.approx(math.log(math.fsum(math.exp(x) for x in POINT)), rel=1e-15)
    assert grads == pytest.approx(probabilities(POINT), rel=1e-14)


def test_logsumexp_is_one_node() -> None:
    xs = [Value(x) for x in POINT]
    assert autograd.logsumexp(xs).parents == tuple(xs)


def test_logsumexp_of_large_inputs_subtracts_the_maximum() -> None:
    expected = 1002.0 + math.log(1 + math.exp(-1) + math.exp(-2))
    assert autograd.logsumexp([1000.0, 1001.0, 1002.0]).data == pytest.approx(expected, rel=1e-15)


def test_softmax_values_are_probabilities() -> None:
    out = autograd.softmax([Value(x) for x in POINT])
    assert [p.data for p in out] == pytest.approx(probabilities(POINT), rel=1e-14)


@pytest.mark.parametrize("i", range(len(POINT)))
def test_softmax_jacobian_is_s_i_times_kronecker_minus_s_j(i: int) -> None:
    s = probabilities(POINT)
    expected = [s[i] * ((1.0 if i == j else 0.0) - s[j]) for j in range(len(POINT))]
    assert engine_gradients(lambda *xs: autograd.softmax(xs)[i], POINT)[1] == pytest.approx(
        expected, rel=1e-13, abs=1e-16
    )


def test_softmax_is_exact_for_huge_equal_inputs() -> None:
    # Computed as exp(x - logsumexp(x)) this would give [1, 1]: log 2 vanishes next to 1e17.
    assert [p.data for p in autograd.softmax([1e17, 1e17])] == [0.5, 0.5]


def test_log_softmax_is_the_log_of_softmax() -> None:
    out = autograd.log_softmax(POINT)
    assert [p.data for p in out] == pytest.approx(
        [math.log(p) for p in probabilities(POINT)], rel=1e-14
    )


@pytest.mark.parametrize("i", range(len(POINT)))
def test_log_softmax_gradient_matches_central_differences(i: int) -> None:
    def f(*xs: Value) -> Value:
        return autograd.log_softmax(xs)[i]

    assert engine_gradients(f, POINT)[1] == pytest.approx(
        central_differences(f, POINT), rel=1e-6, abs=1e-9
    )


def test_log_softmax_of_huge_equal_inputs_is_minus_log_2() -> None:
    assert [p.data for p in autograd.log_softmax([1e17, 1e17])] == [-math.log(2)] * 2


@pytest.mark.parametrize(
    "function",
    [autograd.logsumexp, autograd.softmax, autograd.log_softmax],
    ids=lambda function: function.__name__,
)
def test_empty_input_is_a_value_error(function: object) -> None:
    with pytest.raises(ValueError, match="needs at least one value"):
        function([])  # type: ignore[operator]


def test_functions_accept_generators() -> None:
    xs = [Value(x) for x in POINT]
    assert autograd.mean(x for x in xs).data == 0.3125
    assert len(autograd.softmax(x for x in xs)) == 4


def test_linear_is_one_node_reading_bias_then_each_weight_and_its_input() -> None:
    b, w0, x0, w1, x1 = (Value(v) for v in (0.5, 2.0, -1.5, 0.25, 3.0))
    out = autograd.linear([x0, x1], [w0, w1], b)
    assert (out.op, out.parents) == ("linear", (b, w0, x0, w1, x1))
    assert out.data == (0.5 + 2.0 * -1.5) + 0.25 * 3.0


def test_linear_adds_in_the_order_of_the_chain_it_replaces() -> None:
    # 1e16 swallows the small terms unless they are added first, as b + w0·x0 + w1·x1 does
    ws, xs = [1.0, 1.0, 1e16, -1e16], [0.1, 0.2, 1.0, 1.0]
    chain = 0.3
    for w, x in zip(ws, xs, strict=True):
        chain = chain + w * x
    assert autograd.linear(xs, ws, 0.3).data == chain


def test_linear_gradients_are_the_inputs_for_weights_and_the_weights_for_inputs() -> None:
    def neuron(b: Value, w0: Value, x0: Value, w1: Value, x1: Value) -> Value:
        return autograd.linear([x0, x1], [w0, w1], b)

    point = [0.5, 2.0, -1.5, 0.25, 3.0]
    value, grads = engine_gradients(neuron, point)
    assert value == -1.75
    assert grads == [1.0, -1.5, 2.0, 3.0, 0.25]
    assert grads == pytest.approx(central_differences(neuron, point), rel=1e-9)


def test_linear_takes_numbers_as_constants_and_defaults_the_bias_to_zero() -> None:
    x = Value(2.0)
    out = autograd.linear([x, 4.0], [3.0, 0.5])
    out.backward()
    assert (out.data, x.grad, out.parents[0].data) == (8.0, 3.0, 0.0)


def test_linear_with_unequal_lengths_or_a_non_number_raises_naming_linear() -> None:
    with pytest.raises(ValueError, match=r"linear: 2 inputs but 1 weights"):
        autograd.linear([1.0, 2.0], [Value(1.0)])
    with pytest.raises(TypeError, match=r"linear: expected a Value or a real number, got str"):
        autograd.linear(["a"], [Value(1.0)])


def test_softmax_of_inputs_beyond_the_float_range_apart_is_exact() -> None:
    xs = [Value(1e308), Value(-1e308), Value(1e308)]
    probabilities = autograd.softmax(xs)
    assert [p.data for p in probabilities] == [0.5, 0.0, 0.5]
    probabilities[0].backward()
    assert [x.grad for x in xs] == [0.25, 0.0, -0.25]


def test_log_softmax_raises_only_for_an_entry_beyond_the_float_range() -> None:
    # log_softmax([1e308, -1e308]) = [0, -2e308]: the second entry is not a float
    with pytest.raises(OverflowError, match="sub"):
        autograd.log_softmax([1e308, -1e308])
    assert [v.data for v in autograd.log_softmax([1e308, 0.0])] == [0.0, -1e308]


@pytest.mark.parametrize(
    "call",
    [
        lambda a, b: autograd.sum({a, b}),
        lambda a, b: autograd.mean({a: 1, b: 2}),
        lambda a, b: autograd.max({a, b}),
        lambda a, b: autograd.logsumexp({a: 0, b: 0}),
        lambda a, b: autograd.softmax({a, b}),
        lambda a, b: autograd.log_softmax({a, b}),
        lambda a, b: autograd.take({a: 0, b: 1}, 0),
        lambda a, b: autograd.linear({1.0: a, 2.0: b}, [a, b]),
        lambda a, b: autograd.linear([1.0, 2.0], {a, b}),
    ],
    ids=["sum", "mean", "max", "logsumexp", "softmax", "log_softmax", "take", "linear", "weights"],
)
def test_a_mapping_or_a_set_is_refused_naming_the_function(call) -> None:
    """A dict gives its keys and a set its own order: neither is what was meant."""
    with pytest.raises(TypeError, match=r"must be a sequence \(a list, a tuple, an array"):
        call(Value(1.0), Value(2.0))


def test_the_hessian_of_a_power_of_a_negative_base_is_symmetric() -> None:
    # x < 0: ∂/∂y is taken as 0 (x^y is real only at integer y), so the exponent is a
    # constant in ∂/∂x as well, and ∂²/∂x∂y = ∂²/∂y∂x = 0; ∂²/∂x² is y(y-1)x^(y-2)
    assert autograd.hessian(lambda x, y: x**y, [-2.0, 2.0]) == [[2.0, 0.0], [0.0, 0.0]]
    assert autograd.hessian(lambda x, y: x**y, [-2.0, 3.0]) == [[-12.0, 0.0], [0.0, 0.0]]
    h = autograd.hessian(lambda x, y: x**y, [2.0, 3.0])  # x > 0: every term, as before
    assert h[0][1] == h[1][0] == pytest.approx(4.0 + 12.0 * math.log(2.0), rel=1e-15)
