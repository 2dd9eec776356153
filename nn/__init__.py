"""valuegrad's nn: neurons, layers and MLPs on top of autograd, with losses, optimizers,
a training loop, data sets and the worked reference cases.

>>> import nn
>>> model = nn.MLP(2, [4, 1], seed=0)
>>> len(model.parameters()), [name for name, _ in model.named_parameters()][:3]
(17, ['layers.0.neurons.0.w0', 'layers.0.neurons.0.w1', 'layers.0.neurons.0.b'])
"""

# bridge gives Module and MLP their PyTorch methods (to_torch, from_torch, ...)
from . import bridge, datasets, init, losses, optim
from .compiled import CompiledStep, compile_step
from .layers import ACTIVATIONS, MLP, Dropout, Layer, Neuron
from .losses import (
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l1_penalty,
    l2_penalty,
    mae,
    mse,
)
from .module import Module
from .optim import SGD, Adam, Optimizer
from .train import History, accuracy, fit

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "SGD",
    "Adam",
    "CompiledStep",
    "Dropout",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "accuracy",
    "binary_cross_entropy",
    "bridge",
    "compile_step",
    "cross_entropy",
    "datasets",
    "fit",
    "hinge",
    "init",
    "l1_penalty",
    "l2_penalty",
    "losses",
    "mae",
    "mse",
    "optim",
]


def __getattr__(name: str) -> object:
    """``__version__``: the installed valuegrad's, the same as ``autograd.__version__``."""
    if name == "__version__":
        import autograd

        return autograd.__version__
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
