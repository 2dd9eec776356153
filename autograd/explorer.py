"""The step-by-step explorer: one self-contained piece of HTML that steps through backprop
(or forward mode) frame by frame, for a saved page or a notebook's output.

Each frame is a drawing (the SVG that Graphviz renders), embedded once, with a one-line
caption that says in words what the step computed. It needs no server, no network, no
kernel and no widget library. Where scripts run (a browser, VS Code, Colab, an exported
notebook, a trusted JupyterLab) it shows one frame at a time, with a slider, previous and
next buttons and the arrow keys; where they do not (an untrusted notebook, a code host),
every frame is shown one after another, each with its caption.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

from .engine import Value
from .func import _Linearization

Fmt = Callable[[float], str]
__all__ = ["backward_captions", "forward_captions", "page", "widget"]

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
.vg-step{font-variant-numeric:tabular-nums;color:#555}
.vg-count{color:#555;margin-right:.6em}
"""

# Scripts, where they run, turn the list of frames into one frame at a time.
_SCRIPT = """
(function () {
  var root = document.getElementById("%(id)s");
  var frames = root.querySelectorAll(".vg-frame");
  var slider = root.querySelector(".vg-slider");
  var label = root.querySelector(".vg-step");
  var current = 0;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) { frames[i].hidden = i !== current; }
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


def page(svgs: Sequence[str], captions: Sequence[str], title: str) -> str:
    """A whole HTML document: the explorer over the frames, or one drawing if one frame."""
    from html import escape  # here, not at the top: ``import autograd`` stays light

    body = widget(svgs, captions, keys_everywhere=True)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width">\n<title>{escape(title)}'
        f'</title>\n</head>\n<body>\n<h1 style="font-family:Helvetica,Arial,sans-serif;'
        f'font-size:1.2em">{escape(title)}</h1>\n{body}\n</body>\n</html>\n'
    )


def widget(svgs: Sequence[str], captions: Sequence[str], keys_everywhere: bool = False) -> str:
    """The explorer alone, to embed (a notebook's HTML output). The arrow keys move it when
    it has the focus, or anywhere on the page with ``keys_everywhere``."""
    import hashlib  # here, not at the top: ``import autograd`` stays light
    from html import escape

    frames = [_clean(svg, k) for k, svg in enumerate(svgs)]
    ident = "vg-" + hashlib.sha1("".join(frames).encode()).hexdigest()[:12]
    n = len(frames)
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
    for k, (frame, caption) in enumerate(zip(frames, captions, strict=True), start=1):
        count = f'<span class="vg-count">step {k} of {n}</span>' if n > 1 else ""
        parts.append(
            f'<figure class="vg-frame" data-step="{k}"><figcaption>{count}'
            f"{escape(caption)}</figcaption>{frame}</figure>"
        )
    parts.append("</div>")
    if n > 1:
        keys = "document" if keys_everywhere else "root"
        parts.append(f"<script>{_SCRIPT.strip() % {'id': ident, 'keys': keys}}</script>")
    return "\n".join(parts)


def _clean(svg: str, k: int) -> str:
    """An SVG from Graphviz, ready to embed: no XML declaration, no DOCTYPE (whose address
    a browser might fetch), no comments, no space between tags, and ids made unique to
    the frame."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    svg = re.sub(r">\s+<", "><", svg)
    return re.sub(r'\bid="', f'id="f{k}-', svg).strip()


# The captions: each step in words, with the numbers the engine computed.


def backward_captions(
    order: list[Value], linear_map: _Linearization, grads: dict[Value, float], number: Fmt
) -> list[str]:
    """One line per step of backward(), in its order: each node's gradient, the sum over
    the nodes that use it of their gradient times the local derivative."""
    uses: dict[Value, list[tuple[Value, float]]] = {node: [] for node in order}
    for node, local in zip(linear_map.inner, linear_map.partials, strict=True):
        for parent, d in zip(node.parents, local, strict=True):
            uses[parent].append((node, float(d)))
    names = _names(order)
    root = order[-1]
    top = names[root]
    captions = [f"∂{top}/∂{top} = 1: backward() starts at the output"]
    for node in reversed(order[:-1]):
        terms = " + ".join(f"{number(grads[user])}·{number(d)}" for user, d in uses[node])
        line = f"∂{top}/∂{names[node]} = {terms} = {number(grads[node])}"
        if len(uses[node]) > 1:
            line += f": {_count(len(uses[node]))} paths, summed"
        else:
            user = names[uses[node][0][0]]
            line += f" (∂{top}/∂{user} · ∂{user}/∂{names[node]})"
        captions.append(line)
    return captions


def forward_captions(
    order: list[Value],
    linear_map: _Linearization,
    tangents: dict[Value, float],
    given: Collection[Value],
    number: Fmt,
) -> list[str]:
    """One line per step of forward mode, in topological order: each node's tangent, the
    sum over its parents of the local derivative times the parent's tangent."""
    partials = dict(zip(linear_map.inner, linear_map.partials, strict=True))
    names = _names(order)
    captions = []
    for node in order:
        name, tangent = names[node], number(tangents[node])
        if not node.parents:
            if node in given:
                captions.append(f"{name} is an input: its tangent is {tangent}, as given")
            elif node.label:
                captions.append(f"{name} is an input not along the direction: its tangent is 0")
            else:
                captions.append(f"{name} = {number(node.data)} is a constant: its tangent is 0")
            continue
        terms = " + ".join(
            f"{number(float(d))}·{number(tangents[p])}"
            for p, d in zip(node.parents, partials[node], strict=True)
        )
        args = ", ".join(names[p] for p in node.parents)
        captions.append(
            f"{name} = {node.op}({args}): its tangent is {terms} = {tangent}, each parent's "
            f"tangent times ∂{name}/∂parent"
        )
    return captions


def _names(order: list[Value]) -> dict[Value, str]:
    """How captions name nodes: by label, else by topological index, as ``to_text`` does."""
    return {node: node.label or f"%{i}" for i, node in enumerate(order)}


def _count(n: int) -> str:
    return _COUNTS[n] if n < len(_COUNTS) else str(n)
