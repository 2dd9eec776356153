"""Every test that needs PyTorch is marked ``torch``: CI runs the suite without torch, then
only the marked tests with it, so an unmarked one would be skipped once and never run."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imports_torch(node: ast.AST) -> bool:
    """``import torch``, ``from torch… import``, or ``pytest.importorskip("torch…")``."""
    for found in ast.walk(node):
        if isinstance(found, ast.Import):
            names = [alias.name for alias in found.names]
        elif isinstance(found, ast.ImportFrom):
            names = [found.module or ""]
        elif (
            isinstance(found, ast.Call)
            and isinstance(found.func, ast.Attribute)
            and found.func.attr == "importorskip"
            and found.args
            and isinstance(found.args[0], ast.Constant)
        ):
            names = [str(found.args[0].value)]
        else:
            continue
        if any(name.partition(".")[0] == "torch" for name in names):
            return True
    return False


def _unmarked_tests_that_import_torch(path: Path) -> list[str]:
    module = ast.parse(path.read_text(encoding="utf-8"))
    marks_all = any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
        and "pytest.mark.torch" in ast.unparse(node.value)
        for node in module.body
    )
    if marks_all:
        return []
    functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    at_top = [node for node in module.body if not isinstance(node, functions)]
    if any(_imports_torch(node) for node in at_top):
        return [f"{path.name}: imports torch at the top without pytestmark = pytest.mark.torch"]
    return [
        f"{path.name}::{node.name}"
        for node in module.body
        if isinstance(node, ast.FunctionDef)
        and node.name.startswith("test")
        and _imports_torch(node)
        and "pytest.mark.torch" not in [ast.unparse(d) for d in node.decorator_list]
    ]


def test_every_test_that_imports_torch_is_marked_torch() -> None:
    unmarked = [
        test
        for path in sorted(TESTS.rglob("test_*.py"))
        for test in _unmarked_tests_that_import_torch(path)
    ]
    assert unmarked == []


def test_the_check_finds_an_unmarked_test_and_an_unmarked_module(tmp_path: Path) -> None:
    unmarked = tmp_path / "test_unmarked.py"
    unmarked.write_text(
        "import pytest\n\n"
        "@pytest.mark.torch\ndef test_marked():\n    import torch\n\n"
        "def test_plain():\n    pass\n\n"
        "def test_unmarked():\n    torch = pytest.importorskip('torch')\n",
        encoding="utf-8",
    )
    assert _unmarked_tests_that_import_torch(unmarked) == ["test_unmarked.py::test_unmarked"]
    unmarked.write_text("import pytest\ntorch = pytest.importorskip('torch')\n", encoding="utf-8")
    assert _unmarked_tests_that_import_torch(unmarked) == [
        "test_unmarked.py: imports torch at the top without pytestmark = pytest.mark.torch"
    ]
    unmarked.write_text(
        "import pytest\npytestmark = pytest.mark.torch\ntorch = pytest.importorskip('torch')\n",
        encoding="utf-8",
    )
    assert _unmarked_tests_that_import_torch(unmarked) == []
