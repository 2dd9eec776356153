"""Data sets for the worked cases, generated from a seed or shipped with the package.

Each returns ``(X, y)``: a list of input rows (lists of floats) and a list of targets.
Nothing is downloaded.
"""

from __future__ import annotations

import csv
import gzip
import math
import random
from importlib import resources

from autograd import checks

Data = tuple[list[list[float]], list]

GATES = {
    "not": [((0.0,), 1), ((1.0,), 0)],
    "and": [((0.0, 0.0), 0), ((0.0, 1.0), 0), ((1.0, 0.0), 0), ((1.0, 1.0), 1)],
    "or": [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 1)],
    "xor": [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)],
    "nand": [((0.0, 0.0), 1), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)],
    "nor": [((0.0, 0.0), 1), ((0.0, 1.0), 0), ((1.0, 0.0), 0), ((1.0, 1.0), 0)],
}


def logic_gate(name: str) -> Data:
    """The truth table of a gate (not, and, or, xor, nand, nor): inputs and 0/1 outputs."""
    if not isinstance(name, str):
        raise TypeError(f"logic_gate: name must be a str, got {type(name).__name__}")
    key = name.lower()
    if key not in GATES:
        raise ValueError(f"logic_gate: unknown gate {name!r}; choose one of {', '.join(GATES)}")
    return [list(x) for x, _ in GATES[key]], [y for _, y in GATES[key]]


def moons(n: int = 100, noise: float = 0.1, seed: int | None = None) -> Data:
    """Two interleaving half circles in 2-D, labelled 0 (upper) and 1 (lower), with Gaussian
    noise of standard deviation ``noise``, in a random order (the set micrograd's demo uses)."""
    n = checks.integer(n, "moons", "n", low=2)
    noise = checks.real(noise, "moons", "noise", low=0.0)
    rng = random.Random(seed)
    upper, lower = n // 2, n - n // 2
    points = [
        ([math.cos(t), math.sin(t)], 0)
        for t in (math.pi * i / max(upper - 1, 1) for i in range(upper))
    ] + [
        ([1 - math.cos(t), 0.5 - math.sin(t)], 1)
        for t in (math.pi * i / max(lower - 1, 1) for i in range(lower))
    ]
    rng.shuffle(points)
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for (a, b), _ in points]
    return X, [label for _, label in points]


def relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def relu_pieces(x: float) -> float:
    """The piecewise-linear target R(x - 1) + 3R(x - 4) - 2R(x - 6) - 5: three bends, so a
    1-3-1 ReLU network represents it exactly (R(x) = max(0, x))."""
    return relu(x - 1) + 3 * relu(x - 4) - 2 * relu(x - 6) - 5


def relu_pieces_curve(n: int = 33, low: float = 0.0, high: float = 8.0) -> Data:
    """``relu_pieces`` sampled at ``n`` evenly spaced points of [low, high]."""
    xs = _grid(n, low, high, "relu_pieces_curve")
    return [[x] for x in xs], [relu_pieces(x) for x in xs]


def sine_curve(n: int = 25, low: float = -math.pi, high: float = math.pi) -> Data:
    """sin(x) at ``n`` evenly spaced points of [low, high]."""
    xs = _grid(n, low, high, "sine_curve")
    return [[x] for x in xs], [math.sin(x) for x in xs]


def _grid(n: int, low: float, high: float, where: str) -> list[float]:
    n = checks.integer(n, where, "n", low=2)
    low, high = checks.real(low, where, "low"), checks.real(high, where, "high")
    return [low + (high - low) * i / (n - 1) for i in range(n)]


def digits() -> Data:
    """The 8×8 handwritten digits: 1,797 images as 64 pixel values scaled to [0, 1], and
    their digits 0–9. Shipped with the package (see nn/data/README.md)."""
    source = resources.files("nn") / "data" / "digits.csv.gz"
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="ascii") as text:
        rows = [[int(v) for v in row] for row in csv.reader(text)]
    return [[v / 16.0 for v in row[:-1]] for row in rows], [row[-1] for row in rows]


def train_test_split(
    X: list, y: list, test_fraction: float = 0.25, seed: int | None = None
) -> tuple[list, list, list, list]:
    """Shuffle with ``seed`` and split into X_train, X_test, y_train, y_test."""
    X, y = checks.sequence(X, "train_test_split", "X"), checks.sequence(y, "train_test_split", "y")
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} inputs but {len(y)} targets")
    test_fraction = checks.real(
        test_fraction,
        "train_test_split",
        "test_fraction",
        low=0.0,
        high=1.0,
        low_inclusive=False,
        high_inclusive=False,
    )
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)
    cut = len(X) - round(len(X) * test_fraction)
    train, test = order[:cut], order[cut:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]
