"""``Module``: the base of every network part, with PyTorch's names for its housekeeping."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from autograd import Value

FORMAT = "valuegrad-module"


class Module:
    """A part of a network: it owns parameters (Values) and sub-modules.

    Parameters are found by walking the attributes in the order they were set: a Value, a
    Module, or a list of either. ``named_parameters()`` gives them dotted names such as
    ``layers.0.neurons.3.w1``, which drawings use to group nodes into clusters.
    """

    training: bool = True

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """(dotted name, parameter) pairs, in a fixed order."""
        for name, member in self._members():
            yield from _named(member, prefix + name)

    def parameters(self) -> list[Value]:
        """Every parameter: layer by layer, neuron by neuron, weights then bias."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (backward() adds into leaves)."""
        for p in self.parameters():
            p.grad = 0.0

    def train(self, mode: bool = True) -> Module:
        """Training mode (the default): Dropout drops. Returns the module."""
        self.training = mode
        for _, member in self._members():
            for module in _modules_in(member):
                module.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: Dropout passes its input through."""
        return self.train(False)

    def state_dict(self) -> dict[str, float]:
        """Each parameter's value by name: what ``save`` writes."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from ``state``. The names must match exactly and every value
        must be a finite number; otherwise it raises and no parameter changes."""
        named = dict(self.named_parameters())
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping, got {type(state).__name__}")
        missing = [name for name in named if name not in state]
        unexpected = [name for name in state if name not in named]
        if missing or unexpected:
            raise ValueError(
                f"load_state_dict: {type(self).__name__} has {len(named)} parameters, the state "
                f"has {len(state)}; missing {_few(missing)}, unexpected {_few(unexpected)}"
            )
        values = {}
        for name, value in state.items():
            if type(value) not in (int, float):
                raise TypeError(f"load_state_dict: {name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"load_state_dict: {name} must be finite, got {value!r}")
            values[name] = float(value)
        for name, p in named.items():  # only after everything was checked
            p.data = values[name]

    def save(self, path: str | Path) -> Path:
        """Write the parameters to ``path`` as JSON (never pickle). Returns the path."""
        path = Path(path)
        document = {
            "format": FORMAT,
            "module": type(self).__name__,
            "parameters": self.state_dict(),
        }
        path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        return path

    def load(self, path: str | Path) -> Module:
        """Read parameters written by ``save``. A corrupt or mismatched file raises
        ValueError and leaves the module unchanged. Returns the module."""
        path = Path(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"load: {path} is not a saved module: {error}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(f"load: {path} is not a saved module (no {FORMAT!r} header)")
        if document.get("module") != type(self).__name__:
            raise ValueError(
                f"load: {path} holds a {document.get('module')}, not a {type(self).__name__}"
            )
        self.load_state_dict(document.get("parameters"))
        return self

    def _members(self) -> Iterator[tuple[str, Any]]:
        """Attributes that may hold parameters, in the order they were set."""
        for name, member in vars(self).items():
            if not name.startswith("_") and name != "training":
                yield name, member

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.parameters())} parameters)"


def _named(member: Any, name: str) -> Iterator[tuple[str, Value]]:
    if isinstance(member, Value):
        yield name, member
    elif isinstance(member, Module):
        yield from member.named_parameters(name + ".")
    elif isinstance(member, (list, tuple)):
        for i, item in enumerate(member):
            yield from _named(item, f"{name}.{i}")


def _modules_in(member: Any) -> Iterator[Module]:
    if isinstance(member, Module):
        yield member
    elif isinstance(member, (list, tuple)):
        for item in member:
            yield from _modules_in(item)


def _few(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")
