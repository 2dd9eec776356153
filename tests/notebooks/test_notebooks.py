"""Every notebook runs top to bottom within a minute, is committed with the outputs it
produces (so it reads well on a code host), shows its training loop and ends with exercises.

A training loop written out in a notebook must give the numbers of its reference case in
``nn.cases`` (or of ``nn.fit``): after the notebook has run, ``LOOP_CHECKS`` runs in the same
kernel and compares them, so the two cannot drift apart.
"""

from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

FOLDER = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
EXPECTED_FAILURES = {"GradcheckError", "AssertionError", "ConcretizationError"}
"""What the check of an exercise's first attempt may raise: the project's checks fail so."""

TRAINING_CASES = (
    "perceptron",
    "drive_z_to_60",
    "parabola_descent",
    "relu_pieces_fit",
    "sine_fit",
    "logic_gate",
    "two_moons",
    "handwritten_digits",
)
"""The cases whose training a notebook must write out rather than call."""

LOOP_CHECKS = {
    "01_backprop_by_hand": """
from nn import cases
case = cases.drive_z_to_60()
assert paths["fixed slope"] == (case.fixed_slope, case.fixed_slope_z)
assert paths["Newton"] == (case.newton, case.newton_z)
""",
    "02_perceptron": """
from nn import cases
case = cases.perceptron(steps=1000)
assert losses + [loss_trained] == case.losses
""",
    "03_gradient_descent": """
from nn import cases
assert path == cases.parabola_descent(x0=0.2, lr=0.1, steps=60)
for lr in (0.01, 0.1, 0.5, 1.0, 1.05):
    assert descend(0.2, lr=lr, steps=30) == cases.parabola_descent(x0=0.2, lr=lr, steps=30)
""",
    "04_curve_fitting": """
import math
from nn import cases
case = cases.relu_pieces_fit()
assert relu_net.state_dict() == case.model.state_dict() and relu_error == case.error
assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(relu_losses, case.history.loss))
case = cases.sine_fit()
assert sine_net.state_dict() == case.model.state_dict() and sine_error == case.error
""",
    "05_logic_gates": """
from nn import cases
for name, model in gates.items():
    assert model.state_dict() == cases.logic_gate(name).model.state_dict(), name
""",
    "06_classification": """
from nn import cases
case = cases.two_moons(steps=100)
assert losses == case.losses and accuracies == case.accuracies
assert model.state_dict() == case.model.state_dict()
case = cases.handwritten_digits()
assert epoch_losses == case.history.loss
assert test_accuracy == case.test_accuracy and confusion == case.confusion
""",
    "07_activations_losses_regularization": """
from nn import fit
for name in ("L2 (1e-3)", "dropout 0.2", "early stopping"):
    options = dict(runs[name])
    dropout = options.pop("dropout", 0.0)
    check = MLP(1, [16, 16, 1], activation="tanh", init="xavier", seed=1, dropout=dropout)
    if "patience" in options:
        options["early_stopping"] = options.pop("patience")
    history = fit(
        check, (train_x, train_y), mse, Adam(check.parameters(), lr=0.01), 300,
        val_data=(val_x, val_y), metric=None, progress=False, seed=0, **options,
    )
    assert history.val_loss == curves[name][1], name
    assert check.state_dict() == models[name].state_dict(), name
""",
    "10_compiling": """
from nn import cases
assert eager_losses == cases.two_moons(steps=8).losses
assert compiled_losses == cases.two_moons(steps=8, compile=True).losses
assert eager.loss == cases.handwritten_digits(epochs=2).history.loss
""",
    "12_to_pytorch": """
from nn import cases
assert losses == cases.two_moons(steps=100, compile=True).losses
""",
    "13_descent_and_optimizers": """
import math
from nn import fit
for name, size in variants.items():
    check = MLP(1, [16, 1], activation="tanh", init="xavier", seed=0)
    fit(
        check, (X, y), mse, SGD(check.parameters(), lr=0.1), 40, batch_size=size, seed=0,
        metric=None, progress=False,
    )
    assert check.state_dict() == runs[name].model.state_dict(), name
    for a, b in zip(compiled_runs[name].losses, runs[name].losses, strict=True):
        assert math.isclose(a, b, rel_tol=1e-9), name
""",
    "14_features_and_initialisation": """
from nn import fit
check = Neuron(2, "linear", seed=0)
optimizer = SGD(check.parameters(), lr=0.3)
fit(check, (standardised, y), mse, optimizer, 300, metric=None, progress=False)
assert check.state_dict() == standard_neuron.state_dict()
""",
}


def _source(path: Path) -> str:
    book = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in book.cells if cell.cell_type == "code")


def _tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.metadata.get("tags", []))


def test_the_notebooks_of_the_tour_are_there_in_order() -> None:
    assert [path.stem for path in NOTEBOOKS] == [
        "00_micrograd_in_40_lines",
        "01_backprop_by_hand",
        "02_perceptron",
        "03_gradient_descent",
        "04_curve_fitting",
        "05_logic_gates",
        "06_classification",
        "07_activations_losses_regularization",
        "08_testing_gradients",
        "09_higher_order",
        "10_compiling",
        "11_forward_and_reverse",
        "12_to_pytorch",
        "13_descent_and_optimizers",
        "14_features_and_initialisation",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_committed_executed_with_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    code = [cell for cell in book.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert [output for cell in code for output in cell.outputs], (
        f"{path.name} has no outputs: run `make notebooks`"
    )
    for number, cell in enumerate(code, 1):
        errors = [output for output in cell.outputs if output.output_type == "error"]
        if "exercise" in _tags(cell):  # the first attempt fails its check, as it should
            assert [error.ename for error in errors] in ([name] for name in EXPECTED_FAILURES), (
                f"{path.name}, code cell {number}: the exercise's first attempt should fail "
                f"its check, got {[error.ename for error in errors]}"
            )
            shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(errors[0].traceback))
            assert "File " not in shown, f"{path.name}, code cell {number} shows library frames"
        else:
            assert not errors, f"{path.name}, code cell {number}: {errors[0].ename}"
        printed = "".join(
            out.get("text", "") for out in cell.outputs if out.output_type == "stream"
        )
        assert "\x1b[" not in printed, f"{path.name}, code cell {number} prints terminal colours"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_ends_with_two_or_three_exercises_each_with_a_hidden_solution(
    path: Path,
) -> None:
    cells = nbformat.read(path, as_version=4).cells
    exercises = [k for k, cell in enumerate(cells) if "exercise" in _tags(cell)]
    assert 2 <= len(exercises) <= 3, f"{path.name} has {len(exercises)} exercises"
    assert all("raises-exception" in _tags(cells[k]) for k in exercises)
    for k in exercises:
        solution = cells[k + 1]
        assert "solution" in _tags(solution), f"{path.name}: no solution after cell {k}"
        assert solution.metadata.get("jupyter", {}).get("source_hidden") is True
    assert "## Exercises" in "\n".join(cell.source for cell in cells[: exercises[0]])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_writes_its_training_loop_out_and_the_loop_is_checked(path: Path) -> None:
    source = _source(path)
    called = [name for name in TRAINING_CASES if re.search(rf"\bcases\.{name}\(", source)]
    assert not called, f"{path.name} hides its training in nn.cases: {called}"
    if re.search(r"\.step\(\)", source):  # an optimizer steps: the notebook trains
        assert path.stem in LOOP_CHECKS, f"{path.name} trains: add its check to LOOP_CHECKS"
        assert "zero_grad()" in source
        assert "backward()" in source


def test_every_loop_check_belongs_to_a_notebook() -> None:
    assert set(LOOP_CHECKS) <= {path.stem for path in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_in_under_a_minute(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for module in book.metadata.get("valuegrad", {}).get("needs", []):  # optional packages
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{path.name} needs {module}: pip install valuegrad[{module}]")
    client = NotebookClient(
        book, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(FOLDER)}}
    )
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(book.cells):
            client.execute_cell(cell, index)  # raises CellExecutionError on an unexpected error
        elapsed = time.perf_counter() - start
        if path.stem in LOOP_CHECKS:  # in the same kernel, on the notebook's own variables
            check = nbformat.v4.new_code_cell(LOOP_CHECKS[path.stem])
            book.cells.append(check)
            client.execute_cell(check, len(book.cells) - 1)
    assert elapsed < 60, f"{path.name} took {elapsed:.0f} s"
