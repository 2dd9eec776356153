"""Neurons, layers, MLPs and dropout, built from autograd Values."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

import autograd
from autograd import Value, checks

from .init import SCHEMES
from .module import Module

ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "swish": Value.swish,
    "linear": lambda x: x,
}

Input = Sequence[Value | float]


def _activation(name: str) -> Callable[[Value], Value]:
    if not isinstance(name, str):
        raise TypeError(f"activation must be a str, got {type(name).__name__}")
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def _generator(seed: int | None, rng: random.Random | None) -> random.Random:
    return rng if rng is not None else random.Random(seed)


def _size(n: object, where: str, what: str) -> int:
    return checks.integer(n, where, what, low=1)


class Neuron(Module):
    """activation(w · x + b): ``nin`` weights drawn by ``init`` and a bias starting at 0.
    ``nout`` is the width of the layer the neuron belongs to, which "xavier" scales by."""

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        init: str = "uniform",
        nout: int = 1,
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        nin = _size(nin, "Neuron", "nin")
        if not isinstance(init, str):
            raise TypeError(f"Neuron: init must be a str, got {type(init).__name__}")
        if init not in SCHEMES:
            raise ValueError(f"unknown init {init!r}; choose one of {', '.join(SCHEMES)}")
        draw, generator = SCHEMES[init], _generator(seed, rng)
        self.activation = activation
        self._act = _activation(activation)
        self.w = [Value(draw(generator, nin, nout)) for _ in range(nin)]
        self.b = Value(0.0)

    def forward(self, x: Input) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        # One node, b + w0·x0 + w1·x1 + …, added in that order (as micrograd does).
        return self._act(autograd.linear(x, self.w, self.b))

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        for i, w in enumerate(self.w):
            yield f"{prefix}w{i}", w
        yield f"{prefix}b", self.b

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; returns a list, even of one."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        init: str = "uniform",
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        nout = _size(nout, "Layer", "nout")
        generator = _generator(seed, rng)
        self.neurons = [
            Neuron(nin, activation, init=init, nout=nout, rng=generator) for _ in range(nout)
        ]

    def forward(self, x: Input) -> list[Value]:
        if not isinstance(x, list):  # a dict would give its keys, a set its own order
            x = checks.sequence(x, "Layer", "the input")
        # Numbers become leaves once here, not once per neuron: one x0 feeds every neuron.
        x = [xi if isinstance(xi, Value) else Value(xi) for xi in x]
        return [neuron(x) for neuron in self.neurons]

    def __repr__(self) -> str:
        first = self.neurons[0]
        return f"Layer({len(first.w)}, {len(self.neurons)}, activation={first.activation!r})"


class Dropout(Module):
    """In training, zero each input with probability ``p`` and scale the rest by 1/(1 - p)
    (inverted dropout, as PyTorch), so evaluation needs no rescaling; in eval, pass through."""

    def __init__(
        self, p: float = 0.5, *, seed: int | None = None, rng: random.Random | None = None
    ) -> None:
        self.p = checks.real(p, "Dropout", "p", low=0.0, high=1.0)
        self._rng = _generator(seed, rng)

    def forward(self, x: Input) -> list[Value | float]:
        if not self.training or self.p == 0.0:
            return list(x)
        if autograd.is_tracing():
            raise autograd.ConcretizationError(
                "Dropout: a compiled function is traced once, so its random mask would be the "
                "same for every sample and every step; train with compile=False, or call "
                "model.eval() first if no dropout is wanted"
            )
        if self.p == 1.0:
            return [xi * 0.0 for xi in x]
        scale = 1.0 / (1.0 - self.p)
        return [xi * 0.0 if self._rng.random() < self.p else xi * scale for xi in x]

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class MLP(Module):
    """A multi-layer perceptron: ``nin`` inputs, then one layer per entry of ``sizes``.

    Hidden layers use ``activation``, the last ``output_activation``. Every weight comes from
    one ``random.Random(seed)`` in parameter order, so the same seed gives the same network
    (and ``init="uniform"`` draws exactly what micrograd draws after ``random.seed(seed)``).
    ``dropout`` > 0 puts a Dropout after each hidden layer. Returns a list of outputs.
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        init: str = "uniform",
        dropout: float = 0.0,
        seed: int | None = None,
    ) -> None:
        try:
            widths = checks.sequence(sizes, "MLP", "sizes")
        except TypeError:
            raise TypeError(
                "MLP: sizes must be a sequence of layer widths such as [16, 1], "
                f"got {type(sizes).__name__}"
            ) from None
        sizes = [_size(n, "MLP", f"sizes[{i}]") for i, n in enumerate(widths)]
        if not sizes:
            raise ValueError("MLP: sizes must name at least one layer")
        nin = _size(nin, "MLP", "nin")
        _activation(activation)
        _activation(output_activation)
        rng = random.Random(seed)
        widths = [nin, *sizes]
        last = len(sizes) - 1
        self.layers = [
            Layer(
                widths[i],
                widths[i + 1],
                output_activation if i == last else activation,
                init=init,
                rng=rng,
            )
            for i in range(len(sizes))
        ]
        self._dropouts = [Dropout(dropout, rng=rng) for _ in range(last)] if dropout else []

    def forward(self, x: Input) -> list[Value]:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if self._dropouts and i < len(self._dropouts):
                x = self._dropouts[i](x)
        return cast("list[Value]", x)  # the last layer's outputs

    if TYPE_CHECKING:  # for type checkers only: nn.bridge adds it when nn is imported

        @classmethod
        def from_torch(cls, module: Any) -> MLP: ...

    def train(self, mode: bool = True) -> MLP:
        super().train(mode)
        for dropout in self._dropouts:
            dropout.train(mode)
        return self

    def __repr__(self) -> str:
        sizes = [len(self.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in self.layers]
        return f"MLP({'-'.join(map(str, sizes))}, {len(self.parameters())} parameters)"
