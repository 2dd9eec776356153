"""Benchmarks are measurements, not tests: here each runs once at a tiny size, so that they
keep working and keep checking that the engines agree, and the report is put together right."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import END, START, write_between_markers
from benchmarks.workloads import DisagreementError, _check_agree

ROOT = Path(__file__).resolve().parents[2]


def _smoke_run() -> str:
    """``python -m benchmarks --smoke``'s report: every workload once, at a tiny size."""
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def _measured_engines(report: str) -> tuple[set[str], set[str]]:
    """The report's workloads, and the engines it measured (not those it found missing)."""
    rows = [line for line in report.splitlines() if line.startswith("| ") and "---" not in line]
    workloads = {row.split(" | ")[0].lstrip("| ") for row in rows[1:]}
    measured = {row.split(" | ")[2] for row in rows[1:] if "not installed" not in row}
    return workloads, measured


def test_every_benchmark_runs_once_at_a_tiny_size_on_every_engine() -> None:
    report = _smoke_run()
    workloads, measured = _measured_engines(report)
    # moons, chain, two memory rows, wide, 8×8 digits, 28×28 digits with its peak memory and
    # the reading and writing of its parameters, the chain in both modes, two Jacobians,
    # compiling the moons loss and importing autograd
    assert len(workloads) == 15
    expected = {"valuegrad", "micrograd", "valuegrad, compiled"}  # micrograd: the test extra
    expected |= {"valuegrad, compiled loss + eager penalty", "valuegrad, moving the parameters"}
    expected.add("valuegrad, compiled, step by step")
    assert expected <= measured
    assert "Measured " in report
    assert "moons step at least 10× faster than micrograd" in report
    assert "jvp per node within 1.5× of backward()'s" in report
    assert "jacfwd at least 10× faster than jacrev" in report
    assert "peak memory of that fit" in report
    assert "Values in bulk" in report
    assert "compiled chain time per node flat within 1.3×" in report
    assert "tracing plus fusion at most 5% of one eager moons step" in report
    assert "| import autograd | fresh interpreter | valuegrad |" in report
    assert "NumPy not imported" in report


@pytest.mark.torch
def test_every_benchmark_measures_pytorch_too_when_it_is_installed() -> None:
    report = _smoke_run()
    _, measured = _measured_engines(report)
    assert {"PyTorch tensors", "PyTorch scalars"} <= measured
    for target in (
        "moons step with nn.compile_step at most 0.35× PyTorch",
        "8×8 digits epoch with fit(compile=True) at most 0.75× PyTorch",
        "784-30-10 epoch with fit(compile=True) at most 1.0× PyTorch",
        "notebook 14's composition",
    ):
        assert target in report


def test_engines_that_disagree_stop_the_benchmark() -> None:
    assert _check_agree("w", "e", [1.0, 2.0], [1.0, 2.0]) == "losses identical to valuegrad's"
    assert "9e-16" in _check_agree("w", "e", [1.0], [1.0 + 2**-50])  # 8.9e-16 apart
    with pytest.raises(DisagreementError, match=r"w: e differs from valuegrad by 1\.00e-06"):
        _check_agree("w", "e", [1.0, 2.0], [1.0, 2.000002])


def test_results_replace_only_what_lies_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{START}\nold\n{END}\n\nafter\n", encoding="utf-8")
    write_between_markers(readme, "new table")
    assert readme.read_text(encoding="utf-8") == f"# Title\n\n{START}\nnew table\n{END}\n\nafter\n"
