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


def test_the_page_holds_every_frame_once_with_a_caption_in_words(tmp_path: Path) -> None:
    z = z_example()
    path = autograd.save_html(z, tmp_path / "z.html")
    page = path.read_text(encoding="utf-8")
    frames = frames_of(page)
    steps = autograd.backward_steps(z)
    assert len(frames) == len(steps) == 8
    for frame, step in zip(frames, steps, strict=True):
        grads = re.findall(r"grad ([0-9?]+)", step.source)
        assert re.findall(r">grad ([0-9?]+)<", frame) == grads  # each frame's own numbers
    assert captions_of(page) == [
        f"step {k} of 8{caption}"
        for k, caption in enumerate(
            [
                "∂z/∂z = 1: backward() starts at the output",
                "∂z/∂y = 1·10 = 10 (∂z/∂z · ∂z/∂y)",
                "∂z/∂%5 = 10·1 = 10 (∂z/∂y · ∂y/∂%5)",
                "∂z/∂x = 1·5 = 5 (∂z/∂z · ∂z/∂x)",
                "∂z/∂b = 5·1 + 10·1 = 15: two paths, summed",
                "∂z/∂%2 = 5·1 = 5 (∂z/∂x · ∂x/∂%2)",
                "∂z/∂w = 5·2 = 10 (∂z/∂%2 · ∂%2/∂w)",
                "∂z/∂%0 = 5·3 = 15 (∂z/∂%2 · ∂%2/∂%0)",
            ],
            start=1,
        )
    ]


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
    assert captions[0] == "step 1 of 8%0 = 2 is a constant: its tangent is 0"
    assert captions[1] == "step 2 of 8w is an input not along the direction: its tangent is 0"
    assert captions[3] == "step 4 of 8b is an input: its tangent is 1, as given"
    assert captions[-1] == (
        "step 8 of 8z = mul(x, y): its tangent is 5·1 + 10·1 = 15, each parent's tangent "
        "times ∂z/∂parent"
    )


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
    assert "z = mul(x, y): its tangent is 5·2 + 10·0 = 10" in captions_of(forward.data)[-1]
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
