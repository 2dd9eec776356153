"""``Module``: the base of every network part, with PyTorch's names for its housekeeping."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, SupportsIndex

import autograd
from autograd import Value, checks, files

FORMAT = "valuegrad-module"
BYTES_PER_PARAMETER = 256  # a saved parameter takes about 30 bytes beyond its name


class Module:
    """A part of a network: it owns parameters (Values) and sub-modules.

    Parameters are found by walking the attributes in the order they were set: a Value, a
    Module, or a list of either. ``named_parameters()`` gives them dotted names such as
    ``layers.0.neurons.3.w1``, which drawings use to group nodes into clusters.
    """

    _changes = 0  # how many times any module's structure has changed: see __setattr__

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    def __trace_guard__(self) -> tuple[object, Callable[[], object], str]:
        """What a compiled function that names this module (in its variables, or as itself)
        assumes of it: that no module's structure has changed since it was traced (see
        ``autograd.compile``). As (key, read, what) for ``autograd.guard``."""
        return _STRUCTURE, _structure, "the parameters and sub-modules of the nn modules"

    def __setattr__(self, name: str, value: Any) -> None:
        """Set an attribute; a change of structure (a parameter or a sub-module, or a list of
        them, added or replaced) is counted, so that compiled functions notice it. A list is
        kept as a ``ModuleList``, which counts the changes made to it in place."""
        if name != "training":
            if type(value) is list:
                value = ModuleList(value)
            Module._changes += 1
        object.__setattr__(self, name, value)

    @property
    def training(self) -> bool:
        """True in training mode (the default), False in evaluation mode. Read inside a
        function being compiled, it is an assumption of the trace, checked at every call."""
        if autograd.is_tracing():
            autograd.guard(
                (_TRAINING, id(self)),
                lambda: self.__dict__.get("_training", True),
                f"{type(self).__name__}'s training mode",
            )
        training: bool = self.__dict__.get("_training", True)
        return training

    @training.setter
    def training(self, mode: bool) -> None:
        self.__dict__["_training"] = bool(mode)

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
        values = {
            name: checks.real(value, "load_state_dict", name) for name, value in state.items()
        }
        for name, p in named.items():  # only after everything was checked
            p.data = values[name]

    def save(self, path: str | Path) -> Path:
        """Write the parameters to ``path`` as JSON (never pickle), atomically: if anything
        fails (a full disk, an interruption), the file ``path`` held before is untouched.
        Non-finite parameters (from an optimizer that diverged) are refused. Returns the path.
        """
        state = self.state_dict()
        for name, value in state.items():
            if not math.isfinite(value):
                raise ValueError(
                    f"save: {name} is {value!r}, which JSON cannot hold (did training diverge?); "
                    f"nothing was written, {path} is as it was"
                )
        document = {"format": FORMAT, "module": type(self).__name__, "parameters": state}
        return files.write_atomic(path, json.dumps(document, indent=1, allow_nan=False) + "\n")

    def load(self, path: str | Path) -> Module:
        """Read parameters written by ``save``. A corrupt or mismatched file raises
        ValueError naming the file and leaves the module unchanged. Only a regular file is
        read (a link is followed; a FIFO or a device is refused without reading it), and
        never more of it than a saved file of this module could hold. Returns the module."""
        path = Path(path)
        named = [name for name, _ in self.named_parameters()]
        limit = 65536 + sum(len(name) + BYTES_PER_PARAMETER for name in named)
        what = f"a saved {type(self).__name__} of {len(named)} parameters"
        data = files.read_limited(path, limit, "load", what)
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise ValueError(f"load: {path} is not a saved module: {error}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(f"load: {path} is not a saved module (no {FORMAT!r} header)")
        if document.get("module") != type(self).__name__:
            raise ValueError(
                f"load: {path} holds a {document.get('module')}, not a {type(self).__name__}"
            )
        parameters = document.get("parameters")
        if not isinstance(parameters, dict):
            raise ValueError(f"load: {path} has no mapping of parameters")
        try:
            self.load_state_dict(parameters)
        except (TypeError, ValueError, OverflowError) as error:
            raise ValueError(f"load: {path} does not fit: {error}") from None
        return self

    if TYPE_CHECKING:  # for type checkers only: nn.bridge adds these when nn is imported

        def to_torch(self) -> Any: ...
        def torch_state_dict(self) -> dict[str, Any]: ...
        def load_torch_state_dict(self, state: Mapping[str, Any]) -> None: ...
        def torch_names(self) -> dict[str, str]: ...

    def _members(self) -> Iterator[tuple[str, Any]]:
        """Attributes that may hold parameters, in the order they were set."""
        for name, member in vars(self).items():
            if not name.startswith("_") and name != "training":
                yield name, member

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.parameters())} parameters)"


_STRUCTURE = "nn.Module structure"
_TRAINING = "nn.Module training"


def _structure() -> int:
    return Module._changes


class ModuleList(list[Any]):
    """A module's list of parameters or sub-modules (a neuron's weights, an MLP's layers):
    a list that counts the changes made to it in place, as ``Module.__setattr__`` does."""

    _holders: list[Any] | None = None  # its items that can hold modules: see _holders()

    def _changed(self) -> None:
        Module._changes += 1
        self._holders = None

    def __setitem__(self, index: Any, value: Any) -> None:
        self._changed()
        super().__setitem__(index, value)

    def __delitem__(self, index: Any) -> None:
        self._changed()
        super().__delitem__(index)

    # += takes any iterable, + only a list: mypy's misc, as on typeshed's own list.__iadd__.
    def __iadd__(self, values: Iterable[Any]) -> ModuleList:  # type: ignore[misc]
        self._changed()
        return super().__iadd__(values)

    def __imul__(self, n: SupportsIndex) -> ModuleList:
        self._changed()
        return super().__imul__(n)

    def append(self, value: Any) -> None:
        self._changed()
        super().append(value)

    def extend(self, values: Any) -> None:
        self._changed()
        super().extend(values)

    def insert(self, index: Any, value: Any) -> None:
        self._changed()
        super().insert(index, value)

    def pop(self, index: Any = -1) -> Any:
        self._changed()
        return super().pop(index)

    def remove(self, value: Any) -> None:
        self._changed()
        super().remove(value)

    def clear(self) -> None:
        self._changed()
        super().clear()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._changed()
        super().sort(*args, **kwargs)

    def reverse(self) -> None:
        self._changed()
        super().reverse()


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
        for item in _holders(member):
            yield from _modules_in(item)


def _holders(items: list[Any] | tuple[Any, ...]) -> list[Any]:
    """The items that can hold modules (a neuron's 784 weights hold none). A ModuleList
    remembers them until it changes, so that ``train()`` at every epoch does not look at
    every weight again."""
    if type(items) is ModuleList:
        if items._holders is None:
            items._holders = _holders(list(items))
        return items._holders
    return [item for item in items if isinstance(item, (Module, list, tuple))]


def _few(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")
