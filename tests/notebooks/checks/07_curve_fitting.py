"""The ReLU-pieces and sine fits are the reference cases'.

Run in the notebook's kernel after its last cell, on its variables."""

# ruff: noqa: F821 (the names are the notebook's own)
import math

from nn import cases

case = cases.relu_pieces_fit()
assert relu_net.state_dict() == case.model.state_dict()
assert relu_error == case.error
for a, b in zip(relu_losses, case.history.loss, strict=True):
    assert math.isclose(a, b, rel_tol=1e-12)
case = cases.sine_fit()
assert sine_net.state_dict() == case.model.state_dict()
assert sine_error == case.error
