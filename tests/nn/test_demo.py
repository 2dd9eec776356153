"""python -m nn.demo: every case beside its reference, and the pictures it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_matches_every_reference_and_writes_the_pictures(tmp_path: Path) -> None:
    out = tmp_path / "pictures"
    run = subprocess.run(
        [sys.executable, "-m", "nn.demo", "--out", str(out), "--no-progress"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "MISMATCH" not in run.stdout
    assert "Every case matches its reference numbers" in run.stdout
    assert "h. Handwritten digits (28×28)" in run.stdout
    for picture in (
        "z_graph.png",
        "perceptron_loss.png",
        "parabola_descent.png",
        "curve_fits.png",
        "logic_gates.png",
        "moons_loss.png",
        "moons_boundary.png",
        "digits_loss.png",
        "mnist_predictions.png",
        "mnist_hidden_units.png",
    ):
        assert (out / picture).read_bytes().startswith(b"\x89PNG"), picture
    assert len(list((out / "z_backprop_steps").glob("step_*.png"))) == 8
