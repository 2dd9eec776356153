"""Set-up for every test. The suite stops at once if ``autograd`` or ``nn`` is not this
checkout's (HIPS autograd has the same import name). Hypothesis profiles: "ci" (the default)
is bounded and derandomized, so CI is stable and quick; HYPOTHESIS_PROFILE=thorough runs many
more random examples locally. Tests marked ``torch`` are skipped, saying why, where PyTorch
is not installed. NumPy's matrix products use one thread here, in the notebooks' kernels too:
`make test` runs two test processes side by side, and BLAS threads spinning in both would make
each wait on the other (the numbers printed do not depend on it)."""

import importlib.util
import json
import os
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from hypothesis import HealthCheck, settings

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before the tests import NumPy, which reads them once

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

ROOT = Path(__file__).resolve().parent.parent
WITHOUT_TORCH = "PyTorch is optional: pip install torch==2.13.0 to cross-check against it"
SEPARATE_ENVIRONMENT = (
    "The import name `autograd` is also HIPS autograd's (lifelines and other scientific "
    "packages depend on it), and one environment cannot hold both: give valuegrad a virtual "
    "environment of its own (`make setup` makes .venv) and run the tests with its Python."
)


def pytest_configure(config: pytest.Config) -> None:
    """Stop before any test if the packages under test are not this checkout's."""
    problems = import_name_problems(ROOT)
    if problems:
        raise pytest.UsageError("\n".join([*problems, SEPARATE_ENVIRONMENT]))


def import_name_problems(root: Path) -> list[str]:
    """Why ``autograd`` and ``nn`` here are not the valuegrad of the checkout at ``root``:
    found elsewhere, also provided by another installed distribution, or valuegrad installed
    from somewhere else (then notebooks and subprocesses would import that one)."""
    providers = metadata.packages_distributions()
    problems = []
    for name in ("autograd", "nn"):
        spec = importlib.util.find_spec(name)
        found = Path(spec.origin).resolve() if spec is not None and spec.origin else None
        if found != root / name / "__init__.py":
            problems.append(f"`import {name}` finds {found}, not this checkout's {root / name}")
        others = sorted(set(providers.get(name, [])) - {"valuegrad"})
        if others:
            problems.append(f"`{name}` is also the import name of the installed {others}")
    installed = [  # by an installer: not the *.egg-info that installing leaves in a checkout
        found for found in metadata.distributions(name="valuegrad") if found.read_text("INSTALLER")
    ]
    if not installed:
        return [*problems, "valuegrad is not installed: `make setup` installs it"]
    origin = json.loads(installed[0].read_text("direct_url.json") or "{}")
    installed_from = Path(unquote(urlparse(origin.get("url", "")).path)).resolve()
    if not origin.get("dir_info", {}).get("editable") or installed_from != root:
        where = origin.get("url", "an index")
        problems.append(
            f"valuegrad is installed from {where}, not from this checkout: "
            "`pip install -e .` here, as `make setup` does"
        )
    return problems


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the tests marked ``torch`` when PyTorch is not installed, with the reason."""
    if importlib.util.find_spec("torch") is not None:
        return
    for item in items:
        if item.get_closest_marker("torch") is not None:
            item.add_marker(pytest.mark.skip(reason=WITHOUT_TORCH))
