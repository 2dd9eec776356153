"""The engine: ``Value``, a scalar that records how it was made, and ``backward()``.

Arithmetic on Values builds a graph: each result remembers its ``op`` and its ``parents``
(in operand order). ``backward()`` walks that graph once, from the output back to the
leaves, multiplying each node's gradient by the local derivatives of the op that made it
(the chain rule) and summing over paths. An operation is a ``Function``: its value and its
local derivatives, defined once, side by side (see ``ops.py``).

What ``backward()`` does to ``.grad``, as in PyTorch:

* A leaf (a node with no parents) accumulates: each call adds this pass's gradient to it,
  so calling backward() twice gives twice the gradient. Reset it with ``v.grad = 0.0``.
* Every other node holds exactly this pass's gradient, whatever earlier passes did.
* Local derivatives are evaluated when ``backward()`` runs, from the parents' current
  ``.data``: do not change ``.data`` between building a graph and calling backward() on it.
* If ``backward()`` raises, every leaf keeps the gradient it had before the call.

Python's conventions: ``float``, ``int``, ``bool``, ``round`` and ``math.floor/ceil/trunc``
read ``.data`` (as they do on PyTorch's one-element tensors), so ``if loss:`` is False for a
zero loss. Ordering (``<``, ``max``, ``sorted``) is a TypeError, as in micrograd: a
comparison has no derivative, and comparing the data is ``a.data < b.data``. ``==`` and
``hash`` are identity, because graphs keep nodes in sets and dicts. ``copy``, ``deepcopy``
and ``pickle`` copy a whole graph without recursion, however deep.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from math import isfinite, isnan
from numbers import Real
from operator import attrgetter
from typing import Any, ClassVar, Protocol, Union

from .checks import real
from .graph import topological_order
from .modes import RECORDING, mode, origin_of, remember_origin, tracer

Operand = Union["Value", float, int]
"""What operations accept: a Value, or a real number (taken as a constant leaf)."""


class Op(Protocol):
    """What made a node, as the engine sees it: a name and the local derivatives. A Function
    subclass (the class itself) is one; so is the call of a compiled function."""

    @property
    def name(self) -> str: ...

    # Any arguments (``*inputs, **out``), so that each op's own ``(x, y, out)`` fits.
    def local_grads(self, *inputs: Any, **out: Any) -> Sequence[Any]: ...


class Function:
    """An operation on scalars: its value and its local derivatives, defined once.

    Subclass it with two static methods, then call ``apply``::

        class Cube(Function):
            @staticmethod
            def forward(x):            # floats in, float out
                return x ** 3

            @staticmethod
            def local_grads(x, out):   # d out / d input, one per input
                return (3 * x ** 2,)

        y = Cube.apply(Value(2.0))     # y.data == 8.0; after y.backward(), x.grad == 12.0

    ``local_grads`` receives the inputs and the output (keyword ``out``) and returns one
    local derivative per input. Write it with arithmetic operators (and Value methods such as
    ``.exp()`` for anything else) so that it works on Values too: that is what lets
    derivatives be differentiated again. ``name`` (the class name in lower case unless set)
    is what ``Value.op`` reports and what drawings show.
    """

    name: ClassVar[str] = "function"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__.lower()
        missing = [
            method
            for method in ("forward", "local_grads")
            if getattr(cls, method) is getattr(Function, method)
        ]
        if missing:
            raise TypeError(f"Function {cls.__name__} must define {' and '.join(missing)}")

    # Typed with any arguments (``*inputs, **out``), so that each op's own signature, such
    # as ``forward(x, y)`` or ``local_grads(b, *pairs, out)``, is a valid override.
    @staticmethod
    def forward(*inputs: Any, **_: Any) -> Any:
        """The op's value at the inputs: floats in, a real number out (and, compiled, NumPy
        arrays in, an array out, where the rule works on them)."""
        raise NotImplementedError

    @staticmethod
    def local_grads(*inputs: Any, **out: Any) -> Sequence[Any]:
        """The partial derivative of the output with respect to each input (given the inputs
        and, keyword ``out``, the output)."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *operands: Operand) -> Value:
        """Apply the op to Values (numbers become constant leaves) and record it in the graph."""
        values: tuple[Any, ...] = operands  # Values, once the line below has checked their types
        if not set(map(type, operands)) <= NODE_TYPES:  # checked in C: most calls take Values
            values = tuple(_operand(x, cls.name) for x in operands)
        out = cls.forward(*map(_data, values))
        if type(out) is not float:
            out = _forward_float(cls, out)
        return _record(cls, out, values)


class Value:
    """A scalar node: ``data``, ``grad``, ``label``, and the ``op`` and ``parents`` that made it."""

    __slots__ = ("__weakref__", "_fn", "data", "grad", "label", "parents")
    __array_ufunc__ = None  # NumPy defers to Value: np.float64(2) * v is a Value, not an array

    data: float
    grad: float
    label: str
    parents: tuple[Value, ...]
    _fn: Op | None

    def __init__(self, data: float, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError(
                "Value: expected a real number, got a Value (v.detach() copies one without "
                "its graph)"
            )
        if type(label) is not str:
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
        self.data = real(data, "Value")
        self.grad = 0.0
        self.label = label
        self.parents = ()
        self._fn = None
        if mode.get().tracing:  # made inside a function being traced: a constant of it
            tracer.get().constant(self)

    @property
    def op(self) -> str:
        """The name of the operation that made this node; "" for a leaf."""
        return "" if self._fn is None else self._fn.name

    @property
    def is_leaf(self) -> bool:
        """True for a node with no parents: an input, a parameter or a constant."""
        return not self.parents

    def item(self) -> float:
        """The value as a Python float (PyTorch's name for it)."""
        return self.data

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        return self.data != 0.0

    def __int__(self) -> int:
        return int(self.data)

    def __round__(self, ndigits: int | None = None) -> float:
        return round(self.data, ndigits)

    def __floor__(self) -> int:
        return math.floor(self.data)

    def __ceil__(self) -> int:
        return math.ceil(self.data)

    def __trunc__(self) -> int:
        return math.trunc(self.data)

    # Copies walk the graph in topological order, so that no depth makes them recurse.
    def __copy__(self) -> Value:
        """A new node with this one's data, grad, label and op, sharing its parents."""
        return _twin(self, self.parents)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph; nodes copied earlier in the same deepcopy are reused."""
        keep_alive = memo.setdefault(id(memo), [])
        for node in topological_order(self):  # parents first: theirs are in memo already
            if id(node) not in memo:
                memo[id(node)] = _twin(node, tuple(memo[id(p)] for p in node.parents))
                keep_alive.append(node)
        copied: Value = memo[id(self)]
        return copied

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the graph as one flat list in topological order: leaves as themselves
        (so that pickle shares them with any other reference to them), every other node as
        (op, data, grad, label, positions of its parents in the list)."""
        if not self.parents:
            return _leaf_from, (self.data, self.grad, self.label)
        order = topological_order(self)
        position = {node: i for i, node in enumerate(order)}
        flat = [
            (node._fn, node.data, node.grad, node.label, [position[p] for p in node.parents])
            if node.parents
            else node
            for node in order
        ]
        return _graph_from, (flat,)

    def __repr__(self) -> str:
        text = f"Value(data={self.data!r}, grad={self.grad!r}"
        if self.label:
            text += f", label={self.label!r}"
        if self._fn is not None:
            text += f", op={self._fn.name!r}"
        return text + ")"

    def __format__(self, spec: str) -> str:
        """Format the data, so that ``f"{loss:.4f}"`` works; an empty spec gives the repr."""
        return format(self.data, spec) if spec else repr(self)

    # Arithmetic: each operator records one op from ops.py.
    def __add__(self, other: Operand) -> Value:
        return _binary(Add, self, other)

    def __radd__(self, other: Operand) -> Value:
        return _binary(Add, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _binary(Sub, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(Sub, other, self)

    def __mul__(self, other: Operand) -> Value:
        return _binary(Mul, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return _binary(Mul, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(Div, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(Div, other, self)

    def __pow__(self, other: Operand, modulo: None = None) -> Value:
        if modulo is not None:
            return NotImplemented
        return _binary(Pow, self, other)

    def __rpow__(self, other: Operand) -> Value:
        return _binary(Pow, other, self)

    def __neg__(self) -> Value:
        return _unary(Neg, self)

    def __pos__(self) -> Value:
        return self

    def abs(self) -> Value:
        """|x|; its derivative at 0 is taken as 0."""
        return _unary(Abs, self)

    __abs__ = abs

    def exp(self) -> Value:
        """e**x; raises OverflowError above x ≈ 709.78."""
        return _unary(Exp, self)

    def log(self) -> Value:
        """Natural logarithm; raises ValueError for x <= 0."""
        return _unary(Log, self)

    def sqrt(self) -> Value:
        """Square root; raises ValueError for x < 0."""
        return _unary(Sqrt, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _unary(Tanh, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x), finite for every finite x."""
        return _unary(Sigmoid, self)

    def relu(self) -> Value:
        """max(0, x); its derivative at 0 is taken as 0."""
        return _unary(ReLU, self)

    def leaky_relu(self, slope: Operand = 0.01) -> Value:
        """x for x > 0, else slope * x. The slope is an operand, so it can be a Value too."""
        return _binary(LeakyReLU, self, _operand(slope, "leaky_relu"))

    def softplus(self) -> Value:
        """log(1 + e**x), finite for every finite x."""
        return _unary(Softplus, self)

    def swish(self) -> Value:
        """x * sigmoid(x), also known as SiLU."""
        return _unary(Swish, self)

    def sin(self) -> Value:
        """Sine (radians)."""
        return _unary(Sin, self)

    def cos(self) -> Value:
        """Cosine (radians)."""
        return _unary(Cos, self)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return _leaf(self.data, self.label)

    def backward(self, grad: float = 1.0) -> None:
        """Compute d(self)/d(node) for every node this Value depends on, into ``node.grad``.

        ``grad`` seeds the pass: the gradient of some final quantity with respect to this
        Value, 1.0 by default. Leaves accumulate across calls; every other node gets exactly
        this pass's gradient. If it raises, the leaves keep the gradients they had.
        """
        seed = real(grad, "backward")
        parents = self.parents
        if len(parents) > _WIDE and not any(map(_op, parents)) and _to_leaves(self, seed):
            return
        order = topological_order(self)
        leaves, inner, partials = _local_grads(order)  # may raise: nothing has changed yet
        # This pass starts every node at 0; the leaves' earlier gradients are added at the
        # end. When they hold none (the usual case, after zero_grad), they are at 0 already.
        accumulating = any(map(_grad, leaves))
        before = list(map(_grad, leaves)) if accumulating else [0.0] * len(leaves)
        for node in order if accumulating else inner:
            node.grad = 0.0
        self.grad = seed
        try:
            _chain_rule(inner, partials)
            if not _finite_floats(leaves):
                if _to_floats(inner, partials):  # a rule gave NumPy scalars, say: again, in floats
                    for node in order:
                        node.grad = 0.0
                    self.grad = seed
                    _chain_rule(inner, partials)
                if not _finite_floats(leaves):
                    raise _gradient_error(leaves, inner, partials)
        except BaseException:
            for leaf, old in zip(leaves, before, strict=True):
                leaf.grad = old
            for node in inner:
                node.grad = 0.0
            raise
        if accumulating:
            for leaf, old in zip(leaves, before, strict=True):
                leaf.grad += old


_new = object.__new__
_data = attrgetter("data")
_grad = attrgetter("grad")
_op = attrgetter("_fn")  # None for a leaf, as _local_grads tells them (not by its parents)
_WIDE = 16
"""From how many parents a node whose parents are all leaves (a compiled call, a penalty over
the parameters) takes backward()'s short way, ``_to_leaves``."""
_FLOAT = {float}
NODE_TYPES = {Value}
"""The classes of node an op takes as they are: Value, and the compiler's TracedValue."""


def _record(fn: Op, data: float, parents: tuple[Value, ...]) -> Value:
    """Make the node for ``fn``'s result: the one place where every op's output is created."""
    if not isfinite(data):
        raise _forward_error(fn, parents, data)
    now = mode.get()
    if now is not RECORDING:
        if now.tracing:  # autograd.trace is recording a function: its tracer makes the node
            traced: Value = tracer.get().record(fn, data, parents, now)
            return traced
        if not now.record:  # inside no_grad(): the result is a leaf
            return _leaf(data)
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node.parents = parents
    node._fn = fn
    if now is not RECORDING:  # inside detect_anomaly()
        remember_origin(node)
    return node


def _leaf(data: float, label: str = "") -> Value:
    """A node with no parents, from a float already checked (Value() checks its argument)."""
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = label
    node.parents = ()
    node._fn = None
    if mode.get().tracing:  # a number made a leaf inside a function being traced: a constant
        tracer.get().constant(node)
    return node


def _twin(node: Value, parents: tuple[Value, ...]) -> Value:
    """A copy of ``node`` with the given parents."""
    twin = _new(Value)
    twin.data = node.data
    twin.grad = node.grad
    twin.label = node.label
    twin.parents = parents
    twin._fn = node._fn
    return twin


def _leaf_from(data: float, grad: float, label: str) -> Value:
    """A leaf as pickled: see ``Value.__reduce__``."""
    leaf = _leaf(data, label)
    leaf.grad = grad
    return leaf


def _graph_from(flat: list[Any]) -> Value:
    """Rebuild the graph ``Value.__reduce__`` flattened, and return its root (the last)."""
    nodes: list[Value] = []
    for entry in flat:
        if isinstance(entry, Value):
            nodes.append(entry)
            continue
        fn, data, grad, label, positions = entry
        node = _leaf_from(data, grad, label)
        node.parents = tuple(nodes[i] for i in positions)
        node._fn = fn
        nodes.append(node)
    return nodes[-1]


def _unary(fn: type[Function], x: Value) -> Value:
    """Record ``fn(x)``."""
    return _record(fn, fn.forward(x.data), (x,))


def _binary(fn: type[Function], x: object, y: object) -> Value:
    """Record ``fn(x, y)``. A number becomes a constant leaf; anything else gives NotImplemented,
    so Python raises its usual TypeError naming the operator and the operand's type."""
    # NotImplemented, typed Any, is allowed by mypy only in the operator methods themselves.
    if type(x) is not Value:
        x = _constant(x, fn.name)
        if x is None:
            return NotImplemented  # type: ignore[no-any-return]
    if type(y) is not Value:
        y = _constant(y, fn.name)
        if y is None:
            return NotImplemented  # type: ignore[no-any-return]
    return _record(fn, fn.forward(x.data, y.data), (x, y))


def _constant(x: object, op: str) -> Value | None:
    """``x`` as a Value: Values as they are, real numbers as new constant leaves, else None."""
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float, Real)):
        return _leaf(real(x, op))
    return None


def _operand(x: object, op: str) -> Value:
    """Like ``_constant``, but a non-number is a TypeError naming the op (for methods and
    functions, where Python has no operator protocol to fall back on)."""
    value = _constant(x, op)
    if value is None:
        raise TypeError(f"{op}: expected a Value or a real number, got {type(x).__name__}")
    return value


_UNDEFINED = (ZeroDivisionError, OverflowError, ValueError)
"""What a derivative rule raises where its derivative does not exist, e.g. 0.5 / 0 for sqrt."""


def _local_grads(
    order: list[Value],
) -> tuple[list[Value], list[Value], list[Sequence[float]]]:
    """Backward, phase one: split ``order`` into leaves and inner nodes, and evaluate each
    inner node's local derivatives from its parents' data. Changes nothing, so an
    undefined derivative (say, of sqrt at 0) raises before any gradient is touched."""
    leaves: list[Value] = []
    inner: list[Value] = []
    partials: list[Sequence[float]] = []
    try:
        for node in order:
            parents = node.parents
            if node._fn is None:  # a leaf (an op of no operands, such as a compiled call
                leaves.append(node)  # without parameters, still has derivatives to check)
                continue
            # Unrolled for one and two operands: this runs once per node of every backward().
            if len(parents) == 2:
                x, y = parents
                local = node._fn.local_grads(x.data, y.data, out=node.data)
            elif len(parents) == 1:
                local = node._fn.local_grads(parents[0].data, out=node.data)
            else:
                local = node._fn.local_grads(*map(_data, parents), out=node.data)
            inner.append(node)
            partials.append(local)
    except _UNDEFINED as error:
        raise _undefined_error(node, error) from error
    return leaves, inner, partials


def _to_leaves(root: Value, seed: float) -> bool:
    """backward() for a root whose parents are all leaves: one call of its rule, and each
    gradient added into its leaf, with no graph to walk. Returns False, having changed
    nothing, where a gradient is not a finite float: the general way then raises the error."""
    parents = root.parents
    try:
        local = root._fn.local_grads(*map(_data, parents), out=root.data)  # type: ignore[union-attr]
    except _UNDEFINED as error:
        raise _undefined_error(root, error) from error
    if len(local) != len(parents) or not set(map(type, local)) <= _FLOAT:
        local = _float_partials(root, local)
    grads = local if seed == 1.0 else [seed * d for d in local]
    total = sum(grads)
    if not isfinite(total) or not isfinite(total + sum(map(_grad, parents))):
        return False
    root.grad = seed
    for leaf, g in zip(parents, grads, strict=True):  # a leaf listed twice: both parts
        leaf.grad += g
    return True


def _undefined_error(node: Value, error: Exception) -> Exception:
    """The error for a local derivative that does not exist at ``node``'s operands: the same
    built-in type the rule raised, naming the op and its operands."""
    kind = next(kind for kind in _UNDEFINED if isinstance(error, kind))
    message = f"{node.op}: the derivative is undefined at {_call(node)} ({error})"
    return kind(message + origin_of(node))


def _chain_rule(inner: list[Value], partials: list[Sequence[float]]) -> None:
    """Backward, phase two: from the output back, add each node's gradient times each local
    derivative into its parents' gradients (summing over every path to them)."""
    for node, local in zip(reversed(inner), reversed(partials), strict=True):
        g = node.grad
        parents = node.parents
        try:
            # Unrolled for one and two operands, nearly every node; unpacking checks the count.
            if len(parents) == 2:
                x, y = parents
                dx, dy = local
                x.grad += g * dx
                y.grad += g * dy
            elif len(parents) == 1:
                (x,) = parents
                (dx,) = local
                x.grad += g * dx
            else:
                for parent, d in zip(parents, local, strict=True):
                    parent.grad += g * d
        except (TypeError, ValueError) as error:
            raise _bad_local_grads(node, local) from error


def _finite_floats(leaves: list[Value]) -> bool:
    """True when every leaf's gradient came out a finite float. Their sum says so at C speed:
    it is a float only if each is, and finite only if each is (or, rarely, if the finite
    gradients add up past the float range: then each is looked at)."""
    total = sum(map(_grad, leaves))
    if type(total) is float and isfinite(total):
        return True
    grads = list(map(_grad, leaves))
    return set(map(type, grads)) <= _FLOAT and all(map(isfinite, grads))


def _to_floats(inner: list[Value], partials: list[Sequence[Any]]) -> bool:
    """Turn every local derivative into a float in place (a custom rule may return NumPy
    scalars or ints); say whether any changed. Anything that is not a real number, such as a
    Value from a rule that built a graph, is the TypeError of ``_bad_local_grads``."""
    changed = False
    for k, (node, local) in enumerate(zip(inner, partials, strict=True)):
        if all(type(d) is float for d in local):
            continue
        partials[k] = _float_partials(node, local)
        changed = True
    return changed


def _float_partials(node: Value, local: Sequence[Any]) -> list[float]:
    """A rule's local derivatives at ``node`` as floats, one per operand, or a TypeError."""
    return _partials_as_floats(node.op, len(node.parents), local)


def _partials_as_floats(op: str, operands: int, local: Sequence[Any]) -> list[float]:
    """The local derivatives that ``op``'s rule gave for its ``operands`` operands, as floats
    (a NumPy scalar becomes one), or the TypeError of ``_bad_local_grads``."""
    if len(local) != operands:
        raise _bad_partials(op, operands, local)
    floats = []
    for d in local:
        if type(d) is not float:
            if isinstance(d, Value) or not isinstance(d, Real):
                raise _bad_partials(op, operands, local)
            d = float(d)
        floats.append(d)
    return floats


def _bad_local_grads(node: Value, local: object) -> TypeError:
    return _bad_partials(node.op, len(node.parents), local)


def _bad_partials(op: str, operands: int, local: object) -> TypeError:
    return TypeError(
        f"{op}: local_grads must return one real number per operand ({operands}), got {local!r}"
    )


def _forward_float(fn: type[Function], out: object) -> float:
    """What ``fn.forward`` returned, as a float (a custom rule may return an int or a NumPy
    scalar); anything that is not a real number is a TypeError naming the op."""
    if not isinstance(out, Real):
        raise TypeError(f"{fn.name}: forward must return a real number, got {type(out).__name__}")
    return float(out)


def _forward_error(fn: Op, operands: Sequence[Value], value: float) -> Exception:
    return _result_error(fn.name, f"{fn.name}({_args(operands)})", value)


def _result_error(name: str, call: str, value: float, where: str = "") -> Exception:
    """The error for an op whose result ``call`` came out NaN or ±inf (``where``: any more
    about the place, such as the sample of a batch)."""
    problem = "is not a number" if isnan(value) else "overflows the float range"
    return _arithmetic_error(value, f"{name}: the result {problem}: {call} = {value!r}{where}")


def _gradient_error(
    leaves: list[Value], inner: list[Value], partials: list[Sequence[float]]
) -> Exception:
    """Name the first op, in backward order, whose gradient stopped being finite."""
    for node, local in zip(reversed(inner), reversed(partials), strict=True):
        g = node.grad
        if not isfinite(g):
            return _arithmetic_error(
                g,
                f"the gradient of {_call(node)} is {g!r}, the sum of finite parts"
                + origin_of(node),
            )
        for position, d in enumerate(local):
            if not isfinite(g * d):
                return _arithmetic_error(
                    g * d,
                    f"{node.op}: the gradient for operand {position} of {_call(node)} is "
                    f"{g * d!r} (gradient {g!r} times local derivative {d!r})" + origin_of(node),
                )
    leaf = next(leaf for leaf in leaves if not isfinite(leaf.grad))
    return _arithmetic_error(
        leaf.grad, f"the gradient of leaf {_show(leaf)} is {leaf.grad!r}, the sum of finite parts"
    )


def _arithmetic_error(value: float, message: str) -> Exception:
    """The exception for a NaN or ±inf: FloatingPointError under detect_anomaly(); otherwise
    OverflowError for ±inf and ValueError for NaN."""
    if mode.get().anomaly:
        return FloatingPointError(f"detect_anomaly: {message}")
    return ValueError(message) if isnan(value) else OverflowError(message)


def _show(node: Value) -> str:
    """A node's value, with its label when it has one: ``w=3.0`` or ``3.0``."""
    return f"{node.label}={node.data!r}" if node.label else repr(node.data)


def _args(operands: Sequence[Value], shown: int = 8) -> str:
    """The operands for a message: all of them, or the first few and how many there are."""
    if len(operands) <= shown:
        return ", ".join(_show(v) for v in operands)
    return ", ".join(_show(v) for v in operands[:shown]) + f", … ({len(operands)} operands)"


def _call(node: Value) -> str:
    """How a node was made, for messages: ``div(a=1.0, 0.0)``."""
    return f"{node.op}({_args(node.parents)})"


# ops.py defines its operations as subclasses of Function (above), so it is imported last.
from .ops import (  # noqa: E402
    Abs,
    Add,
    Cos,
    Div,
    Exp,
    LeakyReLU,
    Log,
    Mul,
    Neg,
    Pow,
    ReLU,
    Sigmoid,
    Sin,
    Softplus,
    Sqrt,
    Sub,
    Swish,
    Tanh,
)
