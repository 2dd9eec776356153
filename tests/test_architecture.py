"""Dependencies point one way: nn uses only autograd's public API; autograd never imports nn."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(package: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / package).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(path.name, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((path.name, node.module))
    return found


def test_nn_imports_only_the_public_autograd_package() -> None:
    used = {module for _, module in imports("nn") if module.startswith("autograd")}
    assert used == {"autograd"}


def test_autograd_never_imports_nn() -> None:
    assert [m for _, m in imports("autograd") if m == "nn" or m.startswith("nn.")] == []
