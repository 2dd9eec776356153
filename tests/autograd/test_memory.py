"""Graphs hold no reference cycles: a discarded graph is freed by reference counting alone,
without waiting for Python's cycle collector."""

from __future__ import annotations

import copy
import gc
import pickle
from collections.abc import Iterator

import pytest

import autograd
from autograd import Function, Value, detect_anomaly, no_grad


class Square(Function):
    @staticmethod
    def forward(x: float) -> float:
        return x * x

    @staticmethod
    def local_grads(x: float, out: float) -> tuple[float]:
        return (2 * x,)


def live_values() -> int:
    return sum(1 for obj in gc.get_objects() if type(obj) is Value)


@pytest.fixture
def cycle_collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def build_and_differentiate() -> float:
    """A graph using every kind of op, differentiated twice; returns a gradient."""
    w = Value(0.3, "w")
    b = Value(-0.2, "b")
    x = [Value(v) for v in (0.5, -1.0, 2.0)]
    h = [(w * xi + b).tanh() for xi in x]
    h += [xi.sigmoid() * xi.relu() - xi.leaky_relu(0.1) for xi in x]
    h += [abs(xi).sqrt() + xi.exp().log() + xi.softplus() + xi.swish() for xi in x]
    h += [xi.sin() / (2 + xi.cos()) + 2**xi - xi**2 + (-xi) for xi in x]
    h += [Square.apply(xi) for xi in x]
    h += autograd.softmax(h[:3]) + autograd.log_softmax(h[3:6])
    with no_grad():
        h.append(w * 2)
    h.append(w.detach() * b)
    loss = autograd.mean(h) + autograd.logsumexp(h) + autograd.sum(h)
    loss.backward()
    loss.backward()
    return w.grad


@pytest.mark.usefixtures("cycle_collector_off")
def test_a_discarded_graph_is_freed_by_reference_counting_alone() -> None:
    before = live_values()
    assert build_and_differentiate() != 0.0
    assert live_values() == before
    assert gc.collect() == 0


@pytest.mark.usefixtures("cycle_collector_off")
def test_a_graph_built_under_detect_anomaly_is_freed_too() -> None:
    before = live_values()
    with detect_anomaly():
        build_and_differentiate()
    assert live_values() == before
    assert gc.collect() == 0


@pytest.mark.usefixtures("cycle_collector_off")
def test_a_failed_backward_leaves_no_cycle_behind() -> None:
    before = live_values()

    def fail() -> None:
        x = Value(0.0)
        x.sqrt().backward()

    with pytest.raises(ZeroDivisionError) as caught:
        fail()
    del caught  # the traceback refers to the frames that held the graph
    assert live_values() == before


@pytest.mark.usefixtures("cycle_collector_off")
def test_graphs_dropped_inside_detect_anomaly_are_freed_inside_the_block() -> None:
    before = live_values()
    with detect_anomaly():
        for _ in range(500):
            x = Value(1.0)
            ((x * 2 + 1).tanh() * 3).backward()  # a five-node graph, dropped at once
        del x
        assert live_values() == before
    assert gc.collect() == 0


def deep_chain(n: int) -> tuple[Value, Value]:
    x = Value(0.5, "x")
    y = x
    for _ in range(n):
        y = y + x
    y.label = "y"
    return x, y


def test_deepcopy_of_the_end_of_a_100_000_node_chain_needs_no_recursion() -> None:
    x, y = deep_chain(10**5)
    twin = copy.deepcopy(y)
    assert twin is not y
    assert (twin.data, twin.label, twin.op) == (y.data, "y", "add")
    twin.backward()
    leaves = [node for node in autograd.topological_order(twin) if node.is_leaf]
    assert len(leaves) == 1
    assert (leaves[0].label, leaves[0].grad, x.grad) == ("x", 10**5 + 1, 0.0)


def test_pickle_of_the_end_of_a_100_000_node_chain_needs_no_recursion() -> None:
    _, y = deep_chain(10**5)
    y.backward()
    twin = pickle.loads(pickle.dumps(y))
    order = autograd.topological_order(twin)
    assert len(order) == 10**5 + 1
    assert [(n.data, n.grad, n.label, n.op) for n in order[:2]] == [
        (0.5, 10**5 + 1, "x", ""),
        (1.0, 1.0, "", "add"),
    ]
    assert (twin.data, twin.grad) == (y.data, 1.0)


def test_copies_keep_the_sharing_within_one_graph_and_with_the_leaves_copied_alongside() -> None:
    a = Value(2.0, "a")
    h = a * a
    out = h + h
    a2, out2 = copy.deepcopy([a, out])
    (h2,) = {id(p): p for p in out2.parents}.values()  # both operands are the same copied node
    assert h2.parents == (a2, a2)
    a3, out3 = pickle.loads(pickle.dumps([a, out]))
    assert out3.parents[0] is out3.parents[1]
    assert out3.parents[0].parents == (a3, a3)
    shallow = copy.copy(out)
    assert shallow is not out
    assert (shallow.parents, shallow.op) == (out.parents, "add")


def test_a_custom_op_survives_pickling_by_reference() -> None:
    x = Value(3.0)
    y = pickle.loads(pickle.dumps(Square.apply(x)))
    assert y.op == "square"
    y.backward()
    assert y.parents[0].grad == 6.0
