"""Every notebook runs top to bottom within a minute, is committed with the outputs it
produces (so it reads well on a code host), shows its training loop and ends with exercises.

Re-executed, a notebook prints exactly what is committed: every stream, every result's text
and every error, except in cells tagged ``varies`` (wall-clock timings). No output carries
terminal colour codes: an exercise's check fails with an error that IPython shows as its
message alone (``GradcheckError``, ``NotCloseError``), never with a coloured traceback.

A training loop written out in a notebook must give the numbers of its reference case in
``nn.cases`` (or of ``nn.fit``): after the notebook has run, its file in ``checks/`` (named
after the notebook) runs in the same kernel and compares them, so the two cannot drift apart.
One file per notebook, so that notebooks can be edited side by side.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

FOLDER = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
EXPECTED_FAILURES = {"GradcheckError", "NotCloseError", "ConcretizationError"}
"""What the check of an exercise's first attempt may raise: the project's checks, which
IPython shows as their message alone (a bare assert would show a coloured traceback)."""
VARIES = "varies"
"""The tag of a cell whose printed text changes from run to run (a wall-clock timing)."""

TRAINING_CASES = (
    "perceptron",
    "drive_z_to_60",
    "parabola_descent",
    "relu_pieces_fit",
    "sine_fit",
    "logic_gate",
    "two_moons",
    "handwritten_digits",
    "mnist",
)
"""The cases whose training a notebook must write out rather than call."""

CHECKS = Path(__file__).resolve().parent / "checks"
LOOP_CHECKS = {path.stem: path for path in sorted(CHECKS.glob("*.py"))}
"""One file per notebook that trains, named after it, run in its kernel after its last cell."""


def _source(path: Path) -> str:
    book = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in book.cells if cell.cell_type == "code")


def _tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.metadata.get("tags", []))


def _strings(node: object) -> Iterator[str]:
    """Every string inside an output: its text, its traceback's lines, every rich format."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _printed(cell: nbformat.NotebookNode) -> list[str]:
    """What a code cell showed as text, in order: each stream's text (consecutive pieces
    joined, since the kernel may split a stream differently on every run), each result's
    text/plain, and each error's name and value. Object addresses (``at 0x7f…``) vary with
    the run, and are left out."""
    shown: list[str] = []
    previous = None
    for output in cell.outputs:
        if output.output_type == "stream":
            if previous == output.name:
                shown[-1] += output.text
            else:
                shown.append(f"[{output.name}]\n{output.text}")
        elif output.output_type == "error":
            shown.append(f"[error]\n{output.ename}: {output.evalue}")
        else:
            text = output.get("data", {}).get("text/plain", "")
            shown.append(f"[{output.output_type}]\n{re.sub(r' at 0x[0-9a-f]+', ' at 0x…', text)}")
        previous = output.get("name") if output.output_type == "stream" else None
    return shown


@dataclass
class Executed:
    """A notebook as re-executed, with what went wrong, if anything."""

    book: nbformat.NotebookNode
    seconds: float
    error: str = ""  # a cell raised where it should not: the notebook stopped there
    check_error: str = ""  # its loop check failed


def _needs(path: Path) -> None:
    """Skip, saying why, a notebook that needs an optional package which is not installed."""
    book = nbformat.read(path, as_version=4)
    for module in book.metadata.get("valuegrad", {}).get("needs", []):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{path.name} needs {module}: pip install valuegrad[{module}]")


def _marked(paths: list[Path]) -> list[object]:
    """The notebooks as parameters of a test that runs them, those that declare they need
    PyTorch marked ``torch`` (skipped without it, and run by CI's ``-m torch``)."""

    def needs_torch(path: Path) -> bool:
        book = nbformat.read(path, as_version=4)
        return "torch" in book.metadata.get("valuegrad", {}).get("needs", [])

    return [
        pytest.param(path, marks=pytest.mark.torch) if needs_torch(path) else path for path in paths
    ]


@functools.cache
def _execute(path: Path) -> Executed:
    """Run the notebook top to bottom in a fresh kernel, then its loop check in the same
    kernel; once per test session, however many tests read the result."""
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(FOLDER)}}
    )
    with client.setup_kernel():
        start = time.perf_counter()
        try:
            for index, cell in enumerate(book.cells):
                client.execute_cell(cell, index)  # raises on an error not tagged as expected
        except Exception as error:  # a cell that raised, or timed out
            return Executed(book, time.perf_counter() - start, error=f"{error}")
        executed = Executed(book, time.perf_counter() - start)
        if path.stem in LOOP_CHECKS:  # on the notebook's own variables
            check = nbformat.v4.new_code_cell(LOOP_CHECKS[path.stem].read_text(encoding="utf-8"))
            book.cells.append(check)
            try:
                client.execute_cell(check, len(book.cells) - 1)
            except Exception as error:
                executed.check_error = f"{error}"
            book.cells.pop()
    return executed


def test_the_notebooks_of_the_tour_are_there_in_order() -> None:
    assert [path.stem for path in NOTEBOOKS] == [
        "00_backprop_by_hand",
        "01_micrograd_in_40_lines",
        "02_perceptron",
        "03_gradient_descent",
        "04_activations_and_losses",
        "05_descent_and_optimizers",
        "06_features_and_initialisation",
        "07_curve_fitting",
        "08_regularization",
        "09_logic_gates",
        "10_classification",
        "11_digits_28x28",
        "12_testing_gradients",
        "13_higher_order",
        "14_compiling",
        "15_forward_and_reverse",
        "16_to_pytorch",
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
            shown = "\n".join(errors[0].traceback)
            assert "File " not in shown, f"{path.name}, code cell {number} shows library frames"
        else:
            assert not errors, f"{path.name}, code cell {number}: {errors[0].ename}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_output_of_the_notebook_carries_terminal_colour_codes(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for index, cell in enumerate(book.cells):
        for output in cell.get("outputs", []):
            coloured = [text for text in _strings(output) if "\x1b[" in text]
            assert not coloured, (
                f"{path.name}, cell {index} ([{cell.execution_count}]): its {output.output_type}"
                f" output carries terminal colour codes: {coloured[0][:200]!r}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_cells_carry_no_execution_timestamps(path: Path) -> None:
    # `make notebooks` leaves them out, so that re-running an unchanged notebook changes no byte
    book = nbformat.read(path, as_version=4)
    stamped = [index for index, cell in enumerate(book.cells) if "execution" in cell.metadata]
    assert not stamped, f"{path.name}: cells {stamped} carry timestamps; run `make notebooks`"


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
        assert path.stem in LOOP_CHECKS, f"{path.name} trains: add checks/{path.stem}.py"
        assert "zero_grad()" in source
        assert "backward()" in source


def test_every_loop_check_belongs_to_a_notebook() -> None:
    assert set(LOOP_CHECKS) <= {path.stem for path in NOTEBOOKS}


@pytest.mark.parametrize("path", _marked(NOTEBOOKS), ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_in_under_a_minute(path: Path) -> None:
    _needs(path)
    executed = _execute(path)
    if executed.error:  # pytest.fail: the message alone, not the whole run's repr
        pytest.fail(f"{path.name} stopped: {executed.error}")
    assert executed.seconds < 60, f"{path.name} took {executed.seconds:.0f} s"


@pytest.mark.parametrize(
    "path",
    _marked([path for path in NOTEBOOKS if path.stem in LOOP_CHECKS]),
    ids=lambda path: path.stem,
)
def test_notebook_training_loop_gives_its_reference_numbers(path: Path) -> None:
    _needs(path)
    executed = _execute(path)
    if executed.error:  # pytest.fail: the message alone, not the whole run's repr
        pytest.fail(f"{path.name} stopped: {executed.error}")
    if executed.check_error:
        pytest.fail(f"checks/{path.stem}.py failed after {path.name}: {executed.check_error}")


@pytest.mark.parametrize("path", _marked(NOTEBOOKS), ids=lambda path: path.stem)
def test_notebook_re_executed_prints_exactly_what_is_committed(path: Path) -> None:
    _needs(path)
    committed = nbformat.read(path, as_version=4)
    executed = _execute(path)
    if executed.error:  # pytest.fail: the message alone, not the whole run's repr
        pytest.fail(f"{path.name} stopped: {executed.error}")
    for index, (old, new) in enumerate(zip(committed.cells, executed.book.cells, strict=True)):
        if old.cell_type != "code" or VARIES in _tags(old):
            continue
        before, after = _printed(old), _printed(new)
        if before != after:
            diff = difflib.unified_diff(
                "\n".join(before).splitlines(),
                "\n".join(after).splitlines(),
                "committed",
                "re-executed",
                lineterm="",
                n=1,
            )
            shown = "\n".join(list(diff)[:30])
            pytest.fail(
                f"{path.name}, cell {index} ([{old.execution_count}]) prints something else when "
                f"re-executed (tag it {VARIES!r} if it must, and quote no such number nearby):\n"
                f"{shown}"
            )
