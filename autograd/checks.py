"""What counts as a valid number, said once for the engine, its tools and ``nn``.

Every ``numbers.Real`` is a real number (Python's int and float, NumPy's float64 and
int64, ``fractions.Fraction``…) and every ``numbers.Integral`` a whole number. Bad input
gets Python's usual exception, naming where it was passed and what it was:

* not a number at all: ``TypeError``;
* NaN, ±inf, or outside the allowed range: ``ValueError``;
* an integer too large for a float: ``OverflowError``.

>>> real(0.1, "SGD", "lr", low=0.0, low_inclusive=False)
0.1
>>> integer(3, "MLP", "nin", low=1)
3
"""

from __future__ import annotations

import operator
import reprlib
from collections.abc import Iterable
from math import isfinite
from numbers import Integral, Real

__all__ = ["integer", "real", "reals"]


def real(
    x: object,
    where: str,
    name: str = "",
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """``x`` as a finite float within [low, high] (ends open where the flags say so).

    ``where`` is the function or class the number was given to and ``name`` its parameter,
    so that an error reads ``SGD: lr must be > 0, got -1``.
    """
    if type(x) is float and isfinite(x) and low is None and high is None:
        return x  # the common case, first: the engine calls this for every number operand
    subject = f"{where}: {name} must be" if name else f"{where}: expected"
    if type(x) is float or type(x) is int or isinstance(x, Real):  # int first: the ABC is slow
        try:
            value = float(x)
        except OverflowError:
            raise OverflowError(
                f"{where}: {name + ' ' if name else ''}{reprlib.repr(x)} is too large for a float"
            ) from None
    else:
        raise TypeError(f"{subject} a real number, got {type(x).__name__}")
    if not isfinite(value):
        raise ValueError(f"{subject} a finite number, got {value!r}")
    _check_range(value, subject, x, low, high, low_inclusive, high_inclusive)
    return value


def reals(values: object, where: str, name: str = "") -> list[float]:
    """A sequence of real numbers (a list, a tuple, a NumPy array…) as a list of floats;
    a single number or a string is a TypeError, as is any item that is not a number."""
    if isinstance(values, (str, bytes, Real)) or not isinstance(values, Iterable):
        raise TypeError(
            f"{where}: {name or 'the values'} must be a sequence of numbers, "
            f"got {type(values).__name__}"
        )
    return [real(x, where) for x in values]


def integer(
    x: object, where: str, name: str = "", *, low: int | None = None, high: int | None = None
) -> int:
    """``x`` as a Python int within [low, high]. Floats are refused, even 2.0, as
    ``range()`` refuses them: a count or an index given as a float is usually a mistake."""
    subject = f"{where}: {name} must be" if name else f"{where}: expected"
    if type(x) is not int and not isinstance(x, Integral):
        raise TypeError(f"{subject} an int, got {type(x).__name__}")
    value = operator.index(x)
    _check_range(value, subject, x, low, high, True, True)
    return value


def _check_range(
    value: float,
    subject: str,
    shown: object,
    low: float | None,
    high: float | None,
    low_inclusive: bool,
    high_inclusive: bool,
) -> None:
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if not (too_low or too_high):
        return
    if low is not None and high is not None:
        bounds = (
            f"in {'[' if low_inclusive else '('}{low:g}, {high:g}{']' if high_inclusive else ')'}"
        )
    elif low is not None:
        bounds = f"{'>=' if low_inclusive else '>'} {low:g}"
    else:
        bounds = f"{'<=' if high_inclusive else '<'} {high:g}"
    raise ValueError(f"{subject} {bounds}, got {shown!r}")
