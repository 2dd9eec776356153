"""The package's metadata: one version, read from the installed distribution; type hints
marked as shipped; the changelog's latest entry; and the suite's own guard against another
package named ``autograd`` (HIPS autograd) in the same environment."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import autograd
import nn
from tests.conftest import import_name_problems

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


def test_the_changelog_starts_with_the_current_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = [line for line in changelog.splitlines() if line.startswith("## ")]
    assert headings[0].startswith(f"## {_setup_cfg_version()} ")
    assert headings[-1].startswith("## 0.1.0 ")


def test_this_checkout_is_what_the_suite_tests() -> None:
    assert import_name_problems(ROOT) == []


def test_a_checkout_elsewhere_is_named_as_not_the_one_imported(tmp_path: Path) -> None:
    problems = import_name_problems(tmp_path)
    assert f"`import autograd` finds {ROOT / 'autograd' / '__init__.py'}" in problems[0]
    assert f"not this checkout's {tmp_path / 'autograd'}" in problems[0]
    assert "`import nn` finds" in problems[1]
    assert problems[2].startswith(f"valuegrad is installed from {ROOT.as_uri()}")


def test_the_suite_stops_at_once_when_hips_autograd_is_installed_beside(tmp_path: Path) -> None:
    """A second distribution that provides ``autograd``, as ``pip install lifelines`` brings."""
    (tmp_path / "autograd").mkdir()
    (tmp_path / "autograd" / "__init__.py").write_text("", encoding="utf-8")
    info = tmp_path / "autograd-1.7.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: autograd\nVersion: 1.7.0\n")
    (info / "top_level.txt").write_text("autograd\n", encoding="utf-8")
    (info / "RECORD").write_text("autograd/__init__.py,,\n", encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/test_readme.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "`autograd` is also the import name of the installed ['autograd']" in run.stderr
    assert "give valuegrad a virtual environment of its own" in run.stderr
    assert " passed" not in run.stdout
