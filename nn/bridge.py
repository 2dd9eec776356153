"""From valuegrad to PyTorch and back: the same network, the same numbers.

An ``nn`` network is a stack of fully connected layers, each followed by one activation,
with dropout between hidden layers: exactly a ``torch.nn.Sequential`` of ``Linear``
layers and activation modules. Neuron k of layer i is row k of the i-th ``Linear``'s
weight matrix, its weight w_j the entry [k, j], its bias entry [k] of the bias:

    layers.0.neurons.3.w1   <->   0.weight[3, 1]
    layers.0.neurons.3.b    <->   0.bias[3]

(the index of each ``Linear`` counts the activation and dropout modules before it). Weights
cross over exactly, in float64. PyTorch is optional: it is imported only here, and only
when one of these functions runs (``pip install valuegrad[torch]``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import pairwise
from typing import Any

from .layers import MLP, Layer, Neuron
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


def _stack(model: Module) -> tuple[list[tuple[list[Neuron], str]], float]:
    """The model as fully connected layers (their neurons and activation) and the dropout
    probability between the hidden ones."""
    if isinstance(model, MLP):
        layers = [(layer.neurons, layer.neurons[0].activation) for layer in model.layers]
        dropout = model._dropouts[0].p if model._dropouts else 0.0
        return layers, dropout
    if isinstance(model, Layer):
        return [(model.neurons, model.neurons[0].activation)], 0.0
    if isinstance(model, Neuron):
        return [([model], model.activation)], 0.0
    raise TypeError(
        f"to_torch: {type(model).__name__} is not a stack of layers; MLP, Layer and Neuron are"
    )


def _positions(layers: list[tuple[list[Neuron], str]], dropout: float) -> list[int]:
    """Where each layer's Linear sits in the Sequential: after the activation (and dropout)
    modules of the layers before it."""
    positions, index = [], 0
    for i, _ in enumerate(layers):
        positions.append(index)
        index += 2 + (1 if dropout and i < len(layers) - 1 else 0)
    return positions


def to_torch(model: Module) -> Any:
    """``model`` as a ``torch.nn.Sequential`` of ``Linear`` layers and the matching
    activation modules (``Identity`` for linear) and ``Dropout``, in float64, holding exactly
    its weights, and in the same train or eval mode."""
    torch = _torch()
    layers, dropout = _stack(model)
    modules: list[Any] = []
    for i, (neurons, activation) in enumerate(layers):
        modules.append(torch.nn.Linear(len(neurons[0].w), len(neurons), dtype=torch.float64))
        name = ACTIVATION_MODULES[activation]
        modules.append(getattr(torch.nn, name)(*([LEAKY_SLOPE] if name == "LeakyReLU" else [])))
        if dropout and i < len(layers) - 1:
            modules.append(torch.nn.Dropout(dropout))
    sequential = torch.nn.Sequential(*modules)
    sequential.load_state_dict(torch_state_dict(model))  # the weights, copied exactly
    return sequential.train(model.training)


def _tensor(torch: Any, values: Any) -> Any:
    return torch.tensor(values, dtype=torch.float64)


def torch_names(model: Module) -> dict[str, str]:
    """Each parameter's name here and in PyTorch: ``layers.0.neurons.3.w1`` ->
    ``0.weight[3, 1]``, ``layers.0.neurons.3.b`` -> ``0.bias[3]``."""
    return {ours: theirs for ours, theirs, _ in _entries(model)}


def _entries(model: Module) -> Iterator[tuple[str, str, tuple[str, tuple[int, ...]]]]:
    """(our name, PyTorch's name, (the state-dict key, the index in its tensor)) for every
    parameter, in ``named_parameters()`` order."""
    layers, dropout = _stack(model)
    positions = _positions(layers, dropout)
    ours = iter(model.named_parameters())
    for (neurons, _), position in zip(layers, positions, strict=True):
        for k, neuron in enumerate(neurons):
            for j in range(len(neuron.w)):
                name, _ = next(ours)
                yield name, f"{position}.weight[{k}, {j}]", (f"{position}.weight", (k, j))
            name, _ = next(ours)
            yield name, f"{position}.bias[{k}]", (f"{position}.bias", (k,))


def torch_state_dict(model: Module) -> dict[str, Any]:
    """The state dict ``to_torch(model)`` has: "0.weight", "0.bias", … as float64 tensors."""
    torch = _torch()
    layers, dropout = _stack(model)
    state = {}
    for (neurons, _), position in zip(layers, _positions(layers, dropout), strict=True):
        state[f"{position}.weight"] = _tensor(torch, [[w.data for w in n.w] for n in neurons])
        state[f"{position}.bias"] = _tensor(torch, [n.b.data for n in neurons])
    return state


def load_torch_state_dict(model: Module, state: Mapping[str, Any]) -> None:
    """Set every parameter from a PyTorch state dict of ``to_torch(model)``'s shape: the same
    keys, each a floating-point tensor of the right shape and finite. Otherwise it raises
    and no parameter changes."""
    torch = _torch()
    if not isinstance(state, Mapping):
        raise TypeError(f"load_torch_state_dict: expected a mapping, got {type(state).__name__}")
    expected = torch_state_dict(model)
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
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
    parameters = dict(model.named_parameters())
    for ours, _, (key, index) in _entries(model):  # only after everything was checked
        entry = values[key]
        for i in index:
            entry = entry[i]
        parameters[ours].data = float(entry)


def from_torch(module: Any) -> MLP:
    """An ``MLP`` with the weights of ``module``: a ``torch.nn.Sequential`` (nested ones are
    read through) of ``Linear`` layers with biases, each followed by at most one activation
    (ReLU, LeakyReLU with slope 0.01, Tanh, Sigmoid, SiLU, Identity; none is linear) and,
    between hidden layers, ``Dropout`` of one probability. Weights of any floating-point
    dtype are taken exactly (float32's are float64 numbers too). Anything else is a
    ValueError naming the layer."""
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    parts = list(_flatten(torch, module, ""))
    activation_names = {module: name for name, module in ACTIVATION_MODULES.items()}
    linears: list[Any] = []
    activations: list[str] = []
    dropouts: list[float] = []
    k = 0
    while k < len(parts):  # Linear, then at most one activation, then at most one Dropout
        path, linear = parts[k]
        if not isinstance(linear, torch.nn.Linear):
            raise ValueError(
                f"from_torch: layer {path} ({type(linear).__name__}) is not supported where it "
                f"is: {_SUPPORTED}"
            )
        if linear.bias is None:
            raise ValueError(f"from_torch: layer {path} (Linear) has no bias; nn's layers do")
        linears.append(linear)
        k += 1
        kind = type(parts[k][1]).__name__ if k < len(parts) else ""
        if kind in activation_names:
            path, activation = parts[k]
            if kind == "LeakyReLU" and activation.negative_slope != LEAKY_SLOPE:
                raise ValueError(
                    f"from_torch: layer {path} is LeakyReLU({activation.negative_slope}); "
                    f"nn's leaky_relu has slope {LEAKY_SLOPE}"
                )
            k += 1
        activations.append(activation_names.get(kind, "linear"))
        if k < len(parts) and isinstance(parts[k][1], torch.nn.Dropout):
            dropouts.append(float(parts[k][1].p))
            k += 1
    if not linears:
        raise ValueError("from_torch: the module holds no Linear layer")
    _check_shape(linears, activations, dropouts, parts)
    model = MLP(
        linears[0].in_features,
        [linear.out_features for linear in linears],
        activation=activations[0] if len(linears) > 1 else "relu",
        output_activation=activations[-1],
        dropout=dropouts[0] if dropouts else 0.0,
    )
    state = {
        f"{position}.{what}": getattr(linear, what)
        for position, linear in zip(_positions(*_stack(model)), linears, strict=True)
        for what in ("weight", "bias")
    }
    load_torch_state_dict(model, state)
    return model.train(module.training)


_SUPPORTED = (
    "Linear layers, each followed by at most one of ReLU, LeakyReLU, Tanh, Sigmoid, SiLU and "
    "Identity, and by Dropout between hidden layers"
)


def _flatten(torch: Any, module: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """The leaf modules of nested Sequentials, with their dotted paths."""
    if isinstance(module, torch.nn.Sequential):
        for name, child in module.named_children():
            yield from _flatten(torch, child, f"{prefix}{name}.")
    else:
        yield prefix.rstrip(".") or type(module).__name__, module


def _check_shape(
    linears: list[Any], activations: list[str], dropouts: list[float], parts: list
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
    last = type(parts[-1][1]).__name__
    if dropouts and (
        len(dropouts) != len(linears) - 1 or len(set(dropouts)) > 1 or last == "Dropout"
    ):
        raise ValueError(
            "from_torch: dropout must follow every hidden layer, with one probability, or none"
        )
