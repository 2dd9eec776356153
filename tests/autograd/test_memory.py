"""Graphs hold no reference cycles: a discarded graph is freed by reference counting alone,
without waiting for Python's cycle collector."""

from __future__ import annotations

import gc
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
