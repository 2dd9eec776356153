"""autograd.checks: one definition of a valid number for the engine, its tools and nn."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from autograd.checks import integer, real, reals, sequence


@pytest.mark.parametrize(
    "x", [2, 2.0, True, Fraction(2, 1), np.float64(2.0), np.int64(2), np.float32(2)]
)
def test_real_takes_every_real_number_and_gives_a_float(x: object) -> None:
    value = real(x, "f", "x")
    assert (value, type(value)) == (float(x), float)


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        ("1", TypeError, "f: x must be a real number, got str"),
        (None, TypeError, "f: x must be a real number, got NoneType"),
        (1j, TypeError, "f: x must be a real number, got complex"),
        (np.array([1.0]), TypeError, "f: x must be a real number, got ndarray"),
        (math.nan, ValueError, "f: x must be a finite number, got nan"),
        (np.float64(-math.inf), ValueError, "f: x must be a finite number, got -inf"),
        (10**400, OverflowError, r"f: x 1000.* is too large for a float"),
    ],
)
def test_real_refuses_with_pythons_usual_exception(x: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        real(x, "f", "x")


def test_real_without_a_name_words_it_as_the_engine_does() -> None:
    with pytest.raises(TypeError, match="Value: expected a real number, got str"):
        real("1", "Value")


@pytest.mark.parametrize(
    ("bounds", "x", "message"),
    [
        ({"low": 0.0}, -1, "must be >= 0, got -1"),
        ({"low": 0.0, "low_inclusive": False}, 0.0, "must be > 0, got 0.0"),
        ({"high": 1.0, "high_inclusive": False}, 1.0, "must be < 1, got 1.0"),
        ({"low": 0.0, "high": 1.0}, 1.5, r"must be in \[0, 1\], got 1.5"),
        ({"low": 0.0, "high": 1.0, "high_inclusive": False}, 1, r"must be in \[0, 1\), got 1"),
    ],
)
def test_real_checks_its_range(bounds: dict, x: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        real(x, "f", "x", **bounds)
    assert real(0.5, "f", "x", **bounds) == 0.5


@pytest.mark.parametrize("x", [3, np.int64(3), np.uint8(3), True])
def test_integer_takes_every_integral_number_and_gives_an_int(x: object) -> None:
    value = integer(x, "f", "n")
    assert (value, type(value)) == (int(x), int)


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (3.0, TypeError, "f: n must be an int, got float"),
        (np.float64(3.0), TypeError, "f: n must be an int, got float64"),
        ("3", TypeError, "f: n must be an int, got str"),
        (0, ValueError, "f: n must be >= 1, got 0"),
    ],
)
def test_integer_refuses_floats_and_out_of_range(x: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        integer(x, "f", "n", low=1)


# Sequences: an argument that holds its items in order


@pytest.mark.parametrize(
    "make",
    [
        lambda: [1.0, 2.0],
        lambda: (1.0, 2.0),
        lambda: np.array([1.0, 2.0]),
        lambda: range(1, 3),
        lambda: (x for x in (1.0, 2.0)),
        lambda: {"a": 1.0, "b": 2.0}.values(),
    ],
    ids=["list", "tuple", "array", "range", "generator", "dict values"],
)
def test_sequence_takes_every_ordered_collection_as_a_list(make) -> None:
    assert sequence(make(), "f", "xs") == [1.0, 2.0]
    assert reals(make(), "f", "xs") == [1.0, 2.0]


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ({0: 1.0}, "dict"),
        ({1.0, 2.0}, "set"),
        (frozenset({1.0}), "frozenset"),
        ({0: 1.0}.keys(), "dict_keys"),
        ("12", "str"),
        (b"12", "bytes"),
        (1.0, "float"),
        (1j, "complex"),
        (np.array(1.0), "ndarray"),
        (None, "NoneType"),
    ],
)
def test_sequence_refuses_what_has_no_order_or_is_one_thing(values: object, kind: str) -> None:
    with pytest.raises(TypeError, match=r"f: xs must be a sequence \(a list, a tuple, an array"):
        sequence(values, "f", "xs")
    with pytest.raises(TypeError, match=rf"f: xs must be a sequence .*, got {kind}"):
        reals(values, "f", "xs")


def test_reals_names_the_item_that_is_not_a_real_number() -> None:
    with pytest.raises(TypeError, match=r"f: xs\[1\] must be a real number, got complex"):
        reals([1.0, 1j], "f", "xs")
