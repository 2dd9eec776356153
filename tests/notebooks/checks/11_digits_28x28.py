"""The 784-30-10 loop, its held-out numbers and the binarised run are nn.cases.mnist's.

Run in the notebook's kernel after its last cell, on its variables. The notebook's loop runs
the same compiled code as the case's ``fit(compile=True)``, so its numbers are the case's to
1e-12 (the accuracies and the confusion matrix exactly)."""

# ruff: noqa: F821 (the names are the notebook's own)
import math

import numpy as np

from nn import cases


def close(ours, theirs):
    return len(ours) == len(theirs) and all(
        math.isclose(a, b, rel_tol=0, abs_tol=1e-12) for a, b in zip(ours, theirs, strict=True)
    )


case = cases.mnist()
assert close(epoch_losses, case.history.loss), (epoch_losses, case.history.loss)
assert close(epoch_accuracies, case.history.metric), (epoch_accuracies, case.history.metric)
assert close([test_loss], case.history.val_loss[-1:]), (test_loss, case.history.val_loss)
assert test_accuracy == case.test_accuracy, (test_accuracy, case.test_accuracy)
assert (confusion == case.confusion).all(), confusion - case.confusion
assert (predicted == case.predictions).all()
ours = np.array([p.data for p in model.parameters()])
theirs = np.array([p.data for p in case.model.parameters()])
assert np.abs(ours - theirs).max() < 1e-12

binary = cases.mnist(binarize=True)
assert close(binary_losses, binary.history.loss), (binary_losses, binary.history.loss)
assert close([binary_test_loss], binary.history.val_loss[-1:])
assert binary_accuracy == binary.test_accuracy, (binary_accuracy, binary.test_accuracy)
