"""The worked example from REFERENCE_CASES.md, section 2: z = (2w + b)(b + 1) at w = 3, b = 4."""

import pytest

from autograd import Value


@pytest.fixture
def graph() -> dict[str, Value]:
    w = Value(3.0, "w")
    b = Value(4.0, "b")
    z = (2 * w + b) * (b + 1)
    x, y = z.parents  # z = x * y, operands in order
    z.backward()
    return {"w": w, "b": b, "x": x, "y": y, "z": z}


def test_forward_values_are_x_10_y_5_z_50(graph: dict[str, Value]) -> None:
    assert (graph["x"].data, graph["y"].data, graph["z"].data) == (10.0, 5.0, 50.0)


def test_dz_dx_is_y_and_dz_dy_is_x(graph: dict[str, Value]) -> None:
    assert graph["x"].grad == 5.0
    assert graph["y"].grad == 10.0


def test_dz_db_sums_both_paths_to_15(graph: dict[str, Value]) -> None:
    # dz/dx * dx/db + dz/dy * dy/db = 5 * 1 + 10 * 1
    assert graph["b"].grad == 15.0


def test_dz_dw_is_10(graph: dict[str, Value]) -> None:
    # dz/dx * dx/dw = 5 * 2
    assert graph["w"].grad == 10.0


def test_output_gradient_is_one(graph: dict[str, Value]) -> None:
    assert graph["z"].grad == 1.0


def test_the_smaller_factor_moves_z_more() -> None:
    # x + 0.1 gives z = 50.5 and y + 0.1 gives z = 51, as dz/dy = 10 > dz/dx = 5 says.
    assert (Value(10.1) * Value(5.0)).data == pytest.approx(50.5, rel=1e-12)
    assert (Value(10.0) * Value(5.1)).data == pytest.approx(51.0, rel=1e-12)
