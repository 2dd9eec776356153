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
  their op, by the small types ``_LayerWeights`` and ``_Operands``.

Each step writes one *block*: an array with a column per instruction and, unless only
parameters and constants feed it, a row per sample. What depends on parameters and constants
alone (a weight penalty, say) is *unbatched*: computed once per call, not once per sample.
The inputs (one block per argument), the parameters and the constants are blocks too.

Numbers equal eager's to about 1e-12, not bitwise: NumPy adds a matrix product's or a
reduction's terms in its own order, and its exp or log may differ from ``math``'s in the last
bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from ..engine import _arithmetic_error, _result_error
from ..ops import Linear, Sum
from .tracing import Instruction, Program

__all__ = ["FusedProgram"]

Arrays = list[Any]  # one array per block (None for a gradient not reached yet)

# Inside a step, NumPy raises FloatingPointError at the first overflow, division by zero or
# invalid operation: nothing to check when nothing goes wrong. If it does, the step runs
# again with checks that name the op and the sample (or find nothing wrong: e^(x - s) may
# overflow inside and still be 0).
FAST = {"over": "raise", "divide": "raise", "invalid": "raise", "under": "ignore"}
CHECKED = {"all": "ignore"}


@dataclass(frozen=True)
class Block:
    """An array of values: ``width`` columns, and a row per sample if ``batched``."""

    name: str
    width: int
    batched: bool

    def shape(self, samples: int) -> tuple[int, ...]:
        return (samples, self.width) if self.batched else (self.width,)


class Gather:
    """Where some slots' values are, and how to put them side by side, in order, in one
    array (a column each); and how to add a gradient back into them, the same way reversed."""

    def __init__(self, where: Any, blocks: list[Block], slots: Sequence[int]):
        self.size = len(slots)
        located = where[np.asarray(slots, dtype=np.intp)]  # where: a (block, column) row per slot
        block_of, column_of = located[:, 0], located[:, 1]
        self.blocks = list(dict.fromkeys(block_of.tolist()))
        self.batched = any(blocks[b].batched for b in self.blocks)
        self.block = self.blocks[0] if len(self.blocks) == 1 else None
        self.needs_grad = False  # whether any of the slots leads to a parameter
        self.index: Any = None  # which columns of the one block, as a subscript of it
        self.pieces: list[tuple[int, Any, Any]] = []
        if self.block is not None:  # one block: a view of it where the columns run in order
            columns = column_of.tolist()
            first = columns[0] if columns else 0
            self.unique = len(set(columns)) == len(columns)
            rows = (slice(None),) if blocks[self.block].batched else ()
            if columns == list(range(first, first + len(columns))):
                whole = first == 0 and len(columns) == blocks[self.block].width
                self.index = None if whole else (*rows, slice(first, first + len(columns)))
                return
            self.index = (*rows, column_of)  # (NumPy indexes faster without an Ellipsis)
            if self.unique:  # the columns picked by one index array, each once
                return
        for b in self.blocks:
            (positions,) = np.nonzero(block_of == b)
            self.pieces.append((b, column_of[positions], positions))
        self.unique = all(len(set(c.tolist())) == len(c) for _, c, _ in self.pieces)

    def take(self, values: Arrays, samples: int) -> Any:
        """The slots' values: an array (samples, size), or (size,) if none is batched."""
        if self.block is not None:
            block = values[self.block]
            return block if self.index is None else block[self.index]
        out = np.empty((samples, self.size) if self.batched else (self.size,))
        for b, columns, positions in self.pieces:
            out[..., positions] = values[b][..., columns]
        return out

    def add(self, grads: Arrays, blocks: list[Block], contribution: Any, samples: int) -> None:
        """Add ``contribution`` (an array like ``take``'s, or broadcastable to it) into the
        slots' gradients: summed over the samples for an unbatched slot."""
        if contribution.ndim == 2 and not self.batched:
            contribution = contribution.sum(axis=0)  # for slots computed once, not per sample
        shape = (samples, self.size) if self.batched else (self.size,)
        if contribution.shape != shape:
            contribution = np.broadcast_to(contribution, shape)
        if self.block is None or not self.unique:
            self._add_pieces(grads, blocks, contribution, samples)
            return
        b = self.block  # one block, each slot once: the usual case
        gradient = grads[b]
        if self.index is None:  # the whole block
            if gradient is None:  # its gradient is this contribution, unless it is a view
                fresh = contribution.base is None and contribution.flags.writeable
                grads[b] = contribution if fresh else np.array(contribution)
            else:
                gradient += contribution
            return
        if gradient is None:
            gradient = grads[b] = np.zeros(blocks[b].shape(samples))
        gradient[self.index] += contribution

    def _add_pieces(
        self, grads: Arrays, blocks: list[Block], contribution: Any, samples: int
    ) -> None:
        for b, columns, positions in self.pieces:
            part = contribution if len(self.pieces) == 1 else contribution[..., positions]
            if part.ndim == 2 and not blocks[b].batched:
                part = part.sum(axis=0)
            if grads[b] is None:
                grads[b] = np.zeros(blocks[b].shape(samples))
            if self.unique:
                grads[b][..., columns] += part
            else:  # a slot appears more than once: add each occurrence
                np.add.at(grads[b], (Ellipsis, columns), part)


class _Step:
    """The instructions ``members`` of one op, run by one call of its rule, writing ``block``."""

    kind = ""

    def __init__(
        self, program: Program, members: list[int], block: int, batched: bool, depth: int
    ) -> None:
        self.fn = program.instructions[members[0]].fn
        self.members = members
        self.outs = [program.instructions[i].out for i in members]
        self.block = block
        self.batched = batched
        self.depth = depth
        self.operands: list[Gather] = []

    def arguments(self, values: Arrays, samples: int) -> list[Any]:
        """What the op's rule is called with: one array per operand position. The forward
        pass gathers them once; the backward pass reuses them."""
        return [gather.take(values, samples) for gather in self.operands]

    def forward(self, arguments: list[Any], samples: int, checked: bool) -> Any:
        raise NotImplementedError

    def contributions(
        self, arguments: list[Any], out: Any, gradient: Any, samples: int, checked: bool
    ) -> list[tuple[Gather, Any]]:
        """What this step adds to each operand's gradient, given its own (``gradient``)."""
        raise NotImplementedError

    # Naming a failure: which instruction of the step, at which sample.

    def where(self, position: tuple[int, ...], samples: int) -> str:
        member = position[-1] if position else 0
        slot = self.outs[member] if member < len(self.outs) else self.outs[0]
        if self.batched and len(position) >= 2:
            return f" (sample {position[0]} of {samples}; %{slot} in the program)"
        return f" (%{slot} in the program, computed once per call)"

    def check_finite(self, array: Any, message: str, samples: int) -> None:
        position = _first_non_finite(array)
        if position is not None:
            value = float(np.asarray(array)[position])
            raise _arithmetic_error(
                value, message.format(value=value) + self.where(position, samples)
            )

    def local_derivatives(
        self, arguments: list[Any], out: Any, samples: int, checked: bool
    ) -> None:
        """Evaluate the local derivatives only, where no gradient is needed: a derivative
        undefined there still raises, as in eager backward()."""

    def call_at(self, arguments: Sequence[Any], position: tuple[int, ...], shape: Any) -> str:
        """``op(operands…)`` at one element of an array of ``shape``, for messages."""
        try:
            shown = [repr(float(np.broadcast_to(a, shape)[position])) for a in arguments]
        except (TypeError, ValueError):  # stacked operands or a layer's matrices
            return f"{self.fn.name}(…)"
        return f"{self.fn.name}({', '.join(shown)})"


class MapStep(_Step):
    """k instructions of one op, each operand position one array (samples, k) or (k,): the
    op's rule applied element by element."""

    kind = "map"

    def forward(self, arguments: list[Any], samples: int, checked: bool) -> Any:
        try:
            out = self.fn.forward(*arguments)
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            position = getattr(error, "position", None)
            if position is None:
                raise
            raise type(error)(f"{error}{self.where(position, samples)}") from None
        if checked:
            self._check_result(out, arguments, samples)
        return out

    def _check_result(self, out: Any, arguments: list[Any], samples: int) -> None:
        position = _first_non_finite(out)
        if position is None:
            return
        value = float(np.asarray(out)[position])
        call = self.call_at(arguments, position, np.shape(out))
        raise _result_error(self.fn.name, call, value, self.where(position, samples))

    def local_derivatives(
        self, arguments: list[Any], out: Any, samples: int, checked: bool
    ) -> None:
        local = self.fn.local_grads(*arguments, out=out)
        if checked:
            for d in local:
                self._check_derivative(d, arguments, samples)

    def contributions(
        self, arguments: list[Any], out: Any, gradient: Any, samples: int, checked: bool
    ) -> list[tuple[Gather, Any]]:
        local = self.fn.local_grads(*arguments, out=out)
        if len(local) != len(arguments):
            raise TypeError(
                f"{self.fn.name}: local_grads must return one derivative per operand "
                f"({len(arguments)}), got {len(local)}"
            )
        found = []
        for p, (gather, d) in enumerate(zip(self.operands, local, strict=True)):
            if not gather.needs_grad:
                continue
            if checked:
                self._check_derivative(d, arguments, samples)
            part = gradient * d
            if checked:
                self.check_finite(
                    part,
                    f"{self.fn.name}: the gradient for operand {p} is {{value!r}}, the gradient "
                    "times the local derivative",
                    samples,
                )
            found.append((gather, part))
        return found

    def _check_derivative(self, d: Any, arguments: list[Any], samples: int) -> None:
        position = _first_non_finite(d)
        if position is None:
            return
        kind = ValueError if np.isnan(np.asarray(d, dtype=float)[position]) else ZeroDivisionError
        call = self.call_at(arguments, position, np.shape(d))
        raise kind(
            f"{self.fn.name}: the derivative is undefined at {call}" + self.where(position, samples)
        )


class _Operands:
    """A sum's operands side by side on the last axis of one array, so that Sum's own rule,
    ``reduce(add, xs, 0.0)``, is one NumPy reduction: ``0.0 + _Operands(m)`` adds them all.
    Its one local derivative (the rule gives 1.0) then stands for every operand."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array

    def __radd__(self, start: float) -> Any:
        return start + self.array.sum(axis=-1)


class SumStep(_Step):
    """k sums of n operands each: their operands gathered into one array (samples, k, n)."""

    kind = "sum"

    def arguments(self, values: Arrays, samples: int) -> list[Any]:
        (gather,) = self.operands
        flat = gather.take(values, samples)
        return [_Operands(flat.reshape((*flat.shape[:-1], len(self.members), -1)))]

    def forward(self, arguments: list[Any], samples: int, checked: bool) -> Any:
        out = self.fn.forward(*arguments)
        if checked:
            self.check_finite(out, "sum: the result overflows the float range: {value!r}", samples)
        return out

    def contributions(
        self, arguments: list[Any], out: Any, gradient: Any, samples: int, checked: bool
    ) -> list[tuple[Gather, Any]]:
        (gather,) = self.operands
        if not gather.needs_grad:
            return []
        (d,) = self.fn.local_grads(*arguments, out=out)
        part = np.broadcast_to(gradient[..., None] * d, arguments[0].array.shape)
        return [(gather, part.reshape((*part.shape[:-2], -1)))]


class _LayerWeights:
    """A layer's weights as one matrix, a row per neuron, so that Linear's own rule,
    b + Σ wᵢ·xᵢ, computes the whole layer: ``w * x`` is the matrix product (the sum over i),
    and its local derivatives ∂/∂w = x and ∂/∂x = w are the matrices."""

    __slots__ = ("matrix",)

    def __init__(self, matrix: Any) -> None:
        self.matrix = matrix

    def __mul__(self, inputs: Any) -> Any:
        return inputs @ self.matrix.T


class LayerStep(_Step):
    """k linear instructions reading the same n inputs, with weights and biases that are
    parameters or constants: one matrix product. Operands: biases (k), weights (k·n, row by
    row) and the shared inputs (n)."""

    kind = "layer"

    def arguments(self, values: Arrays, samples: int) -> list[Any]:
        biases, weights, inputs = self.operands
        matrix = weights.take(values, samples).reshape(len(self.members), -1)
        return [biases.take(values, samples), _LayerWeights(matrix), inputs.take(values, samples)]

    def forward(self, arguments: list[Any], samples: int, checked: bool) -> Any:
        out = self.fn.forward(*arguments)
        # A matrix product is not a NumPy ufunc: no FloatingPointError, so always check.
        self.check_finite(out, "linear: the result overflows the float range: {value!r}", samples)
        return out

    def contributions(
        self, arguments: list[Any], out: Any, gradient: Any, samples: int, checked: bool
    ) -> list[tuple[Gather, Any]]:
        local = self.fn.local_grads(*arguments, out=out)
        d_bias, d_weights, d_inputs = local  # 1, the inputs, the weights: b + Σ wᵢxᵢ's rule
        found = []
        bias, weight, shared = self.operands
        if bias.needs_grad:
            found.append((bias, gradient * d_bias))
        if weight.needs_grad:  # the chain rule, summed over the samples: Gᵀ · x
            matrix = gradient.T @ d_weights if gradient.ndim == 2 else np.outer(gradient, d_weights)
            found.append((weight, matrix.reshape(-1)))
        if shared.needs_grad:  # and summed over the neurons: G · w
            found.append((shared, gradient @ d_inputs.matrix))
        if checked:  # otherwise a NaN or inf surfaces in the parameters' gradient
            for _, part in found:
                self.check_finite(part, "linear: a gradient is {value!r}", samples)
        return found


class FusedProgram:
    """A program's instructions as steps, with where each slot's values are kept.

    The parameters block is laid out in the order the steps read the parameters, so that a
    layer's biases, and its weights row by row, are each one run of columns: read as a view,
    their gradients added as a slice. ``parameters`` lists the Values in that order.
    """

    def __init__(self, program: Program) -> None:
        self.program = program
        arguments = program.arguments
        n_inputs, n_parameters = program.n_inputs, len(program.parameters)
        batched = [True] * n_inputs + [False] * (n_parameters + len(program.constants))
        depth = [0] * len(batched)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, instruction in enumerate(program.instructions):
            batched.append(any(map(batched.__getitem__, instruction.operands)))
            depth.append(1 + max(map(depth.__getitem__, instruction.operands), default=0))
            groups.setdefault(_group(instruction, batched, depth), []).append(i)
        ordered = sorted(groups.items(), key=lambda item: (item[0][1], item[1][0]))
        steps = [_STEPS[key[0]](program, members, -1, key[2], key[1]) for key, members in ordered]
        reads = [_operand_slots(step, program) for step in steps]

        self.blocks = [Block(a.name, a.size, True) for a in arguments]
        self.parameters_block = len(self.blocks)
        self.blocks += [
            Block("parameters", n_parameters, False),
            Block("constants", len(program.constants), False),
        ]
        # Where each slot's values are: a row (block, column) per slot; an instruction's is
        # filled in once its step has a block.
        where = np.full((len(batched), 2), -1, dtype=np.intp)
        first = 0
        for b, argument in enumerate(arguments):
            _place(where, range(first, first + argument.size), b)
            first += argument.size
        layout = _parameter_layout(reads, range(first, first + n_parameters))
        _place(where, layout, self.parameters_block)
        first += n_parameters
        _place(where, range(first, first + len(program.constants)), self.parameters_block + 1)
        for step, slots in zip(steps, reads, strict=True):
            step.block = len(self.blocks)
            self.blocks.append(Block(f"step {len(self.blocks)}", len(step.members), step.batched))
            step.operands = [Gather(where, self.blocks, s) for s in slots]
            _place(where, step.outs, step.block)
        self.steps = steps
        self.needs_grad = [False] * len(self.blocks)
        self.needs_grad[self.parameters_block] = True
        for step in self.steps:
            for gather in step.operands:
                gather.needs_grad = any(self.needs_grad[b] for b in gather.blocks)
            self.needs_grad[step.block] = any(g.needs_grad for g in step.operands)
        self.outputs = Gather(where, self.blocks, program.outputs)
        self.first_output = Gather(where, self.blocks, program.outputs[:1])  # what backward seeds
        self.feeds_loss = [False] * len(self.blocks)  # the blocks the first output depends on
        for b in self.first_output.blocks:
            self.feeds_loss[b] = True
        for step in reversed(self.steps):
            if self.feeds_loss[step.block]:
                for gather in step.operands:
                    for b in gather.blocks:
                        self.feeds_loss[b] = True
        self.constants = np.array(program.constants, dtype=np.float64)
        self.parameters = tuple(program.parameters[s - n_inputs] for s in layout)

    def forward(self, inputs: list[Any], parameters: Any, samples: int) -> tuple[Arrays, Arrays]:
        """Every block's values at a batch (the inputs, one array per argument, then the
        parameters and constants, then each step's), and each step's arguments, which the
        backward pass reads again."""
        values: Arrays = [*inputs, parameters, self.constants] + [None] * len(self.steps)
        arguments: Arrays = []
        with np.errstate(**FAST):
            for step in self.steps:
                gathered = step.arguments(values, samples)
                arguments.append(gathered)
                try:
                    values[step.block] = step.forward(gathered, samples, checked=False)
                except FloatingPointError:
                    with np.errstate(**CHECKED):
                        values[step.block] = step.forward(gathered, samples, checked=True)
        return values, arguments

    def results(self, values: Arrays, samples: int) -> Any:
        """The outputs, an array (samples, outputs)."""
        outputs = self.outputs.take(values, samples)
        if outputs.ndim == 2:
            return outputs
        return np.broadcast_to(outputs, (samples, self.outputs.size))  # the same for every sample

    def backward(self, values: Arrays, arguments: Arrays, seed: Any, samples: int) -> Any:
        """The gradient of Σ seed[s]·output[s] (the first output) with respect to each
        parameter (an array).
        Run fast; if a NaN or inf turns up, run again with every check, to name where."""
        try:
            with np.errstate(**FAST):
                gradient = self._backward(values, arguments, seed, samples, checked=False)
            if np.isfinite(gradient).all():
                return gradient
        except FloatingPointError:
            pass
        with np.errstate(**CHECKED):
            gradient = self._backward(values, arguments, seed, samples, checked=True)
        position = int(np.argmax(~np.isfinite(gradient)))
        value = float(gradient[position])
        raise _arithmetic_error(
            value, f"the gradient of parameter {position} of the program is {value!r}"
        )

    def _backward(
        self, values: Arrays, arguments: Arrays, seed: Any, samples: int, checked: bool
    ) -> Any:
        grads: Arrays = [None] * len(self.blocks)
        self.first_output.add(grads, self.blocks, np.asarray(seed)[:, None], samples)
        for k in range(len(self.steps) - 1, -1, -1):
            step = self.steps[k]
            if not self.feeds_loss[step.block]:
                continue
            gradient, out = grads[step.block], values[step.block]
            if gradient is None:  # no parameter behind it
                step.local_derivatives(arguments[k], out, samples, checked)
                continue
            for gather, part in step.contributions(arguments[k], out, gradient, samples, checked):
                gather.add(grads, self.blocks, part, samples)
                if checked:
                    for b in gather.blocks:
                        step.check_finite(
                            grads[b],
                            "the gradient of a node is {value!r}, the sum of finite parts",
                            samples,
                        )
        found = grads[self.parameters_block]
        return np.zeros(len(self.parameters)) if found is None else found

    def to_text(self) -> str:
        """The steps, one per line: what each runs at once."""
        program = self.program
        lines = [
            f"{program.name}, fused: {len(program.instructions)} instructions in "
            f"{len(self.steps)} steps, each for every sample at once"
        ]
        for k, step in enumerate(self.steps, start=1):
            count = len(step.members)
            if step.kind == "layer":
                inputs = step.operands[2].size
                what = f"{count} × linear of {inputs} inputs: one matrix product"
            elif step.kind == "sum":
                what = f"{count} × sum of {step.operands[0].size // count}: one reduction"
            else:
                what = f"{count} × {step.fn.name}"
            once = "" if step.batched else "  (parameters and constants only: once per call)"
            slots = f"%{step.outs[0]}" + (f"…%{step.outs[-1]}" if count > 1 else "")
            lines.append(f"step {k:<3} depth {step.depth:<3} {what:<44} -> {slots}{once}")
        return "\n".join(lines)


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
    return ("map", level, is_batched, instruction.fn, len(operands))


_STEPS: dict[str, type[_Step]] = {"map": MapStep, "sum": SumStep, "layer": LayerStep}


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


def _operand_slots(step: _Step, program: Program) -> list[list[int]]:
    """The slots each of a step's gathers reads, in column order."""
    operands = [program.instructions[i].operands for i in step.members]
    if step.kind == "sum":
        return [[s for ops in operands for s in ops]]
    if step.kind == "layer":
        return [
            [ops[0] for ops in operands],
            [w for ops in operands for w in ops[1::2]],
            list(operands[0][2::2]),
        ]
    return [[ops[p] for ops in operands] for p in range(len(operands[0]))]
