"""From valuegrad to PyTorch and back: the same network, the same numbers.

An ``nn`` network is a stack of fully connected layers, each followed by one activation,
with dropout between hidden layers: exactly a ``torch.nn.Sequential`` of ``Linear``
layers and activation modules. Neuron k of layer i is row k of the i-th ``Linear``'s
weight matrix, its weight w_j the entry [k, j], its bias entry [k] of the bias:

    layers.0.neurons.3.w1   <->   0.weight[3, 1]
    layers.0.neurons.3.b    <->   0.bias[3]

(the index of each ``Linear`` counts the activation and dropout modules before it). Each
parameter is placed by its name and the model's structure, never by its position, and a
model whose parameters or parts a Sequential cannot hold is refused, naming them. Weights
cross over exactly, in float64. PyTorch is optional: it is imported only here, and only
when one of these functions runs (``pip install valuegrad[torch]``).

The dependency points one way: this module knows the layers, and gives them the methods
users call (``model.to_torch()``, ``model.torch_state_dict()``,
``model.load_torch_state_dict(state)``, ``model.torch_names()``, ``MLP.from_torch(module)``)
when ``nn`` is imported; ``nn.module`` and ``nn.layers`` never import it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from autograd import Value

from .layers import ACTIVATIONS, MLP, Dropout, Layer, Neuron
from .module import Module

__all__ = ["from_torch", "load_torch_state_dict", "to_torch", "torch_names", "torch_state_dict"]

ACTIVATION_MODULES = {
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",  # with PyTorch's default slope, 0.01, as Value.leaky_relu's
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "swish": "SiLU",
    "linear": "Identity",
}
LEAKY_SLOPE = 0.01


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ModuleNotFoundError(
            "Moving a model to or from PyTorch needs it: pip install valuegrad[torch]",
            name="torch",
        ) from None
    return torch


@dataclass(frozen=True)
class _Dense:
    """One fully connected layer as PyTorch holds it: its neurons (each with the prefix of
    its parameters' names, ``layers.0.neurons.3.``), their activation, and the place of its
    ``Linear`` in the Sequential."""

    neurons: list[Neuron]
    prefixes: list[str]
    activation: str
    position: int


def _layers(model: Module, where: str) -> tuple[list[_Dense], float]:
    """The model as fully connected layers and the dropout probability between the hidden
    ones, after checking that the Sequential would compute what the model computes: an MLP,
    a Layer or a Neuron whose parts compute what their classes say."""
    parts: list[tuple[str, Module]]
    if isinstance(model, MLP):
        _computes_as(model, MLP, where, type(model).__name__)
        if not isinstance(model.layers, list) or not model.layers:
            raise ValueError(f"{where}: {type(model).__name__}.layers is not a list of layers")
        parts = [(f"layers.{i}", layer) for i, layer in enumerate(model.layers)]
        dropout = _dropout(model, where)
    elif isinstance(model, (Layer, Neuron)):
        parts, dropout = [("", model)], 0.0
    else:
        raise TypeError(
            f"{where}: {type(model).__name__} is not a stack of layers; MLP, Layer and Neuron are"
        )
    layers: list[_Dense] = []
    position = 0
    for path, part in parts:
        neurons, prefixes = _neurons(part, path, where, type(model).__name__)
        activation = _activation_of(neurons, prefixes, path, where)
        widths = {len(neuron.w) for neuron in neurons}
        if len(widths) > 1:
            raise ValueError(f"{where}: {path or 'the layer'}'s neurons read different widths")
        if layers and len(neurons[0].w) != len(layers[-1].neurons):
            raise ValueError(
                f"{where}: {path} reads {len(neurons[0].w)} inputs, but "
                f"{parts[len(layers) - 1][0]} gives {len(layers[-1].neurons)}"
            )
        layers.append(_Dense(neurons, prefixes, activation, position))
        position += 2 + (1 if dropout and len(layers) < len(parts) else 0)
    return layers, dropout


def _neurons(part: Module, path: str, where: str, model: str) -> tuple[list[Neuron], list[str]]:
    """The neurons of one layer (a Layer, or a Neuron standing alone) with the prefixes of
    their parameters' names."""
    dotted = f"{path}." if path else ""
    if isinstance(part, Neuron):
        _computes_as(part, Neuron, where, path or model)
        return [part], [dotted]
    if not isinstance(part, Layer):
        raise ValueError(f"{where}: {path} is a {type(part).__name__}, not a Layer")
    _computes_as(part, Layer, where, path or model)
    neurons = part.neurons
    if not isinstance(neurons, list) or not neurons:
        raise ValueError(f"{where}: {path or model}.neurons is not a list of neurons")
    prefixes = []
    for k, neuron in enumerate(neurons):
        prefix = f"{dotted}neurons.{k}"
        if not isinstance(neuron, Neuron):
            raise ValueError(f"{where}: {prefix} is a {type(neuron).__name__}, not a Neuron")
        _computes_as(neuron, Neuron, where, prefix)
        prefixes.append(prefix + ".")
    return neurons, prefixes


def _computes_as(module: Module, base: type[Module], where: str, name: str) -> None:
    """Refuse a subclass that changes what ``base`` computes: the Sequential would not."""
    cls = type(module)
    if cls.forward is not base.forward or cls.__call__ is not Module.__call__:
        shown = name if name == cls.__name__ else f"{name} ({cls.__name__})"
        method = "forward" if cls.forward is not base.forward else "__call__"
        raise ValueError(
            f"{where}: {shown} overrides {method}, so PyTorch's {base.__name__} would compute "
            "something else"
        )


def _activation_of(neurons: list[Neuron], prefixes: list[str], path: str, where: str) -> str:
    """The one activation of a layer's neurons, each checked to compute what it says."""
    for neuron, prefix in zip(neurons, prefixes, strict=True):
        says = neuron.activation
        if neuron._act is not ACTIVATIONS.get(says):
            computes = next(
                (name for name, fn in ACTIVATIONS.items() if fn is neuron._act), "something else"
            )
            raise ValueError(
                f"{where}: {prefix.rstrip('.') or 'the neuron'} computes {computes} but says "
                f"{says!r}"
            )
    kinds = {neuron.activation for neuron in neurons}
    if len(kinds) > 1:
        raise ValueError(
            f"{where}: {path or 'the layer'}'s neurons differ in activation "
            f"({', '.join(sorted(kinds))}); a Linear is followed by one"
        )
    return neurons[0].activation


def _dropout(model: MLP, where: str) -> float:
    """The probability of the dropout after every hidden layer (0 for none)."""
    dropouts = model._dropouts
    if not dropouts:
        return 0.0
    for dropout in dropouts:
        if not isinstance(dropout, Dropout):
            raise ValueError(f"{where}: a dropout of the MLP is a {type(dropout).__name__}")
        _computes_as(dropout, Dropout, where, "a dropout")
    if len(dropouts) != len(model.layers) - 1 or len({d.p for d in dropouts}) > 1:
        raise ValueError(f"{where}: dropout must follow every hidden layer, with one probability")
    return dropouts[0].p


def _places(model: Module, where: str) -> tuple[list[_Dense], float, list[_Place]]:
    """Every parameter's place in PyTorch, found by its name and the model's structure (never
    by its position): a parameter with no place there, one left out of
    ``named_parameters()``, or one held in two places is a ValueError naming it."""
    layers, dropout = _layers(model, where)
    expected: dict[str, _Place] = {}
    for layer in layers:
        key = str(layer.position)
        for k, (neuron, prefix) in enumerate(zip(layer.neurons, layer.prefixes, strict=True)):
            for j, w in enumerate(neuron.w):
                name = f"{prefix}w{j}"
                expected[name] = _Place(name, f"{key}.weight", (k, j), w)
            expected[f"{prefix}b"] = _Place(f"{prefix}b", f"{key}.bias", (k,), neuron.b)
    owner = type(model).__name__
    places: list[_Place] = []
    seen: dict[Value, str] = {}
    for name, value in model.named_parameters():
        place = expected.get(name)
        if place is None:
            raise ValueError(
                f"{where}: {owner}'s parameter {name} has no PyTorch counterpart: a Sequential "
                "of Linear layers holds only their weights and biases"
            )
        if place.value is not value:
            raise ValueError(
                f"{where}: {owner}'s named_parameters() gives {name} another Value than the "
                "one the model computes with"
            )
        if value in seen:
            raise ValueError(
                f"{where}: {seen[value]} is also {name}; PyTorch's layers would hold two "
                "copies, trained apart"
            )
        seen[value] = name
        places.append(place)
    if len(places) != len(expected):
        missing = next(name for name in expected if name not in {p.ours for p in places})
        raise ValueError(f"{where}: {owner}'s named_parameters() leaves out {missing}")
    return layers, dropout, places


@dataclass(frozen=True)
class _Place:
    """A parameter here and where it sits in PyTorch: the state-dict key and the index in
    its tensor."""

    ours: str
    key: str
    index: tuple[int, ...]
    value: Value

    @property
    def theirs(self) -> str:
        return f"{self.key}[{', '.join(map(str, self.index))}]"


def to_torch(model: Module) -> Any:
    """``model`` as a ``torch.nn.Sequential`` of ``Linear`` layers and the matching
    activation modules (``Identity`` for linear) and ``Dropout``, in float64, holding exactly
    its weights, and in the same train or eval mode."""
    torch = _torch()
    layers, dropout, _ = _places(model, "to_torch")
    modules: list[Any] = []
    for i, layer in enumerate(layers):
        width = len(layer.neurons[0].w)
        modules.append(torch.nn.Linear(width, len(layer.neurons), dtype=torch.float64))
        name = ACTIVATION_MODULES[layer.activation]
        modules.append(getattr(torch.nn, name)(*([LEAKY_SLOPE] if name == "LeakyReLU" else [])))
        if dropout and i < len(layers) - 1:
            modules.append(torch.nn.Dropout(dropout))
    sequential = torch.nn.Sequential(*modules)
    sequential.load_state_dict(_state(torch, layers))  # the weights, copied exactly
    return sequential.train(model.training)


def _state(torch: Any, layers: list[_Dense]) -> dict[str, Any]:
    state = {}
    for layer in layers:
        rows = [[w.data for w in neuron.w] for neuron in layer.neurons]
        state[f"{layer.position}.weight"] = torch.tensor(rows, dtype=torch.float64)
        biases = [neuron.b.data for neuron in layer.neurons]
        state[f"{layer.position}.bias"] = torch.tensor(biases, dtype=torch.float64)
    return state


def torch_names(model: Module) -> dict[str, str]:
    """Each parameter's name here and in PyTorch: ``layers.0.neurons.3.w1`` ->
    ``0.weight[3, 1]``, ``layers.0.neurons.3.b`` -> ``0.bias[3]``."""
    _, _, places = _places(model, "torch_names")
    return {place.ours: place.theirs for place in places}


def torch_state_dict(model: Module) -> dict[str, Any]:
    """The state dict ``to_torch(model)`` has: "0.weight", "0.bias", … as float64 tensors."""
    torch = _torch()
    layers, _, _ = _places(model, "torch_state_dict")
    return _state(torch, layers)


def load_torch_state_dict(model: Module, state: Mapping[str, Any]) -> None:
    """Set every parameter from a PyTorch state dict of ``to_torch(model)``'s shape: the same
    keys, each a floating-point tensor of the right shape and finite. Otherwise it raises
    and no parameter changes."""
    torch = _torch()
    if not isinstance(state, Mapping):
        raise TypeError(f"load_torch_state_dict: expected a mapping, got {type(state).__name__}")
    layers, _, places = _places(model, "load_torch_state_dict")
    expected = _state(torch, layers)
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(map(str, set(state) - set(expected)))
    if missing or unexpected:
        raise ValueError(
            f"load_torch_state_dict: missing {', '.join(missing) or 'none'}, unexpected "
            f"{', '.join(unexpected) or 'none'}"
        )
    values = {}
    for key, want in expected.items():
        given = state[key]
        if not isinstance(given, torch.Tensor) or not given.is_floating_point():
            raise TypeError(
                f"load_torch_state_dict: {key} must be a floating-point tensor, got "
                f"{getattr(given, 'dtype', type(given).__name__)}"
            )
        if tuple(given.shape) != tuple(want.shape):
            raise ValueError(
                f"load_torch_state_dict: {key} has shape {tuple(given.shape)}, the model's is "
                f"{tuple(want.shape)}"
            )
        numbers = given.detach().to(torch.float64).cpu().tolist()
        if not bool(torch.isfinite(given).all()):
            raise ValueError(f"load_torch_state_dict: {key} holds a NaN or an infinity")
        values[key] = numbers
    for place in places:  # only after everything was checked
        entry = values[place.key]
        for i in place.index:
            entry = entry[i]
        place.value.data = float(entry)


def from_torch(module: Any) -> MLP:
    """An ``MLP`` with the weights of ``module``: a ``torch.nn.Sequential`` (nested ones are
    read through) of ``Linear`` layers with biases, each followed by at most one activation
    (ReLU, LeakyReLU with slope 0.01, Tanh, Sigmoid, SiLU, Identity; none is linear) and,
    between hidden layers, ``Dropout`` of one probability. Weights of any floating-point
    dtype are taken exactly (float32's are float64 numbers too).

    Modules are recognised by their type, never by their name: a subclass is read as its
    PyTorch base unless it overrides ``forward``, and a module with a forward hook is
    refused, since either may compute something else. Anything else is a ValueError naming
    the layer."""
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    parts = list(_flatten(torch, module, ""))
    linears: list[Any] = []
    activations: list[str] = []
    dropouts: list[float] = []
    k = 0
    while k < len(parts):  # Linear, then at most one activation, then at most one Dropout
        path, linear = parts[k]
        if not isinstance(linear, torch.nn.Linear):
            raise ValueError(
                f"from_torch: layer {path} ({_class_name(linear)}) is not supported where it "
                f"is: {_SUPPORTED}"
            )
        _plain(torch.nn.Linear, linear, path)
        if linear.bias is None:
            raise ValueError(f"from_torch: layer {path} (Linear) has no bias; nn's layers do")
        linears.append(linear)
        k += 1
        activation = _activation_module(torch, *parts[k]) if k < len(parts) else None
        if activation is not None:
            k += 1
        activations.append(activation or "linear")
        if k < len(parts) and isinstance(parts[k][1], torch.nn.Dropout):
            _plain(torch.nn.Dropout, parts[k][1], parts[k][0])
            dropouts.append(float(parts[k][1].p))
            k += 1
    if not linears:
        raise ValueError("from_torch: the module holds no Linear layer")
    _check_shape(linears, activations, dropouts, isinstance(parts[-1][1], torch.nn.Dropout))
    model = MLP(
        linears[0].in_features,
        [linear.out_features for linear in linears],
        activation=activations[0] if len(linears) > 1 else "relu",
        output_activation=activations[-1],
        dropout=dropouts[0] if dropouts else 0.0,
    )
    layers, _ = _layers(model, "from_torch")
    state = {
        f"{layer.position}.{what}": getattr(linear, what)
        for layer, linear in zip(layers, linears, strict=True)
        for what in ("weight", "bias")
    }
    load_torch_state_dict(model, state)
    return model.train(module.training)


_SUPPORTED = (
    "Linear layers, each followed by at most one of ReLU, LeakyReLU, Tanh, Sigmoid, SiLU and "
    "Identity, and by Dropout between hidden layers"
)


def _activation_module(torch: Any, path: str, module: Any) -> str | None:
    """The name of the activation ``module`` is, by its type (None if it is none)."""
    for name, class_name in ACTIVATION_MODULES.items():
        base = getattr(torch.nn, class_name)
        if isinstance(module, base):
            _plain(base, module, path)
            if name == "leaky_relu" and module.negative_slope != LEAKY_SLOPE:
                raise ValueError(
                    f"from_torch: layer {path} is LeakyReLU({module.negative_slope}); "
                    f"nn's leaky_relu has slope {LEAKY_SLOPE}"
                )
            return name
    return None


def _plain(base: type[Any], module: Any, path: str) -> None:
    """Refuse a module that may compute something other than ``base`` does: a subclass
    overriding ``forward``, or a module with a forward hook."""
    shown = f"layer {path} ({_class_name(module)})" if path else f"the {_class_name(module)}"
    if type(module).forward is not base.forward:
        raise ValueError(
            f"from_torch: {shown} overrides {base.__name__}'s forward, so what it computes is "
            "not known"
        )
    if module._forward_hooks or module._forward_pre_hooks:
        raise ValueError(f"from_torch: {shown} has a forward hook, which may change its output")


def _class_name(module: Any) -> str:
    """PyTorch's own classes by their name (Linear), any other by its full name, so that a
    look-alike called ReLU is not taken for PyTorch's."""
    cls = type(module)
    if cls.__module__.startswith("torch.nn."):
        return cls.__name__
    return f"{cls.__module__}.{cls.__qualname__}"


def _flatten(torch: Any, module: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """The leaf modules of nested Sequentials, with their dotted paths ("" for the module
    passed, when it is not a Sequential)."""
    if isinstance(module, torch.nn.Sequential):
        _plain(torch.nn.Sequential, module, prefix.rstrip("."))
        for name, child in module.named_children():
            yield from _flatten(torch, child, f"{prefix}{name}.")
    else:
        yield prefix.rstrip(".") or _class_name(module), module


def _check_shape(
    linears: list[Any], activations: list[str], dropouts: list[float], ends_in_dropout: bool
) -> None:
    """What an MLP can hold: one activation for every hidden layer, chained widths, and
    one dropout probability after every hidden layer or none."""
    if len(set(activations[:-1])) > 1:
        raise ValueError(
            f"from_torch: the hidden layers' activations differ ({', '.join(activations[:-1])}); "
            "an MLP has one for all of them"
        )
    for before, after in pairwise(linears):
        if before.out_features != after.in_features:
            raise ValueError(
                f"from_torch: a Linear of {before.out_features} outputs feeds one of "
                f"{after.in_features} inputs"
            )
    uneven = len(dropouts) != len(linears) - 1 or len(set(dropouts)) > 1
    if dropouts and (uneven or ends_in_dropout):
        raise ValueError(
            "from_torch: dropout must follow every hidden layer, with one probability, or none"
        )


# The methods users call on a model: model.to_torch(), MLP.from_torch(module), ... The bridge
# adds them to the classes it knows, so that the dependency points one way: the bridge knows
# the layers; the layers and Module know nothing of the bridge or of PyTorch.


def _from_torch(cls: type[MLP], module: Any) -> MLP:
    """The MLP a PyTorch ``Sequential`` of ``Linear`` layers and activations holds, with its
    weights exactly (see ``nn.bridge.from_torch``)."""
    return from_torch(module)


_METHODS: dict[type, dict[str, Any]] = {
    Module: {
        "to_torch": to_torch,
        "torch_state_dict": torch_state_dict,
        "load_torch_state_dict": load_torch_state_dict,
        "torch_names": torch_names,
    },
    MLP: {"from_torch": classmethod(_from_torch)},
}
for _cls, _methods in _METHODS.items():
    for _name, _method in _methods.items():
        setattr(_cls, _name, _method)
