"""Losses against hand computation and their gradients; optimizers against PyTorch's rules."""

from __future__ import annotations

import math

import pytest

import nn
from autograd import Value
from autograd.testing import gradcheck


def test_mse_mae_hinge_by_hand() -> None:
    p = [Value(0.5), Value(-1.0)]
    assert nn.mse(p, [1.0, 1.0]).data == (0.25 + 4.0) / 2
    assert nn.mae(p, [1.0, 1.0]).data == (0.5 + 2.0) / 2
    assert nn.hinge(p, [1, -1]).data == (0.5 + 0.0) / 2
    assert nn.mse([[Value(2.0)]], [0.0]).data == 4.0  # one-output model lists are fine


def test_binary_cross_entropy_from_logits_is_stable_and_right() -> None:
    for z, t in [(0.3, 1), (-2.0, 0), (1.5, 0.25)]:
        s = 1 / (1 + math.exp(-z))
        expected = -(t * math.log(s) + (1 - t) * math.log(1 - s))
        assert nn.binary_cross_entropy([Value(z)], [t]).data == pytest.approx(expected, rel=1e-12)
    assert nn.binary_cross_entropy([Value(800.0)], [0]).data == 800.0
    assert nn.binary_cross_entropy([Value(-800.0)], [0]).data == 0.0


def test_cross_entropy_is_minus_log_softmax_and_stable() -> None:
    logits = [Value(1.0), Value(2.0), Value(0.5)]
    total = sum(math.exp(v.data) for v in logits)
    assert nn.cross_entropy([logits], [1]).data == pytest.approx(-math.log(math.exp(2.0) / total))
    assert nn.cross_entropy(logits, 1).data == nn.cross_entropy([logits], [1]).data
    assert nn.cross_entropy([[Value(1000.0), Value(0.0)]], [0]).data == 0.0


@pytest.mark.parametrize(
    "loss",
    [
        lambda a, b: nn.mse([a, b], [0.3, -0.2]),
        lambda a, b: nn.mae([a, b], [0.3, -0.2]),
        lambda a, b: nn.hinge([a, b], [1, -1]),
        lambda a, b: nn.binary_cross_entropy([a, b], [1, 0]),
        lambda a, b: nn.cross_entropy([[a, b], [b, a]], [0, 0]),
        lambda a, b: nn.l1_penalty([a, b]) + nn.l2_penalty([a, b]),
    ],
)
def test_loss_gradients_match_central_differences(loss) -> None:
    assert gradcheck(loss, [0.7, -0.9])


def test_penalties_by_hand() -> None:
    ps = [Value(0.5), Value(-2.0)]
    assert nn.l1_penalty(ps).data == 2.5
    assert nn.l2_penalty(ps).data == 4.25


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.mse([Value(1.0)], [1.0, 2.0]), "1 predictions but 2 targets"),
        (lambda: nn.hinge([Value(1.0)], [0]), "labels must be -1 or \\+1"),
        (
            lambda: nn.binary_cross_entropy([Value(1.0)], [2]),
            "binary_cross_entropy: a target must be in \\[0, 1\\], got 2",
        ),
        (
            lambda: nn.cross_entropy([[Value(1.0), Value(2.0)]], [3]),
            "cross_entropy: a class must be in \\[0, 1\\], got 3",
        ),
        (lambda: nn.mae([], []), "needs at least one sample"),
    ],
)
def test_bad_loss_inputs_are_value_errors(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def quadratic_steps(optimizer_for, steps: int = 3) -> list[float]:
    """Minimise (p - 3)² from p = 0; the path of p."""
    p = Value(0.0)
    opt = optimizer_for([p])
    path = []
    for _ in range(steps):
        opt.zero_grad()
        ((p - 3) ** 2).backward()
        opt.step()
        path.append(p.data)
    return path


def test_sgd_momentum_and_weight_decay_by_hand() -> None:
    assert quadratic_steps(lambda ps: nn.SGD(ps, lr=0.1)) == pytest.approx([0.6, 1.08, 1.464])
    # momentum 0.9: v1 = -6, p = 0.6; g = -4.8, v2 = 0.9·-6 - 4.8 = -10.2, p = 1.62
    assert quadratic_steps(lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9), 2) == pytest.approx(
        [0.6, 1.62]
    )
    # weight decay 0.5 adds 0.5·p to the gradient: g = -6 + 0 at 0, then -4.8 + 0.3 at 0.6
    assert quadratic_steps(lambda ps: nn.SGD(ps, lr=0.1, weight_decay=0.5), 2) == pytest.approx(
        [0.6, 0.6 + 0.1 * 4.5]
    )


def test_adam_first_step_moves_each_parameter_by_lr() -> None:
    # bias correction makes the first step lr·g/|g| (up to eps)
    assert quadratic_steps(lambda ps: nn.Adam(ps, lr=0.1), 1) == pytest.approx([0.1], rel=1e-6)


def test_learning_rate_schedule_is_a_function_of_the_step() -> None:
    rates = []

    def schedule(k: int) -> float:
        rates.append(k)
        return 0.1 / (k + 1)

    path = quadratic_steps(lambda ps: nn.SGD(ps, lr=schedule), 2)
    assert rates == [0, 1]
    assert path == pytest.approx([0.6, 0.6 + 0.05 * 4.8])


@pytest.mark.torch
def test_optimizers_match_pytorch() -> None:
    import torch

    for ours, theirs in [
        (
            lambda ps: nn.SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.1),
            lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.1),
        ),
        (
            lambda ps: nn.Adam(ps, lr=0.05, betas=(0.8, 0.95)),
            lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.95)),
        ),
    ]:
        t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        opt = theirs([t])
        expected = []
        for _ in range(5):
            opt.zero_grad()
            ((t - 3) ** 2).backward()
            opt.step()
            expected.append(t.item())
        assert quadratic_steps(ours, 5) == pytest.approx(expected, rel=1e-12)


def test_bad_optimizer_arguments() -> None:
    p = [Value(1.0)]
    with pytest.raises(ValueError, match="lr must be > 0"):
        nn.SGD(p, lr=0.0)
    with pytest.raises(ValueError, match="got no parameters"):
        nn.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="betas must be in"):
        nn.Adam(p, betas=(0.9, 1.0))
    with pytest.raises(TypeError, match="SGD: lr must be a real number, got str"):
        nn.SGD(p, lr="fast")


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: nn.SGD(ps, lr=math.nan),
        lambda ps: nn.Adam(ps, lr=math.nan),
        lambda ps: nn.SGD(ps, lr=0.1, momentum=math.nan),
        lambda ps: nn.Adam(ps, eps=math.inf),
    ],
)
def test_a_nan_or_infinite_setting_is_a_value_error(make) -> None:
    with pytest.raises(ValueError, match=r"must be a finite number, got (nan|inf)"):
        make([Value(1.0)])


def test_a_schedule_returning_nan_is_a_value_error_and_changes_nothing() -> None:
    w = Value(1.0)
    optimizer = nn.SGD([w], lr=lambda k: math.nan)
    (w * w).backward()
    with pytest.raises(ValueError, match="SGD: lr must be a finite number, got nan"):
        optimizer.step()
    assert (w.data, optimizer.steps) == (1.0, 0)


def test_cross_entropy_of_logits_beyond_the_float_range_apart_is_exact() -> None:
    logits = [Value(1e308), Value(-1e308)]
    loss = nn.cross_entropy([logits], [0])
    assert loss.data == 0.0
    loss.backward()
    assert [v.grad for v in logits] == [0.0, 0.0]
    # the true loss, 2e308, is not a float
    with pytest.raises(OverflowError, match="shifted_logsumexp: the result overflows"):
        nn.cross_entropy([logits], [1])


# Wrong types slip through nowhere: a mapping or a set where a sequence is due, a string or a
# complex number where a number is due, is a TypeError naming the argument


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.mse({0: Value(1.0)}, [1.0]), r"mse: predictions must be a sequence"),
        (lambda: nn.mse([Value(1.0)], {0: 1.0}), r"mse: targets must be a sequence"),
        (lambda: nn.mse([1 + 2j], [1.0]), r"mse: predictions\[0\] must be a real number"),
        (lambda: nn.mse([[Value(1.0)]], ["1"]), r"mse: a target must be a real number"),
        (
            lambda: nn.cross_entropy([[Value(1.0), Value(2.0)]], {0: 1}),
            "classes must be a sequence",
        ),
        (lambda: nn.accuracy(["1.5"], [1]), r"accuracy: predictions\[0\] must be a sequence"),
        (lambda: nn.accuracy([0.5], [1 + 0j]), r"accuracy: targets\[0\] must be a real number"),
        (lambda: nn.accuracy({0: 0.5}, [1]), "accuracy: predictions must be a sequence"),
        (lambda: nn.SGD({Value(1.0), Value(2.0)}, lr=0.1), "SGD: params must be a sequence"),
        (lambda: nn.l1_penalty({Value(1.0)}), "l1_penalty: parameters must be a sequence"),
        (lambda: nn.l2_penalty({Value(1.0)}), "l2_penalty: parameters must be a sequence"),
        (lambda: nn.Adam([Value(1.0)], betas={0.9: 0, 0.99: 1}), "Adam: betas must be a sequence"),
        (
            lambda: nn.fit(
                nn.Neuron(1),
                ({0: [1.0]}, [1.0]),
                nn.mse,
                nn.SGD([Value(0.0)], lr=0.1),
                1,
                progress=False,
            ),
            "fit: X must be a sequence",
        ),
    ],
)
def test_a_mapping_a_set_a_string_or_a_complex_number_is_refused_naming_the_argument(
    call: object, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        call()  # type: ignore[operator]


def test_adam_takes_exactly_two_betas() -> None:
    with pytest.raises(ValueError, match="Adam: betas must be two numbers, got 3"):
        nn.Adam([Value(1.0)], betas=(0.9, 0.99, 0.999))
