"""Fusion: a program's instructions grouped into steps that NumPy runs together, each step
for every sample of a batch at once.

Two kinds of repetition make a scalar program fast in NumPy.

* Every sample runs the same program (what JAX's ``vmap`` builds on): a slot holds one value
  per sample, and one NumPy call computes an instruction for all the samples.
* Many instructions do the same thing at the same depth (their distance from the inputs):
  the 16 relu's of a layer, the squares of a penalty. Instructions of one op, at one depth,
  with as many operands, form one *step*: one call of the op's own rule (``forward`` and
  ``local_grads`` in ``ops.py``) on arrays holding all of them side by side. Two kinds of step
  go further: a layer's ``linear`` instructions that read the same inputs become one matrix
  product, and a ``sum`` of many operands one NumPy reduction; both still through the rule of
  their op, by the small types ``LayerWeights`` and ``Operands``.

Each step writes one *block*: an array with a column per instruction and, unless only
parameters and constants feed it, a row per sample. What depends on parameters and constants
alone (a weight penalty, say) is *unbatched*: computed once per call, not once per sample.
The inputs (one block per argument), the parameters and the constants are blocks too.

This module only plans: which steps, which blocks, and where each operand's values are
(a ``Gather``). ``codegen`` turns the plan into Python source, and the steps' ``check_…``
methods are what its checked variant calls to name a failure: the op and the sample.

Numbers equal eager's to about 1e-12, not bitwise: NumPy adds a matrix product's or a
reduction's terms in its own order, and its exp or log may differ from ``math``'s in the last
bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from math import isnan
from typing import Any

import numpy as np

from ..engine import Function, Value, _arithmetic_error, _result_error
from ..ops import Div, Linear, Mul, Stacked, Sum
from .tracing import Instruction, Program

__all__ = ["Block", "FusedProgram", "Gather", "fuse"]

DOMAIN_ERRORS = (ValueError, ZeroDivisionError, OverflowError)
"""What an op's rule raises for an operand outside its domain (see ``ops.require``)."""


@dataclass(frozen=True)
class Block:
    """An array of values: ``width`` columns, and a row per sample if ``batched``."""

    name: str
    width: int
    batched: bool


class Gather:
    """Where some slots' values are, in order: ``pieces``, one (block, columns, positions)
    per block they come from (column ``columns[i]`` of the block is entry ``positions[i]``).
    Code reads them side by side in one array and adds a gradient back the same way reversed."""

    def __init__(self, where: Any, blocks: list[Block], slots: Sequence[int]) -> None:
        self.size = len(slots)
        located = where[np.asarray(slots, dtype=np.intp)].reshape(-1, 2)
        block_of, column_of = located[:, 0], located[:, 1]
        self.blocks: list[int] = list(dict.fromkeys(block_of.tolist()))
        self.batched = any(blocks[b].batched for b in self.blocks)
        self.pieces: list[tuple[int, Any, Any]] = []
        for b in self.blocks:
            (positions,) = np.nonzero(block_of == b)
            self.pieces.append((b, column_of[positions], positions))
        self.unique = all(len(set(c.tolist())) == len(c) for _, c, _ in self.pieces)
        self.needs_grad = False  # whether any of the slots leads to a parameter

    @property
    def block(self) -> int | None:
        """The one block every slot is in, in order (a view of it can be read), or None."""
        if len(self.pieces) != 1:
            return None
        b, _, positions = self.pieces[0]
        return b if np.array_equal(positions, np.arange(self.size)) else None


class Step:
    """The instructions ``members`` of one op, run by one call of its rule, writing ``block``.
    ``kind`` says how: "map" (element by element), "sum" (one reduction) or "layer" (one
    matrix product)."""

    kind = "map"

    def __init__(
        self,
        instructions: list[Instruction],
        members: list[int],
        block: int,
        batched: bool,
        depth: int,
    ) -> None:
        self.fn: type[Function] = instructions[members[0]].fn
        self.members = members
        self.outs = [instructions[i].out for i in members]
        self.block = block
        self.batched = batched
        self.depth = depth
        self.operands: list[Gather] = []
        self.number = 0  # its place in the program, from 1, as to_text numbers it
        self.feeds_loss = False  # whether the first output depends on it
        self.needs_grad = False  # whether a parameter is behind it

    def describe(self) -> str:
        count = len(self.members)
        if self.kind == "layer":
            return f"{count} × linear of {self.operands[2].size} inputs: one matrix product"
        if self.kind == "sum":
            return f"{count} × sum of {self.operands[0].size // count}: one reduction"
        if self.kind == "stack":
            return f"{count} × {self.fn.name} of {self.operands[-1].size // count}, side by side"
        return f"{count} × {self.fn.name}"

    # What the checked variant of the generated code calls, to name a failure: the op, the
    # instruction of the step, the sample.

    def where(self, position: tuple[int, ...], samples: int) -> str:
        member = position[-1] if position else 0
        slot = self.outs[member] if member < len(self.outs) else self.outs[0]
        if self.batched and len(position) >= 2:
            return f" (sample {position[0]} of {samples}; %{slot} in the program)"
        return f" (%{slot} in the program, computed once per call)"

    def located(self, error: Exception, samples: int) -> Exception:
        """A domain error of the op's rule, with the sample it happened at added."""
        position = getattr(error, "position", None)
        if position is None:
            return error
        return type(error)(f"{error}{self.where(position, samples)}")

    def check_result(self, out: Any, arguments: Sequence[Any], samples: int) -> None:
        """The error eager gives for a NaN or ±inf result: the op, its operands and the sample."""
        position = _first_non_finite(out)
        if position is None:
            return
        value = float(np.asarray(out)[position])
        call = self.call_at(arguments, position, np.shape(out))
        raise _result_error(self.fn.name, call, value, self.where(position, samples))

    def check_derivatives(
        self, local: Sequence[Any], arguments: Sequence[Any], samples: int
    ) -> None:
        """Every local derivative, of every operand (needed or not, as eager evaluates them):
        an infinite one is undefined there, as 0.5/√x at 0 is in eager backward()."""
        if len(local) != len(arguments):
            raise TypeError(
                f"{self.fn.name}: local_grads must return one derivative per operand "
                f"({len(arguments)}), got {len(local)}"
            )
        for d in local:
            if isinstance(d, (LayerWeights, Operands)):
                continue
            if isinstance(d, Stacked):  # each instruction's many operands: name the instruction
                d = d.array.min(axis=-1) * d.array.max(axis=-1)  # NaN or ±inf where one is
            position = _first_non_finite(d)
            if position is None:
                continue
            nan = np.isnan(np.asarray(d, dtype=float)[position])
            call = self.call_at(arguments, position, np.shape(d))
            raise (ValueError if nan else ZeroDivisionError)(
                f"{self.fn.name}: the derivative is undefined at {call}"
                + self.where(position, samples)
            )

    def check_finite(self, array: Any, message: str, samples: int) -> None:
        """Raise eager's error if ``array`` holds a NaN or an infinity; ``message`` may name
        ``{value}`` and ``{problem}`` (eager's words for a NaN or for an infinity)."""
        position = _first_non_finite(array)
        if position is not None:
            value = float(np.asarray(array)[position])
            problem = "is not a number" if isnan(value) else "overflows the float range"
            raise _arithmetic_error(
                value, message.format(value=value, problem=problem) + self.where(position, samples)
            )

    def call_at(self, arguments: Sequence[Any], position: tuple[int, ...], shape: Any) -> str:
        """``op(operands…)`` at one element of an array of ``shape``, for messages."""
        try:
            shown = [repr(float(np.broadcast_to(a, shape)[position])) for a in arguments]
        except (TypeError, ValueError):  # stacked operands or a layer's matrices
            return f"{self.fn.name}(…)"
        return f"{self.fn.name}({', '.join(shown)})"


class SumStep(Step):
    """k sums of n operands each: their operands gathered into one array (samples, k·n)."""

    kind = "sum"


class StackStep(Step):
    """k instructions of max, logsumexp or take, whose many trailing operands (a sample's ten
    logits, say) are gathered side by side and passed to the rule as one ``ops.Stacked``:
    a few NumPy calls for the whole step, not a few per operand. Operands: one gather per
    leading operand (k columns), then one of the trailing ones (k·m, instruction by
    instruction)."""

    kind = "stack"

    @property
    def leading(self) -> int:
        return self.fn.stacked_from  # type: ignore[attr-defined,no-any-return]

    @property
    def stacked(self) -> int:
        """How many trailing operands each instruction has."""
        return self.operands[-1].size // len(self.members)


class LayerStep(Step):
    """k linear instructions reading the same n inputs, with weights and biases that are
    parameters or constants: one matrix product. Operands: biases (k), weights (k·n, row by
    row) and the shared inputs (n)."""

    kind = "layer"


class Operands:
    """A sum's operands side by side on the last axis of one array, so that Sum's own rule,
    ``reduce(add, xs, 0.0)``, is one NumPy reduction: ``0.0 + Operands(m)`` adds them all.
    Its one local derivative (the rule gives 1.0) then stands for every operand."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array

    def __radd__(self, start: float) -> Any:
        return start + self.array.sum(axis=-1)


class LayerWeights:
    """A layer's weights as one matrix, a row per neuron, so that Linear's own rule,
    b + Σ wᵢ·xᵢ, computes the whole layer: ``w * x`` is the matrix product (the sum over i),
    and its local derivatives ∂/∂w = x and ∂/∂x = w are the matrices."""

    __slots__ = ("matrix",)

    def __init__(self, matrix: Any) -> None:
        self.matrix = matrix

    def __mul__(self, inputs: Any) -> Any:
        return inputs @ self.matrix.T


class FusedProgram:
    """A program's instructions as steps, with where each slot's values are kept.

    ``parameters`` lists the Values of the parameters block in its order: by default the
    order in which the steps first read them, so that a layer's biases, and its weights row
    by row, are each one run of columns; or the order given (an optimizer's, say: then the
    parameters live in one array in that order, and Values the program does not read may be
    among them, with a gradient of 0).
    """

    def __init__(self, program: Program, order: Sequence[Value] | None = None) -> None:
        self.program = program
        arguments = program.arguments
        n_inputs = program.n_inputs
        n_fixed = len(program.parameters) + len(program.constants)
        batched = [True] * n_inputs + [False] * n_fixed
        depth = [0] * len(batched)
        # Each slot is read from itself, or, where its op gives back an operand unchanged,
        # from that operand's slot (see _gives_back).
        self.reads_from = list(range(len(batched)))
        self.instructions: list[Instruction] = []  # those that compute something
        groups: dict[tuple[Any, ...], list[int]] = {}
        for instruction in program.instructions:
            operands = tuple(map(self.reads_from.__getitem__, instruction.operands))
            same = _gives_back(instruction.fn, operands, program, n_inputs)
            self.reads_from.append(instruction.out if same is None else same)
            source = self.reads_from[instruction.out]
            if same is not None:
                batched.append(batched[source])
                depth.append(depth[source])
                continue
            batched.append(any(map(batched.__getitem__, operands)))
            depth.append(1 + max(map(depth.__getitem__, operands), default=0))
            self.instructions.append(Instruction(instruction.fn, operands, instruction.out))
            key = _group(self.instructions[-1], batched, depth)
            groups.setdefault(key, []).append(len(self.instructions) - 1)
        ordered = sorted(groups.items(), key=lambda item: (item[0][1], item[1][0]))
        steps = [
            _STEPS[key[0]](self.instructions, members, -1, key[2], key[1])
            for key, members in ordered
        ]
        reads = [_operand_slots(step, self.instructions) for step in steps]

        parameter_slots = range(n_inputs, n_inputs + len(program.parameters))
        if order is None:
            layout = _parameter_layout(reads, parameter_slots)
            self.parameters = tuple(program.parameters[s - n_inputs] for s in layout)
        else:
            self.parameters = _parameters_in_order(program.parameters, order)
            position = {p: i for i, p in enumerate(self.parameters)}
            layout = [position[p] for p in program.parameters]
        self.blocks = [Block(a.name, a.size, True) for a in arguments]
        self.parameters_block = len(self.blocks)
        self.blocks += [
            Block("parameters", len(self.parameters), False),
            Block("constants", len(program.constants), False),
        ]
        # Where each slot's values are: a row (block, column) per slot; an instruction's is
        # filled in once its step has a block.
        where = np.full((len(batched), 2), -1, dtype=np.intp)
        first = 0
        for b, argument in enumerate(arguments):
            _place(where, range(first, first + argument.size), b)
            first += argument.size
        if order is None:
            _place(where, layout, self.parameters_block)
        else:
            where[list(parameter_slots), 0] = self.parameters_block
            where[list(parameter_slots), 1] = layout
        first += len(program.parameters)
        _place(where, range(first, first + len(program.constants)), self.parameters_block + 1)
        for number, (step, slots) in enumerate(zip(steps, reads, strict=True), start=1):
            step.number = number
            step.block = len(self.blocks)
            self.blocks.append(Block(f"step {number}", len(step.members), step.batched))
            step.operands = [Gather(where, self.blocks, s) for s in slots]
            _place(where, step.outs, step.block)
        self.steps = steps
        needs_grad = [False] * len(self.blocks)
        needs_grad[self.parameters_block] = True
        for step in steps:
            for gather in step.operands:
                gather.needs_grad = any(needs_grad[b] for b in gather.blocks)
            step.needs_grad = needs_grad[step.block] = any(g.needs_grad for g in step.operands)
        outputs = [self.reads_from[slot] for slot in program.outputs]
        self.outputs = Gather(where, self.blocks, outputs)
        self.first_output = Gather(where, self.blocks, outputs[:1])  # what backward seeds
        feeds = [False] * len(self.blocks)  # the blocks the first output depends on
        for b in self.first_output.blocks:
            feeds[b] = True
        for step in reversed(steps):
            step.feeds_loss = feeds[step.block]
            if step.feeds_loss:
                for gather in step.operands:
                    for b in gather.blocks:
                        feeds[b] = True
        self.constants = np.array(program.constants, dtype=np.float64)

    def to_text(self) -> str:
        """The steps, one per line: what each runs at once."""
        program = self.program
        lines = [
            f"{program.name}, fused: {len(program.instructions)} instructions in "
            f"{len(self.steps)} steps, each for every sample at once"
        ]
        for step in self.steps:
            count = len(step.members)
            once = "" if step.batched else "  (parameters and constants only: once per call)"
            slots = f"%{step.outs[0]}" + (f"…%{step.outs[-1]}" if count > 1 else "")
            what = f"{step.describe():<44}"
            lines.append(f"step {step.number:<3} depth {step.depth:<3} {what} -> {slots}{once}")
        return "\n".join(lines)


def fuse(program: Program, order: Sequence[Value] | None = None) -> FusedProgram:
    """``program``'s instructions grouped into steps; ``order``: the parameters block's order
    (by default, the order the steps read them)."""
    return FusedProgram(program, order)


def _group(instruction: Instruction, batched: list[bool], depth: list[int]) -> tuple[Any, ...]:
    """What an instruction must share with others to run in one step with them."""
    out, operands = instruction.out, instruction.operands
    level, is_batched = depth[out], batched[out]
    if instruction.fn is Linear and len(operands) >= 3:
        fixed = [operands[0], *operands[1::2]]  # the bias and the weights
        if not any(map(batched.__getitem__, fixed)):
            return ("layer", level, is_batched, operands[2::2])
    if instruction.fn is Sum and operands:
        return ("sum", level, is_batched, len(operands))
    leading = getattr(instruction.fn, "stacked_from", None)
    if leading is not None and len(operands) - leading >= 2:
        return ("stack", level, is_batched, instruction.fn, len(operands))
    return ("map", level, is_batched, instruction.fn, len(operands))


_STEPS: dict[str, type[Step]] = {
    "map": Step,
    "sum": SumStep,
    "stack": StackStep,
    "layer": LayerStep,
}


def _gives_back(
    fn: type[Function], operands: tuple[int, ...], program: Program, n_inputs: int
) -> int | None:
    """The slot of the operand an instruction gives back unchanged, or None: a sum of one
    value (0 + x), a division or a multiplication by the constant 1, as every loss's mean
    over the one sample of a traced function makes. Dropping them changes no number (x / 1
    is x, bit for bit; 0 + x is x but for the sign of a zero) and saves NumPy calls."""
    if fn is Sum and len(operands) == 1:
        return operands[0]
    first = n_inputs + len(program.parameters)  # the first constant's slot

    def one(slot: int) -> bool:
        return 0 <= slot - first < len(program.constants) and program.constants[slot - first] == 1.0

    if fn in (Div, Mul) and len(operands) == 2 and one(operands[1]):
        return operands[0]
    if fn is Mul and len(operands) == 2 and one(operands[0]):
        return operands[1]
    return None


def _first_non_finite(array: Any) -> tuple[int, ...] | None:
    """Where the first NaN or ±inf of ``array`` is, or None."""
    finite = np.isfinite(array)
    if finite.all():
        return None
    return tuple(int(i) for i in np.unravel_index(np.argmax(~finite), finite.shape))


def _place(where: Any, slots: Sequence[int], block: int) -> None:
    """Record that ``slots`` are the columns of ``block``, in order."""
    where[slots, 0] = block
    where[slots, 1] = np.arange(len(slots))


def _parameter_layout(reads: list[list[list[int]]], parameters: range) -> list[int]:
    """The parameter slots in the order the steps first read them (then any others)."""
    read = dict.fromkeys(chain.from_iterable(chain.from_iterable(reads)))
    placed = {s: None for s in read if s in parameters}
    return [*placed, *(s for s in parameters if s not in placed)]


def _parameters_in_order(used: Sequence[Value], order: Sequence[Value]) -> tuple[Value, ...]:
    """The Values of ``order`` (each once), then those of ``used`` not among them."""
    given = tuple(dict.fromkeys(order))
    if len(given) != len(order):
        raise ValueError("compile: the parameter order lists a Value twice")
    known = set(given)
    return given + tuple(p for p in used if p not in known)


def _operand_slots(step: Step, instructions: list[Instruction]) -> list[list[int]]:
    """The slots each of a step's gathers reads, in column order."""
    operands = [instructions[i].operands for i in step.members]
    if step.kind == "sum":
        return [[s for ops in operands for s in ops]]
    if step.kind == "stack":
        leading = step.fn.stacked_from  # type: ignore[attr-defined]
        return [[ops[p] for ops in operands] for p in range(leading)] + [
            [s for ops in operands for s in ops[leading:]]
        ]
    if step.kind == "layer":
        return [
            [ops[0] for ops in operands],
            [w for ops in operands for w in ops[1::2]],
            list(operands[0][2::2]),
        ]
    return [[ops[p] for ops in operands] for p in range(len(operands[0]))]
