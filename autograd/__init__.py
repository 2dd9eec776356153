"""valuegrad's autograd: scalar Values that record their computation graph, and backward().

>>> from autograd import Value
>>> w, b = Value(3.0, "w"), Value(4.0, "b")
>>> z = (2 * w + b) * (b + 1)
>>> z.backward()
>>> z.data, w.grad, b.grad
(50.0, 10.0, 15.0)
"""

from typing import TYPE_CHECKING

from . import checks, files
from .engine import Function, Operand, Value
from .func import hvp, jacfwd, jacobian, jacrev, jvp, vjp
from .functional import (
    grad,
    hessian,
    linear,
    log_softmax,
    logsumexp,
    max,
    mean,
    softmax,
    sum,
    take,
)
from .graph import topological_order
from .modes import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    is_tracing,
    no_grad,
)
from .ops import require, where
from .testing import (
    GradcheckError,
    NotCloseError,
    assert_close,
    assert_grads,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)
from .viz import (
    GraphvizNotFoundError,
    backward_steps,
    draw_graph,
    forward_steps,
    save_backward_steps,
    save_graph,
    save_html,
    show_backward_steps,
    show_forward_steps,
    to_dot,
    to_text,
)

if TYPE_CHECKING:  # imported at their first use (see __getattr__); here for type checkers
    from .compiler import CompiledFunction as CompiledFunction
    from .compiler import ConcretizationError, Program, compile, guard, trace

__all__ = [
    "ConcretizationError",
    "Function",
    "GradcheckError",
    "GraphvizNotFoundError",
    "NotCloseError",
    "Operand",
    "Program",
    "Value",
    "assert_close",
    "assert_grads",
    "backward_steps",
    "checks",
    "compile",
    "detect_anomaly",
    "draw_graph",
    "enable_grad",
    "files",
    "forward_steps",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "guard",
    "hessian",
    "hvp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "is_tracing",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "linear",
    "log_softmax",
    "logsumexp",
    "max",
    "mean",
    "no_grad",
    "numerical_grad",
    "require",
    "save_backward_steps",
    "save_graph",
    "save_html",
    "show_backward_steps",
    "show_forward_steps",
    "softmax",
    "sum",
    "take",
    "to_dot",
    "to_text",
    "topological_order",
    "trace",
    "vjp",
    "where",
]

_COMPILER = ("CompiledFunction", "ConcretizationError", "Program", "compile", "guard", "trace")


def __getattr__(name: str) -> object:
    """The compiler's names, imported at their first use, so that ``import autograd`` stays
    as light as the eager engine (PEP 562's module ``__getattr__``); and ``__version__``,
    read at its first use from the installed package's metadata, its one source."""
    if name in _COMPILER:
        from . import compiler

        value = getattr(compiler, name)
    elif name == "__version__":
        from importlib import metadata

        try:
            value = metadata.version("valuegrad")
        except metadata.PackageNotFoundError:
            raise AttributeError(
                "autograd.__version__: the valuegrad package is not installed, so it has no "
                "version; install it (pip install -e . in a checkout)"
            ) from None
    else:
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
