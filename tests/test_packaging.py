"""The package's metadata: one version, read from the installed distribution; type hints
marked as shipped."""

from __future__ import annotations

import configparser
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import autograd
import nn

ROOT = Path(__file__).resolve().parent.parent


def _setup_cfg_version() -> str:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    return config["metadata"]["version"]


def test_both_packages_report_the_installed_distributions_version() -> None:
    version = metadata.version("valuegrad")
    assert version == _setup_cfg_version()  # else the installed metadata is stale: make setup
    assert autograd.__version__ == version
    assert nn.__version__ == version


def test_the_version_is_read_at_first_use_without_numpy_or_the_compiler() -> None:
    code = (
        "import sys, autograd; print('importlib.metadata' in sys.modules); autograd.__version__; "
        "print(sorted({'numpy', 'autograd.compiler'} & set(sys.modules)))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split("\n")[:2] == ["False", "[]"]


def test_without_package_metadata_the_version_is_an_attribute_error_that_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.delitem(vars(autograd), "__version__", raising=False)  # read afresh
    monkeypatch.setattr(metadata, "version", not_installed)
    with pytest.raises(AttributeError, match="the valuegrad package is not installed"):
        _ = autograd.__version__
    assert getattr(nn, "__version__", None) is None


def test_unknown_attributes_are_still_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="module 'autograd' has no attribute 'version'"):
        _ = autograd.version
    with pytest.raises(AttributeError, match="module 'nn' has no attribute 'version'"):
        _ = nn.version


def test_both_packages_declare_their_type_hints_and_ship_the_marker() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    package_data = config["options.package_data"]
    for package in ("autograd", "nn"):
        assert (ROOT / package / "py.typed").is_file()
        assert "py.typed" in package_data[package]
