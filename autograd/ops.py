"""Every operation, defined once: its value and its local derivatives, side by side.

``forward`` computes the value and guards the op's domain, raising the exception Python
users expect (ValueError, ZeroDivisionError) with the op's name and the offending value,
never returning a complex number or a NaN. A result too large for a float is returned as
inf: the engine turns every non-finite result into one error (OverflowError, or
FloatingPointError under detect_anomaly) naming the op and its operands.

``local_grads`` returns d out / d input for each input.

The one rule serves every mode. Both methods use only arithmetic and the helpers below,
which dispatch on the type of their argument:

* floats: ``backward()``, forward mode, and the values of an eager graph (``math``);
* Values: ``grad(..., create_graph=True)``, which evaluates a rule on the nodes themselves
  and so records the graph of a derivative (the Value methods);
* NumPy arrays: ``autograd.compile``, which evaluates a rule once for a whole batch of
  samples (``numpy``, imported only then). A branch such as relu's is ``where``, which picks
  per element for arrays; a domain check is ``require``, which names the first offending
  element of an array.

So a rule's operands and results are typed ``Any``: one rule, three kinds of number.

To add an op: one class here, plus a method or operator on Value if it should have one.
"""

from __future__ import annotations

import math
from functools import cache, reduce
from operator import add
from typing import Any

from .engine import Function, Value


@cache
def _numpy() -> Any:
    import numpy

    return numpy


def _exp(x: Any) -> Any:
    if type(x) is float:
        return math.exp(x)
    return x.exp() if isinstance(x, Value) else _numpy().exp(x)


def _log(x: Any) -> Any:
    if type(x) is float:
        return math.log(x)
    return x.log() if isinstance(x, Value) else _numpy().log(x)


def _sin(x: Any) -> Any:
    if type(x) is float:
        return math.sin(x)
    return x.sin() if isinstance(x, Value) else _numpy().sin(x)


def _cos(x: Any) -> Any:
    if type(x) is float:
        return math.cos(x)
    return x.cos() if isinstance(x, Value) else _numpy().cos(x)


def _math(name: str, x: Any) -> Any:
    """``math.<name>`` of a float, ``numpy.<name>`` of an array (forward: never a Value)."""
    return getattr(math, name)(x) if type(x) is float else getattr(_numpy(), name)(x)


def _power(x: Any, y: Any) -> Any:
    """x ** y, with inf (not Python's OverflowError) where floats overflow, as arrays give."""
    if type(x) is float and type(y) is float:
        try:
            return x**y
        except OverflowError:
            return math.inf
    return x**y


def _sigmoid(x: Any) -> Any:
    return x.sigmoid() if isinstance(x, Value) else Sigmoid.forward(x)


def _value(x: Any) -> Any:
    """What a branch compares: a number or an array as it is, a Value's data (its ``<`` is
    refused, and its ``==`` is identity)."""
    return x.data if isinstance(x, Value) else x


def _constant(x: Any) -> Any:
    """``x`` as a constant of a derivative's graph: a Value detached (its data, no parents),
    a number or an array as it is."""
    return x.detach() if isinstance(x, Value) else x


def _step(x: Any) -> Any:
    """The Heaviside step: 1.0 where x > 0, else 0.0 (one call on a float: ReLU's derivative
    is on the hot path of every eager network)."""
    if type(x) is float:
        return 1.0 if x > 0.0 else 0.0
    return _indicator(_value(x) > 0.0)


def _indicator(condition: Any) -> Any:
    """1.0 where ``condition`` holds, else 0.0: of a bool, or element by element of an array
    of them (a cast, quicker than choosing between two numbers)."""
    if type(condition) is bool:
        return 1.0 if condition else 0.0
    return condition.astype(float)


def _maximum(x: Any, y: float) -> Any:
    """The larger of x and y: a Python choice for a float, NumPy's ``maximum`` element by
    element for an array (one call, where ``where`` would take a comparison and a choice)."""
    if type(x) is float:
        return x if x > y else y
    return _numpy().maximum(x, y)


def _equal(x: Any, y: Any) -> Any:
    return _value(x) == _value(y)


def where(condition: Any, then: Any, otherwise: Any) -> Any:
    """``then`` where ``condition`` holds, else ``otherwise``: a Python choice for a bool,
    element by element for an array (both sides are then computed, so each must be safe
    to compute everywhere). For your own rules: an ``if`` that also works on arrays."""
    if type(condition) is bool:
        return then if condition else otherwise
    return _numpy().where(condition, then, otherwise)


class Stacked:
    """Many operands of an op side by side on the last axis of one array, standing for all
    of them in its rule: compiled, a step of max, logsumexp or take gets its operands so, and
    runs as a few NumPy calls instead of a few per operand. Arithmetic and NumPy's functions
    apply to each operand (a value of one per instruction is spread over its operands); the
    helpers below reduce over them (``_largest``, ``_fsum``) or pick one (``_pick``)."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__":
            return NotImplemented
        return Stacked(ufunc(*map(_spread, inputs), **kwargs))

    def __add__(self, other: Any) -> Stacked:
        return _numpy().add(self, other)

    def __radd__(self, other: Any) -> Stacked:
        return _numpy().add(other, self)

    def __sub__(self, other: Any) -> Stacked:
        return _numpy().subtract(self, other)

    def __rsub__(self, other: Any) -> Stacked:
        return _numpy().subtract(other, self)

    def __mul__(self, other: Any) -> Stacked:
        return _numpy().multiply(self, other)

    def __rmul__(self, other: Any) -> Stacked:
        return _numpy().multiply(other, self)

    def __truediv__(self, other: Any) -> Stacked:
        return _numpy().divide(self, other)

    def __rtruediv__(self, other: Any) -> Stacked:
        return _numpy().divide(other, self)

    def __neg__(self) -> Stacked:
        return Stacked(-self.array)

    def __eq__(self, other: object) -> Stacked:  # type: ignore[override]
        return _numpy().equal(self, other)

    __hash__ = None  # type: ignore[assignment]

    def astype(self, dtype: Any) -> Stacked:
        return Stacked(self.array.astype(dtype))


def _spread(x: Any) -> Any:
    """An operand of an element-by-element op with a ``Stacked``: its array; one value per
    instruction (an array), given an axis to spread over the operands; a number as it is."""
    if type(x) is Stacked:
        return x.array
    return x[..., None] if getattr(x, "ndim", 0) else x


def _largest(xs: tuple[Any, ...]) -> Any:
    if type(xs[0]) is float:
        return max(xs)
    if type(xs[0]) is Stacked:
        return xs[0].array.max(axis=-1)
    return reduce(_numpy().maximum, xs)


def _fsum(parts: list[Any]) -> Any:
    """The sum of ``parts``: exactly rounded for floats (math.fsum), in order for arrays."""
    if type(parts[0]) is float:
        return math.fsum(parts)
    if type(parts[0]) is Stacked:
        return parts[0].array.sum(axis=-1)
    return reduce(add, parts)


def _count(xs: tuple[Any, ...]) -> int:
    """How many operands ``xs`` stands for."""
    return xs[0].array.shape[-1] if xs and type(xs[0]) is Stacked else len(xs)


def _one_hot(i: Any, xs: tuple[Any, ...]) -> list[Any]:
    """1.0 for the operand that i names, 0.0 for the others: take's derivatives."""
    if type(xs[0]) is Stacked:
        numpy = _numpy()
        return [Stacked(_indicator(_spread(_value(i)) == numpy.arange(_count(xs))))]
    return [_indicator(_equal(i, j)) for j in range(len(xs))]


def _pick(xs: tuple[Any, ...], i: Any) -> Any:
    """xs[i]: for arrays, the operand each sample's index names."""
    if type(i) is float:
        return xs[int(i)]
    numpy = _numpy()
    index = numpy.asarray(i).astype(numpy.intp)
    if type(xs[0]) is not Stacked:  # compiled, two operands or more always come Stacked
        return numpy.choose(index, xs)
    array = xs[0].array
    if index.shape != array.shape[:-1]:  # one side the same for every sample: spread it
        shape = numpy.broadcast_shapes(index.shape, array.shape[:-1])
        index = numpy.broadcast_to(index, shape)
        array = numpy.broadcast_to(array, (*shape, array.shape[-1]))
    # one gather from the flat array, at each row's start plus its index: take_along_axis's
    # result, at half its cost (it builds an index per axis, in Python)
    n = array.shape[-1]
    starts = numpy.arange(0, index.size * n, n).reshape(index.shape)
    return array.reshape(-1)[starts + index]


def require(ok: Any, kind: type[Exception], template: str, *operands: Any) -> None:
    """Raise ``kind(template.format(*operands))`` unless ``ok``. For arrays, ``ok`` holds
    element by element, and the error names the operands at the first element where it does
    not, keeping that element's index as ``error.position`` (the compiler reports the
    sample). For your own rules: a domain check that also works on arrays."""
    if ok is True:
        return
    if ok is False:
        raise kind(template.format(*operands))
    numpy = _numpy()
    if type(ok) is numpy.ndarray:  # one count where all is well (numpy.all takes four times
        if numpy.count_nonzero(ok) == ok.size:  # longer on a small array)
            return
    elif numpy.all(ok):  # a list of bools, say; anything else is NumPy's TypeError
        return
    failing = numpy.logical_not(ok)
    position = numpy.unravel_index(numpy.argmax(failing), failing.shape)
    at = [numpy.broadcast_to(v, failing.shape)[position].item() for v in operands]
    error = kind(template.format(*at))
    error.position = position  # type: ignore[attr-defined]
    raise error


# Binary arithmetic


class Add(Function):
    """x + y.    ∂/∂x = 1,  ∂/∂y = 1"""

    @staticmethod
    def forward(x: Any, y: Any) -> Any:
        return x + y

    @staticmethod
    def local_grads(x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        return 1.0, 1.0


class Sub(Function):
    """x - y.    ∂/∂x = 1,  ∂/∂y = -1"""

    @staticmethod
    def forward(x: Any, y: Any) -> Any:
        return x - y

    @staticmethod
    def local_grads(x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        return 1.0, -1.0


class Mul(Function):
    """x * y.    ∂/∂x = y,  ∂/∂y = x"""

    @staticmethod
    def forward(x: Any, y: Any) -> Any:
        return x * y

    @staticmethod
    def local_grads(x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        return y, x


class Div(Function):
    """x / y.    ∂/∂x = 1/y,  ∂/∂y = -x/y² = -out/y"""

    @staticmethod
    def forward(x: Any, y: Any) -> Any:
        require(y != 0.0, ZeroDivisionError, "div: division by zero: {!r} / {!r}", x, y)
        return x / y

    @staticmethod
    def local_grads(x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        return 1 / y, -out / y


class Pow(Function):
    """x ** y with a real result.    ∂/∂x = y·x^(y-1),  ∂/∂y = x^y·ln x

    A negative base needs an integer exponent (otherwise the result is complex), and 0 to a
    negative power is a ZeroDivisionError, as in Python. ∂/∂y exists only for x > 0; at
    x = 0 it is taken as 0 (its limit for y > 0, as in PyTorch) and for x < 0, where x^y is
    real only at integer y, as 0 too: there the exponent is a constant, like the 2 in
    (a - b) ** 2.
    """

    @staticmethod
    def forward(x: Any, y: Any) -> Any:
        require(
            where(x < 0.0, y % 1.0 == 0.0, True),
            ValueError,
            "pow: a negative base to a non-integer power is complex: {!r} ** {!r}",
            x,
            y,
        )
        require(
            where(x == 0.0, y >= 0.0, True),
            ZeroDivisionError,
            "pow: 0.0 cannot be raised to the negative power {1!r}",
            x,
            y,
        )
        return _power(x, y)

    @staticmethod
    def local_grads(x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        # At y = 0 the formula still gives 0 (and its own derivative in y, x^-1, which a
        # second derivative needs); only 0^0 needs the constant, its limit. Where a side is
        # not taken, it is computed at a harmless stand-in (base 1), never at a pole.
        # Where ∂/∂y is taken as 0 (x <= 0), the exponent is a constant in ∂/∂x too, so that
        # second derivatives agree both ways: ∂²/∂x∂y = ∂²/∂y∂x = 0 there.
        both_zero = where(_value(x) == 0.0, _value(y) == 0.0, False)
        positive = _value(x) > 0.0
        exponent = _constant(y) if positive is False else y  # arrays have no graph to cut
        dx = where(both_zero, 0.0, exponent * _power(where(both_zero, 1.0, x), exponent - 1))
        dy = where(positive, out * _log(where(positive, x, 1.0)), 0.0)
        return dx, dy


# Functions of one input


class Neg(Function):
    """-x.    d/dx = -1"""

    @staticmethod
    def forward(x: Any) -> Any:
        return -x

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (-1.0,)


class Abs(Function):
    """|x|.    d/dx = sign(x), taken as 0 at x = 0 (as in PyTorch)"""

    @staticmethod
    def forward(x: Any) -> Any:
        return abs(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        at = _value(x)
        return (where(at > 0.0, 1.0, where(at < 0.0, -1.0, 0.0)),)


class Exp(Function):
    """e^x.    d/dx = e^x = out"""

    @staticmethod
    def forward(x: Any) -> Any:
        try:
            return _exp(x)
        except OverflowError:  # above x ≈ 709.78
            return math.inf

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (out,)


class ShiftedExp(Function):
    """e^(x - s) in one step, never forming x - s on its own: for x far below s the result
    underflows to 0 instead of x - s overflowing (softmax's numerators, shifted by the
    maximum).    ∂/∂x = out,  ∂/∂s = -out"""

    name = "shifted_exp"

    @staticmethod
    def forward(x: Any, s: Any) -> Any:
        return Exp.forward(x - s)

    @staticmethod
    def local_grads(x: Any, s: Any, out: Any) -> tuple[Any, ...]:
        return out, -out


class Log(Function):
    """Natural logarithm, for x > 0.    d/dx = 1/x"""

    @staticmethod
    def forward(x: Any) -> Any:
        require(x > 0.0, ValueError, "log: the input must be positive, got {!r}", x)
        return _log(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (1 / x,)


class Sqrt(Function):
    """√x, for x >= 0.    d/dx = 1/(2√x) = 0.5/out, infinite at 0"""

    @staticmethod
    def forward(x: Any) -> Any:
        require(x >= 0.0, ValueError, "sqrt: the input must not be negative, got {!r}", x)
        return _math("sqrt", x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (0.5 / out,)


class Tanh(Function):
    """Hyperbolic tangent.    d/dx = 1 - tanh²x = 1 - out²"""

    @staticmethod
    def forward(x: Any) -> Any:
        return _math("tanh", x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (1 - out * out,)


class Sigmoid(Function):
    """σ(x) = 1/(1 + e^-x), never overflowing.    d/dx = σ(x)(1 - σ(x)) = out(1 - out)"""

    @staticmethod
    def forward(x: Any) -> Any:
        e = _exp(-abs(x))  # e^-x for x >= 0, e^x below: never more than 1
        return where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (out * (1 - out),)


class ReLU(Function):
    """max(0, x).    d/dx = 1 for x > 0, else 0 (0 at the kink, as in PyTorch)"""

    @staticmethod
    def forward(x: Any) -> Any:
        return _maximum(x, 0.0)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (_step(x),)


class LeakyReLU(Function):
    """x for x > 0, else slope·x.    ∂/∂x = 1 or slope,  ∂/∂slope = 0 or x"""

    name = "leaky_relu"

    @staticmethod
    def forward(x: Any, slope: Any) -> Any:
        return where(x > 0.0, x, slope * x)

    @staticmethod
    def local_grads(x: Any, slope: Any, out: Any) -> tuple[Any, ...]:
        positive = _value(x) > 0.0
        return where(positive, 1.0, slope), where(positive, 0.0, x)


class Softplus(Function):
    """log(1 + e^x), computed as max(x, 0) + log(1 + e^-|x|) so it never overflows.
    d/dx = σ(x)"""

    @staticmethod
    def forward(x: Any) -> Any:
        return where(x > 0.0, x, 0.0) + _math("log1p", _exp(-abs(x)))

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (_sigmoid(x),)


class Swish(Function):
    """x·σ(x) (also called SiLU).    d/dx = σ(x) + x·σ(x)(1 - σ(x)) = σ(x) + out(1 - σ(x))"""

    @staticmethod
    def forward(x: Any) -> Any:
        return x * Sigmoid.forward(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        s = _sigmoid(x)
        return (s + out * (1 - s),)


class Sin(Function):
    """sin x.    d/dx = cos x"""

    @staticmethod
    def forward(x: Any) -> Any:
        return _sin(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (_cos(x),)


class Cos(Function):
    """cos x.    d/dx = -sin x"""

    @staticmethod
    def forward(x: Any) -> Any:
        return _cos(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (-_sin(x),)


# Functions of many inputs: one node however many operands, so the graph stays shallow.


class Sum(Function):
    """x₁ + x₂ + … + xₙ, added left to right as a chain of + would.    ∂/∂xᵢ = 1"""

    @staticmethod
    def forward(*xs: Any) -> Any:
        return reduce(add, xs, 0.0)

    @staticmethod
    def local_grads(*xs: Any, out: Any) -> tuple[Any, ...]:
        return (1.0,) * len(xs)


class Max(Function):
    """The largest of x₁ … xₙ.    ∂/∂xᵢ = 1/k for each of the k operands equal to the largest,
    else 0 (ties share the gradient evenly, as PyTorch's max does)"""

    @staticmethod
    def forward(*xs: Any) -> Any:
        if not xs:
            raise ValueError("max: needs at least one value")
        return _largest(xs)

    stacked_from = 0  # compiled, its operands come as one Stacked

    @staticmethod
    def local_grads(*xs: Any, out: Any) -> tuple[Any, ...]:
        hits = [_indicator(_equal(x, out)) for x in xs]
        ties = _fsum(hits)
        return tuple(hit / ties for hit in hits)


class ShiftedLogSumExp(Function):
    """log Σ e^(xᵢ - s), computed as (m - s) + log Σ e^(xᵢ - m) with m = max xᵢ, so that it
    never overflows and stays exact however large the inputs; cross-entropy is this with s
    the right class's logit.    ∂/∂s = -1,  ∂/∂xᵢ = e^(xᵢ - s - out)"""

    name = "shifted_logsumexp"
    stacked_from = 1

    @staticmethod
    def forward(s: Any, *xs: Any) -> Any:
        if not xs:
            raise ValueError("logsumexp: needs at least one value")
        m = _largest(xs)
        return (m - s) + _log(_fsum([_exp(x - m) for x in xs]))

    @staticmethod
    def local_grads(s: Any, *xs: Any, out: Any) -> tuple[Any, ...]:
        return (-1.0, *[_exp(x - s - out) for x in xs])


class LogSumExp(Function):
    """log(e^x₁ + … + e^xₙ): the shifted one at s = 0, so it never overflows.
    ∂/∂xᵢ = e^(xᵢ - out), the softmax"""

    stacked_from = 0

    @staticmethod
    def forward(*xs: Any) -> Any:
        return ShiftedLogSumExp.forward(0.0, *xs)

    @staticmethod
    def local_grads(*xs: Any, out: Any) -> tuple[Any, ...]:
        return ShiftedLogSumExp.local_grads(0.0, *xs, out=out)[1:]


class Take(Function):
    """xᵢ for i, the first operand, a whole number in [0, n): indexing by a Value, such as a
    class label that is an input.    ∂/∂i = 0,  ∂/∂xⱼ = 1 if j = i, else 0"""

    stacked_from = 1

    @staticmethod
    def forward(i: Any, *xs: Any) -> Any:
        n = _count(xs)
        require(
            (i % 1.0 == 0.0) & (i >= 0.0) & (i < n),
            ValueError,
            f"take: the index must be a whole number in [0, {n}), got {{!r}}",
            i,
        )
        return _pick(xs, i)

    @staticmethod
    def local_grads(i: Any, *xs: Any, out: Any) -> tuple[Any, ...]:
        return (0.0, *_one_hot(i, xs))


class Linear(Function):
    """b + w₁·x₁ + w₂·x₂ + … + wₙ·xₙ, a neuron's weighted sum as one node, from the operands
    (b, w₁, x₁, …, wₙ, xₙ); added left to right, as micrograd's neuron adds.
    ∂/∂b = 1,  ∂/∂wᵢ = xᵢ,  ∂/∂xᵢ = wᵢ"""

    @staticmethod
    def forward(b: Any, *pairs: Any) -> Any:
        for w, x in zip(pairs[::2], pairs[1::2], strict=True):
            b = b + w * x
        return b

    @staticmethod
    def local_grads(b: Any, *pairs: Any, out: Any) -> list[Any]:
        grads = [1.0, *pairs]
        grads[1::2], grads[2::2] = pairs[1::2], pairs[::2]  # each weight gets its x, each x its w
        return grads
