"""The step-by-step explorer: a self-contained HTML page (and notebook output) and an animated
GIF of backprop and forward mode, checked in the file and in a real browser (the system's
Chromium, driven by Playwright)."""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import autograd
import nn
from autograd import Value

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


def z_example() -> Value:
    w, b = Value(3.0, "w"), Value(4.0, "b")
    x = 2 * w + b
    y = b + 1
    z = x * y
    x.label, y.label, z.label = "x", "y", "z"
    return z


def frames_of(page: str) -> list[str]:
    return re.findall(r'<figure class="vg-frame".*?</figure>', page, re.DOTALL)


def captions_of(page: str) -> list[str]:
    found = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    return [html.unescape(re.sub(r"<.*?>", "", caption)) for caption in found]


# The page itself


Z_CAPTIONS = [
    "∂z/∂z = 1: backward() starts at the output",
    "∂z/∂y = 1·10 = 10 (∂z/∂z · ∂(x * y)/∂y)",
    "∂z/∂(1) = 10·1 = 10 (∂z/∂y · ∂y/∂(1))",
    "∂z/∂x = 1·5 = 5 (∂z/∂z · ∂(x * y)/∂x)",
    "∂z/∂b = 5·1 + 10·1 = 15: two paths, summed (∂z/∂x · ∂x/∂b + ∂z/∂y · ∂y/∂b)",
    "∂z/∂(2 * w) = 5·1 = 5 (∂z/∂x · ∂x/∂(2 * w))",
    "∂z/∂w = 5·2 = 10 (∂z/∂(2 * w) · ∂(2 * w)/∂w)",
    "∂z/∂(2) = 5·3 = 15 (∂z/∂(2 * w) · ∂(2 * w)/∂(2))",
]


def test_the_page_holds_the_drawing_once_and_a_caption_per_step_in_words(tmp_path: Path) -> None:
    z = z_example()
    path = autograd.save_html(z, tmp_path / "z.html")
    page = path.read_text(encoding="utf-8")
    assert len(frames_of(page)) == len(autograd.backward_steps(z)) == 8
    assert page.count("<svg") == 1  # drawn once, restyled for each step
    last = autograd.backward_steps(z)[-1].source  # the finished drawing: every gradient known
    assert sorted(re.findall(r">grad ([0-9?]+)<", page)) == sorted(
        re.findall(r"grad ([0-9?]+)", last)
    )
    assert captions_of(page) == [f"step {k} of 8{c}" for k, c in enumerate(Z_CAPTIONS, start=1)]


def test_captions_name_nodes_as_the_drawing_does_and_never_explain_a_gradient_by_itself(
    tmp_path: Path,
) -> None:
    """Every name in a caption is a label, a parameter's name, a constant's value or an
    expression in those, as drawn; and what a caption explains (∂z/∂y) is not part of its
    explanation, even where the output is the node that uses it (z = x * y)."""
    model = nn.MLP(2, [2, 1], seed=0)
    loss = nn.mse([model([0.5, -0.3])], [1.0])
    a = Value(3.0, "a")
    unlabelled = z_example()
    for node in autograd.topological_order(unlabelled):
        node.label = node.label if node.label in ("w", "b") else ""
    graphs = [
        (z_example(), None),
        (unlabelled, None),
        (a * a, None),
        (loss, model.named_parameters()),
        (loss, None),
    ]
    for k, (root, names) in enumerate(graphs):
        page = autograd.save_html(root, tmp_path / f"{k}.html", names=names).read_text()
        for caption in captions_of(page):
            assert "%" not in caption  # the listing's names, which the drawing never shows
            explained, _, rest = caption.partition(" = ")
            explanation = rest.rpartition(" (")[2]
            assert explained not in explanation.split(" · "), caption
    page = autograd.save_html(loss, tmp_path / "named.html", names=model.named_parameters())
    captions = captions_of(page.read_text())
    assert captions[0].endswith("backward() starts at the output, out = sum(…) / 1")
    assert any(c.startswith("step 11 of 23∂out/∂layers.0.neurons.1.w1 = ") for c in captions)
    assert (
        "(∂out/∂out · ∂(a * a)/∂a + ∂out/∂out · ∂(a * a)/∂a)"
        in captions_of(autograd.save_html(a * a, tmp_path / "aa.html").read_text())[1]
    )


def test_the_page_is_self_contained_small_and_the_same_bytes_each_time(tmp_path: Path) -> None:
    first = autograd.save_html(z_example(), tmp_path / "a.html").read_bytes()
    second = autograd.save_html(z_example(), tmp_path / "b.html").read_bytes()
    assert first == second
    assert len(first) < 100_000
    page = first.decode()
    addresses = re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'<>]*", page)
    assert set(addresses) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "<link" not in page
    assert "<script src" not in page
    assert "<!DOCTYPE svg" not in page
    assert page.count("<script>") == 1


def test_forward_mode_pages_caption_each_tangent(tmp_path: Path) -> None:
    page = autograd.save_html(
        z_example(), tmp_path / "f.html", steps="forward", tangents={"b": 1.0}
    )
    captions = captions_of(page.read_text(encoding="utf-8"))
    assert captions == [
        f"step {k} of 8{caption}"
        for k, caption in enumerate(
            [
                "the constant 2: its tangent is 0",
                "w is an input not along the direction: its tangent is 0",
                "2 * w: its tangent is 3·0 + 2·0 = 0 "
                "(∂(2 * w)/∂(2) · tangent(2) + ∂(2 * w)/∂w · tangent(w))",
                "b is an input: its tangent is 1, as given",
                "x = (2 * w) + b: its tangent is 1·0 + 1·1 = 1 "
                "(∂x/∂(2 * w) · tangent(2 * w) + ∂x/∂b · tangent(b))",
                "the constant 1: its tangent is 0",
                "y = b + 1: its tangent is 1·1 + 1·0 = 1 "
                "(∂y/∂b · tangent(b) + ∂y/∂(1) · tangent(1))",
                "z = x * y: its tangent is 5·1 + 10·1 = 15 "
                "(∂z/∂x · tangent(x) + ∂z/∂y · tangent(y))",
            ],
            start=1,
        )
    ]


def test_a_single_drawing_page_has_no_controls(tmp_path: Path) -> None:
    z = z_example()
    z.backward()
    page = autograd.save_html(z, tmp_path / "g.html", steps=None).read_text()
    assert len(frames_of(page)) == 1
    assert "<script>" not in page
    assert 'class="vg-controls"' not in page
    assert ">grad 15<" in page


def test_the_drawing_options_reach_every_frame(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    (out,) = model([0.5, -0.2])
    options = {"names": model.named_parameters(), "rankdir": "TB", "number_format": ".2f"}
    plain = autograd.save_html(out, tmp_path / "p.html", **options).read_text()
    collapsed = autograd.save_html(out, tmp_path / "c.html", collapse="neuron", **options)
    assert "layers.0.neurons.2" in plain
    assert len(collapsed.read_text()) < len(plain)
    assert re.search(r">data -?\d+\.\d\d<", plain)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda z, p: autograd.save_html(z, p / "z.svg"), ValueError, "not an .html file name"),
        (
            lambda z, p: autograd.save_html(z, p / "z.html", steps="all"),
            ValueError,
            "steps must be",
        ),
        (
            lambda z, p: autograd.save_html(z, p / "z.html", steps="forward"),
            ValueError,
            "needs tangents",
        ),
        (
            lambda z, p: autograd.save_html(z, p / "z.html", max_nodes=3),
            ValueError,
            "more than max_nodes=3",
        ),
        (
            lambda z, p: autograd.save_html(z, p / "no" / "z.html"),
            FileNotFoundError,
            r"No such file or directory: .*no/z\.html",
        ),
        (
            lambda z, p: autograd.save_backward_steps(z, p / "z.gif", duration=0),
            ValueError,
            "duration",
        ),
    ],
)
def test_bad_input_raises_and_leaves_no_file(
    call: Any, error: type, message: str, tmp_path: Path
) -> None:
    with pytest.raises(error, match=message):
        call(z_example(), tmp_path)
    assert list(tmp_path.rglob("*")) == []


def test_show_backward_steps_shows_the_same_explorer_as_html(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    display_module = pytest.importorskip("IPython.display")
    shown: list[Any] = []
    monkeypatch.setattr(display_module, "display", shown.append)
    autograd.show_backward_steps(z_example())
    autograd.show_forward_steps(z_example(), {"w": 1.0})
    (backward, forward) = shown
    page = autograd.save_html(z_example(), tmp_path / "z.html").read_text()
    assert frames_of(backward.data) == frames_of(page)
    assert captions_of(backward.data) == captions_of(page)
    assert "z = x * y: its tangent is 5·2 + 10·0 = 10" in captions_of(forward.data)[-1]
    assert "<html" not in backward.data  # a fragment for the notebook, not a page


# The animated GIF


def test_the_gif_has_one_frame_per_step_all_the_same_size_the_last_held(tmp_path: Path) -> None:
    image_module = pytest.importorskip("PIL.Image")
    path = autograd.save_backward_steps(z_example(), tmp_path / "z.gif", duration=500)
    assert path == tmp_path / "z.gif"
    with image_module.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(autograd.backward_steps(z_example())) == 8
        sizes, durations = set(), []
        for k in range(gif.n_frames):
            gif.seek(k)
            sizes.add(gif.size)
            durations.append(gif.info["duration"])
            gif.convert("RGB")  # every frame decodes
    assert len(sizes) == 1
    assert durations == [500] * 7 + [1500]
    again = autograd.save_backward_steps(z_example(), tmp_path / "again.gif", duration=500)
    assert again.read_bytes() == path.read_bytes()


# In a real browser: Debian's Chromium, driven by Playwright (no browser download)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
in_a_browser = pytest.mark.skipif(
    CHROMIUM is None or importlib.util.find_spec("playwright") is None,
    reason="needs the system's Chromium (apt-get install chromium) and Playwright "
    "(pip install valuegrad[test])",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()


class Opened:
    """A page opened from a file, with every request and console message it made."""

    def __init__(self, browser: Any, path: Path, scripts: bool = True) -> None:
        self.context = browser.new_context(java_script_enabled=scripts)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "console",
            lambda message: (
                self.problems.append(message.text) if message.type in ("error", "warning") else None
            ),
        )
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.goto(path.as_uri())

    def shown(self) -> list[int]:
        """The steps whose frames are visible, from 1."""
        frames = self.page.locator(".vg-frame")
        return [k + 1 for k in range(frames.count()) if frames.nth(k).is_visible()]

    def grads(self) -> list[str]:
        return re.findall(r"grad ([0-9?]+)", self.text())

    def text(self) -> str:
        """The visible drawing's text."""
        return self.page.locator(".vg-frame:visible svg").text_content()


@in_a_browser
def test_in_a_browser_the_arrow_keys_the_buttons_and_the_slider_step_through_backprop(
    browser: Any, tmp_path: Path
) -> None:
    z = z_example()
    path = autograd.save_html(z, tmp_path / "z.html")
    expected = [re.findall(r"grad ([0-9?]+)", frame.source) for frame in autograd.backward_steps(z)]
    opened = Opened(browser, path)
    page = opened.page
    assert opened.shown() == [1]
    assert sorted(opened.grads()) == sorted(expected[0])  # only the output's gradient known
    assert opened.grads().count("?") == 7
    page.screenshot(path=str(tmp_path / "first.png"))
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert opened.shown() == [4]
    assert sorted(opened.grads()) == sorted(expected[3])  # the gradients the engine computed
    assert page.inner_text(".vg-step") == "step 4 of 8"
    assert "∂z/∂x = 1·5 = 5" in page.inner_text(".vg-frame:visible figcaption")
    page.click(".vg-prev")
    assert opened.shown() == [3]
    page.click(".vg-next")
    page.click(".vg-next")
    assert opened.shown() == [5]
    slider = page.locator(".vg-slider")
    slider.fill("8")  # the slider's last position is the full drawing
    assert opened.shown() == [8]
    assert "?" not in opened.grads()
    assert sorted(opened.grads()) == sorted(expected[-1])
    page.screenshot(path=str(tmp_path / "last.png"))
    assert (tmp_path / "first.png").stat().st_size > 1000
    assert (tmp_path / "last.png").stat().st_size > 1000
    page.keyboard.press("ArrowRight")  # past the end it stays
    assert opened.shown() == [8]
    assert opened.problems == []
    assert opened.requests == [path.as_uri()]  # no network: nothing but the file itself
    opened.context.close()


@in_a_browser
def test_in_a_browser_forward_mode_steps_through_tangents(browser: Any, tmp_path: Path) -> None:
    path = autograd.save_html(
        z_example(), tmp_path / "f.html", steps="forward", tangents={"b": 1.0}
    )
    opened = Opened(browser, path)
    opened.page.keyboard.press("End")
    assert opened.shown() == [8]
    text = opened.text()
    assert "tangent 15" in text
    assert "tangent ?" not in text
    assert opened.problems == []
    opened.context.close()


@in_a_browser
def test_without_scripts_the_page_shows_every_frame_one_after_another(
    browser: Any, tmp_path: Path
) -> None:
    path = autograd.save_html(z_example(), tmp_path / "z.html")
    opened = Opened(browser, path, scripts=False)
    assert opened.shown() == list(range(1, 9))
    assert not opened.page.locator(".vg-controls").is_visible()
    assert opened.page.locator(".vg-count").first.is_visible()
    opened.context.close()


def _frame_numbers(source: str, quantity: str) -> list[str]:
    """The gradients (or tangents) a frame's DOT source shows, "?" for those not known."""
    return sorted(re.findall(rf"{quantity} ([^ |}}]+)", source))


def _frame_highlight(source: str) -> list[str]:
    """The fields of the node a frame outlines in red (none when it is inside a collapsed
    neuron)."""
    found = re.search(r'label="\{([^"]*)\}"[^\]]*color="#cc0000"', source)
    return found.group(1).split(" | ") if found else []


@in_a_browser
@pytest.mark.parametrize(
    "case", ["backward", "forward", "collapsed neurons"], ids=["backward", "forward", "collapsed"]
)
def test_in_a_browser_every_step_shows_the_numbers_and_the_outline_of_its_frame(
    browser: Any, tmp_path: Path, case: str
) -> None:
    """The one drawing, restyled, shows at each step exactly what the step's own drawing
    (backward_steps, forward_steps) shows: the same numbers known, the same node outlined."""
    if case == "collapsed neurons":
        model = nn.MLP(2, [2, 1], seed=0)
        root = nn.mse([model([0.5, -0.3])], [1.0])
        options: dict[str, Any] = {"names": list(model.named_parameters()), "collapse": "neuron"}
    else:
        root, options = z_example(), {}
    if case == "forward":
        options["tangents"] = {"b": 1.0}
        frames = [f.source for f in autograd.forward_steps(root, **options)]
        path = autograd.save_html(root, tmp_path / "p.html", steps="forward", **options)
        quantity = "tangent"
    else:
        frames = [f.source for f in autograd.backward_steps(root, **options)]
        path = autograd.save_html(root, tmp_path / "p.html", **options)
        quantity = "grad"
    opened = Opened(browser, path)
    page = opened.page
    for k, source in enumerate(frames, start=1):
        assert opened.shown() == [k]
        texts = page.locator(".vg-frame:visible svg text").all_text_contents()
        shown = sorted(t.split(" ", 1)[1] for t in texts if t.startswith(quantity + " "))
        assert shown == _frame_numbers(source, quantity), f"step {k}"
        outlined = page.locator(".vg-frame:visible svg .vg-on text").all_text_contents()
        assert outlined == _frame_highlight(source), f"step {k}"
        page.keyboard.press("ArrowRight")
    assert opened.problems == []
    opened.context.close()


def _chain(steps: int) -> Value:
    x = Value(0.5, "x")
    for _ in range(steps):
        x = (x * 1.5).tanh()
    return x


def test_the_page_grows_linearly_with_the_graph(tmp_path: Path) -> None:
    """Three times the nodes, about three times the bytes (it was nine: every frame drew the
    whole graph again)."""
    small = autograd.save_html(_chain(15), tmp_path / "small.html").stat().st_size
    large = autograd.save_html(_chain(45), tmp_path / "large.html").stat().st_size
    assert len(autograd.topological_order(_chain(45))) == 3 * 45 + 1
    assert large / small < 3.5


def test_the_same_explorer_shown_twice_gets_ids_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    display_module = pytest.importorskip("IPython.display")
    shown: list[Any] = []
    monkeypatch.setattr(display_module, "display", shown.append)
    autograd.show_backward_steps(z_example())
    autograd.show_backward_steps(z_example())  # in another cell, say
    first, second = (re.search(r'class="vg-explorer" id="([^"]+)"', s.data)[1] for s in shown)
    assert first != second
    assert f'getElementById("{second}")' in shown[1].data  # its script finds its own element
