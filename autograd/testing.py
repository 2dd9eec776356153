"""Tools for testing gradients: against central differences, against numbers worked out by hand.

    from autograd.testing import assert_grads, gradcheck

    def test_worked_example():
        w, b = Value(3.0, "w"), Value(4.0, "b")
        assert_grads((2 * w + b) * (b + 1), {"w": 10, "b": 15})
        assert gradcheck(lambda w, b: (2 * w + b) * (b + 1), [3.0, 4.0])

A failure raises ``GradcheckError``, an ``AssertionError`` whose message is a table with one
row per gradient: what the engine computed, what it was compared with, the errors and a
verdict, so pytest shows exactly which gradient is wrong and by how much. ``assert_close``
checks plain numbers the same way (PyTorch's ``torch.testing.assert_close``), for results
that are not gradients: a loss after training, a weight after a step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard, cast

from ._errors import ShownAsMessage
from .checks import real, reals, sequence
from .engine import Value
from .functional import _argument_names, _evaluate, grad, hessian
from .graph import topological_order
from .modes import _switch, enable_grad

__all__ = [
    "GradcheckError",
    "NotCloseError",
    "assert_close",
    "assert_grads",
    "gradcheck",
    "gradgradcheck",
    "numerical_grad",
]


class GradcheckError(ShownAsMessage, AssertionError):
    """A gradient disagrees with its reference; the message is a table of every gradient."""


class NotCloseError(ShownAsMessage, AssertionError):
    """A number is not close to the one expected; the message names both and by how much."""


def numerical_grad(
    f: Callable[..., Value], inputs: Sequence[float], eps: float = 1e-6
) -> list[float]:
    """Central differences (f(x + eps) - f(x - eps)) / 2eps of ``f(*values)``, one per input.

    ``f`` is evaluated on fresh Values at the float ``inputs`` (its graph recorded, even
    inside ``no_grad()``: ``f`` may take gradients itself).
    """
    (eps,) = _tolerances("numerical_grad", eps=eps)
    value_at = _value_function(f, "numerical_grad")
    return _central_differences(value_at, reals(inputs, "numerical_grad", "inputs"), eps)


def _value_function(f: Callable[..., Value], where: str) -> Callable[[Sequence[float]], float]:
    """``f`` as a function of floats to a float. Its graph is recorded, as everywhere here,
    whatever the grad mode: ``f`` may itself call ``grad()`` (a derivative checked as a
    function), which under ``no_grad()`` would find no graph."""

    def value_at(point: Sequence[float]) -> float:
        with _switch(anomaly=False):  # no backward() of these: no origins to remember
            return _evaluate(f, point, where)[1].data

    return value_at


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check backward's gradients of ``f(*values)`` at ``inputs`` against central differences.

    A gradient passes when |analytic - numeric| <= atol + rtol·|numeric| (PyTorch's rule).
    Returns True, or raises GradcheckError with a table of every input; a failing row's
    verdict reads its relative error |analytic - numeric| / |numeric|: WRONG above 1e-2,
    SUSPICIOUS above 1e-4, OFF below that. At a kink (relu at 0, say) the engine's convention
    and the two-sided difference disagree: the row says KINK.
    """
    __tracebackhide__ = True  # pytest and IPython show the table, not these frames
    eps, atol, rtol = _tolerances("gradcheck", eps=eps, atol=atol, rtol=rtol)
    at = reals(inputs, "gradcheck", "inputs")
    names = _argument_names(f, len(at), "x[{}]")
    values, out = _evaluate(f, at, "gradcheck")
    analytic = grad(out, values, allow_unused=True)
    value_at = _value_function(f, "gradcheck")
    numeric = _central_differences(value_at, at, eps)
    rows = [
        _compare(name, a, n, atol=atol, rtol=rtol)
        for name, a, n in zip(names, analytic, numeric, strict=True)
    ]
    for i, row in enumerate(rows):
        if not row.passed:
            row.verdict = _kink_verdict(value_at, at, i, eps, atol, rtol) or row.verdict
    _raise_if_failed(
        rows,
        f"gradcheck: backward() against central differences at {_point(names, at)}",
        _tolerance_rule(eps, atol, rtol),
        "numeric",
    )
    return True


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check second derivatives: ``hessian(f, inputs)`` against central differences of the
    gradients (computed by ``grad``). Returns True or raises GradcheckError, like gradcheck."""
    __tracebackhide__ = True  # pytest and IPython show the table, not these frames
    eps, atol, rtol = _tolerances("gradgradcheck", eps=eps, atol=atol, rtol=rtol)
    at = reals(inputs, "gradgradcheck", "inputs")
    names = _argument_names(f, len(at), "x[{}]")
    analytic = hessian(f, at)
    rows = []
    for i, name in enumerate(names):

        def gradient_at(point: Sequence[float], i: int = i) -> float:
            values, out = _evaluate(f, point, "gradgradcheck")
            return float(grad(out, values, allow_unused=True)[i])

        numeric = _central_differences(gradient_at, at, eps)
        for j, (other, a, n) in enumerate(zip(names, analytic[i], numeric, strict=True)):
            row = _compare(
                f"∂²/∂{name}²" if other == name else f"∂²/∂{name}∂{other}",
                a,
                n,
                atol=atol,
                rtol=rtol,
            )
            if not row.passed:  # a kink of the gradient (relu(x)·x at 0), as gradcheck says
                row.verdict = _kink_verdict(gradient_at, at, j, eps, atol, rtol) or row.verdict
            rows.append(row)
    _raise_if_failed(
        rows,
        f"gradgradcheck: second derivatives against central differences at {_point(names, at)}",
        _tolerance_rule(eps, atol, rtol),
        "numeric",
    )
    return True


def assert_grads(
    f_or_root: Value | Callable[[], Value],
    expected: Mapping[str | Value, float],
    *,
    rel: float = 1e-6,
    abs: float = 1e-9,  # pytest.approx's name for it
) -> None:
    """Assert the gradients of ``f_or_root`` (a Value, or a function of no arguments that
    builds one) with respect to the nodes named in ``expected``, by label or as Values.

    A gradient passes when |engine - expected| <= max(rel·|expected|, abs), as in
    ``pytest.approx``; the table's rel error is |engine - expected| / |expected|. Every
    mismatch is listed at once, with a missing or repeated label. Nothing is written to any
    ``.grad``.
    """
    __tracebackhide__ = True  # pytest and IPython show the table, not these frames
    rel, abs = _tolerances("assert_grads", rel=rel, abs=abs)
    if not isinstance(expected, Mapping):
        raise TypeError(
            "assert_grads: expected must map labels (or Values) to gradients, such as "
            f'{{"w": 10, "b": 15}}; got {type(expected).__name__}'
        )
    if callable(f_or_root) and not isinstance(f_or_root, Value):
        with enable_grad():  # built to be differentiated, even inside no_grad()
            root = f_or_root()
    else:
        root = f_or_root
    if not isinstance(root, Value):
        raise TypeError(
            f"assert_grads: expected a Value or a function returning one, got {type(root).__name__}"
        )
    nodes: dict[str, list[Value]] = {}
    graph = topological_order(root)
    for node in graph:
        if node.label:
            nodes.setdefault(node.label, []).append(node)
    in_graph = set(graph)
    found: list[Value] = []
    rows: list[_Row] = []
    for key, want in expected.items():
        want = real(want, "assert_grads")
        if isinstance(key, Value):
            matches = [key] if key in in_graph else []
            name, missing = key.label or "(unlabelled Value)", "not a node of the graph"
        else:
            matches, name, missing = nodes.get(key, []), key, "no node has this label"
        if len(matches) == 1:
            found.append(matches[0])
            rows.append(_Row(name, math.nan, want, True, ""))
        else:
            problem = f"{len(matches)} nodes share it" if matches else missing
            rows.append(_Row(name, math.nan, want, False, f"MISSING: {problem}"))
    gradients = iter(grad(root, found, allow_unused=True))
    for row in rows:
        if row.passed:
            engine = float(next(gradients))
            row.analytic = engine
            row.passed = math.fabs(engine - row.reference) <= max(
                rel * math.fabs(row.reference), abs
            )
            row.verdict = "ok" if row.passed else "WRONG"
    _raise_if_failed(
        rows,
        f"assert_grads: gradients of {root.op or 'leaf'} ({root.data:.6g}) against the expected",
        f"pass if abs error <= max(rel·|expected|, abs), rel={rel:g}, abs={abs:g}",
        "expected",
    )


def assert_close(
    actual: float | Value | Iterable[float | Value],
    expected: float | Value | Iterable[float | Value],
    what: str = "the value",
    *,
    rtol: float = 1e-7,
    atol: float = 1e-7,
) -> None:
    """Assert that ``actual`` is close to ``expected``: numbers or Values, or two sequences
    of them compared item by item, each passing when |actual - expected| <= atol +
    rtol·|expected| (``torch.testing.assert_close``'s rule and its float64 tolerances).

    A failure raises NotCloseError, naming ``what``, both numbers in as few digits as tell
    them apart (0.36, not 0.36000000000000004), and how far apart they are against what
    was allowed. NaN is close to nothing; an infinity only to itself.
    """
    __tracebackhide__ = True  # pytest and IPython show the message, not these frames
    rtol, atol = _tolerances("assert_close", rtol=rtol, atol=atol)
    single = not _is_sequence(actual)
    if single == _is_sequence(expected):
        raise TypeError(
            f"assert_close: {what}: compare a number with a number, or a sequence with a "
            f"sequence, got {type(actual).__name__} and {type(expected).__name__}"
        )
    got = _numbers(actual, what)
    want = _numbers(expected, what)
    if len(got) != len(want):
        raise NotCloseError(f"{what}: {len(got)} values, expected {len(want)}")
    allowed = [atol + rtol * math.fabs(e) if math.isfinite(e) else 0.0 for e in want]
    failed = [
        i
        for i, (a, e, bound) in enumerate(zip(got, want, allowed, strict=True))
        if a != e and not math.fabs(a - e) <= bound  # an infinity is close only to itself
    ]
    if not failed:
        return
    worst = max(failed, key=lambda i: _sort_key(math.fabs(got[i] - want[i])))
    shown = "{}, expected {}".format(*_distinct(got[worst], want[worst]))
    if single:
        lines = [f"{what}: {shown}"]
    else:
        lines = [f"{what}: {len(failed)} of {len(got)} differ; the farthest, item {worst}: {shown}"]
        if len(got) <= 10:  # short enough to show whole
            lines += [f"actual   {_listed(got, want)}", f"expected {_listed(want, got)}"]
    lines.append(
        f"off by {math.fabs(got[worst] - want[worst]):.3g}, allowed {allowed[worst]:.3g} "
        f"(atol + rtol·|expected|, atol={atol:g}, rtol={rtol:g})"
    )
    raise NotCloseError("\n".join(lines))


def _is_sequence(x: object) -> TypeGuard[Iterable[object]]:
    """An iterable of items; not a string, nor a 0-d NumPy array (a number, as in NumPy)."""
    return (
        isinstance(x, Iterable)
        and not isinstance(x, (str, bytes))
        and getattr(x, "ndim", None) != 0
    )


def _numbers(x: object, what: str) -> list[float]:
    """A sequence's items, or a single number, as a list of floats; a mapping (its keys) or
    a set (no order) is a TypeError, as everywhere a sequence is due."""
    if not _is_sequence(x):
        return [_number(x, what)]
    return [_number(item, what) for item in sequence(x, "assert_close", what)]


def _listed(values: list[float], others: list[float]) -> str:
    """``values`` as a list, each item in the digits that tell it from its counterpart."""
    return "[" + ", ".join(_distinct(v, o)[0] for v, o in zip(values, others, strict=True)) + "]"


def _number(x: object, what: str) -> float:
    """A number or a Value as a float; NaN and infinities stay, as results to report."""
    if isinstance(x, Value):
        return x.data
    if getattr(x, "ndim", None) == 0:  # a 0-d NumPy array: its one number
        x = cast(Any, x).item()
    try:
        return real(x, "assert_close", what)
    except ValueError:  # not finite: a result that fails the check, not bad input
        return float(cast(float, x))  # real() has checked that it is a number


def _sort_key(difference: float) -> float:
    """NaN sorts as the largest difference."""
    return math.inf if math.isnan(difference) else difference


def _distinct(value: float, other: float) -> tuple[str, str]:
    """``value`` and ``other`` in the fewest significant digits, from 10, that tell them
    apart: a message shows 0.36, not 0.36000000000000004, and never "1, expected 1"."""
    for digits in range(10, 17):
        shown = f"{value + 0.0:.{digits}g}", f"{other + 0.0:.{digits}g}"  # + 0.0: no "-0"
        if shown[0] != shown[1] or value == other:
            return shown
    return repr(value + 0.0), repr(other + 0.0)  # the shortest that reads back exactly


# How the checks are computed and reported


@dataclass
class _Row:
    name: str
    analytic: float
    reference: float
    passed: bool
    verdict: str


def _compare(name: str, analytic: float, numeric: float, *, atol: float, rtol: float) -> _Row:
    """One gradient against its reference. A failing verdict reads the relative error, the
    column rtol bounds: above 1e-2 WRONG, above 1e-4 SUSPICIOUS, else OFF (only tolerances
    tighter than the defaults fail a gradient that close)."""
    analytic = float(analytic)
    passed = math.fabs(analytic - numeric) <= atol + rtol * math.fabs(numeric)
    relative = _relative_error(analytic, numeric)
    if passed:
        verdict = "ok"
    elif relative > 1e-2:
        verdict = "WRONG"
    elif relative > 1e-4:
        verdict = "SUSPICIOUS"
    else:
        verdict = "OFF"
    return _Row(name, analytic, numeric, passed, verdict)


def _tolerance_rule(eps: float, atol: float, rtol: float) -> str:
    """How gradcheck and gradgradcheck decide, for their failure messages."""
    return f"pass if abs error <= atol + rtol·|numeric|, atol={atol:g}, rtol={rtol:g}, eps={eps:g}"


def _relative_error(value: float, reference: float) -> float:
    """|value - reference| / |reference|, the "rel error" column: the quantity that rtol (or
    assert_grads' rel) bounds. Infinite when only the reference is 0."""
    error = math.fabs(value - reference)
    if error == 0.0:
        return 0.0
    return math.inf if reference == 0.0 else error / math.fabs(reference)


def _kink_verdict(
    value_at: Callable[[Sequence[float]], float],
    at: list[float],
    i: int,
    eps: float,
    atol: float,
    rtol: float,
) -> str | None:
    """Say so when the one-sided slopes at input ``i`` differ: ``f`` has a kink there, where
    a central difference averages the two slopes and the engine takes one convention. On a
    smooth curve the one-sided slopes differ too, by about f''·eps: a kink is a gap that does
    not shrink when the step does."""
    here = value_at(at)

    def slopes(step: float) -> tuple[float, float]:
        left = (here - value_at(_moved(at, i, -step))) / step
        right = (value_at(_moved(at, i, step)) - here) / step
        return left, right

    left, right = slopes(eps)
    gap = math.fabs(left - right)
    if gap <= atol + rtol * max(math.fabs(left), math.fabs(right)):
        return None
    finer_left, finer_right = slopes(eps / 8)
    if math.fabs(finer_left - finer_right) < gap / 2:  # shrinks with the step: curvature
        return None
    return f"KINK: slope {left:.4g} from the left, {right:.4g} from the right"


def _raise_if_failed(rows: list[_Row], title: str, rule: str, reference: str) -> None:
    __tracebackhide__ = True  # pytest and IPython show the table, not these frames
    failed = sum(not row.passed for row in rows)
    if not failed:
        return
    header = ["gradient", "engine" if reference == "expected" else "analytic", reference]
    header += ["abs error", "rel error", "verdict"]
    table = [header]
    for row in rows:
        known = not math.isnan(row.analytic)
        table.append(
            [
                row.name,
                f"{row.analytic + 0.0:.10g}" if known else "-",  # + 0.0: no "-0"
                f"{row.reference:.10g}",
                f"{math.fabs(row.analytic - row.reference):.3g}" if known else "-",
                f"{_relative_error(row.analytic, row.reference):.3g}" if known else "-",
                row.verdict,
            ]
        )
    widths = [max(len(line[c]) for line in table) for c in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    summary = f"{failed} of {len(rows)} gradients failed: {rule}"
    raise GradcheckError("\n".join([title, summary, "", *lines]))


def _central_differences(
    value_at: Callable[[Sequence[float]], float], at: list[float], eps: float
) -> list[float]:
    return [
        (value_at(_moved(at, i, eps)) - value_at(_moved(at, i, -eps))) / (2 * eps)
        for i in range(len(at))
    ]


def _moved(at: list[float], i: int, step: float) -> list[float]:
    return [*at[:i], at[i] + step, *at[i + 1 :]]


def _tolerances(where: str, **tolerances: float) -> list[float]:
    """The tolerances as floats, in the order given: a step ``eps`` must be positive and every
    tolerance at least 0, all finite numbers (a NumPy float32 eps would round x + eps)."""
    return [
        real(value, where, name, low=0.0, low_inclusive=name != "eps")
        for name, value in tolerances.items()
    ]


def _point(names: list[str], at: list[float]) -> str:
    return ", ".join(f"{name}={x:g}" for name, x in zip(names, at, strict=True))
