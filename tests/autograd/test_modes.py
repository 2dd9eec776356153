"""Recording modes: no_grad / enable_grad (per thread and per task), and detect_anomaly."""

from __future__ import annotations

import asyncio
import threading

import pytest

from autograd import (
    Function,
    Value,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from autograd.modes import _origins


def test_operations_inside_no_grad_record_no_parents() -> None:
    x = Value(2.0)
    with no_grad():
        y = (x * 3).exp() + x
    assert y.parents == ()
    assert y.op == ""
    assert y.data == pytest.approx(2.0 + 403.4287934927351)


def test_backward_through_a_no_grad_result_stops_there() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * 3
    z = y * x
    z.backward()
    assert x.grad == 6.0  # only the direct path: y is a constant here
    assert y.grad == 2.0


def test_recording_resumes_after_no_grad() -> None:
    x = Value(2.0)
    with no_grad():
        pass
    assert (x * 3).parents[0] is x


def test_no_grad_works_as_a_decorator() -> None:
    @no_grad()
    def update(v: Value) -> Value:
        return v * 0.5

    x = Value(2.0)
    assert update(x).parents == ()
    assert (x * 0.5).parents != ()


def test_enable_grad_records_inside_no_grad() -> None:
    x = Value(2.0)
    with no_grad():
        with enable_grad():
            y = x * 3
        z = x * 3
    assert y.parents[0] is x
    assert z.parents == ()


def test_is_grad_enabled_reports_the_mode() -> None:
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        with enable_grad():
            assert is_grad_enabled()
    assert is_grad_enabled()


def test_mode_is_restored_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert is_grad_enabled()


def test_backward_inside_no_grad_still_computes_gradients() -> None:
    x = Value(2.0)
    y = x * x
    with no_grad():
        y.backward()
    assert x.grad == 4.0


def test_no_grad_in_one_thread_does_not_stop_another_from_recording() -> None:
    both_inside = threading.Barrier(2)
    parents: dict[str, tuple[Value, ...]] = {}

    def quiet() -> None:
        with no_grad():
            both_inside.wait(timeout=10)
            parents["quiet"] = (Value(1.0) * 2).parents
            both_inside.wait(timeout=10)

    def recording() -> None:
        both_inside.wait(timeout=10)
        parents["recording"] = (Value(1.0) * 2).parents
        both_inside.wait(timeout=10)

    threads = [threading.Thread(target=quiet), threading.Thread(target=recording)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert parents["quiet"] == ()
    assert len(parents["recording"]) == 2


def test_no_grad_in_one_asyncio_task_does_not_leak_into_another() -> None:
    async def quiet(started: asyncio.Event, done: asyncio.Event) -> tuple[Value, ...]:
        with no_grad():
            started.set()
            await done.wait()
            return (Value(1.0) * 2).parents

    async def recording(started: asyncio.Event, done: asyncio.Event) -> tuple[Value, ...]:
        await started.wait()
        result = (Value(1.0) * 2).parents
        done.set()
        return result

    async def main() -> tuple[tuple[Value, ...], ...]:
        started, done = asyncio.Event(), asyncio.Event()
        return tuple(await asyncio.gather(quiet(started, done), recording(started, done)))

    quiet_parents, recording_parents = asyncio.run(main())
    assert quiet_parents == ()
    assert len(recording_parents) == 2


def test_detect_anomaly_reports_a_non_finite_forward_value_with_operands_and_labels() -> None:
    a = Value(1e200, "a")
    b = Value(1e200, "b")
    overflow = r"mul: .* mul\(a=1e\+200, b=1e\+200\) = inf"
    with pytest.raises(FloatingPointError, match=overflow), detect_anomaly():
        a * b


def test_detect_anomaly_reports_a_non_finite_gradient_with_the_forward_line() -> None:
    y = Value(1e-200, "y")
    with detect_anomaly():
        z = 1 / y  # finite; its derivative -1e400 is not
        with pytest.raises(FloatingPointError) as caught:
            z.backward()
    message = str(caught.value)
    assert "div: the gradient for operand 1 of div(1.0, y=1e-200) is -inf" in message
    assert "z = 1 / y  # finite" in message  # where the op was created
    assert y.grad == 0.0


def test_outside_detect_anomaly_the_same_gradient_is_an_overflow_error() -> None:
    y = Value(1e-200, "y")
    z = 1 / y
    with pytest.raises(OverflowError, match="div: the gradient for operand 1"):
        z.backward()


class NaNGradient(Function):
    """A deliberately broken op: a fine value, a NaN derivative."""

    @staticmethod
    def forward(x: float) -> float:
        return x

    @staticmethod
    def local_grads(x: float, out: float) -> tuple[float]:
        return (float("nan"),)


def test_a_nan_gradient_is_a_value_error_or_under_detect_anomaly_a_floating_point_error() -> None:
    x = Value(1.0, "x")
    y = NaNGradient.apply(x) * 2
    with pytest.raises(ValueError, match=r"nangradient: the gradient for operand 0 .* is nan"):
        y.backward()
    with detect_anomaly(), pytest.raises(FloatingPointError, match="nangradient"):
        y.backward()
    assert x.grad == 0.0


def test_detect_anomaly_changes_no_numbers() -> None:
    def run() -> tuple[float, float]:
        w = Value(3.0)
        b = Value(4.0)
        z = ((2 * w + b) * (b + 1)).tanh() + w.sigmoid()
        z.backward()
        return w.grad, b.grad

    plain = run()
    with detect_anomaly():
        assert run() == plain


def test_is_anomaly_enabled_reports_the_mode() -> None:
    assert not is_anomaly_enabled()
    with detect_anomaly():
        assert is_anomaly_enabled()
        with no_grad():
            assert is_anomaly_enabled()
            assert not is_grad_enabled()
    assert not is_anomaly_enabled()


def test_detect_anomaly_forgets_its_records_on_exit() -> None:
    with detect_anomaly():
        y = Value(1.0) * 2
        assert y in _origins.get()
    assert _origins.get() is None
