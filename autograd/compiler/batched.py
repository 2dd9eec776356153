"""``autograd.compile``: trace a per-sample function once, then run it for whole batches
with NumPy, as one Value in the eager graph."""

from __future__ import annotations

from collections.abc import Callable
from math import isfinite
from operator import attrgetter
from typing import Any

import numpy as np

from ..engine import Value, _arithmetic_error, _record
from ..modes import is_tracing
from .fusion import FusedProgram
from .tracing import ConcretizationError, Program, trace

_data = attrgetter("data")


class CompiledFunction:
    """``fn``, a function of one sample, traced at its first call and from then on replayed
    for a whole batch at once (like ``jax.jit(jax.vmap(fn))``).

    Calling it with a batch (each argument with a leading sample axis: a NumPy array or a
    list) returns one Value: the mean (or the sum) of ``fn`` over the samples, whose parents
    are ``fn``'s parameters, so that ``backward()`` fills their ``.grad`` as the eager mean
    would. ``map`` gives the value at every sample instead, with no graph. With
    ``has_aux=True`` (JAX's name), ``fn`` returns a list, the value to reduce first, and a
    call returns (Value, the other outputs at every sample as an array), from one replay.
    """

    def __init__(self, fn: Callable[..., Any], reduction: str, has_aux: bool = False) -> None:
        self.fn = fn
        self.reduction = reduction
        self.has_aux = has_aux
        self.name = getattr(fn, "__name__", type(fn).__name__)
        self._fused: FusedProgram | None = None

    @property
    def program(self) -> Program:
        """The traced program (after the first call)."""
        return self.fused.program

    @property
    def fused(self) -> FusedProgram:
        """The program's fused steps (after the first call)."""
        if self._fused is None:
            raise ValueError(f"compiled({self.name}) is traced at its first call: call it first")
        return self._fused

    def __call__(self, *batch: Any) -> Value | tuple[Value, Any]:
        fused, inputs, samples = self._prepare(batch)
        outputs = len(fused.program.outputs)
        if self.has_aux and fused.program.single:
            raise TypeError(
                f"compiled({self.name}, has_aux=True) must return a list: the value to reduce, "
                "then the auxiliary outputs"
            )
        if not self.has_aux and outputs > 1:
            raise TypeError(
                f"compiled({self.name}) returns {outputs} values for each sample, and only one "
                "can be reduced to a Value: compile with has_aux=True to reduce the first and "
                "get the others as arrays, or use .map(...) for them all"
            )
        replay, results = self._run(fused, inputs, samples)
        total = float(results[:, 0].sum())  # NumPy's mean is this sum over the count, too
        if self.reduction == "mean":
            total /= samples
        name = f"compiled({self.name})[{samples} samples]"
        if not isfinite(total):
            raise _arithmetic_error(
                total, f"{name}: the {self.reduction} over the samples is {total!r}"
            )
        weight = 1.0 if self.reduction == "sum" else 1.0 / samples
        value = _record(_Call(name, fused, replay, samples, weight), total, fused.parameters)
        if not self.has_aux:
            return value
        aux = np.array(results[:, 1:])
        return value, aux[:, 0] if outputs == 2 else aux

    def map(self, *batch: Any) -> Any:
        """``fn`` at every sample: a NumPy array (samples,), or (samples, outputs) where
        ``fn`` returns a list. No graph is recorded."""
        fused, inputs, samples = self._prepare(batch)
        results = np.array(self._run(fused, inputs, samples)[1])
        return results[:, 0] if fused.program.single else results

    @staticmethod
    def _run(fused: FusedProgram, inputs: list[Any], samples: int) -> tuple[Any, Any]:
        """One replay at the parameters' current values: what the backward pass needs (every
        block's values and every step's arguments), and the outputs (samples, outputs)."""
        parameters = np.fromiter(map(_data, fused.parameters), np.float64, len(fused.parameters))
        replay = fused.forward(inputs, parameters, samples)
        return replay, fused.results(replay[0], samples)

    def __repr__(self) -> str:
        state = "not traced yet" if self._fused is None else repr(self._fused.program)
        return f"compiled({self.name}, reduction={self.reduction!r}): {state}"

    def _prepare(self, batch: tuple[Any, ...]) -> tuple[FusedProgram, list[Any], int]:
        """The fused program (traced now, at the first sample, if not yet) and the batch as
        one array (samples, numbers per sample) per argument, checked against the trace."""
        if is_tracing():
            raise ConcretizationError(
                f"compiled({self.name}) is called inside a function being traced: call "
                f"{self.name} itself there"
            )
        arrays = [self._array(i, arg) for i, arg in enumerate(batch)]
        if not arrays:
            raise TypeError(f"compiled({self.name}) takes batches: at least one argument")
        samples = len(arrays[0])
        for i, array in enumerate(arrays):
            if len(array) != samples:
                raise ValueError(
                    f"compiled({self.name}): {self._name(0)} has {samples} samples but "
                    f"{self._name(i)} has {len(array)}"
                )
        if samples == 0:
            raise ValueError(f"compiled({self.name}) needs at least one sample")
        if self._fused is None:
            example = [a[0].tolist() if a.ndim == 2 else float(a[0]) for a in arrays]
            self._fused = trace(self.fn, *example).fuse()
        arguments = self._fused.program.arguments
        if len(arrays) != len(arguments):
            raise TypeError(
                f"compiled({self.name}) takes {len(arguments)} arguments, got {len(arrays)}"
            )
        inputs = []
        for argument, array in zip(arguments, arrays, strict=True):
            if (None if array.ndim == 1 else array.shape[1]) != argument.width:
                per_sample = "a number" if array.ndim == 1 else f"{array.shape[1]} numbers"
                traced = "a number" if argument.width is None else f"{argument.width} numbers"
                raise ValueError(
                    f"compiled({self.name}): each sample of {argument.name} holds {per_sample}, "
                    f"but the program was traced with {traced}"
                )
            inputs.append(array.reshape(samples, argument.size))
        return self._fused, inputs, samples

    def _array(self, i: int, arg: Any) -> Any:
        """One argument's batch as a float64 array: a number or a row of numbers per sample."""
        try:
            array = np.asarray(arg, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"compiled({self.name}): {self._name(i)} must hold numbers, one entry per "
                f"sample ({error})"
            ) from None
        if array.ndim not in (1, 2):
            raise ValueError(
                f"compiled({self.name}): {self._name(i)} must have a leading sample axis, and "
                f"each sample be a number or a sequence of numbers; got shape {array.shape}"
            )
        finite = np.isfinite(array)
        if not finite.all():
            sample = int(np.argmax(~finite.reshape(len(array), -1).all(axis=1)))
            raise ValueError(
                f"compiled({self.name}): {self._name(i)} holds a NaN or an infinity at sample "
                f"{sample}"
            )
        return array

    def _name(self, i: int) -> str:
        if self._fused is not None and i < len(self._fused.program.arguments):
            return f"argument {self._fused.program.arguments[i].name!r}"
        return f"argument {i}"


class _Call:
    """The op of the Value a compiled call returns: its local derivatives, one per parameter,
    are the replay's backward pass, run when backward() asks for them (once)."""

    __slots__ = ("_fused", "_gradient", "_replay", "_samples", "_weight", "name")

    def __init__(
        self, name: str, fused: FusedProgram, replay: Any, samples: int, weight: float
    ) -> None:
        self.name = name
        self._fused = fused
        self._replay = replay
        self._samples = samples
        self._weight = weight
        self._gradient: list[float] | None = None

    def local_grads(self, *parameters: Any, out: Any) -> list[float]:
        if parameters and isinstance(parameters[0], Value):
            raise TypeError(
                f"{self.name}: derivatives of derivatives need the eager graph: for "
                "grad(..., create_graph=True), call the function without compiling it"
            )
        if self._gradient is None:
            seed = np.full(self._samples, self._weight)
            values, arguments = self._replay
            self._gradient = self._fused.backward(values, arguments, seed, self._samples).tolist()
        return self._gradient
