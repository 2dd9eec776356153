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


def nn_imports(path: Path) -> set[str]:
    """The modules of nn that ``path`` imports anywhere in it (inside functions and
    ``if TYPE_CHECKING:`` blocks too), relatively or as ``nn.x``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:  # from . import bridge, datasets
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("nn."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "nn":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("nn."))
    return found


def test_the_bridge_knows_the_layers_and_the_layers_do_not_know_the_bridge() -> None:
    assert {"layers", "module"} <= nn_imports(ROOT / "nn" / "bridge.py")
    for name in ("module.py", "layers.py", "init.py"):
        assert "bridge" not in nn_imports(ROOT / "nn" / name), name


def test_the_modules_of_nn_import_one_another_without_a_cycle() -> None:
    modules = {path.stem for path in (ROOT / "nn").glob("*.py")} - {"__init__"}
    graph = {m: nn_imports(ROOT / "nn" / f"{m}.py") & modules for m in modules}
    done: set[str] = set()
    for start in sorted(modules):  # depth first, iteratively, looking for a way back
        path, stack = [start], [iter(sorted(graph[start]))]
        while stack:
            following = next(stack[-1], None)
            if following is None:
                done.add(path.pop())
                stack.pop()
                continue
            assert following not in path, (
                f"nn imports in a cycle: {' -> '.join(path)} -> {following}"
            )
            if following not in done:
                path.append(following)
                stack.append(iter(sorted(graph[following])))


def test_the_methods_users_call_are_the_bridges_functions() -> None:
    import nn
    from nn import bridge

    assert nn.Module.to_torch is bridge.to_torch
    assert nn.Module.torch_state_dict is bridge.torch_state_dict
    assert nn.Module.load_torch_state_dict is bridge.load_torch_state_dict
    assert nn.Module.torch_names is bridge.torch_names
    assert nn.MLP(2, [1], seed=0).torch_names() == {
        "layers.0.neurons.0.w0": "0.weight[0, 0]",
        "layers.0.neurons.0.w1": "0.weight[0, 1]",
        "layers.0.neurons.0.b": "0.bias[0]",
    }
    assert callable(nn.MLP.from_torch)
    assert "Sequential" in (nn.MLP.from_torch.__doc__ or "")


def compiler_imports(name: str) -> set[str]:
    """The compiler modules that ``autograd/compiler/<name>.py`` imports, anywhere in it."""
    source = (ROOT / "autograd" / "compiler" / f"{name}.py").read_text(encoding="utf-8")
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_compiler_depends_one_way_trace_then_fuse_then_generate_then_run() -> None:
    order = ["tracing", "fusion", "codegen", "batched"]
    for k, name in enumerate(order):
        later = set(order[k + 1 :])
        assert not compiler_imports(name) & later, (
            f"{name} imports {compiler_imports(name) & later}"
        )
