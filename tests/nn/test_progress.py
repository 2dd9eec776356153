"""fit's progress: a tqdm bar in a terminal, a few plain lines in a log (never one per step)."""

from __future__ import annotations

import io
import re
import sys
import types

import pytest

import nn
from nn import cases


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr is in an interactive shell."""

    def isatty(self) -> bool:
        return True


def _fit(epochs: int) -> None:
    X, y = nn.datasets.logic_gate("and")
    model = nn.Neuron(2, "linear", seed=0)
    nn.fit(model, (X, y), nn.mse, nn.SGD(model.parameters(), lr=0.1), epochs, metric=None)


def _lines(text: str) -> list[str]:
    """What a log viewer shows as lines: a carriage return starts one too."""
    return [line for line in re.split(r"[\r\n]", text) if line.strip()]


def test_in_a_log_fit_writes_a_line_at_each_quarter_never_one_per_epoch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    _fit(1000)
    lines = _lines(log.getvalue())
    assert [line.split(" (")[0] for line in lines] == [
        "epochs: 250/1000",
        "epochs: 500/1000",
        "epochs: 750/1000",
        "epochs: 1000/1000",
    ]
    assert all(re.fullmatch(r"epochs: \d+/1000 \(\d+\.\d s\), loss=\S+", line) for line in lines)
    assert "\r" not in log.getvalue()


def test_in_a_log_a_short_run_writes_no_more_lines_than_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    _fit(2)
    assert [line.split(" (")[0] for line in _lines(log.getvalue())] == [
        "epochs: 1/2",
        "epochs: 2/2",
    ]


def test_in_a_log_the_two_moons_case_reports_its_steps_under_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    cases.two_moons(steps=8, progress=True)
    assert [line.split(" (")[0] for line in _lines(log.getvalue())] == [
        f"two moons: {k}/8" for k in (2, 4, 6, 8)
    ]


def test_in_a_terminal_fit_draws_its_tqdm_bar_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    _fit(50)
    drawn = terminal.getvalue()
    assert "epochs:   0%|          | 0/50" in drawn
    assert "loss=" in drawn
    assert drawn.count("\r") > 4  # redrawn in place


class KernelStream(io.StringIO):
    """A stream of the kind a Jupyter kernel gives as stderr (ipykernel's OutStream)."""


KernelStream.__module__ = "ipykernel.iostream"


def test_in_a_notebook_fit_keeps_its_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Jupyter kernel's stderr is not a terminal, but it redraws a bar in place."""
    output = KernelStream()
    monkeypatch.setattr(sys, "stderr", output)
    _fit(50)
    assert "%|" in output.getvalue()


def test_in_a_log_fit_writes_lines_even_where_ipykernel_was_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Importing ipykernel (the notebook tests do) does not make a log a notebook."""
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    _fit(2)
    assert "%|" not in log.getvalue()
    assert [line.split(" (")[0] for line in _lines(log.getvalue())] == [
        "epochs: 1/2",
        "epochs: 2/2",
    ]
