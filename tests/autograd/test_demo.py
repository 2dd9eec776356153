"""python -m autograd: the worked example runs and agrees with the hand computation."""

import subprocess
import sys


def test_demo_prints_the_worked_example_and_agrees_with_the_hand_computation() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd"], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "z = mul(x, y)  data=50   grad=1" in done.stdout
    assert "dz/db       15       15" in done.stdout
    assert "engine and hand computation agree" in done.stdout


def test_python_m_autograd_refuses_arguments_it_does_not_take() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd", "--bogus"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "unrecognized arguments: --bogus" in done.stderr
    assert done.stdout == ""
