"""Weight initialisation: each scheme draws one layer's weights from a ``random.Random``."""

from __future__ import annotations

import math
import random
from collections.abc import Callable


def uniform(rng: random.Random, nin: int, nout: int) -> float:
    """U(-1, 1), as micrograd draws its weights."""
    return rng.uniform(-1.0, 1.0)


def xavier(rng: random.Random, nin: int, nout: int) -> float:
    """Glorot/Xavier uniform: U(-a, a), a = √(6 / (nin + nout)); keeps tanh/sigmoid layers'
    variance steady."""
    bound = math.sqrt(6.0 / (nin + nout))
    return rng.uniform(-bound, bound)


def he(rng: random.Random, nin: int, nout: int) -> float:
    """He/Kaiming normal: N(0, 2 / nin); keeps ReLU layers' variance steady."""
    return rng.gauss(0.0, math.sqrt(2.0 / nin))


SCHEMES: dict[str, Callable[[random.Random, int, int], float]] = {
    "uniform": uniform,
    "xavier": xavier,
    "he": he,
}
