"""Compiling a scalar graph: record it once, replay it for a whole batch with NumPy.

Every training step rebuilds the same graph out of Python objects, one node per operation
per sample. Yet the graph of one sample is the same for every sample and every step. So,
as tracing compilers do (JAX's ``jit``/``vmap``, ``torch.compile``):

1. ``trace`` runs the function once on stand-in Values and records each op it performs: a
   ``Program``, a flat list of instructions that ``Program.to_text()`` prints
   (``tracing.py``);
2. ``fuse`` groups the instructions that NumPy can run together: ops of one kind at one
   depth, a layer's neurons as one matrix product (``fusion.py``);
3. ``codegen`` writes the fused program out as Python source, straight-line NumPy calls of
   each op's own ``forward`` and ``local_grads``, and compiles it once (``codegen.py``);
4. ``compile`` runs it for a whole batch at once and hands back one Value, the mean loss,
   whose parents are the parameters: the eager engine takes it from there (``batched.py``).

Dependencies point one way: tracing → fusion → codegen → batched.

NumPy is imported only when a compiled function first runs: ``import autograd`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..functional import _nodes
from .tracing import ConcretizationError, Guard, Program, guard, trace

if TYPE_CHECKING:
    from ..engine import Value
    from .batched import CompiledFunction

__all__ = [
    "CompiledFunction",
    "ConcretizationError",
    "Guard",
    "Program",
    "compile",
    "guard",
    "trace",
]


def compile(
    fn: Callable[..., Any],
    *,
    reduction: str = "mean",
    has_aux: bool = False,
    parameters: Sequence[Value] | None = None,
) -> CompiledFunction:
    """``fn``, a function of one sample returning one Value, as a function of a batch.

    ``compiled(X, y)`` (each argument with a leading sample axis, a NumPy array or a list)
    traces ``fn`` at the first sample on its first call, then evaluates every sample in one
    vectorized replay and returns one Value: the mean (``reduction="sum"``: the sum) over the
    samples, whose parents are ``fn``'s parameters. ``backward()`` on it, or on anything built
    from it, fills their ``.grad`` as the eager graph would, to about 1e-12.
    ``compiled.map(X, y)`` gives the value at each sample, as a NumPy array. With
    ``has_aux=True``, ``fn`` returns a list, the value to reduce first, and a call returns
    (Value, the other outputs at each sample): a training step's scores come for free.

    ``compiled.value_and_grad(p, X, y)`` runs on ``p``, a float64 array of the parameters,
    instead of the Values, and returns the mean, its gradient as an array and the other
    outputs: what a training loop that keeps its parameters in one array needs.
    ``parameters`` fixes that array's order (an optimizer's, say); by default it is the
    order the program reads them in. ``compiled.source`` shows the generated code.
    """
    if reduction not in ("mean", "sum"):
        raise ValueError(f"compile: reduction must be 'mean' or 'sum', got {reduction!r}")
    if not callable(fn):
        raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
    if parameters is not None:  # Values in an order: a mapping's keys or a set's order are not
        parameters = _nodes(parameters, "compile", "parameters")
    from .batched import CompiledFunction

    return CompiledFunction(fn, reduction, has_aux, parameters)


def __getattr__(name: str) -> object:
    """``CompiledFunction``, imported at its first use: its module needs NumPy."""
    if name == "CompiledFunction":
        from .batched import CompiledFunction

        globals()[name] = CompiledFunction
        return CompiledFunction
    raise AttributeError(f"module 'autograd.compiler' has no attribute {name!r}")
