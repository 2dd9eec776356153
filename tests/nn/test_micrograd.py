"""The moons case gives micrograd's loss at every step from the same starting weights."""

from __future__ import annotations

import random

import pytest

from nn import cases

micrograd = pytest.importorskip("micrograd.nn", reason="pip install micrograd to compare")


def test_moons_losses_equal_micrograds_step_by_step() -> None:
    random.seed(1337)
    theirs = micrograd.MLP(2, [16, 16, 1])  # draws U(-1, 1) weights from the global random
    ours = cases.moons_model(seed=1337)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]

    run = cases.two_moons(steps=10, seed=1337, model=ours)
    X, y = run.X, run.y
    from micrograd.engine import Value

    losses = []
    for k in range(10):  # micrograd's demo loop, verbatim in spirit
        scores = [theirs([Value(a), Value(b)]) for a, b in X]
        data_loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)) * (
            1.0 / len(scores)
        )
        total = data_loss + 1e-4 * sum(p * p for p in theirs.parameters())
        theirs.zero_grad()
        total.backward()
        for p in theirs.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        losses.append(total.data)
    # micrograd sums gradients in set order, so the last bits can differ; 1e-13 is far tighter
    # than any real difference in the maths would allow
    assert run.losses == pytest.approx(losses, rel=1e-13)
