"""Value and backward(): what a node records, and what a backward pass does to .grad."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from autograd import Value, topological_order


def test_value_stores_data_as_float_with_zero_grad_and_no_history() -> None:
    v = Value(3, "w")
    assert (v.data, v.grad, v.label, v.op, v.parents) == (3.0, 0.0, "w", "", ())
    assert type(v.data) is float
    assert v.is_leaf


def test_value_accepts_any_real_number() -> None:
    assert Value(True).data == 1.0
    assert Value(Fraction(1, 4)).data == 0.25


def test_repr_shows_data_grad_label_and_op() -> None:
    w = Value(3.0, "w")
    assert repr(w) == "Value(data=3.0, grad=0.0, label='w')"
    y = w * 2
    y.backward()
    assert repr(y) == "Value(data=6.0, grad=1.0, op='mul')"


def test_format_spec_formats_the_data() -> None:
    assert f"{Value(2 / 3):.3f}" == "0.667"
    assert f"{Value(1.5)}" == "Value(data=1.5, grad=0.0)"


def test_float_and_item_give_the_data() -> None:
    v = Value(2.5)
    assert float(v) == v.item() == 2.5


def test_values_hash_and_compare_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b
    assert len({a, b, a}) == 2


def test_truth_and_integer_conversions_follow_the_data_like_one_element_tensors() -> None:
    assert not Value(0.0)
    assert Value(-0.5)
    loss = Value(1.0) - 1
    assert (bool(loss), "taken" if loss else "skipped") == (False, "skipped")
    v = Value(-2.5)
    assert (int(v), round(v), round(v, 1), math.floor(v), math.ceil(v), math.trunc(v)) == (
        -2,
        -2,
        -2.5,
        -3,
        -2,
        -2,
    )
    assert (type(round(v)), type(round(v, 1))) == (int, float)


@pytest.mark.parametrize(
    "compare",
    [lambda a, b: a < b, lambda a, b: a >= b, lambda a, b: max(a, b), lambda a, b: sorted([a, b])],
)
def test_ordering_values_is_a_type_error_as_in_micrograd(compare) -> None:
    with pytest.raises(TypeError, match="not supported between instances of 'Value'"):
        compare(Value(1.0), Value(2.0))


def test_values_have_slots_and_no_instance_dict() -> None:
    v = Value(1.0)
    assert not hasattr(v, "__dict__")
    with pytest.raises(AttributeError):
        v.color = "red"


def test_shared_subexpression_accumulates_over_every_path() -> None:
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)


def test_value_used_in_several_places_sums_its_gradients() -> None:
    x = Value(3.0)
    y = x * x + x.sin() * x
    y.backward()
    assert x.grad == pytest.approx(2 * 3.0 + math.cos(3.0) * 3.0 + math.sin(3.0), rel=1e-14)


def test_backward_twice_accumulates_into_leaves_only() -> None:
    x = Value(1.0)
    h = x * 2
    y = h * 3
    y.backward()
    y.backward()
    assert x.grad == 12.0  # leaves accumulate: 6 + 6
    assert h.grad == 3.0  # a non-leaf holds this pass's gradient, never 6
    assert y.grad == 1.0


def test_backward_seed_scales_every_gradient() -> None:
    w = Value(3.0)
    b = Value(4.0)
    z = (2 * w + b) * (b + 1)
    z.backward(0.5)
    assert (w.grad, b.grad, z.grad) == (5.0, 7.5, 0.5)


def test_backward_on_a_leaf_adds_the_seed() -> None:
    x = Value(2.0)
    x.backward()
    x.backward(2.0)
    assert x.grad == 3.0


def test_resetting_leaf_grads_starts_a_fresh_accumulation() -> None:
    x = Value(2.0)
    y = x * x
    y.backward()
    x.grad = 0.0
    y.backward()
    assert x.grad == 4.0


def test_backward_of_a_subgraph_leaves_the_rest_untouched() -> None:
    x = Value(2.0)
    y = x * 3
    z = y * 5
    y.backward()
    assert (x.grad, y.grad, z.grad) == (3.0, 1.0, 0.0)


def test_constants_receive_gradients_like_any_leaf() -> None:
    x = Value(2.0)
    y = x * 3
    y.backward()
    assert y.parents[1].grad == 2.0  # d(x * c)/dc = x


def test_detach_gives_a_leaf_with_the_same_data_and_label() -> None:
    x = Value(2.0, "x")
    y = x * x
    d = y.detach()
    assert (d.data, d.label, d.parents, d.op) == (4.0, "", (), "")
    z = d * x
    z.backward()
    assert x.grad == 4.0  # nothing flows through d back to x: only the direct path
    assert d.grad == 2.0


def test_detach_keeps_the_label() -> None:
    assert Value(1.0, "w").detach().label == "w"


def test_million_op_chain_backpropagates_without_recursion() -> None:
    x = Value(0.5)
    step = Value(1e-6)
    v = x
    for _ in range(1_000_000):
        v = v + step
    v.backward()
    assert x.grad == 1.0
    assert step.grad == 1_000_000.0
    assert v.data == pytest.approx(1.5, rel=1e-9)


def test_topological_order_lists_every_node_after_its_parents() -> None:
    w = Value(3.0, "w")
    b = Value(4.0, "b")
    x = 2 * w + b
    y = b + 1
    z = x * y
    order = topological_order(z)
    assert order[-1] is z
    assert len(order) == len({id(n) for n in order}) == 8  # w, b, x, y, z, 2, 2w, 1
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node.parents)


def test_topological_order_is_deterministic_in_operand_order() -> None:
    w = Value(3.0, "w")
    b = Value(4.0, "b")
    z = (2 * w + b) * (b + 1)
    labels = [n.label or f"{n.op or 'const'}:{n.data:g}" for n in topological_order(z)]
    assert labels == ["const:2", "w", "mul:6", "b", "add:10", "const:1", "add:5", "mul:50"]


def test_topological_order_of_a_leaf_is_the_leaf() -> None:
    x = Value(1.0)
    assert topological_order(x) == [x]


def test_topological_order_rejects_a_non_value() -> None:
    with pytest.raises(TypeError, match="topological_order: expected a Value, got float"):
        topological_order(1.0)
