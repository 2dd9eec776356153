"""Recording modes: ``no_grad``, ``enable_grad``, ``detect_anomaly``, and tracing.

The mode lives in a ``contextvars.ContextVar``, so it is private to each thread and each
asyncio task: ``no_grad()`` in one thread never stops another thread from recording.
There are only eight modes, each a shared object, so the engine's hot path tests for the
default one with ``is``. Each context manager also works as a decorator (``@no_grad()``).
While ``autograd.trace`` records a function, the mode says so and ``tracer`` holds the
object that records each node.
"""

from __future__ import annotations

import os
import traceback
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any


class Mode:
    """What operations do right now: record a graph or not; watch for NaN/inf or not; hand
    each node to a tracer or not."""

    __slots__ = ("anomaly", "record", "tracing")

    def __init__(self, record: bool, anomaly: bool, tracing: bool) -> None:
        self.record = record
        self.anomaly = anomaly
        self.tracing = tracing

    def __repr__(self) -> str:
        return f"Mode(record={self.record}, anomaly={self.anomaly}, tracing={self.tracing})"


_FLAGS = (True, False)
_MODES = {(r, a, t): Mode(r, a, t) for r in _FLAGS for a in _FLAGS for t in _FLAGS}
RECORDING = _MODES[True, False, False]
"""The default mode: record the graph, no anomaly checks, no tracing."""

mode: ContextVar[Mode] = ContextVar("autograd_mode", default=RECORDING)

tracer: ContextVar[Any] = ContextVar("autograd_tracer", default=None)
"""While ``autograd.trace`` runs: what records each node (see ``autograd.compiler``)."""

# Inside detect_anomaly(): where each node was created, so that a failure in backward() can
# point at the line of the forward pass that made the failing op, as PyTorch's anomaly mode does.
# Weakly keyed: a graph dropped inside the block is freed at once, its records with it.
_origins: ContextVar[weakref.WeakKeyDictionary[Any, list[traceback.FrameSummary]] | None] = (
    ContextVar("autograd_origins", default=None)
)
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_STDLIB_DIR = os.path.dirname(os.path.abspath(os.__file__)) + os.sep  # copy, pickle, functools…
_SITE_PACKAGES = ("site-packages", "dist-packages")


def is_grad_enabled() -> bool:
    """True when operations record the graph (the default); False inside ``no_grad()``."""
    return mode.get().record


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return mode.get().anomaly


def is_tracing() -> bool:
    """True while ``autograd.trace`` (or a compiled function's first call) records a function:
    code that cannot be recorded, such as drawing a random mask, can check it."""
    return mode.get().tracing


@contextmanager
def _switch(
    *, record: bool | None = None, anomaly: bool | None = None, tracing: bool | None = None
) -> Iterator[None]:
    now = mode.get()
    token = mode.set(
        _MODES[
            now.record if record is None else record,
            now.anomaly if anomaly is None else anomaly,
            now.tracing if tracing is None else tracing,
        ]
    )
    try:
        yield
    finally:
        mode.reset(token)


@contextmanager
def no_grad() -> Iterator[None]:
    """Compute values without recording a graph: every result is a leaf with no parents.

    Use it for evaluation and for parameter updates. ``backward()`` itself is unaffected.
    """
    with _switch(record=False):
        yield


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph again inside an enclosing ``no_grad()``."""
    with _switch(record=True):
        yield


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``FloatingPointError`` at the first op whose value or gradient is NaN or ±inf.

    The error names the op and its operands' values and labels; for a failure in
    ``backward()`` it also shows the forward-pass line that created the op. Recording those
    lines makes every operation much slower: use it to debug, not to train.
    """
    origins = _origins.get()
    token = _origins.set(weakref.WeakKeyDictionary() if origins is None else origins)
    try:
        with _switch(anomaly=True):
            yield
    finally:
        _origins.reset(token)


@contextmanager
def tracing(recorder: Any) -> Iterator[None]:
    """Hand every node made inside the block to ``recorder`` (``autograd.trace`` uses it)."""
    token = tracer.set(recorder)
    try:
        with _switch(record=True, tracing=True):
            yield
    finally:
        tracer.reset(token)


def user_frames() -> list[traceback.FrameSummary]:
    """The current call stack without the frames inside the autograd package or Python's own
    library: the user's code that led here, innermost last."""
    return [frame for frame in traceback.extract_stack() if _is_users(frame.filename)]


def _is_users(filename: str) -> bool:
    """Whether a frame's file is the user's: neither this package nor Python's own library
    (whose ``copy.copy``, say, only passed the call on)."""
    if filename.startswith(_PACKAGE_DIR):
        return False
    if filename.startswith(_STDLIB_DIR):
        return any(part in filename for part in _SITE_PACKAGES)
    return True


def remember_origin(node: object) -> None:
    """Record where ``node`` is being created; the engine calls this in anomaly mode only."""
    origins = _origins.get()
    if origins is not None:
        origins[node] = user_frames()


def origin_of(node: object) -> str:
    """The forward-pass lines that created ``node``, if ``detect_anomaly()`` recorded them."""
    origins = _origins.get()
    frames = None if origins is None else origins.get(node)
    if not frames:
        return ""
    where = "".join(traceback.format_list(frames[-3:]))
    return f"\nThe op was created in the forward pass at:\n{where}"
