"""Every worked case reproduces its reference numbers (REFERENCE_CASES)."""

from __future__ import annotations

import pytest

from autograd.testing import assert_grads
from nn import cases, datasets


def test_perceptron_numbers() -> None:
    p = cases.perceptron()
    assert p.output == pytest.approx(0.08, rel=1e-12)
    assert p.loss == pytest.approx(0.0784, rel=1e-12)
    assert p.grad == pytest.approx(0.112, rel=1e-12)
    assert p.w_after_one_step == pytest.approx(0.3888, rel=1e-12)
    assert p.output_after_one_step == pytest.approx(0.07776, rel=1e-12)
    assert p.loss_after_one_step == pytest.approx(0.0771506176, rel=1e-10)
    assert p.w_trained == pytest.approx(-0.99955, abs=1e-5)
    assert p.loss_trained == pytest.approx(8.3e-9, rel=0.01)


def test_worked_example_values_and_gradients() -> None:
    nodes = cases.worked_example()
    assert [nodes[n].data for n in "xyz"] == [10.0, 5.0, 50.0]
    assert_grads(nodes["z"], {"x": 5, "y": 10, "b": 15, "w": 10})


def test_driving_z_to_60_with_a_fixed_slope_and_with_newton() -> None:
    d = cases.drive_z_to_60()
    assert d.fixed_slope[:4] == pytest.approx([4, 4.666667, 4.637037, 4.639612], abs=1e-6)
    assert d.fixed_slope_z[:4] == pytest.approx([50, 60.444444, 59.961372, 60.003288], abs=1e-6)
    assert d.newton[:4] == pytest.approx([4, 14 / 3, 4.6394558, 4.6394102982], abs=1e-7)
    assert d.newton[4] == pytest.approx(4.639410298049853, rel=1e-15)
    assert d.newton_z[4] == pytest.approx(60.0, rel=1e-14)


def test_parabola_descent_path() -> None:
    path = cases.parabola_descent()
    assert path[:4] == pytest.approx([0.2, 0.36, 0.488, 0.5904], rel=1e-12)
    assert path[-1] == pytest.approx(1.0, abs=1e-5)
    assert cases.parabola_descent(lr=1.0, steps=4) == pytest.approx([0.2, 1.8, 0.2, 1.8, 0.2])


def test_relu_pieces_by_hand_are_exact() -> None:
    model = cases.relu_pieces_by_hand()
    X, y = datasets.relu_pieces_curve(n=81)
    assert [model(x)[0].data for x in X] == pytest.approx(y, abs=1e-12)


def test_relu_pieces_trained_from_random_weights() -> None:
    assert cases.relu_pieces_fit().error < 0.05


def test_sine_fitted_by_one_tanh_layer() -> None:
    assert cases.sine_fit().error < 1e-3


@pytest.mark.parametrize("gate", ["not", "and", "or", "nand", "nor", "xor"])
def test_logic_gates_all_correct(gate: str) -> None:
    assert cases.logic_gate(gate).accuracy == 1.0


def test_two_moons_reaches_full_training_accuracy() -> None:
    """Compiled, in a tenth of a second: that compiled training gives eager's losses is
    pinned in test_compiled_fit, and the demo test runs the eager case to the end."""
    moons = cases.two_moons(compile=True)
    assert moons.accuracies[-1] == 1.0
    assert moons.losses[-1] < 0.05 < moons.losses[0]


def test_digits_held_out_accuracy_at_least_90_percent() -> None:
    digits = cases.handwritten_digits(compile=True)  # eager: in the demo test
    assert digits.test_accuracy >= 0.9
    assert sum(map(sum, digits.confusion)) == 400
    assert sum(digits.confusion[i][i] for i in range(10)) == round(400 * digits.test_accuracy)
