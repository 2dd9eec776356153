"""Code generation: a fused program as Python source, straight-line NumPy calls.

Interpreting the fused steps one by one costs more than their arithmetic on small batches,
so, as torch.fx and JAX lower their graphs, each program is written out once as two Python
functions and compiled:

* ``forward(n, <one array per argument>, p, c)``: every step's rule on whole arrays, each
  operand read straight from where it is (a slice, a strided view, an index array: decided
  here, once); it returns the outputs (n, k) and what the backward pass reads again;
* ``backward(n, seed, saved)``: the chain rule, step by step from the last: each step's
  local derivatives from its op's own ``local_grads``, times its gradient, added into its
  operands' gradients; it returns the gradient of Σ seed[s]·output₀[s] with respect to the
  parameters array ``p``.

The source is what a learner can read: the vectorised program their scalar graph became,
backprop in matrix form. No derivative is written here: every op's numbers come from its
rule in ``ops.py``. Where a rule is plain arithmetic, it is evaluated once, on symbols that
stand for its operands, and what it gives is written inline (Add's forward is ``x + y``, its
derivatives 1 and 1; Linear's is ``b + x @ W.T``, with derivatives 1, x and W, so that the
weights' gradient reads ``g.T @ x``; ReLU's is ``np.maximum(x, 0.0)``); a rule that compares
or checks its operands is called (``relu_grads`` below is ``ReLU.local_grads``, whose
derivative compares x with 0).

Each program is written twice from one walk: the *fast* variant, run under NumPy's
``errstate`` so that an overflow or a division by zero raises (plus one check, Σ x² of the
parameters and of each matrix product, for what NumPy does not flag), and a *checked*
variant with a check after every step, which the runner calls only when the fast one fails,
to name the op and the sample as eager would (or to find that nothing was wrong: e^(x - s)
may overflow inside ``where`` and still be 0).
"""

from __future__ import annotations

import keyword
import math
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from ..engine import Function, _forward_float, _partials_as_floats
from ..modes import user_frames
from ..ops import Linear, Stacked, Sum
from .fusion import DOMAIN_ERRORS, Block, FusedProgram, Gather, LayerWeights, Operands, Step

__all__ = ["Generated", "PerSampleWarning", "generate"]


class PerSampleWarning(UserWarning):
    """An op's rule works on floats only: compiled code runs it once per sample."""


class NonFiniteError(Exception):
    """Raised by the fast variant where a value that NumPy does not flag is not finite
    (a matrix product's): the checked variant then runs to say where."""


def _linear(b: Any, W: Any, x: Any) -> Any:
    """A layer's ``linear`` instructions as Linear's own rule on its weight matrix W."""
    return Linear.forward(b, LayerWeights(W), x)


def _linear_grads(b: Any, W: Any, x: Any, out: Any) -> tuple[Any, Any, Any]:
    """Linear's own local derivatives for a layer: ∂/∂b = 1, ∂/∂W = x, ∂/∂x = W."""
    d_bias, d_weights, d_inputs = Linear.local_grads(b, LayerWeights(W), x, out=out)
    return d_bias, d_weights, d_inputs.matrix


def _total(operands: Any) -> Any:
    """Sums of operands laid side by side on the last axis, by Sum's own rule."""
    return Sum.forward(Operands(operands))


def _total_grads(operands: Any, out: Any) -> Any:
    """Sum's own local derivative, 1, which stands for every operand."""
    (d,) = Sum.local_grads(Operands(operands), out=out)
    return d


class Generated:
    """The compiled functions of one fused program, and their source: ``forward`` and
    ``backward`` (fast), ``checked_forward`` and ``checked_backward`` (naming failures,
    written and compiled when first needed)."""

    def __init__(self, fused: FusedProgram) -> None:
        self.fused = fused
        self._indexes = _Indexes()
        source = _Writer(fused, self._indexes, checked=False).source()
        self.forward, self.backward = _compile(source, fused, "fast", self._namespace())
        self._source = source if source.count("\n") <= _KEPT_LINES else None
        self._checked: tuple[Callable[..., Any], Callable[..., Any]] | None = None

    @property
    def source(self) -> str:
        """The fast variant's source (written again if it was too long to keep)."""
        if self._source is not None:
            return self._source
        return _Writer(self.fused, _Indexes(), checked=False).source()

    @property
    def checked_source(self) -> str:
        return _Writer(self.fused, _Indexes(), checked=True).source()

    @property
    def checked_forward(self) -> Callable[..., Any]:
        return self._checked_variant()[0]

    @property
    def checked_backward(self) -> Callable[..., Any]:
        return self._checked_variant()[1]

    def _checked_variant(self) -> tuple[Callable[..., Any], Callable[..., Any]]:
        if self._checked is None:
            source = _Writer(self.fused, self._indexes, checked=True).source()
            self._checked = _compile(source, self.fused, "checked", self._namespace())
        return self._checked

    def _namespace(self) -> dict[str, Any]:
        return _namespace(self.fused, self._indexes)


def generate(fused: FusedProgram) -> Generated:
    """Write ``fused`` out as Python source and compile it."""
    return Generated(fused)


_TERMS_PER_LINE = 100  # a sum written on one line has at most this many terms

_KEPT_LINES = 20_000
"""A program's source up to this many lines is kept, and compiled as two functions; a longer
one (a chain of many thousand dependent ops, where nothing fuses) runs as chunks of it."""
_CHUNK_LINES = 2_000


def _compile(
    source: str, fused: FusedProgram, variant: str, namespace: dict[str, Any]
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``forward`` and ``backward`` from their source. A long program is compiled in chunks
    of statements, run one after another in a namespace of their own: compiled as one
    function, its whole syntax tree would be held at once (about 70 MB per 1,000 steps of a
    chain of adds, measured; a chunk's at a time, about 4 MB)."""
    name = f"<compiled {fused.program.name}, {variant}>"
    if source.count("\n") <= _KEPT_LINES:
        scope = dict(namespace)
        exec(compile(source, name, "exec"), scope)
        return scope["forward"], scope["backward"]
    forward, backward = source.split("\n\n\ndef backward")
    return (
        _Chunked(forward, name, namespace),
        _Chunked("def backward" + backward, name, namespace),
    )


class _Chunked:
    """A generated function run as chunks of its body, one statement group (a step) never
    split, each chunk compiled on its own; its variables live in one namespace per call."""

    def __init__(self, source: str, name: str, namespace: dict[str, Any]) -> None:
        header, *body = source.strip("\n").split("\n")
        self.arguments = header[header.index("(") + 1 : header.index(")")].split(", ")
        self.namespace = namespace
        lines = [line[4:] for line in body]  # the body, as statements of a module
        lines[-1] = "__result__ = " + lines[-1].removeprefix("return ")
        self.chunks = []
        start = 0
        while start < len(lines):
            end = min(start + _CHUNK_LINES, len(lines))
            while end < len(lines) and not lines[end].startswith("# step"):
                end += 1  # whole steps only
            self.chunks.append(compile("\n".join(lines[start:end]), name, "exec"))
            start = end

    def __call__(self, *values: Any) -> Any:
        scope = dict(self.namespace)
        scope.update(zip(self.arguments, values, strict=True))
        for chunk in self.chunks:
            exec(chunk, scope)
        return scope["__result__"]


@lru_cache(maxsize=16)
def _filled(n: int, value: float) -> Any:
    """n copies of ``value``, made once per size and value and read-only (a batch's seed, a
    row of ones): the same few arrays are asked for at every call."""
    array = np.full(n, value)
    array.flags.writeable = False
    return array


def _ones_of(n: int) -> Any:
    """n ones: generated code sums over the samples as ``ones @ g``."""
    return _filled(n, 1.0)


def _namespace(fused: FusedProgram, indexes: _Indexes) -> dict[str, Any]:
    """What the generated source refers to: NumPy, the ops' rules, the steps (for checks),
    and the index arrays the gathers need."""
    namespace: dict[str, Any] = {
        "np": np,
        "isfinite": math.isfinite,
        "NonFiniteError": NonFiniteError,
        "ones_of": _ones_of,
        "c": fused.constants,
        "linear": _linear,
        "linear_grads": _linear_grads,
        "total": _total,
        "total_grads": _total_grads,
        "Stacked": Stacked,
        **indexes.arrays,
    }
    for fn, name in _rule_names(fused).items():
        if _array_ready(fn, _example_operands(fused, fn)):
            namespace[name], namespace[name + "_grads"] = fn.forward, fn.local_grads
        else:
            frames = user_frames()  # the warning points at the user's line that compiled
            warnings.warn_explicit(
                f"compile: {fn.name}'s rule does not work on arrays as it does on floats, so "
                "it runs once per sample, slowly; see the README's 'Your own operation' for "
                "a rule that does (arithmetic, autograd.where and autograd.require, NumPy's "
                "functions rather than math's)",
                PerSampleWarning,
                frames[-1].filename if frames else "<compiled>",
                (frames[-1].lineno or 0) if frames else 0,
            )
            namespace[name], namespace[name + "_grads"] = _per_sample(fn)
    for step in fused.steps:
        namespace[f"S{step.number}"] = step
    return namespace


def _example_operands(fused: FusedProgram, fn: type[Function]) -> list[float]:
    """The operands of the first instruction of ``fn`` at the traced example."""
    program = fused.program
    instruction = next(i for i in program.instructions if i.fn is fn)
    return [program._example[slot] for slot in instruction.operands]


def _array_ready(fn: type[Function], operands: list[float]) -> bool:
    """Whether ``fn``'s rule gives, on arrays, element by element, what it gives on floats:
    tried on two rows of the traced operands (a Python ``if`` on an array of two raises,
    as ``math.sin`` of one does). The built-in ops are written so."""
    if fn.__module__ == _BUILT_IN:
        return True
    rows = [np.full((2, 1), x) for x in operands]
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn.forward(*operands)
            array_out = fn.forward(*rows)
            local = fn.local_grads(*operands, out=out)
            array_local = fn.local_grads(*rows, out=array_out)
            if not (isinstance(array_out, np.ndarray) and array_out.shape == (2, 1)):
                return False
            if not np.allclose(array_out, out, rtol=1e-12, atol=0.0, equal_nan=True):
                return False
            if len(array_local) != len(operands) or len(local) != len(operands):
                return False
            for d, expected in zip(array_local, local, strict=True):
                d = np.broadcast_to(np.asarray(d, dtype=np.float64), (2, 1))
                if not np.allclose(d, float(expected), rtol=1e-12, atol=0.0, equal_nan=True):
                    return False
    except Exception:  # whatever a rule raises on arrays, it is not array-ready
        return False
    return True


_BUILT_IN = Linear.__module__  # autograd.ops


def _per_sample(fn: type[Function]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``fn``'s rule applied to one element at a time: slow, but what eager computes. A
    domain error keeps the element's position, so that the sample is named."""

    def each(operands: tuple[Any, ...], rule: Callable[..., Any], outputs: int) -> Any:
        arrays = np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in operands])
        shape = arrays[0].shape if arrays else ()
        results = np.empty((outputs, *shape))
        for position in np.ndindex(*shape):
            values = [float(a[position]) for a in arrays]
            try:
                found = rule(*values)
            except DOMAIN_ERRORS as error:
                error.position = position  # type: ignore[union-attr]
                raise
            # Named first: mypy reads results[(a, *b)] as 3.11's results[a, *b].
            every_output = (slice(None), *position)
            results[every_output] = found
        return results

    def forward(*operands: Any) -> Any:
        return each(operands, lambda *v: (_forward_float(fn, fn.forward(*v)),), 1)[0]

    def local_grads(*operands: Any, out: Any) -> Any:
        n = len(operands)
        derivatives = each(
            (*operands, out),
            lambda *v: _partials_as_floats(fn.name, n, fn.local_grads(*v[:-1], out=v[-1])),
            n,
        )
        return tuple(derivatives)

    return forward, local_grads


def _rule_names(fused: FusedProgram) -> dict[type[Function], str]:
    """A readable name for each op's rule in the source: the op's own name where it is an
    identifier, else ``op1``, ``op2``…"""
    taken = set(_RESERVED)
    names: dict[type[Function], str] = {}
    for step in fused.steps:
        if step.kind not in ("map", "stack") or step.fn in names:
            continue
        name = step.fn.name
        if not name.isidentifier() or keyword.iskeyword(name) or name in taken:
            name = f"op{len(names) + 1}"
        taken.add(name)
        names[step.fn] = name
    return names


_RESERVED = {
    "np", "isfinite", "NonFiniteError", "c", "p", "n", "seed", "saved", "out", "gp", "ones",
    "ones_of", "squares", "Stacked", "linear", "linear_grads", "total", "total_grads",
    "forward", "backward",
}  # fmt: skip


class _Indexes:
    """The constant index arrays a program's gathers need, named I0, I1…, each made once."""

    def __init__(self) -> None:
        self.arrays: dict[str, Any] = {}
        self._names: dict[tuple[int, ...], str] = {}

    def name(self, columns: Any) -> str:
        key = tuple(int(c) for c in columns)
        if key not in self._names:
            name = f"I{len(self._names)}"
            self._names[key] = name
            self.arrays[name] = np.asarray(key, dtype=np.intp)
        return self._names[key]


def _subscript(columns: Any, width: int) -> str | None:
    """A slice for ``columns`` of a block ``width`` wide: "" for all of it in order,
    "a:b" or "a:b:s" for an evenly spaced run; None if it is none of these."""
    m = len(columns)
    if m == 0:
        return "0:0"
    first = int(columns[0])
    if m == width and np.array_equal(columns, np.arange(m)):
        return ""
    if m == 1:
        return f"{first}:{first + 1}"
    step = int(columns[1]) - first
    if step <= 0 or not np.array_equal(columns, first + step * np.arange(m)):
        return None
    if step == 1:
        return f"{first}:{first + m}"
    return f"{first}:{first + step * (m - 1) + 1}:{step}"


def _matrix_view(columns: Any, rows: int, width: int) -> str | None:
    """A view ``[a:a+rows·s].reshape(rows, s)[:, :k]`` for columns that run, row by row, as
    ``rows`` runs of k columns each s apart (a layer's weights, with its biases between the
    rows in a model's parameter order); None if they do not."""
    if rows == 0 or len(columns) % rows:
        return None
    k = len(columns) // rows
    grid = np.asarray(columns).reshape(rows, k)
    first = int(grid[0, 0])
    if not np.array_equal(grid, first + grid[:, :1] - first + np.arange(k)):
        return None
    starts = grid[:, 0]
    stride = int(starts[1] - starts[0]) if rows > 1 else k
    if stride < k or not np.array_equal(starts, first + stride * np.arange(rows)):
        return None
    if stride == k:
        return f"[{first}:{first + rows * k}].reshape({rows}, {k})"
    if first + rows * stride > width:
        return None
    return f"[{first}:{first + rows * stride}].reshape({rows}, {stride})[:, :{k}]"


class _NotAFormulaError(Exception):
    """A rule did something that a formula of its operands cannot say (a comparison)."""


class _Symbol:
    """An operand of a rule, by its name in the generated source. Evaluated on these, a rule
    that is plain arithmetic and NumPy functions writes its own formula (Add's ``x + y``,
    Div's ``1 / y``, a derivative that is the constant 1.0), once, when the code is written:
    the code then says it inline. A rule that compares or checks its operands raises here,
    and is called as it is, at run time. Either way the numbers are the rule's."""

    __slots__ = ("code", "level")

    # How tightly an expression binds, as Python parses it: + and -, then * / @, then a
    # unary minus, then **; a name or a call binds tightest.
    SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5

    def __init__(self, code: str, level: int = 5) -> None:
        self.code = code
        self.level = level

    def within(self, level: int) -> str:
        """This expression as an operand of one that binds at ``level``."""
        return self.code if self.level >= level else f"({self.code})"

    def _binary(self, symbol: str, other: Any, level: int, reflected: bool = False) -> _Symbol:
        left, right = (_symbol(other), self) if reflected else (self, _symbol(other))
        if level == _Symbol.POWER:  # right-associative: x ** (y ** z) needs no brackets
            return _Symbol(f"{left.within(level + 1)} ** {right.within(level)}", level)
        # left to right, as the rule evaluates: a right operand of the same level keeps its
        # brackets, for a * (b * c) is not (a * b) * c in floating point
        return _Symbol(f"{left.within(level)} {symbol} {right.within(level + 1)}", level)

    def __add__(self, other: Any) -> _Symbol:
        return self._binary("+", other, _Symbol.SUM)

    def __radd__(self, other: Any) -> _Symbol:
        return self._binary("+", other, _Symbol.SUM, reflected=True)

    def __sub__(self, other: Any) -> _Symbol:
        return self._binary("-", other, _Symbol.SUM)

    def __rsub__(self, other: Any) -> _Symbol:
        return self._binary("-", other, _Symbol.SUM, reflected=True)

    def __mul__(self, other: Any) -> _Symbol:
        return self._binary("*", other, _Symbol.PRODUCT)

    def __rmul__(self, other: Any) -> _Symbol:
        return self._binary("*", other, _Symbol.PRODUCT, reflected=True)

    def __truediv__(self, other: Any) -> _Symbol:
        return self._binary("/", other, _Symbol.PRODUCT)

    def __rtruediv__(self, other: Any) -> _Symbol:
        return self._binary("/", other, _Symbol.PRODUCT, reflected=True)

    def __pow__(self, other: Any) -> _Symbol:
        return self._binary("**", other, _Symbol.POWER)

    def __rpow__(self, other: Any) -> _Symbol:
        return self._binary("**", other, _Symbol.POWER, reflected=True)

    def __neg__(self) -> _Symbol:
        return _Symbol(f"-{self.within(_Symbol.UNARY)}", _Symbol.UNARY)

    def __abs__(self) -> _Symbol:
        return _Symbol(f"abs({self.code})")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> _Symbol:
        if method != "__call__" or kwargs or ufunc.__name__ not in _UFUNCS:
            raise _NotAFormulaError
        return _Symbol(f"np.{ufunc.__name__}({', '.join(_symbol(x).code for x in inputs)})")

    def _refuse(self, *args: Any) -> Any:
        raise _NotAFormulaError

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __bool__ = _refuse
    __hash__ = None  # type: ignore[assignment]


class _SymbolicWeights(_Symbol):
    """A layer's weight matrix W, standing where Linear's rule has one weight: ``w * x`` is
    then the matrix product ``x @ W.T`` (as ``fusion.LayerWeights`` computes it)."""

    __slots__ = ()

    def __mul__(self, inputs: Any) -> _Symbol:
        return _Symbol(f"{_symbol(inputs).within(_Symbol.PRODUCT)} @ {self.code}.T", 2)


_UFUNCS = {"exp", "log", "log1p", "sqrt", "tanh", "sin", "cos", "absolute", "negative", "maximum"}


def _symbol(x: Any) -> _Symbol:
    """A rule's operand or constant as a symbol: a number is written as itself."""
    if isinstance(x, _Symbol):
        return x
    if type(x) in (float, int):
        number = repr(x)  # as the rule wrote it: x ** 2 stays a square of an int power
        return _Symbol(number, _Symbol.UNARY if number.startswith("-") else _Symbol.ATOM)
    raise _NotAFormulaError


def _symbols(names: list[str]) -> list[_Symbol]:
    return [_Symbol(name) for name in names]


def _times(gradient: str, derivative: Any) -> str:
    """The chain rule's product, written: the gradient alone where the derivative is 1."""
    if isinstance(derivative, float):
        if derivative == 1.0:
            return gradient
        if derivative == -1.0:
            return f"-{gradient}"
        return f"{gradient} * {derivative!r}"
    level = _Symbol.ATOM if derivative.isidentifier() else _Symbol.SUM  # bracketed unless a name
    return f"{gradient} * {_Symbol(derivative, level).within(_Symbol.PRODUCT + 1)}"


def _formula(rule: Callable[..., Any], operands: list[_Symbol], **out: _Symbol) -> Any:
    """What ``rule`` gives on symbols (a symbol, a number, or a sequence of them), or None
    where it cannot be written as a formula and must be called at run time."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = rule(*operands, **out)
    except Exception:  # a comparison, a check, a branch, anything but a formula
        return None
    items = found if isinstance(found, (list, tuple)) else [found]
    if not all(isinstance(item, _Symbol) or type(item) in (float, int) for item in items):
        return None
    return found


class _Writer:
    """Writes one variant of a fused program's source."""

    def __init__(self, fused: FusedProgram, indexes: _Indexes, checked: bool) -> None:
        self.fused = fused
        self.checked = checked
        self.indexes = indexes
        self.rules = _rule_names(fused)
        self.block_names = self._block_names()
        self.lines: list[str] = []

    def source(self) -> str:
        self._forward()
        self.lines += ["", ""]
        self._backward()
        return "\n".join(self.lines) + "\n"

    # Names

    def _block_names(self) -> list[str]:
        """p for the parameters, c for the constants, s1, s2… for the steps' blocks, and
        each argument by its own name where that is a free identifier."""
        fused = self.fused
        names = ["p"] * len(fused.blocks)
        names[fused.parameters_block + 1] = "c"
        for step in fused.steps:
            names[step.block] = f"s{step.number}"
        taken = _RESERVED | set(names)
        for b in range(fused.parameters_block):
            name = fused.blocks[b].name
            generated = name[:1] in "sabdgtxWI" and name[1:2].isdigit()  # s1, a3_0, W2…
            if not name.isidentifier() or keyword.iskeyword(name) or name in taken or generated:
                name = f"in{b}"
            taken.add(name)
            names[b] = name
        return names

    def _emit(self, line: str = "", depth: int = 1) -> None:
        self.lines.append("    " * depth + line if line else "")

    # Reading operands

    def _read(self, gather: Gather) -> str | None:
        """The expression that reads ``gather``'s values where they lie in one block, in
        order (a bare name, a slice, a strided view or an index array), else None."""
        block = gather.block
        if block is None:
            return None
        _, columns, _ = gather.pieces[0]
        name = self.block_names[block]
        rows = ":, " if self.fused.blocks[block].batched else ""
        sub = _subscript(columns, self.fused.blocks[block].width)
        if sub == "":
            return name
        return f"{name}[{rows}{sub if sub is not None else self.indexes.name(columns)}]"

    def _columns(self, columns: Any, width: int) -> str:
        """A subscript for some columns: a slice where they run evenly, else an index array."""
        sub = _subscript(columns, width)
        return ":" if sub == "" else sub if sub is not None else self.indexes.name(columns)

    def _operand(self, gather: Gather, name: str, save: bool = True) -> str:
        """Emit the read of ``gather`` into ``name``, unless it is a whole block, and return
        what names it (kept for the backward pass, which reads it again, if ``save``)."""
        expression = self._read(gather)
        if expression is not None and expression.isidentifier():
            name = expression
        elif expression is not None and expression in self.reads:  # read already
            return self.reads[expression]
        elif expression is not None:
            self._emit(f"{name} = {expression}")
            self.reads[expression] = name
        else:  # from several blocks, or out of order: put side by side
            shape = f"(n, {gather.size})" if gather.batched else f"({gather.size},)"
            self._emit(f"{name} = np.empty({shape})")
            for b, columns, positions in gather.pieces:
                block = self.fused.blocks[b]
                cols = self._columns(columns, block.width)
                at = self._columns(positions, gather.size)
                source = self.block_names[b]
                read = source if cols == ":" else f"{source}[..., {cols}]"
                self._emit(f"{name}[..., {at}] = {read}")
        if save:
            self.saved.append(name)
        return name

    def _weights(self, gather: Gather, rows: int, name: str) -> str:
        """A layer's weights as a (rows, inputs) matrix: a view of the block where they lie
        row by row, else gathered and reshaped."""
        block = gather.block
        if block is not None:
            _, columns, _ = gather.pieces[0]
            view = _matrix_view(columns, rows, self.fused.blocks[block].width)
            if view is not None:
                self._emit(f"{name} = {self.block_names[block]}{view}")
                self.saved.append(name)
                return name
        flat = self._operand(gather, name + "_flat")
        self._emit(f"{name} = {flat}.reshape({rows}, {gather.size // rows})")
        self.saved.append(name)
        return name

    # The forward pass

    def _forward(self) -> None:
        fused = self.fused
        inputs = [self.block_names[b] for b in range(fused.parameters_block)]
        self._emit(f"def forward(n, {', '.join([*inputs, 'p'])}):", 0)
        self._emit(f'"""{fused.program.name}: every sample of a batch at once."""')
        self.saved: list[str] = []
        self.reads: dict[str, str] = {}  # expression -> the variable that holds it
        self.arguments: dict[int, list[str]] = {}
        layers = []
        for step in fused.steps:
            self._emit(f"# step {step.number}: {step.describe()}")
            s = self.block_names[step.block]
            if step.kind == "layer":
                bias, weights, shared = step.operands
                b = self._operand(bias, f"b{step.number}")
                W = self._weights(weights, len(step.members), f"W{step.number}")
                x = self._operand(shared, f"x{step.number}")
                args = [b, W, x]
                call = f"linear({b}, {W}, {x})"
                if not self.checked:  # Linear's rule as a formula: b + x @ W.T
                    formula = _formula(
                        Linear.forward, [_Symbol(b), _SymbolicWeights(W), _Symbol(x)]
                    )
                    call = formula.code if isinstance(formula, _Symbol) else call
                layers.append(s)
            elif step.kind == "stack":
                *leading, trailing = step.operands
                args = [
                    self._operand(gather, f"a{step.number}_{j}") for j, gather in enumerate(leading)
                ]
                flat = self._operand(trailing, f"a{step.number}_{len(leading)}")
                rows = "n, " if trailing.batched else ""
                shape = f"{rows}{len(step.members)}, {trailing.size // len(step.members)}"
                expression = f"Stacked({flat}.reshape({shape}))"
                name = self.reads.get(expression, f"stack{step.number}")
                if expression not in self.reads:
                    self._emit(f"{name} = {expression}")
                    self.reads[expression] = name
                    self.saved.append(name)
                args.append(name)
                call = f"{self.rules[step.fn]}({', '.join(args)})"
            elif step.kind == "sum":
                (gather,) = step.operands
                flat = self._operand(gather, f"a{step.number}")
                per = gather.size // len(step.members)
                rows = "n, " if gather.batched else ""
                name = f"a{step.number}_sums"
                self._emit(f"{name} = {flat}.reshape({rows}{len(step.members)}, {per})")
                self.saved.append(name)
                args = [name]
                call = f"total({name})"
            else:
                args = [
                    self._operand(gather, f"a{step.number}_{j}")
                    for j, gather in enumerate(step.operands)
                ]
                call = f"{self.rules[step.fn]}({', '.join(args)})"
                formula = None if self.checked else _formula(step.fn.forward, _symbols(args))
                if isinstance(formula, _Symbol):  # the rule is a formula: written inline
                    call = formula.code
            self.arguments[step.number] = args
            if self.checked:
                self._emit("try:")
                self._emit(f"{s} = {call}", 2)
                self._emit("except (ValueError, ZeroDivisionError, OverflowError) as error:")
                self._emit(f"raise S{step.number}.located(error, n) from None", 2)
            else:
                self._emit(f"{s} = {call}")
            if not step.operands:  # an op of no operands: one value, for every member
                shape = f"(n, {len(step.members)})" if step.batched else f"({len(step.members)},)"
                self._emit(f"{s} = np.broadcast_to(np.asarray({s}, dtype=float), {shape})")
            if self.checked:
                if step.kind in ("map", "stack"):
                    self._emit(f"S{step.number}.check_result({s}, [{', '.join(args)}], n)")
                else:  # eager's words: "overflows the float range" or "is not a number"
                    name = "linear" if step.kind == "layer" else "sum"
                    self._emit(
                        f"S{step.number}.check_finite({s}, '{name}: the result {{problem}}: "
                        "{value!r}', n)"
                    )
            self.saved.append(s)
        self._emit("# the outputs, a row per sample")
        expression = self._operand(fused.outputs, "out", save=False)
        if not fused.outputs.batched:
            expression = f"np.broadcast_to({expression}, (n, {fused.outputs.size}))"
        if not self.checked:
            # NumPy flags every overflow and invalid operation on finite numbers, but not a
            # parameter that is not finite (given so), nor a matrix product's overflow (made in
            # BLAS's threads): a sum of squares finds either, and the checked variant says where
            terms = [f"np.vdot({s}, {s})" for s in ["p", *layers]]
            total = " + ".join(terms)
            if len(terms) > _TERMS_PER_LINE:  # Python's compiler recurses once per +
                for start in range(0, len(terms), _TERMS_PER_LINE):
                    part = " + ".join(terms[start : start + _TERMS_PER_LINE])
                    self._emit(f"squares {'+' if start else ''}= {part}")
                total = "squares"
            self._emit(f"if not isfinite({total}):  # Σ x² shows any x that is not finite")
            self._emit("raise NonFiniteError", 2)
        saved = ", ".join(dict.fromkeys(self.saved))
        self._emit(f"return {expression}, ({saved}{',' if self.saved else ''})")

    # The backward pass

    def _backward(self) -> None:
        fused = self.fused
        saved = ", ".join(dict.fromkeys(self.saved))
        self._emit("def backward(n, seed, saved):", 0)
        self._emit('"""The gradient of Σ seed[s]·output[s] with respect to every parameter."""')
        if self.saved:
            self._emit(f"{saved}{',' if len(dict.fromkeys(self.saved)) == 1 else ''} = saved")
        self._emit(f"gp = np.zeros({fused.blocks[fused.parameters_block].width})")
        self.pending = self._contribution_counts()
        self.ones = False  # made yet
        self.gradients: dict[int, str] = {fused.parameters_block: "gp"}
        self._emit("# the seed: d(Σ seed·output)/d output = seed, for each sample")
        self._add(fused.first_output, "seed[:, None]", batched=True, step=None)
        for step in reversed(fused.steps):
            if not step.feeds_loss:
                continue
            self._emit(f"# step {step.number} backward: {step.describe()}")
            before = len(self.lines)
            self._step_backward(step)
            if len(self.lines) == before:  # nothing to do: no gradient, every derivative 1
                self.lines.pop()
        if self.checked:
            self._emit("return gp")
        else:
            self._emit("if not isfinite(np.vdot(gp, gp)):")
            self._emit("raise NonFiniteError", 2)
            self._emit("return gp")

    def _contribution_counts(self) -> dict[int, list[bool]]:
        """For each block: whether each gradient contribution it gets covers it whole."""
        fused = self.fused
        counts: dict[int, list[bool]] = {}

        def note(gather: Gather) -> None:
            for b, columns, _ in gather.pieces:
                whole = (
                    gather.block == b
                    and gather.unique
                    and _subscript(columns, fused.blocks[b].width) == ""
                )
                counts.setdefault(b, []).append(whole)

        note(fused.first_output)
        for step in fused.steps:
            if step.feeds_loss and step.needs_grad:
                for gather in step.operands:
                    if gather.needs_grad:
                        note(gather)
        return counts

    def _add(self, gather: Gather, part: str, batched: bool, step: Step | None) -> None:
        """Emit: add ``part`` (an array like the gather's values) into its slots' gradients,
        summed over the samples where a slot is computed once per call."""
        fused = self.fused
        several = len(gather.pieces) > 1 or gather.block is None
        for b, columns, positions in gather.pieces:
            target: Block = fused.blocks[b]
            piece = part
            if several:
                piece = f"{part}[..., {self._columns(positions, gather.size)}]"
            if batched and not target.batched:  # the sum over the samples, as ones @ piece
                piece = f"{self._ones()} @ {piece if piece.isidentifier() else f'({piece})'}"
            covers = self.pending[b]
            whole = covers.pop(0)
            grad = self.gradients.get(b)
            if grad is None:
                grad = self.gradients[b] = f"g{self.block_names[b]}"
                if whole and not covers and b != fused.parameters_block:
                    self._emit(f"{grad} = {piece}")
                    self._check_gradient(step, grad)
                    continue
                shape = f"(n, {target.width})" if target.batched else f"({target.width},)"
                self._emit(f"{grad} = np.zeros({shape})")
            cols = self._columns(columns, target.width)
            if not gather.unique:
                self._emit(f"np.add.at({grad}, (Ellipsis, {self.indexes.name(columns)}), {piece})")
            elif cols == ":":
                self._emit(f"{grad} += {piece}")
            else:
                self._emit(f"{grad}[{'..., ' if target.batched else ''}{cols}] += {piece}")
            self._check_gradient(step, grad)

    def _ones(self) -> str:
        """A row of n ones, made before its first use: ``ones @ g`` sums g over the samples,
        one matrix product, a third of the work of ``g.sum(axis=0)`` on a small batch."""
        if not self.ones:
            self._emit("ones = ones_of(n)  # ones @ g: the sum of g over the samples")
            self.ones = True
        return "ones"

    def _check_gradient(self, step: Step | None, grad: str) -> None:
        if self.checked and step is not None:
            self._emit(
                f"S{step.number}.check_finite({grad}, 'the gradient of a node is {{value!r}}, "
                "the sum of finite parts', n)"
            )

    def _step_backward(self, step: Step) -> None:
        k = step.number
        s = self.block_names[step.block]
        args = self.arguments[k]
        local = self._local_formulas(step, args, s)
        if local is not None:
            # the rule's derivatives as formulas: evaluate those that could be undefined even
            # where no gradient needs them, as eager evaluates every local derivative
            for gather, d in zip(step.operands, local, strict=True):
                if (
                    isinstance(d, str)
                    and not d.isidentifier()
                    and not (step.needs_grad and gather.needs_grad)
                ):
                    self._emit(f"_ = {d}  # defined? (eager evaluates it)")
        elif step.kind == "layer":
            b, W, x = args
            self._emit(f"db{k}, dW{k}, dx{k} = linear_grads({b}, {W}, {x}, out={s})  # 1, x, W")
            local = [f"db{k}", f"dW{k}", f"dx{k}"]
        elif step.kind == "sum":
            self._emit(f"d{k} = total_grads({args[0]}, out={s})  # 1, for every operand")
            local = [f"d{k}"]
        else:
            names = [f"d{k}"] if len(args) == 1 else [f"d{k}_{j}" for j in range(len(args))]
            call = f"{self.rules[step.fn]}_grads({', '.join(args)}, out={s})"
            if self.checked:
                self._emit(f"d{k} = {call}")
                self._emit(f"S{k}.check_derivatives(d{k}, [{', '.join(args)}], n)")
                call = f"d{k}"
            self._emit(f"{', '.join(names)}{',' if len(names) == 1 else ''} = {call}")
            local = names
        if not step.needs_grad:  # no parameter behind it: its derivatives only had to be defined
            return
        g = self.gradients[step.block]  # its output's gradient: the steps after it gave one
        step_batched = step.batched
        if step.kind == "layer":
            bias, weights, shared = step.operands
            d_bias, d_weights, d_inputs = local
            one = len(step.members) == 1  # one neuron: products with one number, as *
            if bias.needs_grad:
                self._add(bias, _times(g, d_bias), step_batched, step)
            if weights.needs_grad:
                if step_batched:
                    product = f"{g}.T @ {d_weights}"
                else:  # g has one number per neuron: for one, g * x is already flat
                    product = f"{g} * {d_weights}" if one else f"np.outer({g}, {d_weights})"
                self._add_weights(
                    weights, len(step.members), product, step, not step_batched and one
                )
            if shared.needs_grad:  # g @ W; for one neuron an outer product, the same numbers
                single = step_batched and one
                self._add(shared, f"{g} {'*' if single else '@'} {d_inputs}", step_batched, step)
            return
        if step.kind == "sum":
            (gather,) = step.operands
            if not gather.needs_grad:
                return
            rows = "n, " if gather.batched else ""
            part = f"np.broadcast_to({g}[..., None] * {local[0]}, {args[0]}.shape)"
            self._add(gather, f"{part}.reshape({rows}-1)", step_batched, step)
            return
        for j, gather in enumerate(step.operands):
            if not gather.needs_grad:
                continue
            part = _times(g, local[j])
            if step.kind == "stack" and j == len(step.operands) - 1:  # the stacked operands
                rows = "n, " if step_batched else ""
                part = f"({part}).array.reshape({rows}-1)"
            if self.checked or len(gather.pieces) > 1 or gather.block is None:
                self._emit(f"t{k}_{j} = {part}")
                part = f"t{k}_{j}"
            if self.checked:
                self._emit(
                    f"S{k}.check_finite({part}, '{step.fn.name}: the gradient for operand {j} "
                    "is {value!r}, the gradient times the local derivative', n)"
                )
            self._add(gather, part, step_batched, step)

    def _local_formulas(self, step: Step, args: list[str], out: str) -> list[Any] | None:
        """The step's local derivatives as formulas of its operands (source text, or a
        number), from its rule evaluated on symbols; None where the rule must run."""
        if self.checked or step.kind not in ("map", "layer"):
            return None
        if step.kind == "layer":
            b, W, x = args
            operands = [_Symbol(b), _SymbolicWeights(W), _Symbol(x)]
            local = _formula(Linear.local_grads, operands, out=_Symbol(out))
        else:
            local = _formula(step.fn.local_grads, _symbols(args), out=_Symbol(out))
        if not isinstance(local, (list, tuple)) or len(local) != len(args):
            return None
        return [d.code if isinstance(d, _Symbol) else float(d) for d in local]

    def _add_weights(
        self, gather: Gather, rows: int, matrix: str, step: Step, flat: bool = False
    ) -> None:
        """Add a layer's weight gradient (rows, inputs; or already ``flat``): into a view of
        the parameters where the weights lie row by row, else flattened in the gather's order."""
        flattened = matrix if flat else f"({matrix}).reshape(-1)"
        block = gather.block
        if block == self.fused.parameters_block and gather.unique:
            _, columns, _ = gather.pieces[0]
            view = _matrix_view(columns, rows, self.fused.blocks[block].width)
            if view is not None:
                self.pending[block].pop(0)
                if view.endswith("]"):  # a strided view, named: add the matrix into it
                    name = f"g{self.arguments[step.number][1]}"  # gW7 for W7
                    self._emit(f"{name} = gp{view}  # a view: adding into it adds into gp")
                    self._emit(f"{name} += {matrix}")
                else:  # the rows one after another: a slice
                    self._emit(f"gp{view.partition('.')[0]} += {flattened}")
                self._check_gradient(step, "gp")
                return
        self._add(gather, flattened, False, step)
