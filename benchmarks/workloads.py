"""The workloads. Each runs the same computation on valuegrad, on micrograd and on PyTorch
(when installed), checks that the engines agree on the numbers, and returns table rows.

Times are medians over repeats, with the garbage collector on, as users run, and a
``gc.collect()`` before each repeat so that one repeat's garbage is not charged to the next.
Rows marked "GC off" are timed again with the collector paused, as ``timeit`` does: they
show how much of a time is the engine's own work and how much is CPython's collector.
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any

import numpy as np

import autograd
from autograd import Value, jacfwd, jacrev, jvp
from autograd.compiler.codegen import generate
from autograd.compiler.fusion import fuse
from nn import (
    MLP,
    SGD,
    Adam,
    History,
    accuracy,
    cases,
    compile_step,
    cross_entropy,
    datasets,
    fit,
    hinge,
    l2_penalty,
)

try:
    from micrograd import nn as micrograd_nn
    from micrograd.engine import Value as MicroValue
except ModuleNotFoundError:  # the comparison rows then say "not installed"
    micrograd_nn = MicroValue = None  # type: ignore[assignment]

try:
    import torch
except ModuleNotFoundError:
    torch = None  # type: ignore[assignment]

VALUEGRAD, MICROGRAD, PYTORCH = "valuegrad", "micrograd", "PyTorch"
COMPILED = "valuegrad, compiled"  # nn.compile_step / fit(compile=True): a whole step in NumPy
COMPOSED = COMPILED + " loss + eager penalty"  # autograd.compile's Value in an eager graph
STEPPED = COMPILED + ", step by step"  # a loop of nn.compile_step: Values updated every step
TRANSFERS = "valuegrad, moving the parameters"  # reading .data, writing .data and .grad
GC_OFF = ", GC off"  # suffix of the rows timed with the collector paused
ALPHA = cases.MOONS_L2  # the moons demo's L2 strength
COMPILED_CHAIN = 10**5  # the longest chain compiled: one generated step per node
AGREE = 1e-9  # engines must agree on every loss to this relative difference
_data = attrgetter("data")


@dataclass
class Row:
    """One measurement: ``value`` in ``unit`` (lower is better), or None with a reason."""

    workload: str
    size: str
    engine: str
    value: float | None
    unit: str
    note: str = ""


@dataclass(frozen=True)
class Sizes:
    """How big each workload is: ``FULL`` for the real run, ``SMOKE`` for the test suite."""

    moons_points: int
    moons_steps: int
    chain_lengths: tuple[int, ...]
    memory_chain: int
    wide: int
    digits_train: int
    digits_batch: int
    digits_repeats: int
    jvp_chain: int
    jacobian_width: int
    mnist_train: int
    epochs: int  # a compiled fit's epochs: its time per epoch is (T(epochs) - T(1)) / (epochs - 1)
    rounds: int  # rounds of the digits and 784-30-10 epochs, each engine's in turn


FULL = Sizes(
    100, 9, (10**2, 10**3, 10**4, 10**5, 10**6), 10**5, 10**5, 1000, 32, 3, 10**6, 1000, 4000, 6, 7
)
SMOKE = Sizes(8, 1, (10**2, 10**3, 10**4), 10**3, 10**3, 20, 10, 1, 10**3, 20, 200, 2, 1)


_Total = Callable[[list[Any], list[Any]], Any]  # the wide workload's Σ wᵢ·xᵢ, one engine's way


class DisagreementError(AssertionError):
    """Two engines computed different numbers: a benchmark of a wrong answer is worthless."""


def _check_agree(workload: str, engine: str, ours: Sequence[float], theirs: Sequence[float]) -> str:
    """The largest relative difference between two engines' losses, as a note; raises if > AGREE."""
    worst = max(abs(a - b) / max(abs(a), abs(b), 1e-300) for a, b in zip(ours, theirs, strict=True))
    if worst > AGREE:
        raise DisagreementError(
            f"{workload}: {engine} differs from valuegrad by {worst:.2e} (relative)"
        )
    return (
        f"losses equal valuegrad's to {worst:.0e}" if worst else "losses identical to valuegrad's"
    )


def _timed(run: Callable[[], Any], collector: bool) -> tuple[float, Any]:
    """One call's time and result; with the collector paused during the call if not
    ``collector`` (its garbage is then collected by the next repeat's gc.collect())."""
    gc.collect()
    if not collector:
        gc.disable()
    try:
        start = time.perf_counter()
        result = run()
        return time.perf_counter() - start, result
    finally:
        gc.enable()


def _median_time(
    run: Callable[[], Any], repeats: int, *, collector: bool = True
) -> tuple[float, list[Any]]:
    """The median time of ``repeats`` calls, and what each call returned."""
    times, results = [], []
    for _ in range(repeats):
        seconds, result = _timed(run, collector)
        times.append(seconds)
        results.append(result)
    return statistics.median(times), results


def _missing(workload: str, size: str, engine: str, unit: str) -> Row:
    package = "micrograd" if engine == MICROGRAD else "torch"
    return Row(workload, size, engine, None, unit, f"not installed (pip install {package})")


# 1. micrograd's two-moons training step


def moons_step(sizes: Sizes) -> list[Row]:
    """micrograd's demo: 2-16-16-1 ReLU MLP, hinge loss + 1e-4·L2, full batch, SGD with
    lr = 1 - 0.9·k/100. Each engine starts from the same weights and takes the same steps.
    valuegrad and micrograd run a second time, from the start, with the collector off.

    A compiled step and PyTorch's take about a millisecond, so they are timed as a training
    loop runs them: blocks of ``LOOP_BLOCK`` steps in a row (a ``gc.collect()`` before each
    block, not each step), the engines' blocks in turn, so that each sees the machine in the
    same state (see ``_loops``)."""
    workload, size, unit = "moons training step", f"{sizes.moons_points} points", "ms/step"
    X, y = _moons_data(sizes.moons_points)
    start = [p.data for p in cases.moons_model(1337).parameters()]
    looped_steps = 1 + LOOP_BLOCK * sizes.moons_steps  # a warm-up step, then the timed blocks
    rate = [1.0 - 0.9 * k / 100 for k in range(looped_steps)]

    def valuegrad_steps() -> Callable[[], float]:
        model = cases.moons_model(1337)
        optimizer = SGD(model.parameters(), lr=lambda k: rate[k])

        def step() -> float:
            loss, _ = cases.moons_loss(model, X, y, ALPHA)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.data

        return step

    def micrograd_steps() -> Callable[[], float]:
        model = micrograd_nn.MLP(2, [16, 16, 1])
        for p, data in zip(model.parameters(), start, strict=True):
            p.data = data
        steps = iter(rate)

        def step() -> float:  # the loop of micrograd's demo notebook
            total, scores = _micrograd_moons_loss(model, X, y)
            _ = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores, strict=True))
            model.zero_grad()
            total.backward()
            lr = next(steps)
            for p in model.parameters():
                p.data -= lr * p.grad
            return total.data

        return step

    def compiled_moons_steps() -> Callable[[], float]:
        """The same steps with nn.compile_step: the forward and backward passes and the SGD
        update as NumPy on one array of the parameters, written back to the Values in bulk
        after every step (so a loop sees what eager shows), and the accuracy from the
        returned scores."""
        model = cases.moons_model(1337)
        optimizer = SGD(model.parameters(), lr=lambda k: rate[k])
        step = compile_step(model, hinge, optimizer, penalty=_moons_penalty)
        inputs, labels = np.array(X), np.array(y, dtype=np.float64)
        step.compiled.trace(inputs, labels)  # traced here, before the timing; no step taken

        def one() -> float:
            loss, scores = step(inputs, labels)
            _ = accuracy(scores, labels)
            return loss

        return one

    def composed_moons_steps() -> Callable[[], float]:
        """Notebook 14's composition: the compiled per-sample loss as one Value, plus the
        penalty as eager Values, then zero_grad, backward() and nn.SGD's step."""
        model = cases.moons_model(1337)
        params = model.parameters()
        step = autograd.compile(lambda x, label: (1 + -label * model(x)[0]).relu())
        optimizer = SGD(params, lr=lambda k: rate[k])
        inputs, labels = np.array(X), np.array(y, dtype=np.float64)
        step.trace(inputs, labels)

        def one() -> float:
            loss = step(inputs, labels) + ALPHA * l2_penalty(params)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.data

        return one

    def torch_steps() -> Callable[[], float]:
        params = _torch_layers(cases.moons_model(1337))
        inputs = torch.tensor(X, dtype=torch.float64)
        yt = torch.tensor(y, dtype=torch.float64)
        steps = iter(rate)

        def one() -> float:
            scores = _torch_forward(params, inputs)[:, 0]
            penalty = sum((p * p).sum() for layer in params for p in layer)
            total = torch.relu(1 - yt * scores).mean() + ALPHA * penalty
            _ = ((scores > 0) == (yt > 0)).double().mean().item()
            _torch_sgd_step(params, total, next(steps))
            return total.item()

        return one

    seconds, ours = _median_time(valuegrad_steps(), sizes.moons_steps)
    rows = [Row(workload, size, VALUEGRAD, seconds * 1e3, unit, "nn.MLP, nn.hinge, nn.SGD")]
    looped = {COMPILED: compiled_moons_steps(), COMPOSED: composed_moons_steps()}
    if torch is not None:
        looped[PYTORCH + " tensors"] = torch_steps()
    timed = _loops(looped, sizes.moons_steps)
    for engine, note in (
        (COMPILED, "nn.compile_step; "),
        (COMPOSED, "autograd.compile + eager l2_penalty, backward(), nn.SGD; "),
    ):
        seconds, losses = timed[engine]
        note += _check_agree(workload, engine, ours, losses[: len(ours)])
        rows.append(Row(workload, size, engine, seconds * 1e3, unit, note))
    cycles = "; its graphs are reference cycles, left to the gc.collect() between repeats"
    if micrograd_nn is None:
        rows.append(_missing(workload, size, MICROGRAD, unit))
        runs = [(VALUEGRAD + GC_OFF, valuegrad_steps, False, "")]
    else:
        runs = [
            (MICROGRAD, micrograd_steps, True, ""),
            (VALUEGRAD + GC_OFF, valuegrad_steps, False, ""),
            (MICROGRAD + GC_OFF, micrograd_steps, False, cycles),
        ]
    for engine, steps, collector, remark in runs:
        seconds, losses = _median_time(steps(), sizes.moons_steps, collector=collector)
        note = _check_agree(workload, engine, ours, losses) + remark
        rows.append(Row(workload, size, engine, seconds * 1e3, unit, note))

    if torch is None:
        rows.append(_missing(workload, size, PYTORCH + " tensors", unit))
    else:
        seconds, losses = timed[PYTORCH + " tensors"]
        note = "tensor ops on whole batches; " + _check_agree(
            workload, PYTORCH, ours, losses[: len(ours)]
        )
        _check_agree(workload, PYTORCH, timed[COMPILED][1], losses)  # every looped step
        rows.append(Row(workload, size, PYTORCH + " tensors", seconds * 1e3, unit, note))
    return rows


LOOP_BLOCK = 10  # steps in a row per timed block of a looped engine


def _loops(
    runs: dict[str, Callable[[], float]], rounds: int
) -> dict[str, tuple[float, list[float]]]:
    """Each engine's steps as a training loop runs them: one warm-up step, then ``rounds``
    blocks of ``LOOP_BLOCK`` steps in a row, every engine's block in turn (``_in_turn``).
    Per engine: the median over its blocks of the time per step, and every step's loss in
    order (the warm-up's first)."""
    losses = {engine: [step()] for engine, step in runs.items()}
    blocks = {engine: partial(_in_a_row, step, LOOP_BLOCK) for engine, step in runs.items()}
    timed = _in_turn(blocks, rounds)
    for engine, (_, results) in timed.items():
        losses[engine] += [loss for block in results for loss in block]
    return {
        engine: (statistics.median(times) / LOOP_BLOCK, losses[engine])
        for engine, (times, _) in timed.items()
    }


def _in_turn(
    runs: Mapping[str, Callable[[], Any]], rounds: int
) -> dict[str, tuple[list[float], list[Any]]]:
    """Each run's time in each of ``rounds`` rounds, and what it returned, the runs called
    in turn in every round, with a ``gc.collect()`` before each: the machine's speed drifts
    over seconds, and taking turns lets every engine see it alike, where timing one engine's
    repeats, then another's, measures the drift too."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    results: dict[str, list[Any]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            seconds, result = _timed(run, collector=True)
            times[name].append(seconds)
            results[name].append(result)
    return {name: (times[name], results[name]) for name in runs}


def _per_epoch(one: list[float], several: list[float], epochs: int) -> float:
    """The time of an epoch once traced: per round, (T(epochs) - T(1)) / (epochs - 1), which
    takes the trace and the first epoch away; the median over the rounds."""
    return statistics.median((b - a) / (epochs - 1) for a, b in zip(one, several, strict=True))


def _in_a_row(step: Callable[[], float], steps: int) -> list[float]:
    return [step() for _ in range(steps)]


def _moons_penalty(model: Any) -> Any:
    return ALPHA * l2_penalty(model.parameters())


def _transfers(model: Any, loss: Any, X: Any, y: Any) -> list[Row]:
    """What compiled training does per parameter in Python, timed alone: the bulk read of
    every ``.data`` into the array, and the bulk write of every ``.data`` and ``.grad`` back
    (``nn.compile_step`` does both at every step, ``fit(compile=True)`` once an epoch)."""
    step = compile_step(model, loss, SGD(model.parameters(), lr=1e-3))
    step(X, y)
    trainer = step._trainer
    n = len(trainer.parameters)
    size = f"{n:,} parameters"
    rows = []
    for what, move, note in (
        ("reading", trainer.read, "every .data in a list, packed by struct"),
        ("writing", trainer.write, "one loop setting every .data and .grad"),
    ):
        seconds, _ = _median_time(move, 20)
        rows.append(
            Row(
                f"{what} the parameters' Values",
                size,
                TRANSFERS,
                seconds * 1e9 / n,
                "ns/parameter",
                note,
            )
        )
    return rows


def _moons_data(points: int) -> tuple[list[list[float]], list[int]]:
    """The demo's two moons, with labels -1 and +1 for the hinge loss."""
    X, labels = datasets.moons(points, noise=0.1, seed=1337)
    return X, [2 * label - 1 for label in labels]


def _micrograd_moons_loss(model: Any, X: list[list[float]], y: list[int]) -> tuple[Any, list]:
    """micrograd's demo loss, as its notebook writes it: (hinge + ALPHA·Σp², the scores)."""
    scores = [model([MicroValue(a), MicroValue(b)]) for a, b in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + ALPHA * sum(p * p for p in model.parameters()), scores


def _torch_sgd_step(layers: list[tuple[Any, Any]], loss: Any, lr: float) -> None:
    """Backpropagate ``loss`` into fresh gradients and take one plain SGD step."""
    for layer in layers:
        for p in layer:
            p.grad = None
    loss.backward()
    with torch.no_grad():
        for layer in layers:
            for p in layer:
                p -= lr * p.grad


def _torch_layers(model: Any) -> list[tuple[Any, Any]]:
    """An nn.MLP's weights as float64 tensors (weights, b) per layer, ready for autograd."""
    layers = []
    for layer in model.layers:
        weights = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        layers.append((weights.requires_grad_(), b.requires_grad_()))
    return layers


def _torch_forward(layers: list[tuple[Any, Any]], X: Any) -> Any:
    """ReLU after every layer but the last, as in nn.MLP and micrograd's MLP."""
    for i, (weights, b) in enumerate(layers):
        X = X @ weights.T + b
        if i < len(layers) - 1:
            X = torch.relu(X)
    return X


# 2. A chain of N ops: linear scaling, and where recursion stops


def chain(sizes: Sizes) -> list[Row]:
    """y = x, then N times y = y + x; build the chain and backpropagate through it.
    Reported per node (build + backward); dy/dx = N + 1 is checked on every engine.

    valuegrad runs a second time with the collector off: the difference is CPython's full
    collections, which start once the graph outgrows the objects already alive and then scan
    every node again each time the heap grows by a quarter."""
    workload, unit = "chain of N adds, build + backward", "µs/node"
    engines: list[tuple[str, Callable[[float], Any] | None]] = [
        (VALUEGRAD, Value),
        (VALUEGRAD + GC_OFF, Value),
        (MICROGRAD, MicroValue),
        (PYTORCH + " scalars", torch and _torch_scalar),
    ]
    rows = []
    for n in sizes.chain_lengths:
        size = f"N = 10^{len(str(n)) - 1}"
        repeats = max(3, min(20, 10**6 // (n * 10)))
        for engine, make in engines:
            if make is None:
                rows.append(_missing(workload, size, engine.split()[0], unit))
                continue
            try:
                seconds, grads = _median_time(
                    lambda make=make, n=n: _chain_run(make, n),
                    repeats,
                    collector=not engine.endswith(GC_OFF),
                )
            except RecursionError:
                limit = sys.getrecursionlimit()
                note = f"RecursionError: its backward recurses once per node (limit {limit})"
                rows.append(Row(workload, size, engine, None, unit, note))
                continue
            if any(float(g) != n + 1 for g in grads):
                raise DisagreementError(
                    f"{workload}: {engine} gives dy/dx = {grads[0]} for N = {n}"
                )
            rows.append(Row(workload, size, engine, seconds * 1e6 / n, unit))
        if n > COMPILED_CHAIN:
            note = f"not compiled beyond N = {COMPILED_CHAIN:,}: nothing fuses in a chain, so its "
            note += "program is one generated step per add, and writing it takes minutes"
            rows.append(Row(workload, size, COMPILED, None, unit, note))
            continue
        seconds, grads = _median_time(_compiled_chain(n), repeats)
        if any(g != n + 1 for g in grads):
            raise DisagreementError(f"{workload}: {COMPILED} gives {grads[0]} for N = {n}")
        note = "replay only (traced once before); no Python object per node"
        rows.append(Row(workload, size, COMPILED, seconds * 1e6 / n, unit, note))
    return rows


def _compiled_chain(n: int) -> Callable[[], float]:
    """The chain compiled: y = s·x, then n times y = y + x, for one sample s = 1 (so that
    dy/dx = n + 1 as above), traced before the timing; each call replays it and its backward
    pass, with no Value made per node."""
    x = Value(0.5)
    step = autograd.compile(lambda s: _chain_of_adds(s * x, n, x))
    step([1.0])

    def run() -> float:
        x.grad = 0.0
        step([1.0]).backward()
        return x.grad

    return run


def _torch_scalar(x: float) -> Any:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def _chain_of_adds(x: Any, n: int, step: Any = None) -> Any:
    """y = x, then n times y = y + step (x unless given)."""
    step = x if step is None else step
    y = x
    for _ in range(n):
        y = y + step
    return y


def _chain_run(make: Callable[[float], Any], n: int) -> float:
    x = make(0.5)
    _chain_of_adds(x, n).backward()
    return x.grad


# 3. Memory per node


def memory(sizes: Sizes) -> list[Row]:
    """Bytes that tracemalloc sees allocated while building a graph, per node built: the chain
    above, and one forward pass of the moons demo (whose graphs differ in node count, so the
    whole graph's size is given too). PyTorch allocates its tensors outside Python's
    allocator, where tracemalloc cannot see them, so it has no row."""
    rows = []
    workload, unit = "memory of a chain of adds", "bytes/node"
    n = sizes.memory_chain
    size = f"N = {n:,}"
    rows.append(Row(workload, size, VALUEGRAD, _chain_bytes(Value, n) / n, unit))
    if MicroValue is None:
        rows.append(_missing(workload, size, MICROGRAD, unit))
    else:
        rows.append(Row(workload, size, MICROGRAD, _chain_bytes(MicroValue, n) / n, unit))

    workload = "memory of the moons forward graph"
    X, y = _moons_data(sizes.moons_points)
    size = f"{sizes.moons_points} points"
    model = cases.moons_model(1337)
    builds = [(VALUEGRAD, lambda: cases.moons_loss(model, X, y, ALPHA)[0])]
    if micrograd_nn is None:
        rows.append(_missing(workload, size, MICROGRAD, unit))
    else:
        theirs = micrograd_nn.MLP(2, [16, 16, 1])
        builds.append((MICROGRAD, lambda: _micrograd_moons_loss(theirs, X, y)[0]))
    for engine, build in builds:
        total, nodes = _graph_bytes(build)
        note = f"{nodes:,} nodes, {total / 1e6:.1f} MB in all"
        rows.append(Row(workload, size, engine, total / nodes, unit, note))
    return rows


def _chain_bytes(make: Callable[[float], Any], n: int) -> float:
    x = make(0.5)
    return _traced(lambda: _chain_of_adds(x, n))[0]


def _graph_bytes(build: Callable[[], Any]) -> tuple[float, int]:
    """(bytes allocated by ``build``, nodes it created): every node reachable from the
    result that did not exist before the call."""
    gc.collect()
    before = {id(node) for node in gc.get_objects()}
    total, root = _traced(build)
    created = sum(1 for node in _walk(root) if id(node) not in before)
    return total, created


def _traced(build: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        result = build()
        return tracemalloc.get_traced_memory()[0] - start, result
    finally:
        tracemalloc.stop()


def _walk(root: Any) -> Iterator[Any]:
    """Every node of either engine's graph (valuegrad: ``parents``, micrograd: ``_prev``)."""
    seen, stack = {id(root)}, [root]
    while stack:
        node = stack.pop()
        yield node
        for parent in getattr(node, "parents", None) or getattr(node, "_prev", ()):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)


# 4a. A wide graph


def wide(sizes: Sizes) -> list[Row]:
    """Σ wᵢ·xᵢ over n pairs of leaves, then backward. On valuegrad three ways: ``autograd.sum``
    of the products (one node with n parents), Python's built-in sum (a chain of n adds, as
    micrograd builds it), and ``autograd.linear`` (one node in all). Every engine must give
    the same sum and d/dwᵢ = xᵢ exactly."""
    n = sizes.wide
    workload, size, unit = "wide: sum of n products + backward", f"n = {n:,}", "ms"
    rng = random.Random(0)
    pairs = [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(n)]
    expected = [x for _, x in pairs]

    def products(ws: list[Any], xs: list[Any]) -> list[Any]:
        return [w * x for w, x in zip(ws, xs, strict=True)]

    variants: list[tuple[str, Callable[[float], Any] | None, _Total, str]] = [
        (VALUEGRAD, Value, lambda ws, xs: autograd.sum(products(ws, xs)), "autograd.sum"),
        (VALUEGRAD + ", built-in sum", Value, lambda ws, xs: sum(products(ws, xs)), ""),
        (VALUEGRAD + ", linear", Value, lambda ws, xs: autograd.linear(xs, ws), "autograd.linear"),
        (MICROGRAD, MicroValue, lambda ws, xs: sum(products(ws, xs)), "built-in sum"),
        (
            PYTORCH + " scalars",
            torch and _torch_scalar,
            lambda ws, xs: torch.stack(products(ws, xs)).sum(),
            "torch.stack(…).sum()",
        ),
    ]

    rows, reference = [], None
    for engine, make, total, note in variants:
        if make is None:
            rows.append(_missing(workload, size, engine.split()[0], unit))
            continue

        def once(make: Callable[[float], Any] = make, total: _Total = total) -> tuple:
            ws = [make(w) for w, _ in pairs]
            xs = [make(x) for _, x in pairs]
            out = total(ws, xs)
            out.backward()
            return float(out.data), [float(w.grad) for w in ws]

        limit = sys.getrecursionlimit()
        if engine == MICROGRAD and n + 100 > limit:  # its backward recurses once per add
            sys.setrecursionlimit(n + 100)
            note += f"; recursion limit raised to {n + 100:,} (at {limit:,}: RecursionError)"
        try:
            seconds, results = _median_time(once, 3)
        finally:
            sys.setrecursionlimit(limit)
        value, grads = results[0]
        reference = value if reference is None else reference
        if abs(value - reference) > AGREE * max(abs(value), 1) or grads != expected:
            raise DisagreementError(f"{workload}: {engine} gives a different sum or gradient")
        rows.append(Row(workload, size, engine, seconds * 1e3, unit, note))
    return rows


# 4b. The digits case: one epoch


def _sgd_step(loss: Any, params: list[Any], lr: float) -> float:
    """Zero the gradients, backpropagate ``loss`` and take a plain SGD step, written the same
    for valuegrad and micrograd Values; the loss's value."""
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss.data


def digits_epoch(sizes: Sizes) -> list[Row]:
    """One epoch of a 64-12-10 ReLU MLP on the 8×8 digits, in mini-batches shuffled as fit
    shuffles them. The shared loss is the multiclass hinge Σⱼ≠y max(0, 1 + sⱼ - s_y)
    (micrograd has no exp or log, so it cannot do cross-entropy) with plain SGD. Compiled:
    ``fit(compile=True)``, per epoch once traced, and a loop of ``nn.compile_step`` (which
    moves every parameter in and out of its Value at each step). The case's own epoch
    (cross-entropy, Adam) is timed too."""
    X, y = datasets.digits()
    X, y = X[: sizes.digits_train], y[: sizes.digits_train]
    workload, size, unit = "digits: one epoch", f"{len(X):,} images", "s/epoch"
    batch = sizes.digits_batch
    (order,) = _fit_orders(len(X), 1, seed=0)
    batches = [
        ([X[i] for i in order[k : k + batch]], [y[i] for i in order[k : k + batch]])
        for k in range(0, len(X), batch)
    ]
    repeats, lr = sizes.digits_repeats, 0.01

    def new_model() -> Any:
        return MLP(64, [12, 10], activation="relu", init="he", seed=0)

    def epoch(model: Any, make_input: Callable[[list[float]], Any]) -> list[float]:
        params = model.parameters()
        losses = []
        for xb, yb in batches:
            pairs = zip(xb, yb, strict=True)
            total = sum(_multiclass_hinge(model(make_input(x)), label) for x, label in pairs)
            losses.append(_sgd_step(total * (1.0 / len(xb)), params, lr))
        return losses

    def fitted(epochs: int) -> History:
        model = new_model()
        return fit(
            model,
            (X_array, y_array),
            _multiclass_hinge_loss,
            SGD(model.parameters(), lr=lr),
            epochs,
            batch_size=batch,
            seed=0,
            metric=None,
            progress=False,
            compile=True,
        )

    X_array, y_array = np.array(X), np.array(y, dtype=np.float64)
    arrays = [(np.array(xb), np.array(yb, dtype=np.float64)) for xb, yb in batches]
    compiled_model = new_model()
    initial = compiled_model.state_dict()
    optimizer = SGD(compiled_model.parameters(), lr=lr)
    step = compile_step(compiled_model, _multiclass_hinge_loss, optimizer)
    step.compiled.trace(*arrays[0])  # traced before the timing, as PyTorch needs no trace

    def stepped_epoch() -> list[float]:
        """The same epoch with nn.compile_step, from the same starting weights each time."""
        compiled_model.load_state_dict(initial)
        return [step(xb, yb)[0] for xb, yb in arrays]

    seconds, results = _median_time(lambda: epoch(new_model(), list), repeats)
    ours = results[0]
    whole = [sum(loss * len(xb) for loss, (xb, _) in zip(ours, batches, strict=True)) / len(X)]
    rows = [Row(workload, size, VALUEGRAD, seconds, unit, f"multiclass hinge, SGD, batch {batch}")]
    # fit's epochs and PyTorch's, in turn: per epoch, the trace and the first taken away
    runs: dict[str, Callable[[], Any]] = {
        "one": lambda: fitted(1),
        "several": lambda: fitted(sizes.epochs),
    }
    if torch is not None:
        tensors = [(torch.tensor(xb, dtype=torch.float64), torch.tensor(yb)) for xb, yb in batches]

        def torch_epoch() -> list[float]:
            params = _torch_layers(new_model())
            losses = []
            for xb, yb in tensors:
                scores = _torch_forward(params, xb)
                margins = torch.relu(1 + scores - scores.gather(1, yb[:, None]))
                loss = margins.scatter(1, yb[:, None], 0.0).sum(1).mean()
                _torch_sgd_step(params, loss, lr)
                losses.append(loss.item())
            return losses

        runs["torch"] = torch_epoch
    timed = _in_turn(runs, sizes.rounds)
    per_epoch = _per_epoch(timed["one"][0], timed["several"][0], sizes.epochs)
    note = "fit(compile=True), per epoch once traced; " + _check_agree(
        workload, COMPILED, whole, timed["several"][1][0].loss[:1]
    )
    rows.append(Row(workload, size, COMPILED, per_epoch, unit, note))
    seconds, results = _median_time(stepped_epoch, repeats)
    note = "a loop of nn.compile_step, traced before; " + _check_agree(
        workload, STEPPED, ours, results[0]
    )
    rows.append(Row(workload, size, STEPPED, seconds, unit, note))

    def case_epoch(compile: bool) -> Callable[[], None]:
        def run() -> None:
            model = new_model()
            optimizer = Adam(model.parameters(), lr=0.01)
            fit(
                model,
                (X, y),
                cross_entropy,
                optimizer,
                1,
                batch_size=batch,
                progress=False,
                seed=0,
                compile=compile,
            )

        return run

    note = "the case itself: cross-entropy, Adam, shuffled batches"
    for engine, compile in ((VALUEGRAD + ", the case", False), (COMPILED + ", the case", True)):
        seconds, _ = _median_time(case_epoch(compile), repeats)
        rows.append(
            Row(
                workload,
                size,
                engine,
                seconds,
                unit,
                note + (", fit(compile=True)" if compile else ""),
            )
        )

    if micrograd_nn is None:
        rows.append(_missing(workload, size, MICROGRAD, unit))
    else:
        start = [p.data for p in new_model().parameters()]

        def micrograd_epoch() -> list[float]:
            theirs = micrograd_nn.MLP(64, [12, 10])
            for p, data in zip(theirs.parameters(), start, strict=True):
                p.data = data
            return epoch(theirs, lambda x: [MicroValue(v) for v in x])

        seconds, results = _median_time(micrograd_epoch, repeats)
        note = _check_agree(workload, MICROGRAD, ours, results[0])
        rows.append(Row(workload, size, MICROGRAD, seconds, unit, note))

    if torch is None:
        rows.append(_missing(workload, size, PYTORCH + " tensors", unit))
    else:
        seconds, results = statistics.median(timed["torch"][0]), timed["torch"][1]
        note = "tensor ops on whole batches; " + _check_agree(workload, PYTORCH, ours, results[0])
        rows.append(Row(workload, size, PYTORCH + " tensors", seconds, unit, note))
    return rows


def _multiclass_hinge_loss(predictions: Sequence[Sequence[Value]], labels: Sequence[Any]) -> Value:
    """The multiclass hinge loss of a batch, the mean over its samples, as a loss for
    nn.compile_step (labels are Values inside a compiled step, ints outside)."""
    terms = [_multiclass_hinge_of_value(p, t) for p, t in zip(predictions, labels, strict=True)]
    return autograd.mean(terms)


def _multiclass_hinge_of_value(scores: Sequence[Value], label: Value) -> Value:
    """The same loss for a label that is a Value (an input of a compiled function): the
    label's score taken by ``autograd.take``, and every class's term summed, the label's own
    (max(0, 1) = 1) taken off again, so that no branch depends on the label's value."""
    right = autograd.take(scores, label)
    return autograd.sum([(1 + s - right).relu() for s in scores]) - 1.0


def _multiclass_hinge(scores: Sequence[Any], label: int) -> Any:
    """Σ over the wrong classes j of max(0, 1 + s_j - s_label), in either engine's Values."""
    right = scores[label]
    return sum((1 + s - right).relu() for j, s in enumerate(scores) if j != label)


# 4b. The source material's network: 784-30-10 on 4,000 real 28×28 digits


def mnist_epoch(sizes: Sizes) -> list[Row]:
    """One epoch of the 784-30-10 ReLU network on 28×28 digits, batches of 100 shuffled as
    fit shuffles them, SGD, softmax cross-entropy, with the accuracy of every batch (fit's
    default metric): ``fit(compile=True)`` against PyTorch doing the same, from the same
    weights, in the same order. Per epoch once traced (fit traces at its first batch; the
    trace's cost is its own row), the peak memory of a whole fit, and eager extrapolated
    from a few samples."""
    X, y = datasets.mnist()
    X, y = X[: sizes.mnist_train], y[: sizes.mnist_train]
    workload, size, unit = "28×28 digits, 784-30-10: one epoch", f"{len(X):,} images", "ms/epoch"
    batch, lr, epochs = 100, 0.1, sizes.epochs

    def new_model() -> Any:
        return MLP(784, [30, 10], activation="relu", init="he", seed=0)

    def train(n: int) -> History:
        model = new_model()
        return fit(
            model,
            (X, y),
            cross_entropy,
            SGD(model.parameters(), lr=lr),
            n,
            batch_size=batch,
            seed=0,
            progress=False,
            compile=True,
        )

    # one epoch and several, each engine's in turn: per epoch, the trace and the first taken away
    runs: dict[str, Callable[[], Any]] = {"one": lambda: train(1), "several": lambda: train(epochs)}
    if torch is not None:
        inputs, labels = torch.tensor(X), torch.tensor(y)
        orders = _fit_orders(len(X), epochs, seed=0)

        def torch_train(n: int) -> list[float]:
            params = _torch_layers(new_model())
            losses = []
            for order in orders[:n]:
                total = 0.0
                for begin in range(0, len(X), batch):
                    index = torch.tensor(order[begin : begin + batch])
                    xb, yb = inputs[index], labels[index]
                    scores = _torch_forward(params, xb)
                    loss = torch.nn.functional.cross_entropy(scores, yb)
                    _ = (scores.argmax(1) == yb).double().mean().item()
                    _torch_sgd_step(params, loss, lr)
                    total += loss.item() * len(index)
                losses.append(total / len(X))
            return losses

        runs |= {"torch one": lambda: torch_train(1), "torch several": lambda: torch_train(epochs)}
    timed = _in_turn(runs, sizes.rounds)
    per_epoch = _per_epoch(timed["one"][0], timed["several"][0], epochs)
    ours = timed["several"][1][0].loss
    note = "fit(compile=True), SGD, default metric; per epoch once traced"
    rows = [Row(workload, size, COMPILED, per_epoch * 1e3, unit, note)]
    rows.append(
        Row(
            workload,
            size,
            COMPILED + ", trace + first epoch",
            statistics.median(timed["one"][0]) * 1e3,
            unit,
            "the first epoch with the trace and the code generation",
        )
    )
    tracemalloc.start()
    train(1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rows.append(
        Row(
            "28×28 digits, 784-30-10: peak memory of fit(compile=True)",
            size,
            COMPILED,
            peak / 2**20,
            "MiB",
            f"tracemalloc; the images alone are {X.nbytes / 2**20:.1f} MiB as float64",
        )
    )
    model = new_model()
    samples = 5
    start = time.perf_counter()
    for x, label in zip(X[:samples].tolist(), y[:samples].tolist(), strict=True):
        cross_entropy([model(x)], [label]).backward()
    eager = (time.perf_counter() - start) / samples * len(X)
    rows.append(
        Row(
            workload,
            size,
            VALUEGRAD,
            eager * 1e3,
            unit,
            f"eager forward and backward of {samples} samples, times {len(X):,}",
        )
    )
    rows += _transfers(new_model(), cross_entropy, X[:batch], y[:batch])
    if torch is None:
        rows.append(_missing(workload, size, PYTORCH + " tensors", unit))
        return rows
    theirs = _per_epoch(timed["torch one"][0], timed["torch several"][0], epochs)
    results = timed["torch several"][1]
    note = "tensor ops on whole batches, the same order; " + _check_agree(
        workload, PYTORCH, ours, results[0]
    )
    rows.append(Row(workload, size, PYTORCH + " tensors", theirs * 1e3, unit, note))
    return rows


def _fit_orders(n: int, epochs: int, seed: int) -> list[list[int]]:
    """The order of the samples in each epoch of ``fit(..., seed=seed)`` with mini-batches."""
    rng, order, orders = random.Random(seed), list(range(n)), []
    for _ in range(epochs):
        rng.shuffle(order)
        orders.append(list(order))
    return orders


# 5. Forward mode against reverse mode


def forward_and_reverse(sizes: Sizes) -> list[Row]:
    """When each mode pays. A chain of N adds: forward mode (jvp) against backward(), value
    and derivative each, per node. Then Jacobians: one input and many outputs (a trajectory,
    each step an output), where one forward sweep does what takes a backward sweep per
    output; and many inputs and one output, the other way round."""
    n, width = sizes.jvp_chain, sizes.jacobian_width
    workload, size, unit = "chain of N adds, value + derivative", f"N = {n:,}", "µs/node"
    repeats = 3 if n > 10**5 else 10

    def by_backward() -> float:
        x = Value(0.5)
        _chain_of_adds(x, n).backward()
        return x.grad

    rows = []
    for engine, run in (
        (VALUEGRAD + ", backward()", by_backward),
        (
            VALUEGRAD + ", jvp (forward mode)",
            lambda: jvp(lambda x: _chain_of_adds(x, n), (0.5,), (1.0,))[1],
        ),
    ):
        seconds, results = _median_time(lambda run=run: run(), repeats)
        if any(r != n + 1 for r in results):
            raise DisagreementError(f"{workload}: {engine} gives {results[0]}, not {n + 1}")
        rows.append(Row(workload, size, engine, seconds * 1e6 / n, unit))

    for workload, function, inputs in (
        ("Jacobian, 1 input → m outputs", _trajectory(width), [0.3]),
        ("Jacobian, m inputs → 1 output", _recurrence, [0.01 * (k % 7) for k in range(width)]),
    ):
        size = f"m = {width:,}"
        found = []
        for engine, transform in (
            (VALUEGRAD + ", jacfwd (forward mode)", jacfwd),
            (VALUEGRAD + ", jacrev (reverse mode)", jacrev),
        ):
            seconds, results = _median_time(lambda t=transform, f=function, at=inputs: t(f, at), 3)
            found.append(results[0])
            rows.append(Row(workload, size, engine, seconds * 1e3, "ms"))
        if max(_flat_difference(*found)) > AGREE:
            raise DisagreementError(f"{workload}: jacfwd and jacrev differ")
    return rows


def _trajectory(steps: int) -> Callable[[Value], list[Value]]:
    """h₀ = x, hₖ₊₁ = hₖ + 0.01·sin(hₖ)·x: every hₖ is an output, each depending on all the
    steps before it, as positions along a path depend on its starting velocity."""

    def f(x: Value) -> list[Value]:
        h, path = x, []
        for _ in range(steps):
            h = h + 0.01 * h.sin() * x
            path.append(h)
        return path

    return f


def _recurrence(*xs: Value) -> Value:
    """One output from many inputs, through a recurrence h ← tanh(h + xₖ)·0.5 + 0.5·h."""
    h = Value(0.0)
    for x in xs:
        h = (h + x).tanh() * 0.5 + 0.5 * h
    return h


def _flat_difference(a: Any, b: Any) -> list[float]:
    """|a - b| / max(|a|, |b|) over two Jacobians (a list, or a list of lists)."""
    flat_a = [v for row in a for v in row] if isinstance(a[0], list) else a
    flat_b = [v for row in b for v in row] if isinstance(b[0], list) else b
    return [abs(u - v) / max(abs(u), abs(v), 1e-300) for u, v in zip(flat_a, flat_b, strict=True)]


# 6. What compiling costs: tracing and fusing, and importing autograd


def compiling(sizes: Sizes) -> list[Row]:
    """Tracing and fusing the moons loss of one sample (done once, at the first call),
    against one eager moons step; and ``import autograd`` in a fresh interpreter, which must
    not import NumPy (only a compiled function's first run does)."""
    X, y = _moons_data(sizes.moons_points)
    model = cases.moons_model(1337)
    step = cases.compiled_moons_loss(model, ALPHA)

    def trace_and_fuse() -> Any:
        return fuse(autograd.trace(step.fn, X[0], float(y[0])))

    repeats = 5 * sizes.moons_steps
    seconds, _ = _median_time(trace_and_fuse, repeats)
    fused = trace_and_fuse()
    writing, _ = _median_time(lambda: generate(fused), repeats)
    rows = [
        Row(
            "compiling the moons loss",
            "one sample",
            VALUEGRAD,
            seconds * 1e3,
            "ms",
            "autograd.trace + fusion, once per compiled function",
        ),
        Row(
            "compiling the moons loss",
            "one sample",
            VALUEGRAD + ", code generation",
            writing * 1e3,
            "ms",
            "writing the fused program as NumPy source and compiling it",
        ),
    ]
    times, numpy_loaded = _import_times(max(3, sizes.moons_steps))
    note = "NumPy imported too" if numpy_loaded else "NumPy not imported"
    milliseconds = statistics.median(times) * 1e3
    rows.append(Row("import autograd", "fresh interpreter", VALUEGRAD, milliseconds, "ms", note))
    return rows


def _import_times(repeats: int) -> tuple[list[float], bool]:
    """Seconds to ``import autograd`` in fresh interpreters, with the bytecode compiled
    beforehand as after ``pip install`` (into a scratch folder, whatever the environment says
    about writing bytecode), and whether NumPy came with it."""
    code = "import sys, time; t = time.perf_counter(); import autograd; "
    code += "print(time.perf_counter() - t, 'numpy' in sys.modules)"
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": scratch}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        run = [sys.executable, "-c", code]
        subprocess.run(run, env=env, capture_output=True, check=True)  # writes the bytecode
        outputs = [
            subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout
            for _ in range(repeats)
        ]
    return [float(out.split()[0]) for out in outputs], {o.split()[1] for o in outputs} != {"False"}


WORKLOADS: dict[str, Callable[[Sizes], list[Row]]] = {
    "moons": moons_step,
    "chain": chain,
    "memory": memory,
    "wide": wide,
    "digits": digits_epoch,
    "mnist": mnist_epoch,
    "forward": forward_and_reverse,
    "compile": compiling,
}
