"""Values and gradients against PyTorch (float64) on expressions that use every op.

Each expression is written once against a small namespace, then evaluated by this engine
and by PyTorch. Skipped when torch is not installed (CI installs torch==2.13.0).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import pytest

import autograd
from autograd import Value, hvp, jacfwd, jacobian, jacrev, jvp, vjp

pytestmark = pytest.mark.torch
torch = pytest.importorskip(
    "torch", reason="PyTorch is optional: pip install torch==2.13.0 to cross-check against it"
)
F = torch.nn.functional


def tensor(x: Any) -> Any:
    """A tensor as it is; a number as a float64 constant."""
    return x if isinstance(x, torch.Tensor) else torch.tensor(float(x), dtype=torch.float64)


def stack(xs: Sequence[Any]) -> Any:
    return torch.stack([tensor(x) for x in xs])


OURS = SimpleNamespace(
    exp=Value.exp,
    log=Value.log,
    sqrt=Value.sqrt,
    tanh=Value.tanh,
    sigmoid=Value.sigmoid,
    relu=Value.relu,
    leaky_relu=Value.leaky_relu,
    softplus=Value.softplus,
    swish=Value.swish,
    sin=Value.sin,
    cos=Value.cos,
    sum=autograd.sum,
    linear=autograd.linear,
    mean=autograd.mean,
    logsumexp=autograd.logsumexp,
    max=autograd.max,
    take=autograd.take,
    softmax=autograd.softmax,
    log_softmax=autograd.log_softmax,
)
TORCH = SimpleNamespace(
    exp=torch.exp,
    log=torch.log,
    sqrt=torch.sqrt,
    tanh=torch.tanh,
    sigmoid=torch.sigmoid,
    relu=torch.relu,
    leaky_relu=lambda x, slope=0.01: F.leaky_relu(x, slope),
    softplus=F.softplus,
    swish=F.silu,
    sin=torch.sin,
    cos=torch.cos,
    sum=lambda xs: stack(xs).sum(),
    linear=lambda xs, ws, b: F.linear(stack(xs), stack(ws), tensor(b)),
    mean=lambda xs: stack(xs).mean(),
    logsumexp=lambda xs, shift=0.0: torch.logsumexp(stack(xs) - tensor(shift), 0),
    max=lambda xs: stack(xs).max(),
    take=lambda xs, i: stack(xs)[int(i)],
    softmax=lambda xs: list(torch.softmax(stack(xs), 0)),
    log_softmax=lambda xs: list(torch.log_softmax(stack(xs), 0)),
)


def arithmetic(lib: SimpleNamespace, x: Any, y: Any, z: Any) -> Any:
    """+ - * / ** (number and Value exponents, number base), unary minus, abs."""
    return (x + y) * (z - x) / (y * y + 1) - x**3 + abs(y) ** 1.5 + x**z + 2**y - (-z) / 4


def activations(lib: SimpleNamespace, x: Any, y: Any, z: Any) -> Any:
    """Every elementwise function."""
    return (
        lib.tanh(x * y)
        + lib.sigmoid(y - z) * lib.exp(z / 4)
        + lib.log(lib.softplus(x) + 1)
        - lib.sqrt(abs(y) + 1)
        + lib.swish(z) * lib.sin(x)
        + lib.cos(y) ** 2
        + lib.relu(x - y)
        + lib.leaky_relu(z - 1, 0.1)
        + lib.leaky_relu(y)
    )


def reductions(lib: SimpleNamespace, x: Any, y: Any, z: Any) -> Any:
    """sum, linear, mean, max, take, logsumexp (shifted too), softmax, log_softmax."""
    terms = [x * y, y - z, z * x, x + 1]
    probs = lib.softmax(terms)
    logs = lib.log_softmax([x, y, z])
    neuron = lib.linear([x, y, z], [y * z, x - 1, z], x * x)
    picked = lib.take(terms, 2) * lib.max(terms) + lib.logsumexp(terms, shift=lib.take(terms, 1))
    return (
        lib.sum(terms) * lib.mean(probs[:3]) + lib.logsumexp(terms) - logs[1] + probs[0] * z
    ) * neuron + picked


def network(lib: SimpleNamespace, x: Any, y: Any, z: Any) -> Any:
    """A small neuron-shaped composition with a loss at the end."""
    h1 = lib.tanh(0.5 * x - 0.25 * y + 0.1)
    h2 = lib.relu(-0.3 * x + 0.8 * z - 0.2)
    h3 = lib.sigmoid(x * z - y)
    out = 1.5 * h1 - 0.7 * h2 + 0.3 * h3
    return (out - 0.25) ** 2 + lib.log_softmax([h1, h2, h3])[0] ** 2


EXPRESSIONS = [arithmetic, activations, reductions, network]

rng = random.Random(2026)
POINTS = [
    (rng.uniform(0.2, 2.0), rng.uniform(-2.0, 2.0), rng.uniform(-2.0, 2.0)) for _ in range(6)
]  # x > 0 so that x ** z is real


def ours(f: Callable[..., Any], at: Sequence[float]) -> tuple[float, list[float]]:
    inputs = [Value(v) for v in at]
    out = f(OURS, *inputs)
    out.backward()
    return out.data, [v.grad for v in inputs]


def theirs(f: Callable[..., Any], at: Sequence[float]) -> tuple[float, list[float]]:
    inputs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in at]
    out = f(TORCH, *inputs)
    out.backward()
    return out.item(), [v.grad.item() for v in inputs]


@pytest.mark.parametrize("at", POINTS, ids=lambda p: "(" + ", ".join(f"{v:.3f}" for v in p) + ")")
@pytest.mark.parametrize("f", EXPRESSIONS, ids=lambda f: f.__name__)
def test_value_and_gradients_match_pytorch_float64(
    f: Callable[..., Any], at: tuple[float, ...]
) -> None:
    value, grads = ours(f, at)
    expected_value, expected_grads = theirs(f, at)
    assert value == pytest.approx(expected_value, rel=1e-12, abs=1e-14)
    assert grads == pytest.approx(expected_grads, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize(
    "f",
    [
        lambda lib, x: lib.relu(x),
        lambda lib, x: abs(x),
        lambda lib, x: lib.leaky_relu(x, 0.2),
        lambda lib, x: x**2,
        lambda lib, x: lib.sqrt(x * x + 1),
    ],
    ids=["relu", "abs", "leaky_relu", "square", "sqrt"],
)
def test_derivative_at_zero_matches_pytorch(f: Callable[..., Any]) -> None:
    assert ours(f, [0.0]) == theirs(f, [0.0])


def test_gradient_of_a_value_exponent_matches_pytorch() -> None:
    def f(lib: SimpleNamespace, x: Any, y: Any) -> Any:
        return x**y

    for at in [(2.0, 3.0), (0.5, -1.5), (3.0, 0.0), (0.0, 2.0)]:
        assert ours(f, at)[1] == pytest.approx(theirs(f, at)[1], rel=1e-14)


def our_hessian(f: Callable[..., Any], at: Sequence[float]) -> list[list[float]]:
    return autograd.hessian(lambda *xs: f(OURS, *xs), at)


def their_hessian(f: Callable[..., Any], at: Sequence[float]) -> list[list[float]]:
    inputs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in at]
    first = torch.autograd.grad(f(TORCH, *inputs), inputs, create_graph=True)
    rows = [torch.autograd.grad(g, inputs, retain_graph=True, allow_unused=True) for g in first]
    return [[0.0 if d is None else d.item() for d in row] for row in rows]


@pytest.mark.parametrize("at", POINTS[:3], ids=lambda p: ", ".join(f"{v:.3f}" for v in p))
@pytest.mark.parametrize("f", EXPRESSIONS, ids=lambda f: f.__name__)
def test_second_derivatives_match_pytorch_create_graph(
    f: Callable[..., Any], at: tuple[float, ...]
) -> None:
    for ours_row, their_row in zip(our_hessian(f, at), their_hessian(f, at), strict=True):
        assert ours_row == pytest.approx(their_row, rel=1e-9, abs=1e-11)


# Forward mode and the function transforms against torch.func, in float64


def _ours(expression):
    return lambda *xs: expression(OURS, *xs)


def _theirs(expression):
    return lambda *xs: expression(TORCH, *xs)


def _tensors(point: Sequence[float]) -> tuple:
    return tuple(torch.tensor(x, dtype=torch.float64) for x in point)


@pytest.mark.parametrize("expression", EXPRESSIONS, ids=lambda e: e.__name__)
def test_jvp_vjp_and_jacobians_match_torch_func(expression) -> None:
    for point in POINTS:
        direction = (0.3, -1.1, 0.7)
        value, tangent = jvp(_ours(expression), point, direction)
        their_value, their_tangent = torch.func.jvp(
            _theirs(expression), _tensors(point), _tensors(direction)
        )
        assert value == pytest.approx(their_value.item(), rel=1e-9)
        assert tangent == pytest.approx(their_tangent.item(), rel=1e-9, abs=1e-12)
        for ours, theirs in ((jacrev, torch.func.jacrev), (jacfwd, torch.func.jacfwd)):
            expected = theirs(_theirs(expression), argnums=(0, 1, 2))(*_tensors(point))
            assert ours(_ours(expression), point) == pytest.approx(
                [g.item() for g in expected], rel=1e-9, abs=1e-12
            )
        _, pull = vjp(_ours(expression), *point)
        _, their_pull = torch.func.vjp(_theirs(expression), *_tensors(point))
        their_grads = their_pull(torch.tensor(2.5, dtype=torch.float64))
        assert list(pull(2.5)) == pytest.approx(
            [g.item() for g in their_grads], rel=1e-9, abs=1e-12
        )


@pytest.mark.parametrize("expression", EXPRESSIONS, ids=lambda e: e.__name__)
def test_hvp_matches_pytorch(expression) -> None:
    for point in POINTS[:3]:
        v = (0.4, 1.3, -0.6)
        _, theirs = torch.autograd.functional.hvp(
            lambda *xs: expression(TORCH, *xs), _tensors(point), _tensors(v)
        )
        ours = hvp(_ours(expression), point, v)
        assert ours == pytest.approx([t.item() for t in theirs], rel=1e-9, abs=1e-11)


def test_jacobian_of_several_outputs_matches_torch_func() -> None:
    def ours(x: Value, y: Value, z: Value) -> list[Value]:
        return [*autograd.softmax([x * y, y - z, z]), (x * z).tanh(), autograd.max([x, y, z])]

    def theirs(x, y, z):
        soft = torch.softmax(torch.stack([x * y, y - z, z]), 0)
        return torch.cat([soft, torch.stack([torch.tanh(x * z), torch.stack([x, y, z]).max()])])

    point = (0.6, -0.4, 1.1)
    expected = torch.stack(torch.func.jacrev(theirs, argnums=(0, 1, 2))(*_tensors(point)), 1)
    for mode in ("forward", "reverse"):
        rows = jacobian(ours, point, mode=mode)
        for row, their_row in zip(rows, expected.tolist(), strict=True):
            assert row == pytest.approx(their_row, rel=1e-9, abs=1e-15)
