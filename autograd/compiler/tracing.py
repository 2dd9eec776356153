"""Tracing: call a function once, on stand-ins for its arguments, and keep what it did.

This is how tracing compilers begin (JAX's ``jit`` and ``make_jaxpr``, ``torch.compile``'s
graph capture). The function runs once, on ``TracedValue``s made from an example, and every
operation it performs is recorded as it is computed. The record, a ``Program``, is a flat
list of instructions, one per operation, each reading some numbered slots and writing one::

    %0 = input x[0]     %1 = input x[1]     %3 = parameter     …
    %41 = linear(%5, %3, %0, %4, %1)
    %42 = relu(%41)

It can then be replayed at other inputs, one sample at a time (``Program.__call__``), or run
for a whole batch at once by NumPy (``autograd.compile``).

A program is recorded from *one* example and replayed for every other, so what a function
does must not depend on the values it computes. Whatever would make it depend on them is
refused at the line that does it, with ``ConcretizationError``, never baked in: a Python
``if`` on a traced Value, ``float()``, ``int()``, ``.item()``, reading ``.data``, indexing a
list with a Value (``autograd.take`` does that), ``detach()`` or ``no_grad()`` inside the
function.
"""

from __future__ import annotations

import linecache
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

from .._errors import ShownAsMessage
from ..checks import real, reals
from ..engine import NODE_TYPES, Function, Value, _forward_float, _new, _result_error
from ..functional import _argument_names
from ..graph import topological_order
from ..modes import Mode, remember_origin, tracer, tracing, user_frames

__all__ = [
    "ConcretizationError",
    "Guard",
    "Instruction",
    "Program",
    "TracedValue",
    "guard",
    "trace",
]

_DATA = Value.__dict__["data"]  # the slot that Value.data reads and writes


class ConcretizationError(ShownAsMessage, TypeError):
    """A traced function used the value of a traced Value, where only what is done to it can
    be recorded (like JAX's ConcretizationTypeError)."""


class TracedValue(Value):
    """A node made while tracing. It is a Value to every op, but the traced function may not
    look at its value: the program must do the same thing for every sample."""

    __slots__ = ()

    @property
    def data(self) -> float:
        # The engine reads data to compute each op; the function being traced may not.
        if _inside_autograd(sys._getframe(1).f_globals):
            data: float = _DATA.__get__(self)
            return data
        raise _refusal("reads the .data of")

    @data.setter
    def data(self, value: float) -> None:
        raise _refusal("sets the .data of")

    def __bool__(self) -> bool:
        raise _refusal("branches on (bool(), if, while, and, or)")

    def __float__(self) -> float:
        raise _refusal("takes float() of")

    def __lt__(self, other: object) -> bool:
        raise _refusal("compares", "compare inside an op (relu, max) instead")

    __le__ = __gt__ = __ge__ = __lt__

    def item(self) -> float:
        raise _refusal("takes .item() of")

    def __int__(self) -> int:
        raise _refusal("takes int() of")

    def __index__(self) -> int:
        raise _refusal("indexes with", "autograd.take(values, index) indexes by a Value")

    def __round__(self, ndigits: int | None = None) -> float:
        raise _refusal("rounds")

    def __floor__(self) -> int:
        raise _refusal("takes math.floor of")

    def __ceil__(self) -> int:
        raise _refusal("takes math.ceil of")

    def __trunc__(self) -> int:
        raise _refusal("takes math.trunc of")

    def detach(self) -> Value:
        raise _refusal("detaches", "pass the value as an argument instead")

    def __format__(self, spec: str) -> str:
        if spec:
            raise _refusal("formats", "format the results after the call instead")
        return repr(self)

    def __repr__(self) -> str:  # no number: the value is the traced example's, not a sample's
        made = f"op={self.op!r}" if self._fn is not None else "leaf"
        return f"TracedValue({made}{f', label={self.label!r}' if self.label else ''})"

    def __copy__(self) -> Value:
        raise _refusal("copies", "use the Value itself: ops never change their operands")

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        raise _refusal("copies", "use the Value itself: ops never change their operands")

    def __reduce__(self) -> tuple[Any, ...]:
        raise _refusal("pickles", "save the results after the call instead")

    def backward(self, grad: float = 1.0) -> None:
        raise _refusal(
            "calls backward() on",
            "autograd.grad(output, inputs) is traced: its gradients are part of the program",
        )


NODE_TYPES.add(TracedValue)

_MODULES: dict[int, bool] = {}  # id(a module's globals) -> whether the module is autograd's


def _inside_autograd(module_globals: dict[str, Any]) -> bool:
    """Whether code running with these globals is part of autograd (decided once per
    module: the engine reads every traced operand's data through here)."""
    key = id(module_globals)
    found = _MODULES.get(key)
    if found is None:
        name = module_globals.get("__name__", "")
        found = _MODULES[key] = isinstance(name, str) and name.partition(".")[0] == "autograd"
    return found


def _refusal(action: str, hint: str = "") -> ConcretizationError:
    """The error for traced code that ``action`` a traced Value, naming the line that did."""
    recorder = tracer.get()
    name = recorder.name if recorder is not None else "the function"
    return ConcretizationError(
        f"trace: {name} {action} a traced Value{_where_in_user_code()}. A compiled function is "
        "recorded once, from one example, and replayed for every sample and step, so what it "
        "does cannot depend on the values it computes: "
        + (hint or "use ops that branch inside themselves (relu, abs, max, take)")
        + ", or call the function without compiling it."
    )


def _where_in_user_code() -> str:
    """`` at file:line: `code` `` for the innermost frame of the user's code: the file named
    relative to the working folder when it is inside it, else by its name alone."""
    frames = user_frames()
    if not frames:
        return ""
    frame = frames[-1]
    path = os.path.abspath(frame.filename)
    here = os.getcwd() + os.sep
    name = path[len(here) :] if path.startswith(here) else os.path.basename(path)
    line = (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).strip()
    return f" at {name}:{frame.lineno}" + (f": `{line}`" if line else "")


class _Tracer:
    """Records a function while it runs: makes each op's node a TracedValue, and notes the
    leaves made inside it (its constants) and what it assumed (its guards)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.constants: set[Value] = set()
        self.guards: dict[Any, Guard] = {}

    def record(self, fn: Any, data: float, parents: tuple[Value, ...], now: Mode) -> Value:
        if not now.record:
            raise _refusal(
                "computes under no_grad() on",
                "compute what needs no gradient outside, or pass it as an argument",
            )
        node = _traced(data)
        node.parents = parents
        node._fn = fn
        if now.anomaly:
            remember_origin(node)
        return node

    def constant(self, leaf: Value) -> None:
        self.constants.add(leaf)


@dataclass(frozen=True)
class Guard:
    """Something a trace assumed: ``read()`` gave ``value`` when it was recorded. A compiled
    function reads it again before every call, and traces again where it changed."""

    read: Callable[[], object]
    value: object
    what: str
    identity: bool = False  # compare with ``is`` (a variable still names the same object)

    def holds(self) -> bool:
        now = self.read()
        return now is self.value if self.identity else bool(now == self.value)


def guard(key: object, read: Callable[[], object], what: str) -> None:
    """While a function is traced, note that what it does depends on ``read()`` (a model's
    training mode, say), so that a compiled function traces it again when that changes;
    ``key`` names the assumption, so that it is noted once. Does nothing otherwise."""
    recorder = tracer.get()
    if recorder is not None and key not in recorder.guards:
        recorder.guards[key] = Guard(read, read(), what)


def _traced(data: float, label: str = "") -> TracedValue:
    node = _new(TracedValue)
    _DATA.__set__(node, data)
    node.grad = 0.0
    node.label = label
    node.parents = ()
    node._fn = None
    return node


@dataclass(frozen=True)
class Instruction:
    """``out = fn(operands…)``, each a slot number."""

    fn: type[Function]
    operands: tuple[int, ...]
    out: int


@dataclass(frozen=True)
class Argument:
    """One argument of the traced function: its name, and how many numbers it holds for one
    sample (``None`` for a single number, given as a Value rather than a list)."""

    name: str
    width: int | None

    @property
    def size(self) -> int:
        return 1 if self.width is None else self.width


class Program:
    """A traced function as a flat list of instructions, ready to replay.

    The slots are numbered: the inputs first (each argument's numbers in turn), then the
    parameters (leaves that existed before the call, such as a model's weights: their
    ``.data`` is read at every replay), then the constants (numbers the function made), then
    each instruction's result, in an order where every instruction comes after what it reads.
    """

    def __init__(
        self,
        name: str,
        arguments: list[Argument],
        parameters: list[Value],
        constants: list[float],
        instructions: list[Instruction],
        outputs: list[int],
        single: bool,
        labels: list[str],
        example: list[float],
    ) -> None:
        self.name = name
        self.arguments = arguments
        self.parameters = parameters
        self.constants = constants
        self.instructions = instructions
        self.outputs = outputs
        self.single = single
        self._labels = labels
        self._example = example
        self.guards: list[Guard] = []
        """What the trace assumed (see ``Guard``): a compiled function traces again where
        one no longer holds."""

    @property
    def n_inputs(self) -> int:
        return sum(argument.size for argument in self.arguments)

    def __call__(self, *args: float | Sequence[float]) -> float | list[float]:
        """Replay the program at one sample: each argument a number or a sequence of numbers,
        as traced. Errors are eager's: the op's own, naming it and its operands."""
        values = self.inputs_of(args)
        values += [p.data for p in self.parameters]
        values += self.constants
        for instruction in self.instructions:
            operands = [values[slot] for slot in instruction.operands]
            fn = instruction.fn
            out = fn.forward(*operands)
            if type(out) is not float:
                out = _forward_float(fn, out)
            if not math.isfinite(out):
                raise _result_error(fn.name, f"{fn.name}({', '.join(map(repr, operands))})", out)
            values.append(out)
        results = [values[slot] for slot in self.outputs]
        return results[0] if self.single else results

    def inputs_of(self, args: Sequence[Any]) -> list[float]:
        """One sample's arguments as the input slots' floats, checked against the trace."""
        if len(args) != len(self.arguments):
            raise TypeError(
                f"{self.name}: the program takes {len(self.arguments)} arguments, got {len(args)}"
            )
        floats: list[float] = []
        for argument, given in zip(self.arguments, args, strict=True):
            if argument.width is None:
                floats.append(real(given, self.name, argument.name))
                continue
            numbers = reals(given, self.name, argument.name)
            if len(numbers) != argument.width:
                raise ValueError(
                    f"{self.name}: {argument.name} has {len(numbers)} values, the program "
                    f"was traced with {argument.width}"
                )
            floats += numbers
        return floats

    def to_text(self, *, number_format: str = ".4g") -> str:
        """One line per slot, as ``autograd.to_text`` lists a graph: inputs, parameters and
        constants, then every instruction, with the values at the example it was traced on."""
        rows = []
        for slot, (what, label) in enumerate(self._slot_descriptions()):
            rows.append(
                [
                    f"%{slot} = {what}",
                    f"data={format(self._example[slot], number_format)}",
                    f"# {label}" if label else "",
                ]
            )
        widths = [max(len(row[c]) for row in rows) for c in range(3)]
        counts = ", ".join(
            _count(len(things), what)
            for things, what in (
                (self.instructions, "instruction"),
                (self.parameters, "parameter"),
                (self.constants, "constant"),
            )
        )
        head = (
            f"{self.name}({', '.join(_signature(a) for a in self.arguments)}): {counts}; "
            "returns " + ", ".join(f"%{slot}" for slot in self.outputs)
        )
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        return "\n".join([head, *lines])

    def _slot_descriptions(self) -> list[tuple[str, str]]:
        described = []
        for argument in self.arguments:
            if argument.width is None:
                described.append((f"input {argument.name}", ""))
            else:
                described += [(f"input {argument.name}[{i}]", "") for i in range(argument.width)]
        first = len(described)
        described += [("parameter", self._labels[first + i]) for i in range(len(self.parameters))]
        described += [("constant", "") for _ in self.constants]
        for instruction in self.instructions:
            call = f"{instruction.fn.name}({_slots(instruction.operands)})"
            described.append((call, self._labels[instruction.out]))
        return described

    def __repr__(self) -> str:
        return (
            f"Program({self.name}: {len(self.instructions)} instructions, "
            f"{len(self.parameters)} parameters)"
        )


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _slots(operands: Sequence[int], shown: int = 6) -> str:
    """``%3, %4, %5``, or for many operands the first few, the last and how many."""
    if len(operands) <= shown:
        return ", ".join(f"%{s}" for s in operands)
    first = ", ".join(f"%{s}" for s in operands[: shown - 1])
    return f"{first}, …, %{operands[-1]}; {len(operands)} operands"


def _signature(argument: Argument) -> str:
    return argument.name if argument.width is None else f"{argument.name}[{argument.width}]"


def trace(fn: Callable[..., Any], *example_args: float | Sequence[float]) -> Program:
    """Record ``fn`` as a ``Program``, by calling it once on Values made from the example
    arguments: each a number (given to ``fn`` as one Value) or a sequence of numbers (given
    as a list of Values). ``fn`` returns a Value or a list of Values.

    Leaves that existed before the call and that the result depends on (a model's weights)
    are the program's parameters; leaves made during the call (the numbers it uses) are its
    constants.
    """
    if not callable(fn):
        raise TypeError(f"trace: expected a function, got {type(fn).__name__}")
    name = getattr(fn, "__name__", type(fn).__name__)
    outer = tracer.get()
    if outer is not None:
        raise ConcretizationError(
            f"trace: {outer.name} traces {name} while it is itself being traced"
            f"{_where_in_user_code()}; the inner program would read the outer one's values "
            f"once, at the example: call {name} itself there"
        )
    arguments, inputs, given = _inputs(fn, name, example_args)
    recorder = _Tracer(name)
    with tracing(recorder):
        out = fn(*given)
    if isinstance(out, Value):
        outputs, single = [out], True
    elif isinstance(out, (list, tuple)) and out and all(isinstance(v, Value) for v in out):
        outputs, single = list(out), False
    else:
        raise TypeError(f"trace: {name} must return a Value or a list of Values, got {out!r}")
    program = _program(name, arguments, inputs, outputs, single, recorder.constants)
    program.guards = list(recorder.guards.values())
    return program


def _inputs(
    fn: Callable[..., Any], name: str, example_args: Sequence[Any]
) -> tuple[list[Argument], list[TracedValue], list[Any]]:
    """The arguments' structure, their input nodes, and what to call ``fn`` with."""
    names = _argument_names(fn, len(example_args), "arg{}")
    arguments: list[Argument] = []
    inputs: list[TracedValue] = []
    given: list[Any] = []  # a TracedValue, or a list of them, per argument
    for argument_name, example in zip(names, example_args, strict=True):
        if isinstance(example, Real):
            node = _traced(real(example, name, argument_name), argument_name)
            arguments.append(Argument(argument_name, None))
            inputs.append(node)
            given.append(node)
            continue
        numbers = reals(example, name, argument_name)
        nodes = [_traced(x, f"{argument_name}[{i}]") for i, x in enumerate(numbers)]
        arguments.append(Argument(argument_name, len(nodes)))
        inputs += nodes
        given.append(nodes)
    return arguments, inputs, given


def _program(
    name: str,
    arguments: list[Argument],
    inputs: list[TracedValue],
    outputs: list[Value],
    single: bool,
    made_inside: set[Value],
) -> Program:
    """Number the nodes the outputs depend on, and write their instructions."""
    order = topological_order(*outputs)
    leaves = [node for node in order if not node.parents]
    known = set(inputs)
    constants = [node for node in leaves if node in made_inside]
    parameters = [node for node in leaves if node not in known and node not in made_inside]
    slot = {node: i for i, node in enumerate([*inputs, *parameters, *constants])}
    instructions = []
    for node in order:
        fn = node._fn
        if fn is not None and not (isinstance(fn, type) and issubclass(fn, Function)):
            raise TypeError(
                f"trace: {name} uses {node.op}, the result of a compiled function, which only "
                "the eager engine can differentiate: compile one function that computes both, "
                "or call the inner one without compiling it"
            )
        if node.parents and fn is not None:  # (a node with parents has an op)
            slot[node] = len(slot)
            operands = tuple(map(slot.__getitem__, node.parents))
            instructions.append(Instruction(fn, operands, slot[node]))
    by_slot = list(slot)  # numbered in the order they were added
    return Program(
        name,
        arguments,
        parameters,
        list(map(_DATA.__get__, constants)),
        instructions,
        [slot[node] for node in outputs],
        single,
        [node.label for node in by_slot],
        list(map(_DATA.__get__, by_slot)),
    )
