"""The step-by-step explorer: one self-contained piece of HTML that steps through backprop
(or forward mode) frame by frame, for a saved page or a notebook's output.

The graph is drawn once (the SVG that Graphviz renders), finished: every value box shows
its number. Each step has a one-line caption saying in words, with the numbers, what it
computed, and the page holds which node each step completes. Where scripts run (a browser,
VS Code, Colab, an exported notebook, a trusted JupyterLab) they show one step at a time,
with a slider, previous and next buttons and the arrow keys, restyling the one drawing:
the numbers not yet known read "?", and the node just completed is outlined in red. So the
page grows with the graph, not with its square. Where scripts do not run (an untrusted
notebook, a code host), every step's caption is shown, one after another, above the
finished drawing. It needs no server, no network, no kernel and no widget library.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from .engine import Value
from .func import _Linearization

Fmt = Callable[[float], str]
__all__ = ["Stepper", "backward_captions", "forward_captions", "page", "widget"]

_COUNTS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]

_STYLE = """
.vg-explorer{font-family:Helvetica,Arial,sans-serif;max-width:100%}
.vg-explorer [hidden]{display:none!important}
.vg-controls{display:flex;gap:.5em;align-items:center;margin:.3em 0}
.vg-controls input{flex:1;max-width:24em}
.vg-controls button{font-size:1em;min-width:2.2em}
.vg-frame{margin:.4em 0 1.2em 0}
.vg-frame figcaption{margin:.2em 0}
.vg-frame svg{max-width:100%;height:auto}
.vg-on>polygon,.vg-on>polyline,.vg-on>path{stroke:#cc0000;stroke-width:3}
.vg-step{font-variant-numeric:tabular-nums;color:#555}
.vg-count{color:#555;margin-right:.6em}
"""

# Scripts, where they run, turn the list of captions into one step at a time: the drawing
# moves into the step shown, and is restyled for it.
_SCRIPT = """
(function () {
  var root = document.getElementById("%(id)s");
  var data = %(data)s;
  var frames = root.querySelectorAll(".vg-frame");
  var slider = root.querySelector(".vg-slider");
  var label = root.querySelector(".vg-step");
  var drawing = root.querySelector("svg");
  var when = {};
  data.order.forEach(function (node, k) { when[node] = k; });
  var boxes = [];
  drawing.querySelectorAll("g.node").forEach(function (g) {
    var found = /-(n|b)(\\d+)$/.exec(g.id);
    if (!found) { return; }
    var texts = g.querySelectorAll("text");
    var text = data.values && texts.length ? texts[texts.length - 1] : null;
    boxes.push({g: g, text: text, shown: text && text.textContent,
                step: when[found[2]], drawn: found[1] === "n"});
  });
  var current = 0;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) { frames[i].hidden = i !== current; }
    frames[current].appendChild(drawing);
    boxes.forEach(function (box) {
      if (box.text) {
        box.text.textContent = box.step <= current ? box.shown : data.quantity + " ?";
      }
      box.g.classList.toggle("vg-on", box.drawn && box.step === current);
    });
    slider.value = current + 1;
    label.textContent = "step " + (current + 1) + " of " + frames.length;
  }
  slider.addEventListener("input", function () { show(slider.valueAsNumber - 1); });
  root.querySelector(".vg-prev").addEventListener("click", function () { show(current - 1); });
  root.querySelector(".vg-next").addEventListener("click", function () { show(current + 1); });
  %(keys)s.addEventListener("keydown", function (event) {
    if (event.target === slider) { return; }  // the slider moves itself with the arrows
    var step = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1}[event.key];
    if (event.key === "Home") { show(0); } else if (event.key === "End") {
      show(frames.length - 1); } else if (step) { show(current + step); } else { return; }
    event.preventDefault();
  });
  root.querySelector(".vg-controls").hidden = false;
  root.querySelectorAll(".vg-count").forEach(function (c) { c.hidden = true; });
  show(0);
})();
"""


@dataclass(frozen=True)
class Stepper:
    """What the explorer shows: the finished drawing, one caption per step, and the node
    (by topological index) each step completes. In ``svg`` the box of node i has the id
    ``n<i>``, and a collapsed neuron whose output is node i the id ``b<i>``; where
    ``values`` is true, each box's last text is its gradient (or tangent), which reads
    ``quantity ?`` until its step. With no ``order``, the drawing alone, with one caption."""

    svg: str
    captions: Sequence[str]
    order: Sequence[int] = ()
    quantity: str = "grad"
    values: bool = False


def page(stepper: Stepper, title: str) -> str:
    """A whole HTML document: the explorer, or the drawing alone."""
    from html import escape  # here, not at the top: ``import autograd`` stays light

    body = widget(stepper, keys_everywhere=True)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width">\n<title>{escape(title)}'
        f'</title>\n</head>\n<body>\n<h1 style="font-family:Helvetica,Arial,sans-serif;'
        f'font-size:1.2em">{escape(title)}</h1>\n{body}\n</body>\n</html>\n'
    )


def widget(
    stepper: Stepper, keys_everywhere: bool = False, on_page: dict[str, int] | None = None
) -> str:
    """The explorer alone, to embed (a notebook's HTML output). The arrow keys move it when
    it has the focus, or anywhere on the page with ``keys_everywhere``. Its element ids come
    from its content; ``on_page`` counts, by those ids, the explorers already on the page, so
    that two showings of one graph, whose scripts would find one element, get their own."""
    import hashlib  # here, not at the top: ``import autograd`` stays light
    import json
    from html import escape

    data = {"order": list(stepper.order), "quantity": stepper.quantity, "values": stepper.values}
    script_data = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    captions = list(stepper.captions)
    content = "\n".join([stepper.svg, script_data, *captions])
    ident = "vg-" + hashlib.sha1(content.encode()).hexdigest()[:12]
    if on_page is not None:
        before = on_page.get(ident, 0)
        on_page[ident] = before + 1
        ident += f"-{before}" if before else ""
    drawing = _clean(stepper.svg, ident)
    n = len(captions)
    parts = [
        f"<style>{_STYLE.strip()}</style>",
        f'<div class="vg-explorer" id="{ident}" tabindex="0">',
    ]
    if n > 1:
        parts.append(
            '<div class="vg-controls" hidden>'
            '<button type="button" class="vg-prev" aria-label="previous step">&#9664;</button>'
            f'<input type="range" class="vg-slider" min="1" max="{n}" value="1" aria-label="step">'
            '<button type="button" class="vg-next" aria-label="next step">&#9654;</button>'
            f'<span class="vg-step">step 1 of {n}</span></div>'
        )
    for k, caption in enumerate(captions, start=1):
        count = f'<span class="vg-count">step {k} of {n}</span>' if n > 1 else ""
        shown = drawing if k == n else ""  # without scripts: after the last caption
        parts.append(
            f'<figure class="vg-frame" data-step="{k}"><figcaption>{count}'
            f"{escape(caption)}</figcaption>{shown}</figure>"
        )
    parts.append("</div>")
    if n > 1:
        keys = "document" if keys_everywhere else "root"
        safe = script_data.replace("<", "\\u003c")  # ensure_ascii already; no "</script>"
        parts.append(
            f"<script>{_SCRIPT.strip() % {'id': ident, 'data': safe, 'keys': keys}}</script>"
        )
    return "\n".join(parts)


def _clean(svg: str, ident: str) -> str:
    """An SVG from Graphviz, ready to embed: no XML declaration, no DOCTYPE (whose address
    a browser might fetch), no comments, no space between tags, and ids made unique to
    this explorer (a notebook may show several)."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    svg = re.sub(r">\s+<", "><", svg)
    return re.sub(r'\bid="', f'id="{ident}-', svg).strip()


# The captions: each step in words, with the numbers the engine computed. Nodes are named as
# the drawing names them (see ``viz._caption_names``).


def backward_captions(
    order: list[Value],
    linear_map: _Linearization,
    grads: Mapping[Value, float],
    names: Mapping[Value, str],
    expressions: Mapping[Value, str],
    number: Fmt,
) -> list[str]:
    """One line per step of backward(), in its order: each node's gradient, the sum over the
    nodes that use it of their gradient times the local derivative, in numbers, then in
    symbols. ``names`` names every node as the drawing does, ``expressions`` says what each
    op node computes (``x * y``). The local derivative of the output itself is written by
    its expression, ∂(x * y)/∂y, so that no gradient is ever explained by itself."""
    uses: dict[Value, list[tuple[Value, float]]] = {node: [] for node in order}
    for node, local in zip(linear_map.inner, linear_map.partials, strict=True):
        for parent, d in zip(node.parents, local, strict=True):
            uses[parent].append((node, float(d)))
    root = order[-1]
    top = names[root]
    captions = [f"{_d(top, top)} = 1: backward() starts at the output"]
    if not root.label and root.parents:
        captions[0] += f", {top} = {expressions[root]}"
    for node in reversed(order[:-1]):
        explained = _d(top, names[node])
        terms = " + ".join(f"{number(grads[user])}·{number(d)}" for user, d in uses[node])
        line = f"{explained} = {terms} = {number(grads[node])}"
        if len(uses[node]) > 1:
            line += f": {_count(len(uses[node]))} paths, summed"
        symbols = [
            f"{_d(top, names[user])} · "
            + (
                f"∂({expressions[user]})/∂{_word(names[node])}"
                if user is root
                else _d(names[user], names[node])
            )
            for user, _ in uses[node]
        ]
        if explained not in {part for term in symbols for part in term.split(" · ")}:
            line += f" ({' + '.join(symbols)})"
        captions.append(line)
    return captions


def forward_captions(
    order: list[Value],
    linear_map: _Linearization,
    tangents: Mapping[Value, float],
    given: Collection[Value],
    names: Mapping[Value, str],
    expressions: Mapping[Value, str],
    constants: Collection[Value],
    number: Fmt,
) -> list[str]:
    """One line per step of forward mode, in topological order: each node's tangent, the
    sum over its parents of the local derivative times the parent's tangent, in numbers,
    then in symbols. ``names`` and ``expressions`` as for ``backward_captions``;
    ``constants`` are the leaves that are neither inputs nor parameters."""
    partials = dict(zip(linear_map.inner, linear_map.partials, strict=True))
    captions = []
    for node in order:
        name, tangent = names[node], number(tangents[node])
        if not node.parents:
            if node in given:
                captions.append(f"{name} is an input: its tangent is {tangent}, as given")
            elif node in constants:
                captions.append(f"the constant {name}: its tangent is 0")
            else:
                captions.append(f"{name} is an input not along the direction: its tangent is 0")
            continue
        terms = " + ".join(
            f"{number(float(d))}·{number(tangents[p])}"
            for p, d in zip(node.parents, partials[node], strict=True)
        )
        symbols = " + ".join(f"{_d(name, names[p])} · tangent({names[p]})" for p in node.parents)
        head = name if name == expressions[node] else f"{name} = {expressions[node]}"
        captions.append(f"{head}: its tangent is {terms} = {tangent} ({symbols})")
    return captions


def _d(top: str, name: str) -> str:
    """∂top/∂name, a name that is not one word (a number, an expression) in parentheses."""
    return f"∂{_word(top)}/∂{_word(name)}"


def _word(name: str) -> str:
    plain = name and not re.search(r"\s", name) and not re.match(r"[-+.\d]", name)
    return name if plain else f"({name})"


def _count(n: int) -> str:
    return _COUNTS[n] if n < len(_COUNTS) else str(n)
