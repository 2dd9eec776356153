"""Functions of many Values (``sum``, ``mean``, ``max``, ``linear``, ``logsumexp``,
``softmax``, ``log_softmax``, ``take``) and of whole graphs (``grad``, ``hessian``).

The first group accepts any iterable of Values and real numbers (numbers become constant
leaves). ``sum``, ``max``, ``linear`` and ``logsumexp`` are single nodes, so a sum of
100,000 terms is one node with 100,000 parents, not a 100,000-deep chain.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from math import isfinite
from numbers import Real
from typing import Any

from .checks import real, reals, sequence
from .engine import (
    _UNDEFINED,
    Operand,
    Value,
    _arithmetic_error,
    _bad_local_grads,
    _float_partials,
    _leaf,
    _operand,
    _show,
    _undefined_error,
)
from .graph import topological_order
from .modes import enable_grad, is_tracing
from .ops import Linear, LogSumExp, Max, ShiftedExp, ShiftedLogSumExp, Sum, Take


def _values(values: Iterable[Operand], op: str, what: str = "the values") -> list[Value]:
    """The operands as Values, from a sequence (never a mapping's keys or a set's order)."""
    return [_operand(v, op) for v in sequence(values, op, what)]


def _nonempty(values: Iterable[Operand], op: str) -> list[Value]:
    operands = _values(values, op)
    if not operands:
        raise ValueError(f"{op}: needs at least one value")
    return operands


def sum(values: Iterable[Operand]) -> Value:  # autograd.sum, like torch.sum
    """x₁ + … + xₙ as one node; the sum of nothing is a constant 0."""
    operands = _values(values, "sum")
    return Sum.apply(*operands) if operands else Value(0.0)


def mean(values: Iterable[Operand]) -> Value:
    """The arithmetic mean: ``sum(values) / n``."""
    operands = _nonempty(values, "mean")
    return Sum.apply(*operands) / len(operands)


def max(values: Iterable[Operand]) -> Value:  # autograd.max, like torch.max
    """The largest value as one node; ties share its gradient evenly, as in PyTorch."""
    return Max.apply(*_nonempty(values, "max"))


def take(values: Sequence[Operand], index: Operand) -> Value:  # like torch.take
    """``values[index]`` as a node, for an index that is itself a Value (a class label given
    as an input, say); an int index works too. The index must hold a whole number in
    [0, len(values)): anything else is a ValueError."""
    return Take.apply(index, *_nonempty(values, "take"))


def linear(
    inputs: Sequence[Operand], weights: Sequence[Operand], bias: Operand = 0.0
) -> Value:  # like torch.nn.functional.linear with one output
    """bias + Σ wᵢ·xᵢ as one node (a neuron before its activation): the same numbers as the
    chain of * and + it replaces, with a fifth of the nodes, so the graph is faster to build
    and to backpropagate."""
    if not isinstance(inputs, list):  # a list, the usual case, costs no call: once per neuron
        inputs = sequence(inputs, "linear", "inputs")
    if not isinstance(weights, list):
        weights = sequence(weights, "linear", "weights")
    if len(inputs) != len(weights):
        raise ValueError(f"linear: {len(inputs)} inputs but {len(weights)} weights")
    # A number bias becomes its constant leaf here, so that when every weight and input is a
    # Value (a penalty Σ p·p over the parameters) apply takes them all as they are, at C speed.
    operands = [bias if isinstance(bias, Value) else _operand(bias, "linear")]
    for w, x in zip(weights, inputs, strict=True):
        operands += (w, x)
    return Linear.apply(*operands)  # which makes numbers constant leaves


def logsumexp(values: Iterable[Operand], shift: Operand | None = None) -> Value:
    """log Σ e^xᵢ as one node, computed without overflow for any finite inputs. With
    ``shift=s`` it is log Σ e^(xᵢ - s), exact however far apart the inputs: the
    cross-entropy of class c is ``logsumexp(logits, shift=logits[c])``."""
    operands = _values(values, "logsumexp")
    if shift is None:
        return LogSumExp.apply(*operands)
    return ShiftedLogSumExp.apply(_operand(shift, "logsumexp"), *operands)


def log_softmax(values: Iterable[Operand]) -> list[Value]:
    """log(e^xᵢ / Σ e^xⱼ) = (xᵢ - m) - log Σ e^(xⱼ - m), with m = max x: exact for any
    finite inputs, except an entry whose true value is itself beyond the float range (more
    than 1.8e308 below the largest), which is an OverflowError naming the subtraction."""
    operands = _nonempty(values, "log_softmax")
    top = Max.apply(*operands)
    total = ShiftedLogSumExp.apply(top, *operands)
    return [(x - top) - total for x in operands]


def softmax(values: Iterable[Operand]) -> list[Value]:
    """e^xᵢ / Σ e^xⱼ = e^(xᵢ - m) / Σ e^(xⱼ - m), with m = max x: probabilities summing to
    1. Each e^(xᵢ - m) is one ``shifted_exp`` node, never forming xᵢ - m on its own, so no
    finite input overflows: softmax([1e308, -1e308]) is [1, 0]."""
    operands = _nonempty(values, "softmax")
    top = Max.apply(*operands)
    exps = [ShiftedExp.apply(x, top) for x in operands]
    total = Sum.apply(*exps)
    return [e / total for e in exps]


# Derivatives as results: grad() and hessian()


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Operand | Sequence[Operand] | None = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> list[Any]:
    """d output / d x for each x in ``inputs``, returned as a list; no ``.grad`` is touched.

    ``outputs`` is a Value or several; with several, the result is the gradient of
    Σ seedᵢ·outputᵢ, the seeds being ``grad_outputs`` (1.0 each by default; numbers or
    Values), as in ``torch.autograd.grad``: a vector-Jacobian product.

    By default the gradients are floats, exactly the numbers ``backward()`` would give, and
    nothing is recorded: a Value given as a seed counts by its value. With
    ``create_graph=True`` they are Values whose graph leads back to the inputs (and to any
    seed given as a Value), recorded even inside ``no_grad()``, as in PyTorch, so ``grad``
    applies to them again: second and third derivatives. The derivative rules are the ops'
    own ``local_grads``, evaluated on Values.

    An input the outputs do not depend on raises ValueError, unless ``allow_unused=True``:
    then its gradient is 0.0 (``Value(0.0)`` with ``create_graph``).

    Inside a function being traced (``autograd.compile``), the gradients are always Values,
    recorded like any other op, so that the program computes them at every sample.
    """
    if is_tracing():  # inside a function being compiled: the derivative is part of it
        create_graph = True
    seeds = _seeds(outputs, grad_outputs, "grad", as_values=bool(create_graph))
    targets = _nodes(inputs, "grad", "inputs")
    if create_graph:
        with enable_grad():
            grads = _backpropagate(seeds, on_values=True)
    else:
        grads = _backpropagate(seeds, on_values=False)
    results: list[Any] = []
    for i, x in enumerate(targets):
        g = grads.get(x)
        if g is None:
            if not allow_unused:
                raise ValueError(
                    f"grad: the output does not depend on inputs[{i}] ({_show(x)}); "
                    "pass allow_unused=True to get 0.0 for it"
                )
            g = 0.0
        if isinstance(g, Value):  # with create_graph
            results.append(g)
            continue
        if not isfinite(g):
            raise _arithmetic_error(
                g, f"grad: the gradient with respect to inputs[{i}] ({_show(x)}) is {g!r}"
            )
        results.append(_leaf(g) if create_graph else g)  # a constant one, such as of x + y
    return results


def _nodes(values: Value | Sequence[Value], where: str, what: str) -> list[Value]:
    """A Value or a sequence of them, as a list; anything else is a TypeError naming it."""
    if isinstance(values, Value):
        return [values]
    try:
        nodes = sequence(values, where, what)
    except TypeError:
        raise TypeError(
            f"{where}: {what} must be a Value or a sequence of Values, got {type(values).__name__}"
        ) from None
    for i, x in enumerate(nodes):
        if not isinstance(x, Value):
            raise TypeError(f"{where}: {what}[{i}] must be a Value, got {type(x).__name__}")
    return nodes


def _seeds(
    outputs: Value | Sequence[Value],
    seeds: Operand | Sequence[Operand] | None,
    where: str,
    *,
    as_values: bool,
) -> dict[Value, Any]:
    """Each output with the gradient that seeds it (1.0 unless given), summed where an
    output is given twice. A seed given as a Value stays one only ``as_values`` (with
    create_graph); otherwise its value is taken, as PyTorch does."""
    roots = _nodes(outputs, where, "outputs")
    if not roots:
        raise ValueError(f"{where}: needs at least one output")
    if seeds is None:
        given: list[Any] = [1.0] * len(roots)
    else:
        try:
            given = [seeds] if isinstance(seeds, (Value, Real)) else sequence(seeds, where, "")
        except TypeError:
            raise TypeError(
                f"{where}: grad_outputs must be a number, a Value or a sequence of them, got "
                f"{type(seeds).__name__}"
            ) from None
        if len(given) != len(roots):
            raise ValueError(f"{where}: {len(roots)} outputs but {len(given)} grad_outputs")
        given = [
            (g if as_values else g.data)
            if isinstance(g, Value)
            else real(g, where, f"grad_outputs[{i}]")
            for i, g in enumerate(given)
        ]
    found: dict[Value, Any] = {}
    for root, seed in zip(roots, given, strict=True):
        found[root] = found[root] + seed if root in found else seed
    return found


def _backpropagate(seeds: dict[Value, Any], *, on_values: bool) -> dict[Value, Any]:
    """The chain rule into a dict, node -> d (Σ seed·output) / d node, in the same order as
    backward() (so the floats are identical). ``on_values`` evaluates each rule on the nodes
    themselves instead of their data, recording the derivative's own graph."""
    grads: dict[Value, Any] = dict(seeds)
    for node in reversed(topological_order(*seeds)):
        parents = node.parents
        g = grads.get(node)
        fn = node._fn
        if not parents or g is None or fn is None:  # (a node with parents has an op)
            continue
        try:
            if on_values:
                local = fn.local_grads(*parents, out=node)
            else:
                local = fn.local_grads(*[p.data for p in parents], out=node.data)
        except _UNDEFINED as error:
            raise _undefined_error(node, error) from error
        if len(local) != len(parents):
            raise _bad_local_grads(node, local)
        if not on_values:
            local = _float_partials(node, local)  # a custom rule may give NumPy scalars
        elif not all(type(d) is Value or type(d) is float for d in local):
            local = _value_partials(node, local)
        for parent, d in zip(parents, local, strict=True):
            part = _times(g, d)
            grads[parent] = part if parent not in grads else grads[parent] + part
    return grads


def _value_partials(node: Value, local: Sequence[Any]) -> list[Any]:
    """A rule's local derivatives, evaluated on Values, as Values or floats (a NumPy scalar
    becomes a float); anything else, such as a complex number, is the TypeError of
    ``_bad_local_grads``."""
    partials = []
    for d in local:
        if not isinstance(d, (Value, Real)):
            raise _bad_local_grads(node, local)
        partials.append(d if isinstance(d, Value) else float(d))
    return partials


def _times(g: Any, d: Any) -> Any:
    """g * d, without recording a multiplication by the constant 1 (the seed, or d(x + y))."""
    if type(g) is float and g == 1.0:
        return d
    if type(d) is float and d == 1.0:
        return g
    return g * d


def hessian(f: Callable[..., Value], inputs: Sequence[float]) -> list[list[float]]:
    """The matrix of second derivatives ∂²f / ∂xᵢ∂xⱼ of ``f(*values)`` at the float ``inputs``.

    >>> hessian(lambda w, b: (2 * w + b) * (b + 1), [3.0, 4.0])
    [[0.0, 2.0], [2.0, 2.0]]
    """
    values, out = _evaluate(f, inputs, "hessian")
    first = grad(out, values, create_graph=True, allow_unused=True)
    return [[float(g) for g in grad(d, values, allow_unused=True)] for d in first]


def _evaluate(
    f: Callable[..., Value], inputs: Sequence[float], where: str
) -> tuple[list[Value], Value]:
    """Fresh leaves at the float ``inputs`` and ``f`` applied to them, which must be a Value."""
    values, out = _applied(f, inputs, where)
    if not isinstance(out, Value):
        raise TypeError(f"{where}: f must return a Value, got {type(out).__name__}")
    return values, out


def _applied(
    f: Callable[..., object], inputs: Sequence[float], where: str, name: str = "inputs"
) -> tuple[list[Value], object]:
    """Fresh leaves at the float ``inputs`` (the argument ``name``) and what ``f`` returns on
    them, its graph recorded even inside ``no_grad()``: a transform or a check differentiates
    what it evaluates, as ``torch.func``'s transforms and ``torch.autograd.functional`` do."""
    if not callable(f):
        raise TypeError(f"{where}: expected a function, got {type(f).__name__}")
    values = [_leaf(x) for x in reals(inputs, where, name)]
    with enable_grad():
        return values, f(*values)


def _argument_names(f: Callable[..., Any], count: int, fallback: str) -> list[str]:
    """The names of ``f``'s first ``count`` positional parameters, for tables and listings
    (``w``, ``b``); where it has fewer, or none can be read, ``fallback`` numbered."""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):  # a builtin, say
        parameters = []
    positional = [
        p.name
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) >= count:
        return positional[:count]
    return [fallback.format(i) for i in range(count)]
