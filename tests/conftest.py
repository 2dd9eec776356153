"""Hypothesis profiles: "ci" (the default) is bounded and derandomized, so CI is stable and
quick; HYPOTHESIS_PROFILE=thorough runs many more random examples locally. Tests marked
``torch`` are skipped, saying why, where PyTorch is not installed."""

import importlib.util
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=150,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

WITHOUT_TORCH = "PyTorch is optional: pip install torch==2.13.0 to cross-check against it"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the tests marked ``torch`` when PyTorch is not installed, with the reason."""
    if importlib.util.find_spec("torch") is not None:
        return
    for item in items:
        if item.get_closest_marker("torch") is not None:
            item.add_marker(pytest.mark.skip(reason=WITHOUT_TORCH))
