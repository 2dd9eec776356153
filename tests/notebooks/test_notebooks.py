"""Every notebook runs top to bottom without an error, within a minute, and is committed with
the outputs it produces (so it reads well on a code host)."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

FOLDER = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))


def test_the_notebooks_of_the_tour_are_there_in_order() -> None:
    assert [path.stem for path in NOTEBOOKS] == [
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
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_committed_executed_with_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    code = [cell for cell in book.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    outputs = [output for cell in code for output in cell.outputs]
    assert outputs, f"{path.name} has no outputs: run `make notebooks`"
    assert not [output for output in outputs if output.output_type == "error"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_in_under_a_minute(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for module in book.metadata.get("valuegrad", {}).get("needs", []):  # optional packages
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{path.name} needs {module}: pip install valuegrad[{module}]")
    client = NotebookClient(
        book, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(FOLDER)}}
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    elapsed = time.perf_counter() - start
    assert elapsed < 60, f"{path.name} took {elapsed:.0f} s"
