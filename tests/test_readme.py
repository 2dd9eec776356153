"""The README's Python examples run, in order, and their assertions hold."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_readme_python_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 4
    namespace: dict[str, object] = {"__name__": "readme"}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)


def test_readme_shows_the_real_assert_grads_failure_message() -> None:
    from autograd import Value
    from autograd.testing import GradcheckError, assert_grads

    text = README.read_text(encoding="utf-8")
    shown = re.search(r"```\n(assert_grads: .*?)```", text, re.DOTALL)
    assert shown is not None
    with pytest.raises(GradcheckError) as caught:
        assert_grads(lambda: (2 * Value(3.0, "w") + Value(4.0, "b")) * 5, {"w": 10, "b": 6})
    assert str(caught.value) == shown.group(1).rstrip("\n")


def test_readme_shows_the_real_assert_close_failure_message() -> None:
    from autograd.testing import NotCloseError, assert_close

    text = README.read_text(encoding="utf-8")
    shown = re.search(r"```\n(x after one step: .*?)```", text, re.DOTALL)
    assert shown is not None
    with pytest.raises(NotCloseError) as caught:
        assert_close(0.2 + 0.16, 1.0, "x after one step")
    assert str(caught.value) == shown.group(1).rstrip("\n")


def test_readme_shows_the_real_text_listing() -> None:
    from autograd import Value, to_text

    shown = re.search(r"```\n(%0 = leaf.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert shown is not None
    w, b = Value(3.0, "w"), Value(4.0, "b")
    x, y = 2 * w + b, b + 1
    z = x * y
    x.label, y.label, z.label = "x", "y", "z"
    z.backward()
    assert to_text(z) == shown.group(1).rstrip("\n")


def test_every_file_the_readme_links_to_exists() -> None:
    links = re.findall(r"\]\(([^)#:]+)\)", README.read_text(encoding="utf-8"))
    assert "docs/z_graph.svg" in links
    notebooks = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    assert (
        sorted(link.removeprefix("notebooks/") for link in links if link.startswith("notebooks/"))
        == notebooks
    )
    assert [link for link in links if not (ROOT / link).is_file()] == []


def test_the_pictured_backprop_is_the_worked_examples_eight_steps() -> None:
    image = pytest.importorskip("PIL.Image")
    assert "docs/z_backprop.gif" in README.read_text(encoding="utf-8")
    with image.open(ROOT / "docs" / "z_backprop.gif") as gif:
        assert gif.n_frames == 8
    page = (ROOT / "docs" / "z_backprop.html").read_text(encoding="utf-8")
    assert "∂z/∂b = 5·1 + 10·1 = 15: two paths, summed" in page


def test_the_pictured_graph_is_the_worked_example_after_backward() -> None:
    svg = (ROOT / "docs" / "z_graph.svg").read_text(encoding="utf-8")
    for text in (">w<", ">b<", ">x<", ">y<", ">z<", "data 50", "grad 15", "grad 10"):
        assert text in svg
