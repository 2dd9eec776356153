"""``autograd.compile``: trace a per-sample function once, then run it for whole batches
with NumPy, as one Value in the eager graph, or on a parameters array."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from math import isfinite
from operator import attrgetter
from typing import Any

import numpy as np

from ..checks import real
from ..engine import Value, _arithmetic_error, _record
from ..modes import is_tracing
from .codegen import Generated, NonFiniteError, _filled, generate
from .fusion import DOMAIN_ERRORS, FusedProgram, fuse
from .tracing import ConcretizationError, Guard, Program, trace

_data = attrgetter("data")

# The fast variant runs with NumPy raising at the first overflow, division by zero or invalid
# operation: nothing to check when nothing goes wrong. If anything does, the checked variant
# runs again, with every check, to name the op and the sample (or to find nothing wrong).
FAST = partial(np.errstate, over="raise", divide="raise", invalid="raise", under="ignore")
CHECKED = partial(np.errstate, all="ignore")
_RETRY = (FloatingPointError, NonFiniteError, *DOMAIN_ERRORS)


class CompiledFunction:
    """``fn``, a function of one sample, traced at its first call and from then on replayed
    for a whole batch at once (like ``jax.jit(jax.vmap(fn))``).

    Calling it with a batch (each argument with a leading sample axis: a NumPy array or a
    list) returns one Value: the mean (or the sum) of ``fn`` over the samples, whose parents
    are ``fn``'s parameters, so that ``backward()`` fills their ``.grad`` as the eager mean
    would. ``map`` gives the value at every sample instead, with no graph. With
    ``has_aux=True`` (JAX's name), ``fn`` returns a list, the value to reduce first, and a
    call returns (Value, the other outputs at every sample as an array), from one replay.
    ``value_and_grad`` runs on a parameters array instead of the Values (see ``parameters``).
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        reduction: str,
        has_aux: bool = False,
        parameters: Sequence[Value] | None = None,
    ) -> None:
        self.fn = fn
        self.reduction = reduction
        self.has_aux = has_aux
        self.name = getattr(fn, "__name__", type(fn).__name__)
        self._order = None if parameters is None else list(parameters)
        self._generated: Generated | None = None
        self._earlier: list[Generated] = []  # traces whose assumptions may hold again
        self._outputs_checked: Generated | None = None  # the program _check_outputs passed

    @property
    def program(self) -> Program:
        """The traced program (after the first call)."""
        return self.fused.program

    @property
    def fused(self) -> FusedProgram:
        """The program's fused steps (after the first call)."""
        return self._traced().fused

    @property
    def source(self) -> str:
        """The generated Python source that runs a batch: ``forward`` and ``backward``, the
        vectorised program the scalar graph became (after the first call)."""
        return self._traced().source

    @property
    def parameters(self) -> tuple[Value, ...]:
        """The parameters in the order of the array ``value_and_grad`` takes (after the first
        call): the order given to ``compile``, then any others the function reads."""
        return self.fused.parameters

    def trace(self, *batch: Any) -> Program:
        """Trace now, at the first sample of ``batch``, unless traced already and every
        assumption of that trace still holds; the program."""
        return self._prepare(batch, copy=False)[0].fused.program

    def is_current(self) -> bool:
        """Whether it is traced and every assumption of the trace still holds (see
        ``Program.guards``): the training mode of the modules it calls, their structure,
        the function's variables."""
        return self._generated is not None and _hold(self._generated.fused.program.guards)

    def _traced(self) -> Generated:
        if self._generated is None:
            raise ValueError(f"compiled({self.name}) is traced at its first call: call it first")
        return self._generated

    def __call__(self, *batch: Any) -> Value | tuple[Value, Any]:
        generated, samples, outputs, saved, total = self._reduced(batch, True, None, "")
        name = f"compiled({self.name})[{samples} samples]"
        call = _Call(name, generated, saved, samples, self._weight(samples))
        value = _record(call, total, generated.fused.parameters)
        if not self.has_aux:
            return value
        return value, _aux(outputs)

    def value_and_grad(self, parameters: Any, *batch: Any) -> tuple[float, Any, Any]:
        """The mean (or sum) of ``fn`` over the batch, its gradient with respect to the
        parameters and, with ``has_aux``, the other outputs at each sample (else None): all
        at ``parameters``, a float64 array in the order of ``.parameters``, not the Values'
        own ``.data``. No graph is recorded; nothing is kept. Traced at the first call."""
        generated, inputs, samples, parameters = self._ready(
            batch, False, parameters, "value_and_grad"
        )
        seed = _filled(samples, self._weight(samples))  # each sample's weight, read-only
        try:
            with FAST():  # both passes under one errstate, as in _forward and _backward
                outputs, saved = generated.forward(samples, *inputs, parameters)
                gradient = generated.backward(samples, seed, saved)
        except _RETRY:  # each pass again, the checked variant naming what failed
            outputs, saved = _forward(generated, samples, inputs, parameters)
            self._reduce(outputs, samples)  # a total that is not finite is named first
            gradient = _backward(generated, samples, seed, saved)
        total = self._reduce(outputs, samples)
        return total, gradient, _aux(outputs) if self.has_aux else None

    def _ready(
        self, batch: tuple[Any, ...], copy: bool, parameters: Any, where: str
    ) -> tuple[Generated, list[Any], int, Any]:
        """What a call or ``value_and_grad`` runs on (see ``_prepare`` and
        ``_parameters_at``): the program, the inputs, the samples and the parameters."""
        generated, inputs, samples = self._prepare(batch, copy=copy)
        if generated is not self._outputs_checked:  # once per program
            self._check_outputs(generated.fused)
            self._outputs_checked = generated
        return generated, inputs, samples, self._parameters_at(generated.fused, parameters, where)

    def _reduced(
        self, batch: tuple[Any, ...], copy: bool, parameters: Any, where: str
    ) -> tuple[Generated, int, Any, Any, float]:
        """The forward pass of a call: the program, the samples, the outputs, what the
        backward pass reads, and the first output's mean or sum."""
        generated, inputs, samples, parameters = self._ready(batch, copy, parameters, where)
        outputs, saved = _forward(generated, samples, inputs, parameters)
        return generated, samples, outputs, saved, self._reduce(outputs, samples)

    def map(self, *batch: Any, parameters: Any = None) -> Any:
        """``fn`` at every sample: a NumPy array (samples,), or (samples, outputs) where
        ``fn`` returns a list. No graph is recorded. At the Values' ``.data``, or at
        ``parameters``, an array in the order of ``.parameters``."""
        generated, inputs, samples = self._prepare(batch, copy=False)
        fused = generated.fused
        parameters = self._parameters_at(fused, parameters, "map")
        results = np.array(_forward(generated, samples, inputs, parameters)[0])
        return results[:, 0] if fused.program.single else results

    def _parameters_at(self, fused: FusedProgram, parameters: Any, where: str) -> Any:
        """The parameters array a run uses: the Values' own numbers if ``parameters`` is None,
        else ``parameters``, checked to be an array of them all (``where`` names the caller)."""
        expected = len(fused.parameters)
        if parameters is None:
            return np.fromiter(map(_data, fused.parameters), np.float64, expected)
        if not isinstance(parameters, np.ndarray) or parameters.shape != (expected,):
            raise ValueError(
                f"compiled({self.name}).{where}: expected a float64 array of the "
                f"{expected} parameters, got {type(parameters).__name__} of shape "
                f"{np.shape(parameters)}"
            )
        if parameters.dtype is _FLOAT64:
            return parameters
        if parameters.dtype.kind not in "fiub":
            raise TypeError(
                f"compiled({self.name}).{where}: the parameters must be real numbers, got "
                f"an array of {parameters.dtype}"
            )
        return parameters.astype(np.float64)  # ints computed as ints would wrap around

    def _weight(self, samples: int) -> float:
        """Each sample's weight in the reduced value: 1 for a sum, 1/samples for a mean."""
        return 1.0 if self.reduction == "sum" else 1.0 / samples

    def _check_outputs(self, fused: FusedProgram) -> None:
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

    def _reduce(self, outputs: Any, samples: int) -> float:
        """The first output's mean (or sum) over the samples, as NumPy's mean computes it."""
        total = float(outputs[:, 0].sum())
        if self.reduction == "mean":
            total /= samples
        if not isfinite(total):
            name = f"compiled({self.name})[{samples} samples]"
            raise _arithmetic_error(
                total, f"{name}: the {self.reduction} over the samples is {total!r}"
            )
        return total

    def __repr__(self) -> str:
        state = "not traced yet" if self._generated is None else repr(self.program)
        return f"compiled({self.name}, reduction={self.reduction!r}): {state}"

    def _prepare(self, batch: tuple[Any, ...], copy: bool) -> tuple[Generated, list[Any], int]:
        """The generated program (traced now, at the first sample, if not yet) and the batch
        as one array (samples, numbers per sample) per argument, checked against the trace;
        copied if ``copy``, so that changing the caller's arrays later changes nothing."""
        if is_tracing():
            raise ConcretizationError(
                f"compiled({self.name}) is called inside a function being traced: call "
                f"{self.name} itself there"
            )
        arrays = [self._array(i, arg, copy) for i, arg in enumerate(batch)]
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
        generated = self._generated
        if generated is None or not self.is_current():
            generated = self._generated = self._retrace(arrays)
        arguments = generated.fused.program.arguments
        if len(arrays) != len(arguments):
            raise TypeError(
                f"compiled({self.name}) takes {len(arguments)} arguments, got {len(arrays)}"
            )
        inputs = []
        for argument, array in zip(arguments, arrays, strict=True):
            width = None if array.ndim == 1 else array.shape[1]
            if width != argument.width:
                raise ValueError(
                    f"compiled({self.name}): each sample of {argument.name} holds "
                    f"{_sample(width)}, but the program was traced with {_sample(argument.width)}"
                )
            inputs.append(array if array.ndim == 2 else array.reshape(samples, 1))
        return generated, inputs, samples

    def _array(self, i: int, arg: Any, copy: bool) -> Any:
        """One argument's batch as a float64 array: a number or a row of numbers per sample.
        Numbers of any real type are taken (bools, ints, NumPy's, Fractions); anything else
        is a TypeError naming it: strings are not parsed, and Values are refused, since a
        batch is data, whose gradient a compiled call does not compute."""
        if type(arg) is np.ndarray and arg.dtype is _FLOAT64:
            array = arg.copy() if copy else arg
        else:
            try:
                array = np.array(arg)
            except (TypeError, ValueError) as error:
                raise TypeError(
                    f"compiled({self.name}): {self._name(i)} must hold numbers, one entry per "
                    f"sample ({error})"
                ) from None
            if array.dtype.kind in "fiub":
                array = array.astype(np.float64)
            elif array.dtype.kind == "O":
                array = self._numbers(i, array)
            else:
                raise TypeError(
                    f"compiled({self.name}): {self._name(i)} must hold real numbers, got an "
                    f"array of {array.dtype} (for example {array.ravel()[:1].tolist()})"
                )
        if array.ndim not in (1, 2):
            raise ValueError(
                f"compiled({self.name}): {self._name(i)} must have a leading sample axis, and "
                f"each sample be a number or a sequence of numbers; got shape {array.shape}"
            )
        if not isfinite(np.vdot(array, array)):  # Σ x², one call; look closer if not finite
            finite = np.isfinite(array)
            if not finite.all():
                sample = int(np.argmax(~finite.reshape(len(array), -1).all(axis=1)))
                raise ValueError(
                    f"compiled({self.name}): {self._name(i)} holds a NaN or an infinity at "
                    f"sample {sample}"
                )
        return array

    def _numbers(self, i: int, array: Any) -> Any:
        """An array of Python objects as floats, each checked as eager checks an operand."""
        floats = np.empty(array.shape, dtype=np.float64)
        for position, item in np.ndenumerate(array):
            sample = position[0] if position else 0
            if isinstance(item, Value):
                raise TypeError(
                    f"compiled({self.name}): {self._name(i)} holds a Value at sample {sample}: "
                    "a batch is data, given as numbers, and a compiled call computes no "
                    "gradient for it (its .grad would stay 0); pass the numbers (v.data), or "
                    f"call {self.name} without compiling to differentiate with respect to them"
                )
            floats[position] = real(item, f"compiled({self.name})", f"{self._name(i)}[{sample}]")
        return floats

    def _retrace(self, arrays: list[Any]) -> Generated:
        """A trace whose assumptions hold: an earlier one, or a new one at the first sample.
        (A model in training mode and in eval mode, say, each have one.)"""
        if self._generated is not None and self._generated not in self._earlier:
            self._earlier = [self._generated, *self._earlier][:_KEPT]
        for generated in self._earlier:
            if _hold(generated.fused.program.guards):
                self._earlier.remove(generated)
                return generated
        example = [a[0].tolist() if a.ndim == 2 else float(a[0]) for a in arrays]
        program = trace(self.fn, *example)
        program.guards += _variable_guards(self.fn)
        return generate(fuse(program, self._order))

    def _name(self, i: int) -> str:
        if self._generated is not None and i < len(self.program.arguments):
            return f"argument {self.program.arguments[i].name!r}"
        return f"argument {i}"


_KEPT = 4  # traces kept for when their assumptions hold again
_FLOAT64 = np.dtype(np.float64)  # the one dtype object of native float64 arrays


def _sample(width: int | None) -> str:
    """What one sample of an argument holds, in an error's words: a number (one per sample),
    or a row of numbers (a list per sample, even of one)."""
    if width is None:
        return "a number"
    return "a row of 1 number" if width == 1 else f"{width} numbers"


def _hold(guards: list[Guard]) -> bool:
    """Whether every assumption still holds (read on every call: a few comparisons; a plain
    loop, 40% cheaper than all() over a generator)."""
    for guard in guards:  # noqa: SIM110
        if not guard.holds():
            return False
    return True


def _variable_guards(fn: Callable[..., Any]) -> list[Guard]:
    """What a traced function reads by name, which the trace baked in: the variables it
    closes over and the globals it names. Each must still name the same object for the
    program to hold (a parameter rebound to a new Value, a rate rebound to a new number).
    An object among them (or ``fn`` itself) may say what else a trace assumes of it, by a
    method ``__trace_guard__()`` giving (key, read, what): an nn module, its structure."""
    code = getattr(fn, "__code__", None)
    if code is None:  # a callable object
        return _object_guards([fn])
    name = getattr(fn, "__name__", "the function")
    guards: list[Guard] = []
    for variable, cell in zip(code.co_freevars, fn.__closure__ or (), strict=True):
        try:
            value = cell.cell_contents
        except ValueError:  # not assigned yet
            continue
        guards.append(
            Guard(partial(getattr, cell, "cell_contents"), value, f"{name}'s {variable}", True)
        )
    names = fn.__globals__
    for variable in code.co_names:
        if variable in names:
            guards.append(
                Guard(
                    partial(names.get, variable),
                    names[variable],
                    f"the global {variable}",
                    True,
                )
            )
    return guards + _object_guards([fn, *(guard.value for guard in guards)])


def _object_guards(objects: list[Any]) -> list[Guard]:
    """The guards that objects state of themselves (``__trace_guard__``), each key once."""
    found: dict[object, Guard] = {}
    for thing in objects:
        stated = getattr(type(thing), "__trace_guard__", None)
        if stated is not None:
            key, read, what = stated(thing)
            if key not in found:
                found[key] = Guard(read, read(), what)
    return list(found.values())


def _forward(generated: Generated, samples: int, inputs: list[Any], parameters: Any) -> Any:
    """The outputs (samples, outputs) and what the backward pass reads: fast, or, if that
    fails, checked, which names the failure (or finds nothing wrong)."""
    try:
        with FAST():
            return generated.forward(samples, *inputs, parameters)
    except _RETRY:
        pass
    with CHECKED():
        return generated.checked_forward(samples, *inputs, parameters)


def _backward(generated: Generated, samples: int, seed: Any, saved: Any) -> Any:
    """The gradient of Σ seed[s]·output₀[s] with respect to the parameters array."""
    try:
        with FAST():
            return generated.backward(samples, seed, saved)
    except _RETRY:
        pass
    with CHECKED():
        gradient = generated.checked_backward(samples, seed, saved)
    finite = np.isfinite(gradient)
    if finite.all():
        return gradient
    position = int(np.argmax(~finite))
    value = float(gradient[position])
    parameter = generated.fused.parameters[position]
    named = f" ({parameter.label})" if parameter.label else ""
    raise _arithmetic_error(
        value, f"the gradient of parameter {position}{named} of the program is {value!r}"
    )


def _aux(outputs: Any) -> Any:
    """The outputs after the first, at each sample: (samples,) for one, else (samples, k). A
    copy: the outputs array may be what the backward pass reads (a program whose outputs
    are one step's), or an input itself, and a caller may write into what it is given."""
    aux = np.array(outputs[:, 1:])
    return aux[:, 0] if aux.shape[1] == 1 else aux


class _Call:
    """The op of the Value a compiled call returns: its local derivatives, one per parameter,
    are the replay's backward pass, run when backward() asks for them (once)."""

    __slots__ = ("_generated", "_gradient", "_samples", "_saved", "_weight", "name")

    def __init__(
        self, name: str, generated: Generated, saved: Any, samples: int, weight: float
    ) -> None:
        self.name = name
        self._generated = generated
        self._saved = saved
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
            seed = _filled(self._samples, self._weight)
            self._gradient = _backward(self._generated, self._samples, seed, self._saved).tolist()
        return self._gradient
