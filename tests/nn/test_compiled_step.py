"""nn.compile_step and fit(compile=True) with the parameters in one array: every step equals
eager's to 1e-12, the Values hold a step boundary whatever happens, the optimizers' one rule
serves floats and arrays, and a loss that is not a mean of per-sample losses is refused."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import nn
from autograd import Value
from nn import cases

REL = 1e-12


def close_lists(ours: list[float], theirs: list[float], rel: float = REL) -> bool:
    return len(ours) == len(theirs) and all(
        math.isclose(a, b, rel_tol=rel, abs_tol=1e-14) for a, b in zip(ours, theirs, strict=True)
    )


def assert_same_data_and_grads(ours: nn.Module, theirs: nn.Module) -> None:
    """Every parameter's .data to REL and .grad to 1e-10 (a gradient's terms are summed in
    another order), in the models' parameter order."""
    assert close_lists([p.data for p in ours.parameters()], [p.data for p in theirs.parameters()])
    assert close_lists(
        [p.grad for p in ours.parameters()], [p.grad for p in theirs.parameters()], 1e-10
    )


def moons(n: int = 40) -> tuple[list[list[float]], list[int]]:
    X, labels = nn.datasets.moons(n, noise=0.1, seed=1337)
    return X, [2 * label - 1 for label in labels]


def eager_step(model: nn.Module, loss, optimizer, X, y, penalty=None) -> float:
    value = loss([model(x) for x in X], y)
    if penalty is not None:
        value = value + penalty(model)
    optimizer.zero_grad()
    value.backward()
    optimizer.step()
    return value.data


OPTIMIZERS = {
    "sgd": lambda ps: nn.SGD(ps, lr=lambda k: 0.5 / (k + 1)),
    "momentum and decay": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "adam": lambda ps: nn.Adam(ps, lr=0.01),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_compiled_step_leaves_the_data_and_grad_eager_leaves(name: str) -> None:
    X, y = moons()
    penalty = lambda m: 1e-3 * nn.l2_penalty(m.parameters())  # noqa: E731
    eager, compiled = cases.moons_model(1337), cases.moons_model(1337)
    eager_opt, compiled_opt = (
        OPTIMIZERS[name](eager.parameters()),
        OPTIMIZERS[name](compiled.parameters()),
    )
    step = nn.compile_step(compiled, nn.hinge, compiled_opt, penalty=penalty)
    for _ in range(5):
        theirs = eager_step(eager, nn.hinge, eager_opt, X, y, penalty)
        ours, scores = step(X, y)
        assert math.isclose(ours, theirs, rel_tol=REL)
        assert_same_data_and_grads(compiled, eager)
        assert scores.shape == (len(X),)
    assert compiled_opt.steps == eager_opt.steps == 5


def test_a_compiled_step_reads_the_values_again_and_shares_the_optimizers_state() -> None:
    X, y = moons(20)
    eager, mixed = cases.moons_model(1337), cases.moons_model(1337)
    eager_opt = nn.SGD(eager.parameters(), lr=0.1, momentum=0.9)
    mixed_opt = nn.SGD(mixed.parameters(), lr=0.1, momentum=0.9)
    step = nn.compile_step(mixed, nn.hinge, mixed_opt)
    for k in range(6):
        eager_step(eager, nn.hinge, eager_opt, X, y)
        if k % 2:  # take turns: eager, compiled, eager…
            step(X, y)
        else:
            eager_step(mixed, nn.hinge, mixed_opt, X, y)
        if k == 3:  # a change made between steps is seen by the next one
            for model in (eager, mixed):
                model.layers[0].neurons[0].w[0].data += 0.25
    assert close_lists([p.data for p in mixed.parameters()], [p.data for p in eager.parameters()])


def test_the_784_30_10_network_trains_compiled_as_eager_does_on_a_small_subset() -> None:
    rng = np.random.default_rng(0)
    X = (rng.random((6, 784)) > 0.6).astype(float)
    y = [0, 3, 9, 3, 1, 7]
    eager = nn.MLP(784, [30, 10], activation="relu", init="he", seed=0)
    compiled = nn.MLP(784, [30, 10], activation="relu", init="he", seed=0)
    eager_opt, compiled_opt = (
        nn.SGD(eager.parameters(), lr=0.1),
        nn.SGD(compiled.parameters(), lr=0.1),
    )
    step = nn.compile_step(compiled, nn.cross_entropy, compiled_opt)
    for _ in range(3):
        theirs = eager_step(eager, nn.cross_entropy, eager_opt, X.tolist(), y)
        ours, logits = step(X, y)
        assert math.isclose(ours, theirs, rel_tol=REL)
        assert logits.shape == (6, 10)
    assert close_lists(
        [p.data for p in compiled.parameters()], [p.data for p in eager.parameters()]
    )
    assert "x @ W" in step.source or "linear(" in step.source


def test_fit_compiled_equals_eager_on_arrays_and_lists_alike() -> None:
    X, y = moons(30)
    histories = []
    for compile, data in ((False, (X, y)), (True, (X, y)), (True, (np.array(X), np.array(y)))):
        model = cases.moons_model(1337)
        histories.append(
            nn.fit(
                model,
                data,
                nn.hinge,
                nn.Adam(model.parameters(), lr=0.02),
                4,
                batch_size=8,
                seed=3,
                progress=False,
                compile=compile,
            )
        )
    for compiled in histories[1:]:
        assert close_lists(compiled.loss, histories[0].loss)
        assert compiled.metric == histories[0].metric


class InterruptError(Exception):
    pass


def test_an_error_mid_epoch_leaves_every_parameter_at_the_last_completed_step() -> None:
    """The learning-rate schedule raises when asked for step 5, the second epoch's second
    batch: compiled, the Values are written back as they were after 5 completed steps,
    which is where eager training leaves them, and not the end of the first epoch."""
    X, y = moons(24)

    def schedule(k: int) -> float:
        if k == 5:
            raise InterruptError
        return 0.1

    def train(compile: bool, epochs: int, lr) -> nn.MLP:
        model = cases.moons_model(1337)
        nn.fit(
            model,
            (X, y),
            nn.hinge,
            nn.SGD(model.parameters(), lr=lr),
            epochs,
            batch_size=6,
            seed=0,
            progress=False,
            compile=compile,
        )
        return model

    models = {}
    for compile in (True, False):
        models[compile] = model = cases.moons_model(1337)
        with pytest.raises(InterruptError):
            nn.fit(
                model,
                (X, y),
                nn.hinge,
                nn.SGD(model.parameters(), lr=schedule),
                3,
                batch_size=6,
                seed=0,
                progress=False,
                compile=compile,
            )
    compiled, eager = ([p.data for p in models[c].parameters()] for c in (True, False))
    after_one_epoch = [p.data for p in train(False, 1, 0.1).parameters()]
    assert close_lists(compiled, eager)
    assert not close_lists(compiled, after_one_epoch, 1e-6)


@pytest.mark.parametrize(
    ("loss", "what"),
    [
        (lambda p, t: nn.mse(p, t).sqrt(), "a root of the mean"),
        (lambda p, t: nn.mse(p, t) * len(t), "a sum"),
    ],
)
def test_a_loss_that_is_not_a_mean_of_per_sample_losses_is_refused_at_the_first_step(
    loss,
    what: str,
) -> None:
    X, y = moons(12)
    model = cases.moons_model(1337)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="the loss must be such a mean"):
        nn.fit(
            model, (X, y), loss, nn.SGD(model.parameters(), lr=0.1), 2, progress=False, compile=True
        )
    assert [p.data for p in model.parameters()] == before, what
    # one sample per batch: every loss is its own mean, so any loss compiles
    nn.fit(
        model,
        (X[:3], y[:3]),
        loss,
        nn.SGD(model.parameters(), lr=0.01),
        1,
        batch_size=1,
        progress=False,
        compile=True,
    )


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_an_optimizers_one_rule_gives_the_same_numbers_on_floats_and_on_arrays(name: str) -> None:
    rng = np.random.default_rng(1)
    data, grads = rng.normal(size=5), rng.normal(size=(4, 5))
    optimizer = OPTIMIZERS[name]([Value(0.0)])
    array_state = float_states = None
    array_data = data
    float_data = data.tolist()
    float_states = [None] * 5
    for k, grad in enumerate(grads):
        lr = optimizer.lr(k) if callable(optimizer.lr) else optimizer.lr
        array_data, array_state = optimizer.update(array_data, grad, array_state, lr)
        for i in range(5):
            float_data[i], float_states[i] = optimizer.update(
                float_data[i], float(grad[i]), float_states[i], lr
            )
            assert isinstance(float_data[i], float)
    assert array_data.tolist() == float_data


@pytest.mark.torch
def test_optimizers_match_pytorchs() -> None:
    import torch

    rng = np.random.default_rng(2)
    start, grads = rng.normal(size=6), rng.normal(size=(5, 6))
    pairs = [
        (
            lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
            lambda t: torch.optim.SGD([t], lr=0.1, momentum=0.9, weight_decay=0.01),
        ),
        (lambda ps: nn.Adam(ps, lr=0.01), lambda t: torch.optim.Adam([t], lr=0.01)),
    ]
    for ours_of, theirs_of in pairs:
        params = [Value(v) for v in start]
        ours = ours_of(params)
        tensor = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        theirs = theirs_of(tensor)
        for grad in grads:
            for p, g in zip(params, grad, strict=True):
                p.grad = float(g)
            ours.step()
            tensor.grad = torch.tensor(grad, dtype=torch.float64)
            theirs.step()
        assert close_lists([p.data for p in params], tensor.detach().tolist(), 1e-13)


def test_a_compiled_step_reads_the_callers_arrays_as_they_are_at_each_call() -> None:
    """A loop that refills the same arrays with the next batch: each step sees the new
    contents (int labels too, which are converted), and nothing is kept from one call."""
    X, y = moons(40)
    inputs, labels = np.array(X[:20]), np.array(y[:20])  # ints: converted at every call
    eager, compiled = cases.moons_model(1337), cases.moons_model(1337)
    eager_opt, compiled_opt = (
        nn.SGD(eager.parameters(), lr=0.1),
        nn.SGD(compiled.parameters(), lr=0.1),
    )
    step = nn.compile_step(compiled, nn.hinge, compiled_opt)
    for start in (0, 20):
        inputs[:], labels[:] = X[start : start + 20], y[start : start + 20]
        theirs = eager_step(
            eager, nn.hinge, eager_opt, X[start : start + 20], y[start : start + 20]
        )
        ours, _ = step(inputs, labels)
        assert math.isclose(ours, theirs, rel_tol=REL)


def test_a_parameter_replaced_between_compiled_steps_is_used_as_eager_uses_it() -> None:
    """The model's structure changed: traced again, the new Value is read and given its
    gradient, and the optimizer, which holds the old one, updates that, as in eager."""

    def replace(model: nn.Module) -> None:
        model.layers[0].neurons[0].w[0] = Value(2.5)

    three_steps_beside_eager(replace)


def three_steps_beside_eager(change: Callable[[nn.Module], None]) -> None:
    """Three SGD steps, compiled and eager, with ``change`` made to both models before the
    second: every loss, and in the end every .data and .grad, eager's."""
    X, y = moons(20)
    eager, compiled = cases.moons_model(1337), cases.moons_model(1337)
    eager_opt, compiled_opt = (
        nn.SGD(eager.parameters(), lr=0.1),
        nn.SGD(compiled.parameters(), lr=0.1),
    )
    step = nn.compile_step(compiled, nn.hinge, compiled_opt)
    for k in range(3):
        if k == 1:
            change(eager)
            change(compiled)
        theirs = eager_step(eager, nn.hinge, eager_opt, X, y)
        ours, _ = step(X, y)
        assert math.isclose(ours, theirs, rel_tol=REL)
    assert_same_data_and_grads(compiled, eager)


def test_a_compiled_step_starts_from_every_value_as_it_is_even_one_equal_to_the_old() -> None:
    """Whatever a Value holds when a step starts is what the step reads: a float32
    (np.float32(x) == x for the float64 x nearest it, under NumPy's rules) or a zero of the
    other sign (0.0 == -0.0) is not taken for the number the last step wrote."""
    X, y = moons(10)
    model = cases.moons_model(1337)
    step = nn.compile_step(model, nn.hinge, nn.SGD(model.parameters(), lr=0.1))
    for k in range(3):
        step(X, y)
        if k == 0:  # every weight that is not zero, rounded to float32
            for p in model.parameters():
                if p.data:
                    p.data = np.float32(p.data)
        else:  # the first weight: 0.0, then -0.0
            model.parameters()[0].data = -0.0 if k == 2 else 0.0
        step._trainer.read()
        theta = step._trainer.theta.tolist()
        assert theta == [float(p.data) for p in model.parameters()]
        assert math.copysign(1.0, theta[0]) == math.copysign(1.0, model.parameters()[0].data)


def test_a_value_changed_together_with_a_replaced_one_is_kept_when_the_step_traces_again() -> None:
    """Tracing again (a Value replaced) must not write the array's old numbers over a Value
    the user changed since the last step: they are already the Values' own."""

    def change_and_replace(model: nn.Module) -> None:
        neuron = model.layers[0].neurons[0]
        neuron.w[0].data = 0.3
        neuron.w[1] = Value(0.5)

    three_steps_beside_eager(change_and_replace)
