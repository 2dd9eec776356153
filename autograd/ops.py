"""Every operation, defined once: its value and its local derivatives, side by side.

``forward`` computes the value from floats and guards the op's domain, raising the
exception Python users expect (ValueError, ZeroDivisionError) with the op's name and the
offending value, never returning a complex number or a NaN. A result too large for a float
is returned as inf: the engine turns every non-finite result into one error (OverflowError,
or FloatingPointError under detect_anomaly) naming the op and its operands.

``local_grads`` returns d out / d input for each input. It uses only arithmetic, ``float()``
for a branch, and the helpers below, which call ``math`` on a float and the Value method on
a Value. So the one rule serves backward() (on floats) and can also be evaluated on Values,
building the graph of a derivative so that it can be differentiated again.

To add an op: one class here, plus a method or operator on Value if it should have one.
"""

from __future__ import annotations

import math
from functools import reduce
from operator import add
from typing import Any

from .engine import Function, Value


def _exp(x: Any) -> Any:
    return math.exp(x) if type(x) is float else x.exp()


def _log(x: Any) -> Any:
    return math.log(x) if type(x) is float else x.log()


def _sin(x: Any) -> Any:
    return math.sin(x) if type(x) is float else x.sin()


def _cos(x: Any) -> Any:
    return math.cos(x) if type(x) is float else x.cos()


def _sigmoid(x: Any) -> Any:
    return Sigmoid.forward(x) if type(x) is float else x.sigmoid()


def _equal(x: Any, y: Any) -> Any:
    """x == y by value (for a Value, its data: == on Values is identity)."""
    return _number(x) == _number(y)


def _number(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


def _where(condition: Any, then: Any, otherwise: Any) -> Any:
    """``then`` where ``condition`` holds, else ``otherwise``."""
    return then if condition else otherwise


# Binary arithmetic


class Add(Function):
    """x + y.    ∂/∂x = 1,  ∂/∂y = 1"""

    @staticmethod
    def forward(x: float, y: float) -> float:
        return x + y

    @staticmethod
    def local_grads(x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        return 1.0, 1.0


class Sub(Function):
    """x - y.    ∂/∂x = 1,  ∂/∂y = -1"""

    @staticmethod
    def forward(x: float, y: float) -> float:
        return x - y

    @staticmethod
    def local_grads(x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        return 1.0, -1.0


class Mul(Function):
    """x * y.    ∂/∂x = y,  ∂/∂y = x"""

    @staticmethod
    def forward(x: float, y: float) -> float:
        return x * y

    @staticmethod
    def local_grads(x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        return y, x


class Div(Function):
    """x / y.    ∂/∂x = 1/y,  ∂/∂y = -x/y² = -out/y"""

    @staticmethod
    def forward(x: float, y: float) -> float:
        if y == 0.0:
            raise ZeroDivisionError(f"div: division by zero: {x!r} / {y!r}")
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
    def forward(x: float, y: float) -> float:
        if x < 0.0 and not y.is_integer():
            raise ValueError(
                f"pow: a negative base to a non-integer power is complex: {x!r} ** {y!r}"
            )
        if x == 0.0 and y < 0.0:
            raise ZeroDivisionError(f"pow: 0.0 cannot be raised to the negative power {y!r}")
        try:
            return x**y
        except OverflowError:  # Python raises where float arithmetic would give inf
            return math.inf

    @staticmethod
    def local_grads(x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        # At y = 0 the formula still gives 0 (and its own derivative in y, x^-1, which a
        # second derivative needs); only 0^0 needs the constant, its limit.
        dx = 0.0 if float(y) == 0.0 and float(x) == 0.0 else y * x ** (y - 1)
        dy = out * _log(x) if float(x) > 0.0 else 0.0
        return dx, dy


# Functions of one input


class Neg(Function):
    """-x.    d/dx = -1"""

    @staticmethod
    def forward(x: float) -> float:
        return -x

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (-1.0,)


class Abs(Function):
    """|x|.    d/dx = sign(x), taken as 0 at x = 0 (as in PyTorch)"""

    @staticmethod
    def forward(x: float) -> float:
        return abs(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        at = float(x)
        return (1.0 if at > 0.0 else -1.0 if at < 0.0 else 0.0,)


class Exp(Function):
    """e^x.    d/dx = e^x = out"""

    @staticmethod
    def forward(x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:  # above x ≈ 709.78
            return math.inf

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (out,)


class ShiftedExp(Function):
    """e^(x - s) in one step, never forming x - s on its own: for x far below s the result
    underflows to 0 instead of x - s overflowing (softmax's numerators, shifted by
    logsumexp).    ∂/∂x = out,  ∂/∂s = -out"""

    name = "shifted_exp"

    @staticmethod
    def forward(x: float, s: float) -> float:
        return Exp.forward(x - s)

    @staticmethod
    def local_grads(x: Any, s: Any, out: Any) -> tuple[Any, ...]:
        return out, -out


class Log(Function):
    """Natural logarithm, for x > 0.    d/dx = 1/x"""

    @staticmethod
    def forward(x: float) -> float:
        if x <= 0.0:
            raise ValueError(f"log: the input must be positive, got {x!r}")
        return math.log(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (1 / x,)


class Sqrt(Function):
    """√x, for x >= 0.    d/dx = 1/(2√x) = 0.5/out, infinite at 0"""

    @staticmethod
    def forward(x: float) -> float:
        if x < 0.0:
            raise ValueError(f"sqrt: the input must not be negative, got {x!r}")
        return math.sqrt(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (0.5 / out,)


class Tanh(Function):
    """Hyperbolic tangent.    d/dx = 1 - tanh²x = 1 - out²"""

    @staticmethod
    def forward(x: float) -> float:
        return math.tanh(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (1 - out * out,)


class Sigmoid(Function):
    """σ(x) = 1/(1 + e^-x), never overflowing.    d/dx = σ(x)(1 - σ(x)) = out(1 - out)"""

    @staticmethod
    def forward(x: float) -> float:
        if x >= 0.0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)  # the same value, written so that e^-x never overflows
        return e / (1.0 + e)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (out * (1 - out),)


class ReLU(Function):
    """max(0, x).    d/dx = 1 for x > 0, else 0 (0 at the kink, as in PyTorch)"""

    @staticmethod
    def forward(x: float) -> float:
        return x if x > 0.0 else 0.0

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (1.0 if float(x) > 0.0 else 0.0,)


class LeakyReLU(Function):
    """x for x > 0, else slope·x.    ∂/∂x = 1 or slope,  ∂/∂slope = 0 or x"""

    name = "leaky_relu"

    @staticmethod
    def forward(x: float, slope: float) -> float:
        return x if x > 0.0 else slope * x

    @staticmethod
    def local_grads(x: Any, slope: Any, out: Any) -> tuple[Any, ...]:
        return (1.0, 0.0) if float(x) > 0.0 else (slope, x)


class Softplus(Function):
    """log(1 + e^x), computed as max(x, 0) + log(1 + e^-|x|) so it never overflows.
    d/dx = σ(x)"""

    @staticmethod
    def forward(x: float) -> float:
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (_sigmoid(x),)


class Swish(Function):
    """x·σ(x) (also called SiLU).    d/dx = σ(x) + x·σ(x)(1 - σ(x)) = σ(x) + out(1 - σ(x))"""

    @staticmethod
    def forward(x: float) -> float:
        return x * Sigmoid.forward(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        s = _sigmoid(x)
        return (s + out * (1 - s),)


class Sin(Function):
    """sin x.    d/dx = cos x"""

    @staticmethod
    def forward(x: float) -> float:
        return math.sin(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (_cos(x),)


class Cos(Function):
    """cos x.    d/dx = -sin x"""

    @staticmethod
    def forward(x: float) -> float:
        return math.cos(x)

    @staticmethod
    def local_grads(x: Any, out: Any) -> tuple[Any, ...]:
        return (-_sin(x),)


# Functions of many inputs: one node however many operands, so the graph stays shallow.


class Sum(Function):
    """x₁ + x₂ + … + xₙ, added left to right as a chain of + would.    ∂/∂xᵢ = 1"""

    @staticmethod
    def forward(*xs: float) -> float:
        return reduce(add, xs, 0.0)

    @staticmethod
    def local_grads(*xs: Any, out: Any) -> tuple[Any, ...]:
        return (1.0,) * len(xs)


class Max(Function):
    """The largest of x₁ … xₙ.    ∂/∂xᵢ = 1/k for each of the k operands equal to the largest,
    else 0 (ties share the gradient evenly, as PyTorch's max does)"""

    @staticmethod
    def forward(*xs: float) -> float:
        if not xs:
            raise ValueError("max: needs at least one value")
        return max(xs)

    @staticmethod
    def local_grads(*xs: Any, out: Any) -> tuple[Any, ...]:
        hits = [_where(_equal(x, out), 1.0, 0.0) for x in xs]
        ties = reduce(add, hits)
        return tuple(hit / ties for hit in hits)


class ShiftedLogSumExp(Function):
    """log Σ e^(xᵢ - s), computed as (m - s) + log Σ e^(xᵢ - m) with m = max xᵢ, so that it
    never overflows and stays exact however large the inputs; cross-entropy is this with s
    the right class's logit.    ∂/∂s = -1,  ∂/∂xᵢ = e^(xᵢ - s - out)"""

    name = "shifted_logsumexp"

    @staticmethod
    def forward(s: float, *xs: float) -> float:
        if not xs:
            raise ValueError("logsumexp: needs at least one value")
        m = max(xs)
        return (m - s) + math.log(math.fsum([math.exp(x - m) for x in xs]))

    @staticmethod
    def local_grads(s: Any, *xs: Any, out: Any) -> tuple[Any, ...]:
        return (-1.0, *[_exp(x - s - out) for x in xs])


class LogSumExp(Function):
    """log(e^x₁ + … + e^xₙ): the shifted one at s = 0, so it never overflows.
    ∂/∂xᵢ = e^(xᵢ - out), the softmax"""

    @staticmethod
    def forward(*xs: float) -> float:
        return ShiftedLogSumExp.forward(0.0, *xs)

    @staticmethod
    def local_grads(*xs: Any, out: Any) -> tuple[Any, ...]:
        return ShiftedLogSumExp.local_grads(0.0, *xs, out=out)[1:]


class Take(Function):
    """xᵢ for i, the first operand, a whole number in [0, n): indexing by a Value, such as a
    class label that is an input.    ∂/∂i = 0,  ∂/∂xⱼ = 1 if j = i, else 0"""

    @staticmethod
    def forward(i: float, *xs: float) -> float:
        if not (i.is_integer() and 0 <= i < len(xs)):
            raise ValueError(f"take: the index must be a whole number in [0, {len(xs)}), got {i!r}")
        return xs[int(i)]

    @staticmethod
    def local_grads(i: Any, *xs: Any, out: Any) -> tuple[Any, ...]:
        return (0.0, *[_where(_equal(i, j), 1.0, 0.0) for j in range(len(xs))])


class Linear(Function):
    """b + w₁·x₁ + w₂·x₂ + … + wₙ·xₙ, a neuron's weighted sum as one node, from the operands
    (b, w₁, x₁, …, wₙ, xₙ); added left to right, as micrograd's neuron adds.
    ∂/∂b = 1,  ∂/∂wᵢ = xᵢ,  ∂/∂xᵢ = wᵢ"""

    @staticmethod
    def forward(b: float, *pairs: float) -> float:
        for w, x in zip(pairs[::2], pairs[1::2], strict=True):
            b += w * x
        return b

    @staticmethod
    def local_grads(b: Any, *pairs: Any, out: Any) -> list[Any]:
        grads = [1.0, *pairs]
        grads[1::2], grads[2::2] = pairs[1::2], pairs[::2]  # each weight gets its x, each x its w
        return grads
