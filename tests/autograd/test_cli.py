"""Command-line manners: every entry point exits quietly when the reader of its output has gone
(``python -m autograd | head -5``), with the status a shell reports for a closed pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from autograd import cli

ROOT = Path(__file__).resolve().parents[2]


def _into_a_closed_pipe(args: list[str], *, buffered: bool) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` with stdout a real pipe whose reading end is already closed, as
    ``| head`` leaves it once head has its lines. ``buffered``: output is held until the
    exit (Python's default for a pipe), else written at each print (PYTHONUNBUFFERED)."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        environment["PYTHONUNBUFFERED"] = "1"
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=environment,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize("buffered", [True, False], ids=["at-exit", "at-first-print"])
def test_python_m_autograd_into_a_closed_pipe_exits_quietly(buffered: bool) -> None:
    run = _into_a_closed_pipe(["-m", "autograd"], buffered=buffered)
    assert (run.returncode, run.stderr) == (cli.CLOSED_PIPE_STATUS, "")


@pytest.mark.parametrize(
    "args",
    [
        ["-m", "nn.demo", "--help"],
        ["-m", "benchmarks", "--help"],
    ],
    ids=["nn.demo", "benchmarks"],
)
def test_the_other_entry_points_help_into_a_closed_pipe_exits_quietly(args: list[str]) -> None:
    run = _into_a_closed_pipe(args, buffered=True)
    assert (run.returncode, run.stderr) == (cli.CLOSED_PIPE_STATUS, "")


def test_the_demo_stops_quietly_at_its_first_line_into_a_closed_pipe(tmp_path: Path) -> None:
    args = ["-m", "nn.demo", "--out", str(tmp_path), "--no-progress"]
    run = _into_a_closed_pipe(args, buffered=False)
    assert (run.returncode, run.stderr) == (cli.CLOSED_PIPE_STATUS, "")
    assert list(tmp_path.iterdir()) == []  # it stopped before its first case


def test_the_benchmarks_stop_quietly_at_their_report_into_a_closed_pipe() -> None:
    run = _into_a_closed_pipe(["-m", "benchmarks", "--smoke", "--only", "wide"], buffered=False)
    assert run.returncode == cli.CLOSED_PIPE_STATUS
    assert run.stderr == "running wide …\n"  # its progress, on stderr, and nothing else


@pytest.mark.parametrize(
    ("outcome", "status"),
    [(lambda: 0, 0), (lambda: 1, 1), (lambda: None, None), (lambda: sys.exit("bad"), "bad")],
)
def test_run_exits_with_the_status_of_main(
    outcome: Callable[[], int | None], status: int | str | None
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.run(outcome)
    assert exit_.value.code == status
