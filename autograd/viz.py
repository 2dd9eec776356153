"""Drawings of computation graphs: DOT source, Graphviz drawings and files, backprop frames,
and a plain-text listing that needs no Graphviz at all.

One box per Value (its label, data and grad) and one small node per operation, with edges
in operand order. Colours say what a node is: an input, a constant, a trainable parameter
(named through ``names=``, e.g. ``model.named_parameters()``), an intermediate, the output.
Nodes are numbered by their topological index, never by ``id()``: the same graph always
gives byte-identical DOT and text.

``to_dot`` and ``to_text`` are pure Python. ``draw_graph`` needs the ``graphviz`` package
(``pip install valuegrad[viz]``); rendering it (``save_graph``, notebook display) also needs
the Graphviz ``dot`` program.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import explorer
from .checks import integer, real
from .engine import Value
from .files import write_atomic
from .func import _Linearization
from .graph import topological_order

__all__ = [
    "GraphvizNotFoundError",
    "backward_steps",
    "draw_graph",
    "forward_steps",
    "save_backward_steps",
    "save_graph",
    "save_html",
    "show_backward_steps",
    "show_forward_steps",
    "to_dot",
    "to_text",
]

FORMATS = ("png", "svg", "pdf")
COLOURS = {
    "input": "#cfe2f3",
    "constant": "#eeeeee",
    "parameter": "#fce5cd",
    "intermediate": "#ffffff",
    "output": "#d9ead3",
}
HIGHLIGHT = "#cc0000"
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
_ORDERED = {"sub", "div", "pow"}  # ops whose edges are labelled with the operand position
_INSTALL = (
    "Rendering needs the Graphviz program `dot`, which was not found on PATH. Install it "
    "with one of:\n"
    "    apt-get install graphviz     (Debian, Ubuntu)\n"
    "    brew install graphviz        (macOS)\n"
    "    conda install graphviz       (conda)\n"
    "    winget install graphviz      (Windows)\n"
    "autograd.to_dot() and autograd.to_text() work without it."
)


class GraphvizNotFoundError(RuntimeError):
    """The Graphviz ``dot`` program is missing, so a drawing cannot be rendered."""


Names = Mapping[str, Value] | Mapping[Value, str] | Iterable[tuple[str, Value]]
Tangents = Mapping[Value | str, float]
"""The tangent of each input, for forward mode: leaves, as Values or by label (others 0)."""


@dataclass(frozen=True)
class _Options:
    rankdir: str
    show_data: bool
    show_grad: bool
    number_format: str
    collapse: str | None
    max_nodes: int


_DEFAULTS = _Options(
    rankdir="LR", show_data=True, show_grad=True, number_format=".4g", collapse=None, max_nodes=2000
)
OPTION_NAMES = tuple(field.name for field in dataclasses.fields(_Options))


def _options(where: str, options: Mapping[str, Any]) -> _Options:
    """The drawing options given to the public function ``where``, checked, with defaults."""
    unknown = [name for name in options if name not in OPTION_NAMES]
    if unknown:
        raise TypeError(
            f"{where}() got an unexpected keyword argument {unknown[0]!r}; the drawing options "
            f"are {', '.join(OPTION_NAMES)}"
        )
    opts = _Options(**{**vars(_DEFAULTS), **options})
    if opts.rankdir not in ("LR", "TB"):
        raise ValueError(f"{where}: rankdir must be 'LR' or 'TB', got {opts.rankdir!r}")
    if opts.collapse not in (None, "neuron"):
        raise ValueError(f"{where}: collapse must be None or 'neuron', got {opts.collapse!r}")
    integer(opts.max_nodes, where, "max_nodes", low=1)
    for flag in ("show_data", "show_grad"):
        if type(getattr(opts, flag)) is not bool:  # show_grad="False" would be true
            raise TypeError(
                f"{where}: {flag} must be True or False, got {type(getattr(opts, flag)).__name__}"
            )
    if not isinstance(opts.number_format, str):
        raise TypeError(
            f"{where}: number_format must be a format string such as '.4g', got "
            f"{type(opts.number_format).__name__}"
        )
    try:
        format(1.5, opts.number_format)
    except (TypeError, ValueError):
        raise ValueError(
            f"{where}: number_format is not a float format: {opts.number_format!r}"
        ) from None
    return opts


def to_dot(
    root: Value,
    *,
    names: Names | None = None,
    highlight: Value | None = None,
    **options: Any,
) -> str:
    """The DOT source of ``root``'s graph.

    Options: ``rankdir`` ("LR" or "TB"), ``show_data``, ``show_grad``, ``number_format``
    (".4g"), ``names`` (dotted parameter names, grouped into nested clusters),
    ``collapse="neuron"`` (one box per neuron), ``max_nodes`` (2,000: a bigger graph raises
    ValueError), ``highlight`` (a node drawn with a red border).
    """
    return _dot(root, _options("to_dot", options), _parameter_names(names), None, highlight)


def to_text(
    root: Value,
    *,
    number_format: str = ".4g",
    show_grad: bool = True,
    tangents: Tangents | None = None,
) -> str:
    """One line per node in topological order, in the spirit of JAX's ``make_jaxpr``::

    %0 = leaf                          data=3   grad=10  # w
    %2 = mul(%1, %0)                   data=6   grad=5

    With ``tangents`` (each input's tangent, by Value or label) every line also shows the
    node's tangent in forward mode along that direction.
    """
    _options("to_text", {"number_format": number_format, "show_grad": show_grad})
    order = _order(root, "to_text")
    pushed = None
    if tangents is not None:
        pushed = _Linearization([root]).push(_seeds(order, tangents, "to_text"))
    index = {node: i for i, node in enumerate(order)}
    rows = []
    for i, node in enumerate(order):
        if node.parents:
            call = f"{node.op}({', '.join(f'%{index[p]}' for p in node.parents)})"
        else:
            call = "leaf"
        cells = [f"%{i} = {call}", f"data={format(node.data, number_format)}"]
        if show_grad:
            cells.append(f"grad={format(node.grad, number_format)}")
        if pushed is not None:
            cells.append(f"tangent={format(pushed[node], number_format)}")
        cells.append(f"# {_visible(node.label)}" if node.label else "")  # one line each
        rows.append(cells)
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def draw_graph(root: Value, *, names: Names | None = None, **options: Any) -> Any:
    """``root``'s graph as a ``graphviz.Digraph``: shown inline in Jupyter, rendered with
    ``.pipe()``/``.render()``. Takes the options of ``to_dot``."""
    opts = _options("draw_graph", options)
    return _digraph(_dot(root, opts, _parameter_names(names), where="draw_graph"))


def save_graph(
    root: Value, path: str | Path, *, names: Names | None = None, **options: Any
) -> Path:
    """Render ``root``'s graph to ``path``; the format comes from its suffix (.png, .svg, .pdf).
    Returns the path written."""
    path = Path(path)
    fmt = _format_of(path)
    source = _dot(
        root, _options("save_graph", options), _parameter_names(names), where="save_graph"
    )
    return write_atomic(path, _render(source, fmt))


def backward_steps(root: Value, *, names: Names | None = None, **options: Any) -> list[Any]:
    """One drawing per step of the backward pass, in the order ``backward()`` uses: frame k
    shows the gradients known after k + 1 nodes (those not yet known as "?") and highlights
    the node whose gradient was just completed. The first frame has only the output's
    gradient; the last has them all. No ``.grad`` is changed."""
    return [_digraph(source) for source in _steps(root, names, options, "backward_steps")]


def forward_steps(
    root: Value, tangents: Tangents, *, names: Names | None = None, **options: Any
) -> list[Any]:
    """One drawing per step of forward mode along ``tangents`` (each input's tangent, by
    Value or label; the other leaves' are 0): in topological order, frame k shows each node's
    value and the tangents known after k + 1 nodes ("?" for the rest), and highlights the
    node just computed. The last frame shows d root / d(direction). No ``.grad`` changes."""
    sources = _steps(root, names, options, "forward_steps", tangents=tangents)
    return [_digraph(source) for source in sources]


def show_backward_steps(root: Value, *, names: Names | None = None, **options: Any) -> None:
    """In a notebook, the explorer of ``backward_steps`` (see ``save_html``) as an HTML
    output: a slider, buttons and the arrow keys where scripts run; every step's caption,
    one after another, then the finished drawing, where they do not (a notebook opened
    without a kernel, a code host). It needs no kernel and no widget library."""
    _show(root, names, options, "show_backward_steps", None)


def show_forward_steps(
    root: Value, tangents: Tangents, *, names: Names | None = None, **options: Any
) -> None:
    """In a notebook, the explorer of ``forward_steps``, as ``show_backward_steps``."""
    _show(root, names, options, "show_forward_steps", tangents)


def _show(
    root: Value,
    names: Names | None,
    options: Mapping[str, Any],
    where: str,
    tangents: Tangents | None,
) -> None:
    from IPython.display import HTML, display

    stepper = _stepper(root, names, options, where, tangents)
    display(HTML(explorer.widget(stepper, on_page=_SHOWN)))


_SHOWN: dict[str, int] = {}  # how often each explorer was shown in this process, by its id


def save_html(
    root: Value,
    path: str | Path,
    *,
    steps: str | None = "backward",
    tangents: Tangents | None = None,
    names: Names | None = None,
    **options: Any,
) -> Path:
    """One self-contained HTML page (no network, no external script or font) that steps
    through backprop (``steps="backward"``), or through forward mode along ``tangents``
    (``steps="forward"``): the drawing, embedded once and restyled for each step (the
    numbers known so far, the node just completed outlined in red), with a slider,
    previous and next buttons, the arrow keys, the step number and a caption saying what
    the step computed. The page grows with the graph, not with its square. ``steps=None``
    saves the drawing alone. Takes the drawing options of ``to_dot``; the file is written
    atomically. Returns the path."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"save_html: {path.name!r} is not an .html file name")
    if steps not in ("backward", "forward", None):
        raise ValueError(f"save_html: steps must be 'backward', 'forward' or None, got {steps!r}")
    if (steps == "forward") != (tangents is not None):
        raise ValueError("save_html: steps='forward' needs tangents=, and only it takes them")
    name = root.label or root.op or "the value" if isinstance(root, Value) else "?"
    if steps is None:
        opts = _options("save_html", options)
        drawing = _svg(_dot(root, opts, _parameter_names(names)))
        stepper = explorer.Stepper(drawing, [f"{name} = {format(root.data, opts.number_format)}"])
        title = f"The graph of {name}"
    else:
        stepper = _stepper(root, names, options, "save_html", tangents)
        title = f"{'backward()' if steps == 'backward' else 'Forward mode'}, step by step: {name}"
    return write_atomic(path, explorer.page(stepper, title))


def _svg(source: str) -> str:
    svg: bytes = _digraph(source).pipe(format="svg")
    return svg.decode("utf-8")


def save_backward_steps(
    root: Value,
    path: str | Path,
    format: str = "png",  # graphviz's own name for it
    *,
    duration: int = 800,
    names: Names | None = None,
    **options: Any,
) -> list[Path] | Path:
    """Write the frames of ``backward_steps``: to a folder, as step_01.png, step_02.png, …
    (created if needed; returns their paths in order), or, for a path ending in .gif, as one
    animated GIF for slides (returns its path): ``duration`` milliseconds per frame, the
    last one held three times as long, every frame the same size.

    Every frame is rendered (into a temporary folder: one frame in memory at a time) before
    any is written, so that a failure to draw leaves the folder as it was. A folder holding
    frames of this format that the export would not replace (an earlier export's, of a graph
    with more steps) is refused before anything is written, naming them: nothing of yours
    is deleted, and no two graphs' frames are mixed."""
    path = Path(path)
    suffix = path.suffix.lstrip(".").lower()
    if suffix == "gif":
        return _save_gif(
            root, path, integer(duration, "save_backward_steps", "duration", low=1), names, options
        )
    fmt = format.lstrip(".").lower() if isinstance(format, str) else format
    if fmt not in FORMATS:
        raise ValueError(
            f"save_backward_steps: format must be one of {', '.join(map(repr, FORMATS))}, got "
            f"{format!r} (for one animation, pass a path ending in .gif)"
        )
    if suffix in FORMATS:
        raise ValueError(
            f"save_backward_steps: {path.name!r} names a file, but the frames are written "
            f"one file each into a folder: pass a folder (and format={suffix!r}), or a .gif "
            "file name for one animation"
        )
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(
            f"save_backward_steps: {str(path)!r} is a file; the frames go into a folder, one "
            "file each (or pass a path ending in .gif for one animation)"
        )
    sources = _steps(root, names, options, "save_backward_steps")
    digits = len(str(len(sources)))
    frames = [f"step_{k:0{digits}d}.{fmt}" for k in range(1, len(sources) + 1)]
    _check_frames_folder(path, frames, fmt)
    import tempfile  # here: ``import autograd`` stays light

    with tempfile.TemporaryDirectory(prefix="valuegrad-frames-") as scratch:
        for frame, source in zip(frames, sources, strict=True):
            (Path(scratch) / frame).write_bytes(_render(source, fmt))
        path.mkdir(parents=True, exist_ok=True)
        return [
            write_atomic(path / frame, (Path(scratch) / frame).read_bytes()) for frame in frames
        ]


def _check_frames_folder(path: Path, frames: list[str], fmt: str) -> None:
    """Refuse a folder where the frames could not all be written (a folder in the way), or
    where frames of ``fmt`` would be left beside them that they do not replace."""
    if not path.is_dir():
        return
    pattern = re.compile(rf"step_[0-9]+\.{fmt}")
    left = sorted(
        name for name in os.listdir(path) if pattern.fullmatch(name) and name not in frames
    )
    if left:
        shown = ", ".join(left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
        raise FileExistsError(
            f"save_backward_steps: {str(path)!r} already holds frames this export would not "
            f"replace ({shown}), of another graph: they would be mixed with its "
            f"{len(frames)}. Remove them, or pass an empty folder"
        )
    for frame in frames:
        if (path / frame).is_dir():
            raise IsADirectoryError(
                f"save_backward_steps: {str(path / frame)!r} is a folder, where frame "
                f"{frame} would be written"
            )


def _render(source: str, fmt: str) -> bytes:
    """The drawing of the DOT ``source`` in ``fmt``, the same bytes for the same source."""
    drawing: bytes = _digraph(source).pipe(format=fmt)
    return _fixed_pdf_date(drawing) if fmt == "pdf" else drawing


_PDF_DATE = re.compile(rb"/CreationDate \(D:[0-9]{14}[^)]*\)")
_FIXED_DATE = b"/CreationDate (D:19700101000000Z)"


def _fixed_pdf_date(pdf: bytes) -> bytes:
    """A PDF from cairo with its creation date, the clock's in the local zone, set to 1970-01-01
    UTC; the cross-reference table's offsets after it moved by the change in length (a zone
    is "Z" or "+05'30"). A PDF laid out otherwise is returned as it is."""
    found = _PDF_DATE.search(pdf)
    table = pdf.rfind(b"\nxref\n")
    if found is None or table < found.end():
        return pdf
    at, delta = found.start(), len(_FIXED_DATE) - len(found[0])

    def moved(entry: re.Match[bytes]) -> bytes:
        offset = int(entry[1])
        return b"%010d" % (offset + delta if offset > at else offset) + entry[2]

    tail = re.sub(rb"(?m)^([0-9]{10})( [0-9]{5} n)", moved, pdf[table:])
    tail = re.sub(rb"(startxref\s+)([0-9]+)", lambda m: m[1] + b"%d" % (int(m[2]) + delta), tail)
    return pdf[:at] + _FIXED_DATE + pdf[found.end() : table] + tail


def _save_gif(
    root: Value, path: Path, duration: int, names: Names | None, options: Mapping[str, Any]
) -> Path:
    """The frames as one animated GIF, each padded with white to the largest's size."""
    try:
        from PIL import Image
    except ImportError:
        raise ModuleNotFoundError(
            "An animated GIF needs Pillow: pip install valuegrad[viz]", name="PIL"
        ) from None
    sources = _steps(root, names, options, "save_backward_steps")
    drawings = [
        Image.open(io.BytesIO(_digraph(s).pipe(format="png"))).convert("RGB") for s in sources
    ]
    width = max(d.width for d in drawings)
    height = max(d.height for d in drawings)
    frames = []
    for drawing in drawings:
        frame = Image.new("RGB", (width, height), "white")
        frame.paste(drawing, (0, 0))
        frames.append(frame)
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[duration] * (len(frames) - 1) + [3 * duration],
        loop=0,
    )
    return write_atomic(path, buffer.getvalue())


# Building the DOT source


@dataclass(frozen=True)
class _Walk:
    """A backward or forward pass, step by step: the nodes in the order the steps complete
    them, and the number each step finds (a gradient or a tangent), from one evaluation of
    the local derivatives (``_Linearization``), the numbers backward() and jvp() use."""

    opts: _Options
    parameters: dict[Value, str]
    order: list[Value]  # topological
    linear_map: _Linearization
    steps: list[Value]
    found: dict[Value, float]
    quantity: str  # "grad" or "tangent"
    seeds: dict[Value, float] | None  # the inputs' tangents, in forward mode


def _walk(
    root: Value,
    names: Names | None,
    options: Mapping[str, Any],
    where: str,
    tangents: Tangents | None,
) -> _Walk:
    opts = _options(where, options)
    parameters = _parameter_names(names)
    order = _order(root, where)
    linear_map = _Linearization([root])
    if tangents is None:
        # backward: a node's gradient is complete once every node that uses it is done
        # + 0.0: backward() sums into a .grad that starts at 0.0, so it shows 0 where a
        # product alone gives -0.0 (the frames show backward()'s numbers)
        found = {node: g + 0.0 for node, g in linear_map.pull({root: 1.0}).items()}
        return _Walk(opts, parameters, order, linear_map, order[::-1], found, "grad", None)
    # forward: a node's tangent is known once its parents' are
    seeds = _seeds(order, tangents, where)
    found = linear_map.push(seeds)
    return _Walk(opts, parameters, order, linear_map, order, found, "tangent", seeds)


def _steps(
    root: Value,
    names: Names | None,
    options: Mapping[str, Any],
    where: str,
    tangents: Tangents | None = None,
) -> list[str]:
    """Each step's whole drawing (DOT source): of backward(), or of forward mode along
    ``tangents``."""
    walk = _walk(root, names, options, where, tangents)
    known: dict[Value, float] = {}
    frames = []
    for node in walk.steps:
        known[node] = walk.found.get(node, 0.0)
        frames.append(
            _dot(root, walk.opts, walk.parameters, dict(known), node, walk.quantity, where=where)
        )
    return frames


def _stepper(
    root: Value,
    names: Names | None,
    options: Mapping[str, Any],
    where: str,
    tangents: Tangents | None = None,
) -> explorer.Stepper:
    """What the explorer needs: the finished drawing, drawn once with each box tagged, the
    node each step completes, and each step's caption in words."""
    walk = _walk(root, names, options, where, tangents)
    found = {node: walk.found.get(node, 0.0) for node in walk.order}
    source = _dot(
        root, walk.opts, walk.parameters, found, None, walk.quantity, tagged=True, where=where
    )

    def number(x: float) -> str:
        return format(x, walk.opts.number_format)

    called, expressions = _caption_names(walk.order, walk.parameters, number)
    if walk.seeds is None:
        captions = explorer.backward_captions(
            walk.order, walk.linear_map, found, called, expressions, number
        )
    else:
        constants = [n for n in walk.order if _role(n, root, walk.parameters) == "constant"]
        captions = explorer.forward_captions(
            walk.order, walk.linear_map, found, walk.seeds, called, expressions, constants, number
        )
    index = {node: i for i, node in enumerate(walk.order)}
    return explorer.Stepper(
        _svg(source),
        captions,
        [index[node] for node in walk.steps],
        walk.quantity,
        walk.opts.show_grad,
    )


def _caption_names(
    order: list[Value], parameters: Mapping[Value, str], number: Callable[[float], str]
) -> tuple[dict[Value, str], dict[Value, str]]:
    """How captions name each node, as the drawing shows it: a parameter by its dotted name,
    a labelled node by its label, a constant by its value, an unlabelled op node by what it
    computes from its parents' names (``2 * w``, ``relu(x)``) or, where that would be long,
    by the cluster it is drawn in and its op (``layers.0.neurons.1.linear``), else as
    ``linear(…)``; an unlabelled output is ``out``. Also what each op node computes."""
    owners = _owners(order, dict(parameters)) if parameters else {}
    names: dict[Value, str] = {}
    expressions: dict[Value, str] = {}
    for node in order:  # parents first
        if node.parents:
            expressions[node] = _expression(node, names)
        if node in parameters:
            names[node] = parameters[node]
        elif node.label:
            names[node] = node.label
        elif not node.parents:
            names[node] = number(node.data)
        elif len(expressions[node]) <= _LONG and "…" not in expressions[node]:
            names[node] = expressions[node]
        elif owners.get(node):
            names[node] = f"{owners[node]}.{node.op}"
        else:
            names[node] = f"{node.op}(…)"
    root = order[-1]
    if root.parents and not root.label and root not in parameters:
        names[root] = "out"
    return names, expressions


_LONG = 32  # characters: a longer expression names a node by its cluster, or as op(…)


def _expression(node: Value, names: Mapping[Value, str]) -> str:
    """What ``node`` computes, in its parents' names and the drawing's op symbols (its
    first two operands and … for an op of many)."""
    args = [names[p] for p in node.parents]
    symbol = _SYMBOLS.get(node.op)
    if symbol and len(args) == 2:
        return f"{_grouped(args[0])} {symbol} {_grouped(args[1])}"
    if node.op == "neg" and len(args) == 1:
        return f"-{_grouped(args[0])}"
    shown = args if len(args) <= 3 else [*args[:2], "…"]
    return f"{node.op}({', '.join(shown)})"


def _grouped(name: str) -> str:
    """A name inside a larger expression: in parentheses if it is an expression itself or
    a negative number."""
    return f"({name})" if " " in name or name.startswith("-") else name


def _seeds(order: list[Value], tangents: Tangents, where: str) -> dict[Value, float]:
    """The leaves' tangents, given by Value or by label (the others' are 0)."""
    if not isinstance(tangents, Mapping):
        raise TypeError(
            f"{where}: tangents must map inputs (Values or labels) to numbers, "
            f"got {type(tangents).__name__}"
        )
    leaves = [node for node in order if not node.parents]
    seeds: dict[Value, float] = {}
    for key, tangent in tangents.items():
        if isinstance(key, Value):
            if key not in leaves:
                problem = f"a {key.op} node, not an input" if key.parents else "not in the graph"
                raise ValueError(f"{where}: tangents are given to inputs; {key!r} is {problem}")
            leaf = key
        else:
            matches = [node for node in leaves if node.label == key]
            if len(matches) != 1:
                problem = "no input has" if not matches else f"{len(matches)} inputs have"
                raise ValueError(f"{where}: {problem} the label {key!r}")
            (leaf,) = matches
        seeds[leaf] = real(tangent, where, f"the tangent of {key!r}")
    return seeds


def _order(root: object, where: str) -> list[Value]:
    if not isinstance(root, Value):
        raise TypeError(f"{where}: expected a Value, got {type(root).__name__}")
    return topological_order(root)


def _parameter_names(names: Names | None) -> dict[Value, str]:
    """``names`` as node -> dotted name, from a mapping either way round or (name, Value) pairs."""
    if names is None:
        return {}
    if isinstance(names, (str, bytes)):
        raise TypeError(
            "names: expected model.named_parameters(), a mapping or (str, Value) pairs, got "
            f"{type(names).__name__}"
        )
    pairs = names.items() if isinstance(names, Mapping) else names
    found: dict[Value, str] = {}
    for pair in pairs:
        try:
            a, b = pair
        except (TypeError, ValueError):
            raise TypeError(f"names: expected (str, Value) pairs, got {pair!r}") from None
        name, value = (a, b) if isinstance(b, Value) else (b, a)
        if not isinstance(value, Value) or not isinstance(name, str):
            raise TypeError(f"names: expected (str, Value) pairs, got ({a!r}, {b!r})")
        found[value] = name
    return found


def _group_of(name: str) -> str:
    """The neuron a parameter belongs to: its name without the last part."""
    return name.rpartition(".")[0]


def _owners(order: list[Value], parameters: dict[Value, str]) -> dict[Value, str]:
    """The cluster each node is drawn in: a parameter's group; an op fed by a parameter
    joins that parameter's group; a one-operand op joins its operand's; any other op joins
    what its operands' groups have in common."""
    owners: dict[Value, str] = {}
    for node in order:
        if not node.parents:
            if node in parameters:
                owners[node] = _group_of(parameters[node])
            continue
        fed = next((p for p in node.parents if p in parameters), None)
        if fed is not None:
            owners[node] = owners[fed]
            continue
        groups = [owners.get(p, "") for p in node.parents]
        common = groups[0] if len(groups) == 1 else _common_prefix(groups)
        if common:
            owners[node] = common
    return owners


def _common_prefix(groups: list[str]) -> str:
    parts = [g.split(".") if g else [] for g in groups]
    common = []
    for column in zip(*parts, strict=False):
        if any(c != column[0] for c in column):
            break
        common.append(column[0])
    return ".".join(common)


def _clusters_of(group: str) -> list[str]:
    """The nested clusters a group is drawn in: each prefix ending in an index (``layers.0``,
    ``layers.0.neurons.3``), and the group itself."""
    parts = group.split(".")
    prefixes = [".".join(parts[: i + 1]) for i, part in enumerate(parts) if part.isdigit()]
    if group not in prefixes:
        prefixes.append(group)
    return prefixes


def _dot(
    root: Value,
    opts: _Options,
    parameters: dict[Value, str],
    known: dict[Value, float] | None = None,
    highlight: Value | None = None,
    quantity: str = "grad",
    tagged: bool = False,
    where: str = "to_dot",
) -> str:
    """The DOT source; ``known`` (with ``quantity`` naming it, "grad" or "tangent") replaces
    the nodes' .grad, a missing node showing "?". ``tagged`` gives the box of node i the id
    ``n<i>`` (a collapsed neuron whose output is node i, ``b<i>``), for the explorer.
    ``where`` is the public function an error names."""
    order = _order(root, where)
    index = {node: i for i, node in enumerate(order)}
    owners = _owners(order, parameters) if parameters else {}
    boxes: dict[Value, str] = {}  # collapsed node -> its neuron (drawn as one box)
    if opts.collapse == "neuron":
        groups = {_group_of(name) for name in parameters.values()}
        boxes = {node: group for node, group in owners.items() if group in groups}
    drawn = len(order) - len(boxes) + len(set(boxes.values()))
    if drawn > opts.max_nodes:
        raise ValueError(
            f"{where}: the graph has {drawn} nodes, more than max_nodes={opts.max_nodes}; "
            "pass collapse='neuron' (with names=model.named_parameters()) to draw each neuron "
            "as one box, or a larger max_nodes="
        )

    def node_id(node: Value) -> str:
        return _box_id(boxes[node]) if node in boxes else f"n{index[node]}"

    def number(x: float) -> str:
        return _escape(format(x, opts.number_format))

    def grad_of(node: Value) -> str:
        if known is None:
            return number(node.grad)
        return number(known[node]) if node in known else "?"

    lines: dict[str, list[str]] = {}  # cluster ("" for the top level) -> its node lines
    edges: list[str] = []
    for node in order:
        if node in boxes:
            continue
        i = index[node]
        # a parameter shows the last part of its name; its cluster shows the rest
        name = parameters[node].rpartition(".")[2] if node in parameters else node.label
        fields = [_escape(name)] if name else []
        if opts.show_data:
            fields.append(f"data {number(node.data)}")
        if opts.show_grad:
            fields.append(f"{quantity} {grad_of(node)}")
        role = _role(node, root, parameters)
        style = f'fillcolor="{COLOURS[role]}"'
        if tagged:
            style += f' id="n{i}"'
        if node is highlight:
            style += f' color="{HIGHLIGHT}" penwidth=3'
        label = "{" + " | ".join(fields or [" "]) + "}"
        lines.setdefault(owners.get(node, ""), []).append(f'n{i} [label="{label}" {style}]')
        if node.parents:
            symbol = _SYMBOLS.get(node.op, node.op)
            lines.setdefault(owners.get(node, ""), []).append(
                f'n{i}op [label="{_quote(symbol)}" shape=circle width=0.3 margin=0.02]'
            )
            edges.append(f"n{i}op -> n{i}")
            ordered = node.op in _ORDERED
            for position, parent in enumerate(node.parents):
                attrs = f' [label="{position}"]' if ordered else ""
                edges.append(f"{node_id(parent)} -> n{i}op{attrs}")
    if boxes:
        tags = index if tagged else None
        _collapsed_boxes(order, boxes, node_id, number, grad_of, lines, edges, quantity, tags)

    body = [
        f"graph [rankdir={opts.rankdir} fontname=Helvetica]",
        'node [shape=record style=filled fontname=Helvetica fontsize=11 fillcolor="#ffffff"]',
        "edge [fontname=Helvetica fontsize=9]",
    ]
    body += lines.pop("", [])
    body += _cluster_lines(lines)
    body += edges
    return "digraph {\n" + "".join(f"\t{line}\n" for line in body) + "}\n"


def _collapsed_boxes(
    order: list[Value],
    boxes: dict[Value, str],
    node_id: Callable[[Value], str],
    number: Callable[[float], str],
    grad_of: Callable[[Value], str],
    lines: dict[str, list[str]],
    edges: list[str],
    quantity: str,
    tags: Mapping[Value, int] | None,
) -> None:
    """Draw each collapsed neuron as one box showing its output (its last node in
    topological order), with one edge from each outside node that feeds it; with ``tags``
    (each node's topological index) the box's id is ``b`` and its output's index."""
    outputs: dict[str, Value] = {}
    fed: dict[str, list[str]] = {}
    for node in order:
        group = boxes.get(node)
        if group is None:
            continue
        outputs[group] = node
        sources = fed.setdefault(group, [])
        for parent in node.parents:
            source = node_id(parent)
            if boxes.get(parent) != group and source not in sources:
                sources.append(source)
    for group, out in outputs.items():
        box = _box_id(group)
        label = f"{{{_escape(group)} | out {number(out.data)} | {quantity} {grad_of(out)}}}"
        tag = f' id="b{tags[out]}"' if tags is not None else ""
        lines.setdefault(_group_parent(group), []).append(
            f'{box} [label="{label}" fillcolor="{COLOURS["parameter"]}" style="filled,bold"{tag}]'
        )
        edges.extend(f"{source} -> {box}" for source in fed[group])


def _box_id(group: str) -> str:
    return f'"box {_quote(group)}"'


def _group_parent(name: str) -> str:
    clusters = _clusters_of(name)
    return clusters[-2] if len(clusters) > 1 else ""


def _cluster_lines(lines: dict[str, list[str]]) -> list[str]:
    """Nested ``subgraph cluster_…`` blocks for the dotted groups, in sorted order."""
    tree: dict[str, list[str]] = {}
    for group in lines:
        for cluster in _clusters_of(group):
            tree.setdefault(cluster, [])
    members: dict[str, list[str]] = {c: [] for c in tree}
    for group, node_lines in lines.items():
        members[_clusters_of(group)[-1]].extend(node_lines)
    children: dict[str, list[str]] = {c: [] for c in tree}
    tops: list[str] = []
    for cluster in tree:
        enclosing = _clusters_of(cluster)[:-1]
        (children[enclosing[-1]] if enclosing else tops).append(cluster)

    def emit(cluster: str, depth: int) -> list[str]:
        pad = "\t" * depth
        out = [f'{pad}subgraph "cluster_{_quote(cluster)}" {{', f'{pad}\tlabel="{_quote(cluster)}"']
        out += [f"{pad}\t{line}" for line in members[cluster]]
        for child in sorted(children[cluster], key=_natural):
            out += emit(child, depth + 1)
        return [*out, f"{pad}}}"]

    result: list[str] = []
    for top in sorted(tops, key=_natural):
        result += emit(top, 0)
    return result


def _natural(name: str) -> list[Any]:
    """Sort key putting layers.2 before layers.10."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in name.split(".")]


def _role(node: Value, root: Value, parameters: Mapping[Value, str]) -> str:
    if node is root:
        return "output"
    if node.parents:
        return "intermediate"
    if node in parameters:
        return "parameter"
    return "input" if node.label else "constant"


def _visible(text: str) -> str:
    """``text`` with each control character (NUL, newline, tab…) and line or paragraph
    separator (U+2028, U+2029) shown as its Python escape, so that it is seen, not acted on
    by Graphviz or a terminal."""
    return "".join(
        repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text
    )


def _quote(text: str) -> str:
    """Text safe inside a double-quoted DOT string: an id or a plain label (``&`` as
    ``&amp;``: Graphviz reads HTML entities, and "&lt;" would be drawn as "<")."""
    return re.sub(r'([\\"])', r"\\\1", _visible(text).replace("&", "&amp;"))


def _escape(text: str) -> str:
    """Text safe inside a field of a DOT record label, where {}|<> are structure too."""
    return re.sub(r"([{}|<>])", r"\\\1", _quote(text))


# Rendering through the graphviz package


def _format_of(path: Path) -> str:
    """save_graph's format, from the suffix of the file name it is given."""
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValueError(
            f"save_graph: cannot tell the format from {path.name!r}; use a .png, .svg or "
            ".pdf file name"
        )
    return fmt


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ModuleNotFoundError(
            "Drawing graphs needs the graphviz Python package: pip install valuegrad[viz] "
            "(autograd.to_dot() and autograd.to_text() work without it)",
            name="graphviz",
        ) from None
    return graphviz


def _digraph(source: str) -> Any:
    """A ``graphviz.Digraph`` holding exactly ``source``."""
    lines = source.rstrip("\n").split("\n")  # not splitlines(), which splits at U+2028 too
    body = [line + "\n" for line in lines[1:-1]]
    return _drawing_class()(body=body)


@cache
def _drawing_class() -> type:
    """A subclass of ``graphviz.Digraph`` whose rendering turns graphviz's
    ExecutableNotFound into GraphvizNotFoundError, with the commands that install ``dot``."""
    graphviz = _graphviz()

    def guarded(method_name: str) -> Any:
        method = getattr(graphviz.Digraph, method_name)

        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except graphviz.ExecutableNotFound as error:
                raise GraphvizNotFoundError(_INSTALL) from error

        call.__name__ = method_name
        call.__doc__ = method.__doc__
        return call

    def describe(self: Any) -> str:  # no memory address: a notebook's output stays the same
        return f"<Drawing: {len(self.body)} lines of DOT in .source, drawn by .render()>"

    methods = ("pipe", "render", "view", "_repr_mimebundle_")
    members = {name: guarded(name) for name in methods}
    return type("Drawing", (graphviz.Digraph,), {**members, "__repr__": describe})
