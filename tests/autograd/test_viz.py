"""Graph drawings: DOT, text listings, rendered files, backprop frames, clusters, errors."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import pytest

import autograd
from autograd import Value, viz
from autograd import sum as value_sum


def z_example() -> tuple[Value, Value, Value]:
    """The worked example with every node labelled, after backward()."""
    w, b = Value(3.0, "w"), Value(4.0, "b")
    x = 2 * w + b
    y = b + 1
    z = x * y
    x.label, y.label, z.label = "x", "y", "z"
    z.backward()
    return w, b, z


def mlp_graph(sizes: list[int]) -> tuple[Value, list[tuple[str, Value]]]:
    """A ReLU MLP's output on one input, built by hand, with named_parameters()-style names."""
    names: list[tuple[str, Value]] = []
    inputs = [Value(0.1 * (i + 1), f"x{i}") for i in range(sizes[0])]
    for layer, (nin, nout) in enumerate(pairwise(sizes)):
        outputs = []
        for n in range(nout):
            weights = [Value(0.01 * (k + n + 1)) for k in range(nin)]
            bias = Value(0.0)
            prefix = f"layers.{layer}.neurons.{n}"
            names += [(f"{prefix}.w{k}", w) for k, w in enumerate(weights)]
            names.append((f"{prefix}.b", bias))
            act = value_sum([bias, *[w * x for w, x in zip(weights, inputs, strict=True)]])
            outputs.append(act.relu() if layer < len(sizes) - 2 else act)
        inputs = outputs
    return (inputs[0] - 1.0) ** 2, names


def node_count(dot: str) -> int:
    return len(re.findall(r'^\s*(?:n\d+|"box [^"]+") \[label=', dot, re.MULTILINE))


def test_dot_of_the_worked_example_shows_every_label_value_and_gradient() -> None:
    _, _, z = z_example()
    dot = autograd.to_dot(z)
    for label in ("w", "b", "x", "y", "z"):
        assert re.search(rf'label="\{{{label} \|', dot)
    for data, grad in [(3, 10), (4, 15), (10, 5), (5, 10), (50, 1)]:
        assert f"data {data} | grad {grad}" in dot
    assert dot == autograd.to_dot(z)


def test_text_listing_of_the_worked_example() -> None:
    _, _, z = z_example()
    assert autograd.to_text(z) == "\n".join(
        [
            "%0 = leaf         data=2   grad=15",
            "%1 = leaf         data=3   grad=10  # w",
            "%2 = mul(%0, %1)  data=6   grad=5",
            "%3 = leaf         data=4   grad=15  # b",
            "%4 = add(%2, %3)  data=10  grad=5   # x",
            "%5 = leaf         data=1   grad=10",
            "%6 = add(%3, %5)  data=5   grad=10  # y",
            "%7 = mul(%4, %6)  data=50  grad=1   # z",
        ]
    )
    assert autograd.to_text(z, show_grad=False).splitlines()[7] == "%7 = mul(%4, %6)  data=50  # z"


def test_same_graph_built_twice_gives_identical_dot_and_text() -> None:
    first, second = z_example()[2], z_example()[2]
    assert autograd.to_dot(first) == autograd.to_dot(second)
    assert autograd.to_text(first) == autograd.to_text(second)


def test_edges_follow_operand_order_and_are_numbered_where_order_matters() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    dot = autograd.to_dot(a - b)
    assert dot.index('n0 -> n2op [label="0"]') < dot.index('n1 -> n2op [label="1"]')
    assert 'label="1"]' not in autograd.to_dot(a + b)
    for op in ("/", "**"):
        assert 'n1 -> n2op [label="1"]' in autograd.to_dot(eval(f"a {op} b"))


def test_colours_say_each_nodes_role() -> None:
    w, x = Value(0.5), Value(2.0, "x")
    out = w * x + 1
    dot = autograd.to_dot(out, names={"w": w})
    colour = viz.COLOURS
    assert f'n0 [label="{{w | data 0.5 | grad 0}}" fillcolor="{colour["parameter"]}"]' in dot
    assert f'n1 [label="{{x | data 2 | grad 0}}" fillcolor="{colour["input"]}"]' in dot
    assert f'n3 [label="{{data 1 | grad 0}}" fillcolor="{colour["constant"]}"]' in dot
    assert f'n2 [label="{{data 1 | grad 0}}" fillcolor="{colour["intermediate"]}"]' in dot
    assert f'n4 [label="{{data 2 | grad 0}}" fillcolor="{colour["output"]}"]' in dot


def test_options_change_direction_fields_and_number_format() -> None:
    _, _, z = z_example()
    dot = autograd.to_dot(z, rankdir="TB", show_grad=False, number_format=".2f")
    assert "rankdir=TB" in dot
    assert "{z | data 50.00}" in dot
    assert "grad" not in dot
    assert "{z | grad 1}" in autograd.to_dot(z, show_data=False)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rankdir": "RL"}, "rankdir must be 'LR' or 'TB'"),
        ({"collapse": "layer"}, "collapse must be None or 'neuron'"),
        ({"number_format": "%d"}, "number_format is not a float format"),
        ({"max_nodes": 0}, "to_dot: max_nodes must be >= 1, got 0"),
    ],
)
def test_bad_options_are_value_errors(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        autograd.to_dot(Value(1.0), **options)


def test_a_non_value_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="to_dot: expected a Value, got float"):
        autograd.to_dot(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="to_text: expected a Value, got int"):
        autograd.to_text(3)  # type: ignore[arg-type]


def test_labels_are_escaped_for_dot() -> None:
    dot = autograd.to_dot(Value(1.0, 'a|b{c}"d'))
    assert r"a\|b\{c\}\"d" in dot


def test_save_graph_writes_a_real_png_svg_and_pdf(tmp_path: Path) -> None:
    _, _, z = z_example()
    png = autograd.save_graph(z, tmp_path / "z.png")
    assert png == tmp_path / "z.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert png.stat().st_size > 5_000
    svg = autograd.save_graph(z, str(tmp_path / "z.svg"))
    texts = {el.text for el in ET.parse(svg).iter() if el.text}
    assert {"w", "b", "x", "y", "z", "data 50", "grad 15"} <= texts
    pdf = autograd.save_graph(z, tmp_path / "z.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["z.pdf", "z.png", "z.svg"]


def test_save_graph_refuses_an_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"use a .png, .svg or .pdf file name"):
        autograd.save_graph(Value(1.0), tmp_path / "z.gif")


def test_draw_graph_is_a_digraph_with_the_same_source() -> None:
    graphviz = pytest.importorskip("graphviz")
    _, _, z = z_example()
    drawing = autograd.draw_graph(z)
    assert isinstance(drawing, graphviz.Digraph)
    assert drawing.source == autograd.to_dot(z)
    assert "image/svg+xml" in drawing._repr_mimebundle_(include=["image/svg+xml"])


def test_a_drawing_repr_names_no_memory_address_so_notebook_outputs_repeat() -> None:
    pytest.importorskip("graphviz")
    _, _, z = z_example()
    shown = repr(autograd.draw_graph(z))
    assert shown == repr(autograd.draw_graph(z))
    assert " at 0x" not in shown
    assert shown.startswith("<Drawing: ")


def test_backward_steps_fill_in_gradients_in_backward_order() -> None:
    w, b = Value(3.0, "w"), Value(4.0, "b")
    z = (2 * w + b) * (b + 1)
    frames = autograd.backward_steps(z)
    order = autograd.topological_order(z)
    assert len(frames) == len(order)
    assert frames[0].source.count("grad ?") == len(order) - 1
    assert "{data 50 | grad 1}" in frames[0].source
    assert [f.source.count("grad ?") for f in frames] == list(range(len(order) - 1, -1, -1))
    assert (w.grad, b.grad) == (0.0, 0.0)  # frames never touch .grad
    z.backward()
    last = order[0]  # the last gradient completed is the first node in topological order
    assert frames[-1].source == autograd.to_dot(z, highlight=last)


def test_each_frame_highlights_the_node_just_completed() -> None:
    _, _, z = z_example()
    frames = autograd.backward_steps(z)
    highlighted = [re.search(r"^\t(n\d+) .*penwidth=3", f.source, re.MULTILINE) for f in frames]
    assert [m.group(1) for m in highlighted] == [f"n{i}" for i in range(7, -1, -1)]


def test_forward_steps_fill_in_tangents_in_topological_order() -> None:
    w, b, z = z_example()
    frames = autograd.forward_steps(z, {"b": 1.0})
    order = autograd.topological_order(z)
    assert len(frames) == len(order)
    assert [f.source.count("tangent ?") for f in frames] == list(range(len(order) - 1, -1, -1))
    highlighted = [re.search(r"^\t(n\d+) .*penwidth=3", f.source, re.MULTILINE) for f in frames]
    assert [m.group(1) for m in highlighted] == [f"n{i}" for i in range(8)]
    last = frames[-1].source
    for text in (
        "{w | data 3 | tangent 0}",
        "{b | data 4 | tangent 1}",
        "{x | data 10 | tangent 1}",
    ):
        assert text in last
    assert "{y | data 5 | tangent 1}" in last
    assert "{z | data 50 | tangent 15}" in last  # ∂z/∂b
    assert "grad" not in last
    assert (w.grad, b.grad) == (10.0, 15.0)  # frames never touch .grad


def test_forward_steps_take_inputs_as_values_or_labels_and_are_deterministic() -> None:
    w, _, z = z_example()
    by_value = [f.source for f in autograd.forward_steps(z, {w: 1.0})]
    by_label = [f.source for f in autograd.forward_steps(z, {"w": 1.0})]
    assert by_value == by_label
    assert "{z | data 50 | tangent 10}" in by_value[-1]  # ∂z/∂w
    _, _, again = z_example()
    assert [f.source for f in autograd.forward_steps(again, {"w": 1.0})] == by_value


@pytest.mark.parametrize(
    ("tangents", "error", "message"),
    [
        ({"q": 1.0}, ValueError, "no input has the label 'q'"),
        ({"x": 1.0}, ValueError, "no input has the label 'x'"),  # x is computed, not an input
        ({"w": "1"}, TypeError, "the tangent of 'w' must be a real number"),
        ([1.0, 0.0], TypeError, "tangents must map inputs"),
    ],
)
def test_forward_steps_refuse_tangents_for_anything_but_inputs(
    tangents: object, error: type[Exception], message: str
) -> None:
    _, _, z = z_example()
    with pytest.raises(error, match=message):
        autograd.forward_steps(z, tangents)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"tangents are given to inputs; .* is a add node"):
        autograd.forward_steps(z, {z.parents[0]: 1.0})


def test_text_listing_shows_tangents_along_a_direction() -> None:
    _, _, z = z_example()
    listing = autograd.to_text(z, tangents={"b": 1.0}, show_grad=False)
    assert listing.splitlines()[-1] == "%7 = mul(%4, %6)  data=50  tangent=15  # z"
    assert "%3 = leaf         data=4   tangent=1   # b" in listing


def test_save_backward_steps_writes_numbered_frames(tmp_path: Path) -> None:
    _, _, z = z_example()
    paths = autograd.save_backward_steps(z, tmp_path / "frames", format="svg")
    assert [p.name for p in paths] == [f"step_{k}.svg" for k in range(1, 9)]
    assert all(ET.parse(p).getroot().tag.endswith("svg") for p in paths)


def test_dotted_names_group_nodes_into_nested_clusters() -> None:
    out, names = mlp_graph([2, 3, 1])
    dot = autograd.to_dot(out, names=names)
    for cluster in ("layers.0", "layers.0.neurons.2", "layers.1", "layers.1.neurons.0"):
        assert f'subgraph "cluster_{cluster}" {{' in dot
    inner = dot[dot.index('subgraph "cluster_layers.0.neurons.1"') :].split("\t}\n", 1)[0]
    assert "{w0 | data 0.02 | grad 0}" in inner
    assert "{b | data 0 | grad 0}" in inner
    assert autograd.to_dot(out, names=dict(names)) == dot  # a mapping works like the pairs


def test_collapsing_neurons_shrinks_an_mlp_drawing_tenfold() -> None:
    out, names = mlp_graph([2, 16, 16, 1])
    full = autograd.to_dot(out, names=names)
    collapsed = autograd.to_dot(out, names=names, collapse="neuron")
    assert node_count(full) >= 10 * node_count(collapsed)
    assert node_count(collapsed) == 33 + 2 + 4  # 33 neurons, 2 inputs, (out - 1) ** 2
    assert '"box layers.1.neurons.15" [label="{layers.1.neurons.15 | out' in collapsed
    assert "x0 | data 0.1" in collapsed


def test_a_big_graph_raises_suggesting_collapse_or_max_nodes() -> None:
    out, names = mlp_graph([2, 16, 16, 1])
    with pytest.raises(ValueError, match=r"more than max_nodes=100; pass collapse='neuron'"):
        autograd.to_dot(out, names=names, max_nodes=100)
    assert autograd.to_dot(out, names=names, max_nodes=100, collapse="neuron")


def test_a_graph_of_ten_thousand_nodes_needs_max_nodes_raised() -> None:
    x = Value(1.0)
    for _ in range(5_000):
        x = x * 1.0
    with pytest.raises(ValueError, match="the graph has 10001 nodes"):
        autograd.to_dot(x)
    assert autograd.to_dot(x, max_nodes=20_000).count("->") == 15_000


def test_without_dot_rendering_says_how_to_install_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    _, _, z = z_example()
    drawing = autograd.draw_graph(z)  # building the drawing needs no `dot`
    assert drawing.source == autograd.to_dot(z)
    for render in (
        lambda: autograd.save_graph(z, tmp_path / "z.png"),
        lambda: drawing._repr_mimebundle_(include=["image/svg+xml"]),
        lambda: autograd.save_backward_steps(z, tmp_path / "frames"),
    ):
        with pytest.raises(autograd.GraphvizNotFoundError) as caught:
            render()
        message = str(caught.value)
        for command in ("apt-get install graphviz", "brew install graphviz", "winget install"):
            assert command in message
        assert "to_dot() and autograd.to_text() work without it" in message
    assert not (tmp_path / "z.png").exists()


def test_without_the_graphviz_package_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    viz._drawing_class.cache_clear()
    monkeypatch.setitem(sys.modules, "graphviz", None)
    try:
        _, _, z = z_example()
        with pytest.raises(ModuleNotFoundError, match=r"pip install valuegrad\[viz\]"):
            autograd.draw_graph(z)
        assert autograd.to_dot(z)
        assert autograd.to_text(z)
    finally:
        viz._drawing_class.cache_clear()


def test_a_gradient_value_can_be_drawn() -> None:
    x = Value(2.0, "x")
    (dx,) = autograd.grad(x**3, [x], create_graph=True)
    assert "{x | data 2" in autograd.to_dot(dx)
    assert autograd.to_text(dx).splitlines()[-1].startswith("%")


HOSTILE = ['layer"0', "back\\\\slash", "a{b}|c<d>", "nul\x00byte", "new\nline", "tab\tand é ∂"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_every_name_label_and_number_format_reaches_dot_escaped(tmp_path: Path) -> None:
    for text in HOSTILE:
        w, b = Value(3.0, text), Value(4.0, "b")
        z = (w * 2 + b) * (b + 1)
        z.label = text
        names = {f"{text}.0.w": w, f"x.{text}.b": b}
        for options in (
            {"names": names},
            {"names": names, "collapse": "neuron"},
            {"number_format": '"^9'},  # quotes as the fill character
            {"number_format": "}>9"},
            {"number_format": "{<9.2f"},
        ):
            source = autograd.to_dot(z, **options)
            svg = subprocess.run(
                ["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=False
            )
            assert svg.returncode == 0, (text, options, svg.stderr.decode())
            assert b"<svg" in svg.stdout


def test_control_characters_in_a_label_are_shown_not_passed_to_dot() -> None:
    source = autograd.to_dot(Value(1.0, "nul\x00byte\n"))
    assert "\x00" not in source
    assert r"nul\\x00byte\\n" in source


def test_groups_that_differ_only_in_punctuation_stay_separate_boxes() -> None:
    a, b = Value(1.0), Value(2.0)
    out = a * b
    dot = autograd.to_dot(out, names={"l.a_b.w": a, "l.a-b.w": b}, collapse="neuron")
    boxes = re.findall(r'^\s*(\S+|"[^"]+") \[label="\{l\.a', dot, re.MULTILINE)
    assert len(boxes) == len(set(boxes)) == 2


def test_an_unknown_option_names_the_public_function_and_the_choices() -> None:
    with pytest.raises(TypeError, match=r"to_dot\(\) got an unexpected keyword argument 'colour'"):
        autograd.to_dot(Value(1.0), colour="red")
    with pytest.raises(TypeError, match=r"backward_steps\(\) got an unexpected keyword argument"):
        autograd.backward_steps(Value(1.0), rankdirr="TB")
    with pytest.raises(TypeError, match="rankdir, show_data, show_grad, number_format"):
        autograd.save_graph(Value(1.0), "g.svg", colour="red")


def test_save_backward_steps_to_a_file_name_is_an_error_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"save_backward_steps: 'g\.svg' names a file"):
        autograd.save_backward_steps(Value(1.0) * 2, tmp_path / "g.svg")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag", ["show_data", "show_grad"])
def test_a_flag_that_is_not_a_bool_is_a_type_error(flag: str) -> None:
    """show_grad="False" is a true string: taking it as True would draw what was refused."""
    with pytest.raises(TypeError, match=rf"to_dot: {flag} must be True or False, got str"):
        autograd.to_dot(Value(1.0), **{flag: "False"})


needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


@needs_dot
def test_a_failed_frames_export_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    *_, z = z_example()
    folder = tmp_path / "frames"
    autograd.save_backward_steps(z, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    z.label = "changed"
    render, calls = viz._render, []

    def failing_at_the_fourth(source: str, fmt: str) -> bytes:
        calls.append(fmt)
        if len(calls) == 4:
            raise RuntimeError("dot failed")
        return render(source, fmt)

    monkeypatch.setattr(viz, "_render", failing_at_the_fourth)
    with pytest.raises(RuntimeError, match="dot failed"):
        autograd.save_backward_steps(z, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@needs_dot
def test_frames_are_never_mixed_with_frames_they_do_not_replace_nor_deleted(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "frames"
    chain = Value(1.0, "x")
    for _ in range(11):  # 23 nodes, 23 frames: step_01 … step_23
        chain = chain * 2
    autograd.save_backward_steps(chain, folder)
    (folder / "notes.txt").write_text("mine")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    *_, z = z_example()
    left = r"step_01\.png, step_02\.png, step_03\.png and 20 more"
    with pytest.raises(FileExistsError, match=left):
        autograd.save_backward_steps(z, folder)  # 8 frames, step_1 … step_8, beside 23 others
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    svgs = autograd.save_backward_steps(z, folder, format=".SVG")  # another format: no mix
    assert svgs == [folder / f"step_{k}.svg" for k in range(1, 9)]
    again = autograd.save_backward_steps(chain, folder)  # the same frames again: replaced
    assert sorted(p.name for p in folder.iterdir()) == sorted([*before, *(p.name for p in svgs)])
    assert again[0].read_bytes() == before["step_01.png"]


@needs_dot
def test_a_pdf_is_the_same_bytes_whenever_and_wherever_it_is_drawn(tmp_path: Path) -> None:
    *_, z = z_example()
    first = autograd.save_graph(z, tmp_path / "a.pdf").read_bytes()
    assert b"/CreationDate (D:19700101000000Z)" in first  # cairo writes the clock's
    assert autograd.save_graph(z, tmp_path / "b.pdf").read_bytes() == first
    source = autograd.to_dot(z).encode()
    for zone in ("UTC", "Asia/Kolkata", "America/St_Johns"):  # "Z", "+05'30", "-03'30"
        drawn = subprocess.run(
            ["dot", "-Tpdf"], input=source, capture_output=True, check=True, env={"TZ": zone}
        ).stdout
        assert viz._fixed_pdf_date(drawn) == first
    table = first[first.rindex(b"\nxref\n") :]  # every object where the table says it is
    for number, offset in enumerate(re.findall(rb"(?m)^([0-9]{10}) [0-9]{5} n", table), start=1):
        assert first[int(offset) :].startswith(b"%d 0 obj" % number)
    start = int(re.search(rb"startxref\s+([0-9]+)", first)[1])
    assert first[start:].startswith(b"xref")


@needs_dot
def test_an_html_entity_in_a_label_is_drawn_as_typed(tmp_path: Path) -> None:
    z = Value(1.0, "&lt;x&gt; &amp; &#65;") * 2
    assert "&amp;lt;x&amp;gt; &amp;amp; &amp;#65;" in autograd.to_dot(z)
    svg = autograd.save_graph(z, tmp_path / "z.svg").read_text()
    assert ">&amp;lt;x&amp;gt; &amp;amp; &amp;#65;<" in svg  # the text "&lt;x&gt; &amp; &#65;"


def test_backward_frames_show_zero_where_backward_leaves_zero() -> None:
    x, w = Value(-1.0, "x"), Value(2.0, "w")
    out = (w * x).relu() * 3  # w's gradient: 3 · 0 · x = -0.0 as a product, 0 in .grad
    out.backward()
    assert f"{w.grad:g}" == "0"
    last = autograd.to_dot(out)  # the Values' own .grad
    frames = viz._steps(out, None, {}, "backward_steps")
    assert "grad -0" not in frames[-1]
    assert frames[-1].count("grad 0") == last.count("grad 0")


def test_bad_drawing_arguments_name_the_function_called(tmp_path: Path) -> None:
    *_, z = z_example()
    with pytest.raises(ValueError, match=r"^save_backward_steps: format must be one of"):
        autograd.save_backward_steps(z, tmp_path / "f", format="gif")
    with pytest.raises(TypeError, match=r"^save_graph: expected a Value, got float"):
        autograd.save_graph(3.0, tmp_path / "z.svg")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^save_graph: the graph has 8 nodes"):
        autograd.save_graph(z, tmp_path / "z.svg", max_nodes=2)
    with pytest.raises(TypeError, match=r"^names: expected model.named_parameters\(\)"):
        autograd.to_dot(z, names="abc")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^names: expected \(str, Value\) pairs, got \('a'"):
        autograd.to_dot(z, names=[("a", z, 1)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"^to_dot: number_format must be a format string"):
        autograd.to_dot(z, number_format=4)
    assert "data 50.00" in autograd.to_dot(z, number_format=type("Format", (str,), {})(".2f"))
    (tmp_path / "a_file").write_text("")
    with pytest.raises(NotADirectoryError, match=r"^save_backward_steps: '.*a_file' is a file"):
        autograd.save_backward_steps(z, tmp_path / "a_file")
    assert not (tmp_path / "z.svg").exists()


def test_to_text_keeps_one_line_per_node_whatever_the_labels_hold() -> None:
    z = Value(4.0, "a\nb\tc\u2028d") * 2
    lines = autograd.to_text(z).split("\n")
    assert len(lines) == 3  # the leaf, the constant 2, the product
    assert lines[0].endswith("# a\\nb\\tc\\u2028d")


@needs_dot
def test_a_line_separator_in_a_label_reaches_the_drawing() -> None:
    z = Value(1.0, "a\u2028b") * 2
    assert autograd.draw_graph(z).source == autograd.to_dot(z)
