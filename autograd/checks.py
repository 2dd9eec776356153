"""What counts as a valid number, said once for the engine, its tools and ``nn``.

Every ``numbers.Real`` is a real number (Python's int and float, NumPy's float64 and
int64, ``fractions.Fraction``…) and every ``numbers.Integral`` a whole number. Bad input
gets Python's usual exception, naming where it was passed and what it was:

* not a number at all, or not a sequence where one is due: ``TypeError``;
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
from collections.abc import Iterable, Mapping, Set
from math import isfinite
from numbers import Integral, Real
from typing import Any

__all__ = ["integer", "real", "reals", "sequence"]


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


def sequence(values: object, where: str, name: str) -> list[Any]:
    """``values`` as a list (a list as it is, not copied), for an argument whose items
    count in order: a list, a tuple, a NumPy array, a range, a generator. A mapping (which
    would give its keys), a set (which has no order), a string, a single number, or
    anything else that is not items in order, is a TypeError naming ``name``."""
    if isinstance(values, list):  # the common case first: no ABC checks (a list subclass too)
        return values
    if (
        isinstance(values, (str, bytes, bytearray, Mapping, Set))
        or not isinstance(values, Iterable)
        or getattr(values, "ndim", None) == 0  # a NumPy scalar array: one number
    ):
        raise TypeError(
            f"{where}: {name} must be a sequence (a list, a tuple, an array), "
            f"got {type(values).__name__}"
        )
    return list(values)


def reals(values: object, where: str, name: str = "") -> list[float]:
    """A sequence of real numbers (see ``sequence``) as a new list of floats; an item that is
    not a real number is a TypeError naming it (``inputs[1]``)."""
    items = sequence(values, where, name or "the values")
    return [real(x, where, f"{name}[{i}]" if name else "") for i, x in enumerate(items)]


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
