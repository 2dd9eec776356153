"""Forward and reverse mode side by side, with ``torch.func``'s names: ``jvp``, ``vjp``,
``jacobian`` (``jacfwd``, ``jacrev``) and ``hvp``.

Each transform evaluates ``f`` once on fresh leaves at the float inputs, recording its graph
(even inside ``no_grad()``, as a function transform does), then evaluates every node's local
derivatives once, exactly as the first phase of ``backward()`` does. That is ``f``'s
*linearization* at the point (JAX's ``linearize``): a linear map with two directions.

* **push**, forward mode, a Jacobian-vector product: along a direction of the inputs, each
  node's tangent is Σᵢ ∂node/∂parentᵢ · tangent(parentᵢ), in topological order. One sweep
  gives the derivative of *every output* along *one* direction.
* **pull**, reverse mode, a vector-Jacobian product: the chain rule of ``backward()``, from
  the outputs back. One sweep gives the derivative of *one* output (or one weighted sum of
  them) with respect to *every input*.

So a Jacobian with n inputs and m outputs takes n pushes or m pulls: forward mode for few
inputs and many outputs, reverse mode (backprop) for a loss of many parameters. Both use the
ops' own ``local_grads``: there is no second copy of any derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from math import isfinite
from typing import Any

from .checks import reals
from .engine import (
    Value,
    _arithmetic_error,
    _bad_local_grads,
    _call,
    _local_grads,
    _to_floats,
)
from .functional import _applied, grad
from .graph import topological_order
from .modes import enable_grad

__all__ = ["hvp", "jacfwd", "jacobian", "jacrev", "jvp", "vjp"]

Function = Callable[..., Value | Sequence[Value]]


class _Linearization:
    """``outputs``' graph with every local derivative evaluated (floats): the linear map
    f'(x), applied forward (``push``) or transposed (``pull``)."""

    __slots__ = ("_floats", "inner", "leaves", "outputs", "partials")

    def __init__(self, outputs: Sequence[Value]) -> None:
        self.outputs = list(outputs)
        # May raise, naming the op, where a derivative is undefined (sqrt at 0, say).
        self.leaves, self.inner, self.partials = _local_grads(topological_order(*outputs))
        self._floats = False

    def push(self, seeds: Mapping[Value, float]) -> dict[Value, float]:
        """Every node's tangent, for the leaves' tangents ``seeds`` (0 for the others)."""
        tangent = self._push(seeds)
        if not self._all_floats(tangent[node] for node in self.outputs):
            tangent = self._push(seeds)  # a custom rule gave NumPy scalars: again, in floats
        self._check_finite(tangent, self.outputs, "tangent", self._order())
        return tangent

    def pull(
        self, seeds: Mapping[Value, float], inputs: Sequence[Value] | None = None
    ) -> dict[Value, float]:
        """Every node's gradient of Σ seed·output, for the outputs' gradients ``seeds``
        (nodes the seeded outputs do not depend on are left out). Checked to be finite at
        ``inputs`` (``grad()``'s check), or at every leaf if None (``backward()``'s): an
        infinite gradient of a constant nobody asked for is no error of a vjp."""
        gradient = self._pull(seeds)
        asked = self.leaves if inputs is None else inputs
        reached = [node for node in asked if node in gradient]
        if not self._all_floats(gradient[node] for node in reached):
            gradient = self._pull(seeds)
        self._check_finite(gradient, reached, "gradient", self._order()[::-1])
        return gradient

    def _push(self, seeds: Mapping[Value, float]) -> dict[Value, float]:
        tangent = dict.fromkeys(self.leaves, 0.0)
        tangent.update(seeds)
        for node, local in zip(self.inner, self.partials, strict=True):
            parents = node.parents
            try:
                # Unrolled for one and two operands, as backward() is.
                if len(parents) == 2:
                    x, y = parents
                    dx, dy = local
                    tangent[node] = dx * tangent[x] + dy * tangent[y]
                elif len(parents) == 1:
                    (dx,) = local
                    tangent[node] = dx * tangent[parents[0]]
                else:
                    total = 0.0
                    for parent, d in zip(parents, local, strict=True):
                        total += d * tangent[parent]
                    tangent[node] = total
            except (TypeError, ValueError) as error:
                raise _bad_local_grads(node, local) from error
        return tangent

    def _pull(self, seeds: Mapping[Value, float]) -> dict[Value, float]:
        gradient = dict(seeds)
        for node, local in zip(reversed(self.inner), reversed(self.partials), strict=True):
            g = gradient.get(node)
            if g is None:
                continue
            try:
                for parent, d in zip(node.parents, local, strict=True):
                    gradient[parent] = gradient[parent] + g * d if parent in gradient else g * d
            except (TypeError, ValueError) as error:
                raise _bad_local_grads(node, local) from error
        return gradient

    def _all_floats(self, results: Any) -> bool:
        """True when every result is a float; otherwise turn the local derivatives into
        floats (once) and say False, so that the sweep is run again."""
        if self._floats or all(type(r) is float for r in results):
            return True
        _to_floats(self.inner, self.partials)
        self._floats = True
        return False

    def _order(self) -> list[Value]:
        return self.leaves + self.inner  # leaves first: a valid topological order

    @staticmethod
    def _check_finite(
        found: Mapping[Value, float], last: list[Value], what: str, order: list[Value]
    ) -> None:
        """If a NaN or ±inf reached the sweep's ``last`` nodes (where every other flows),
        name the first node, in the sweep's own order, where it arose: OverflowError or
        ValueError (FloatingPointError under detect_anomaly)."""
        if all(isfinite(found[node]) for node in last):
            return
        node = next(n for n in order if n in found and not isfinite(found[n]))
        where = _call(node) if node.parents else f"the leaf {node.data!r}"
        raise _arithmetic_error(found[node], f"the {what} of {where} is {found[node]!r}")


def jvp(
    f: Function, primals: Sequence[float], tangents: Sequence[float]
) -> tuple[float | Sequence[float], float | Sequence[float]]:
    """The value of ``f(*primals)`` and its directional derivative along ``tangents`` (a
    Jacobian-vector product), in one forward sweep: a list (a tuple) of each where ``f``
    returns a list (a tuple).

    >>> jvp(lambda w, b: (2 * w + b) * (b + 1), (3.0, 4.0), (0.0, 1.0))   # ∂z/∂b
    (50.0, 15.0)
    """
    values, outputs, form = _evaluate(f, primals, "jvp", "primals")
    directions = reals(tangents, "jvp", "tangents")
    if len(directions) != len(values):
        raise ValueError(f"jvp: {len(values)} primals but {len(directions)} tangents")
    pushed = _Linearization(outputs).push(dict(zip(values, directions, strict=True)))
    return _shaped([y.data for y in outputs], form), _shaped([pushed[y] for y in outputs], form)


def vjp(
    f: Function, *primals: float
) -> tuple[float | Sequence[float], Callable[[float | Sequence[float]], tuple[float, ...]]]:
    """The value of ``f(*primals)`` and a function that pulls a cotangent of the outputs
    (a float, or one per output) back to the inputs: a vector-Jacobian product, one reverse
    sweep per call, returning a tuple with one float per primal (as ``torch.func.vjp``)."""
    values, outputs, form = _evaluate(f, primals, "vjp", "primals")
    linear_map = _Linearization(outputs)

    def vjp_fn(cotangents: float | Sequence[float]) -> tuple[float, ...]:
        given = reals([cotangents] if form is None else cotangents, "vjp_fn", "cotangents")
        if len(given) != len(outputs):
            raise ValueError(f"vjp_fn: {len(outputs)} outputs but {len(given)} cotangents")
        seeds: dict[Value, float] = {}
        for y, c in zip(outputs, given, strict=True):
            seeds[y] = seeds.get(y, 0.0) + c
        pulled = linear_map.pull(seeds, values)
        return tuple(pulled.get(x, 0.0) for x in values)

    return _shaped([y.data for y in outputs], form), vjp_fn


def jacobian(
    f: Function, inputs: Sequence[float], *, mode: str = "auto"
) -> Sequence[float] | Sequence[list[float]]:
    """∂outputᵢ/∂inputⱼ at ``inputs``: ``[i][j]`` for ``f`` returning a list of Values (as
    PyTorch lays it out; a tuple of rows for a tuple), the gradient list for ``f`` returning
    one Value.

    ``mode="forward"`` pushes one tangent per input, ``"reverse"`` pulls one gradient per
    output, and ``"auto"`` (the default) picks the one with fewer sweeps: forward when there
    are fewer inputs than outputs. Both give the same numbers."""
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"jacobian: mode must be 'auto', 'forward' or 'reverse', got {mode!r}")
    values, outputs, form = _evaluate(f, inputs, "jacobian")
    linear_map = _Linearization(outputs)
    if mode == "auto":
        mode = "forward" if len(values) < len(outputs) else "reverse"
    if mode == "forward":
        columns = []
        for x in values:
            pushed = linear_map.push({x: 1.0})
            columns.append([pushed[y] for y in outputs])
        if columns:
            rows = [list(row) for row in zip(*columns, strict=True)]
        else:  # no inputs: an empty row per output, each its own list
            rows = [[] for _ in outputs]
    else:
        rows = []
        for y in outputs:
            pulled = linear_map.pull({y: 1.0}, values)
            rows.append([pulled.get(x, 0.0) for x in values])
    laid_out: Sequence[float] | Sequence[list[float]] = _shaped(rows, form)
    return laid_out


def jacfwd(f: Function, inputs: Sequence[float]) -> Sequence[float] | Sequence[list[float]]:
    """The Jacobian in forward mode: one tangent sweep per input (``torch.func.jacfwd(f)``
    applied to ``inputs``)."""
    return jacobian(f, inputs, mode="forward")


def jacrev(f: Function, inputs: Sequence[float]) -> Sequence[float] | Sequence[list[float]]:
    """The Jacobian in reverse mode: one backward sweep per output (``torch.func.jacrev(f)``
    applied to ``inputs``)."""
    return jacobian(f, inputs, mode="reverse")


def hvp(f: Callable[..., Value], inputs: Sequence[float], v: Sequence[float]) -> list[float]:
    """The Hessian of ``f`` at ``inputs`` times the vector ``v``, without forming the
    Hessian: forward mode over reverse mode, pushing ``v`` through the graph of the gradient
    (``grad(..., create_graph=True)``). Costs about two gradients, whatever the size."""
    values, outputs, form = _evaluate(f, inputs, "hvp")
    if form is not None:
        raise TypeError("hvp: f must return one Value (a Hessian needs a scalar function)")
    direction = reals(v, "hvp", "v")
    if len(direction) != len(values):
        raise ValueError(f"hvp: {len(values)} inputs but v has {len(direction)} entries")
    with enable_grad():
        gradient = grad(outputs[0], values, create_graph=True, allow_unused=True)
    pushed = _Linearization(gradient).push(dict(zip(values, direction, strict=True)))
    return [pushed[g] for g in gradient]


def _evaluate(
    f: Function, inputs: Sequence[float], where: str, name: str = "inputs"
) -> tuple[list[Value], list[Value], type | None]:
    """Fresh leaves at ``inputs``, ``f``'s outputs on them as a list (recorded even inside
    no_grad()), and their form: None for one Value, else ``list`` or ``tuple``, so that
    results come back as ``f`` returned its outputs (as ``torch.func``'s do)."""
    values, out = _applied(f, inputs, where, name)
    if isinstance(out, Value):
        return values, [out], None
    if not isinstance(out, (list, tuple)):
        raise TypeError(
            f"{where}: f must return a Value or a list of Values, got {type(out).__name__}"
        )
    for i, y in enumerate(out):
        if not isinstance(y, Value):
            raise TypeError(f"{where}: f's output [{i}] must be a Value, got {type(y).__name__}")
    if not out:
        raise ValueError(f"{where}: f returned no outputs")
    return values, list(out), type(out) if isinstance(out, tuple) else list


def _shaped(results: list[Any], form: type | None) -> Any:
    """Results laid out as ``f``'s outputs: the one result, or a list or tuple of them (a
    named tuple of the same type)."""
    if form is None:
        return results[0]
    if form is list:
        return results
    return form(*results) if hasattr(form, "_fields") else tuple(results)
