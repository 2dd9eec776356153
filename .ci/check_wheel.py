"""The package as users get it, not as a checkout: build the sdist and the wheel, install the
wheel into a fresh virtual environment outside the checkout and, from a folder that is not
the checkout, import every public module, run ``python -m autograd`` and load every shipped
data file.

    .venv/bin/python .ci/check_wheel.py     # needs `build` (the test extra); .ci/run runs it

The checks inside the new environment are this file again, run there as
``python -I check_wheel.py --installed``: isolated mode puts neither the script's folder nor
the current one on the path, so nothing can be imported from the checkout by mistake.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")


def main(argv: list[str]) -> int:
    if argv == ["--installed"]:
        return check_installed()
    if argv:
        print(f"usage: {sys.argv[0]} (no arguments)", file=sys.stderr)
        return 2
    return build_install_and_check()


def build_install_and_check() -> int:
    """Build, install into a new environment in a temporary folder, and check it there."""
    with tempfile.TemporaryDirectory(prefix="valuegrad-wheel-") as folder:
        work = Path(folder)
        _quiet([sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(ROOT)])
        wheels = sorted((work / "dist").glob("*.whl"))
        sdists = sorted((work / "dist").glob("*.tar.gz"))
        if len(wheels) != 1 or len(sdists) != 1:
            return _fail(f"python -m build made {wheels + sdists}, not one wheel and one sdist")
        missing = _not_in_wheel(wheels[0])
        if missing:
            return _fail(f"the wheel lacks these files of the packages: {missing}")
        print(f"built {wheels[0].name} and {sdists[0].name}")

        venv.create(work / "venv", with_pip=True)
        python = work / "venv" / ("Scripts" if os.name == "nt" else "bin") / "python"
        _quiet([str(python), "-m", "pip", "install", "--disable-pip-version-check", str(wheels[0])])
        elsewhere = work / "elsewhere"
        elsewhere.mkdir()
        checks = subprocess.run(
            [str(python), "-I", str(Path(__file__).resolve()), "--installed"],
            cwd=elsewhere,
            check=False,
        )
        return checks.returncode


def _not_in_wheel(wheel: Path) -> list[str]:
    """The files git tracks in the packages' folders that the wheel does not hold, but for
    scripts kept beside the data (a .py file in a folder that is not a package, such as
    nn/data/make_mnist.py, which regenerates a data file)."""
    tracked = subprocess.run(
        ["git", "ls-files", "--", *PACKAGES], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    if not tracked:
        raise SystemExit("check_wheel: git lists no files in the packages: not a checkout?")
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    return [
        path
        for path in tracked
        if path not in shipped
        and not (path.endswith(".py") and not (ROOT / path).with_name("__init__.py").is_file())
    ]


def _quiet(command: list[str]) -> None:
    """Run a set-up step, showing its output only if it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"check_wheel: failed ({done.returncode}): {' '.join(command)}")


def _fail(message: str) -> int:
    print(f"check_wheel: {message}", file=sys.stderr)
    return 1


def check_installed() -> int:
    """Inside the new environment: every check, each failure said in a line."""
    import autograd
    import nn

    failures = []
    for package in (autograd, nn):
        if not Path(package.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()):
            failures.append(
                f"{package.__name__} imported from {package.__file__}, not {sys.prefix}"
            )
    failures += _check_versions_and_types()
    failures += _import_every_public_module()
    failures += _run_python_m_autograd()
    failures += _load_every_data_file()
    for failure in failures:
        print(f"check_wheel: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _check_versions_and_types() -> list[str]:
    """Both packages say the distribution's version and ship py.typed."""
    from importlib import metadata, resources

    failures = []
    version = metadata.version("valuegrad")
    for name in PACKAGES:
        package = importlib.import_module(name)
        if package.__version__ != version:
            failures.append(f"{name}.__version__ is {package.__version__!r}, not {version!r}")
        if not resources.files(name).joinpath("py.typed").is_file():
            failures.append(f"{name} does not ship py.typed")
    print(f"valuegrad {version}: autograd.__version__ and nn.__version__ agree; py.typed shipped")
    return failures


def _import_every_public_module() -> list[str]:
    """Import each module whose dotted name has no part starting with ``_``. A module may fail
    only for want of a package one of valuegrad's extras provides (hypothesis for
    autograd.strategies), which is said, not failed."""
    from importlib import metadata

    optional = {
        _normalise(re.match(r"[A-Za-z0-9._-]+", requirement).group())
        for requirement in metadata.requires("valuegrad") or []
        if "extra ==" in requirement
    }
    failures, imported = [], []
    for name in _public_modules():
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            missing = (error.name or "").partition(".")[0]
            if _normalise(missing) not in optional:
                failures.append(f"import {name}: {error}")
            else:
                print(f"{name} needs {missing}, one of valuegrad's optional extras")
            continue
        except Exception as error:  # any other failure to import is a failure of the check
            failures.append(f"import {name}: {type(error).__name__}: {error}")
            continue
        imported.append(name)
    print(f"imported {len(imported)} public modules: {', '.join(imported)}")
    return failures


def _public_modules() -> list[str]:
    names = []
    for name in PACKAGES:
        package = importlib.import_module(name)
        names.append(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not any(part.startswith("_") for part in module.name.split(".")):
                names.append(module.name)
    return names


def _normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _run_python_m_autograd() -> list[str]:
    run = subprocess.run(
        [sys.executable, "-m", "autograd"], capture_output=True, text=True, check=False
    )
    if run.returncode != 0 or "engine and hand computation agree" not in run.stdout:
        return [f"python -m autograd exited {run.returncode}:\n{run.stdout}{run.stderr}"]
    print("python -m autograd: engine and hand computation agree")
    return []


def _load_every_data_file() -> list[str]:
    """Every file the packages ship besides code (and notes in Markdown, which are read as
    text) is read by some loader of nn.datasets: each public function of it that needs no
    argument is called, and the files it opens are recorded."""
    from importlib import metadata

    from nn import datasets

    data, notes = [], []
    for file in metadata.files("valuegrad") or []:
        if file.parts[0] in PACKAGES and file.suffix not in {".py", ".pyc"}:
            if file.name == "py.typed":
                continue
            (notes if file.suffix == ".md" else data).append(Path(file.locate()).resolve())
    failures = [f"{note} is empty" for note in notes if not note.read_text(encoding="utf-8")]

    opened: set[Path] = set()

    def record(event: str, args: tuple) -> None:
        if event == "open" and isinstance(args[0], (str, os.PathLike)):
            opened.add(Path(os.fsdecode(args[0])).resolve())

    sys.addaudithook(record)
    for name, loader in inspect.getmembers(datasets, inspect.isfunction):
        if name.startswith("_") or loader.__module__ != datasets.__name__:
            continue
        parameters = inspect.signature(loader).parameters.values()
        if any(parameter.default is inspect.Parameter.empty for parameter in parameters):
            continue
        before = set(opened)
        X, y = loader()  # lists or NumPy arrays
        if len(X) == 0 or len(X) != len(y):
            failures.append(f"nn.datasets.{name}() gave {len(X)} inputs and {len(y)} targets")
        for path in sorted(opened - before):
            if path in data:
                print(f"nn.datasets.{name}() read {path.name}: {len(X)} samples")
    unread = [str(path) for path in data if path not in opened]
    if not data:
        failures.append("the wheel ships no data file")
    if unread:
        failures.append(f"shipped, but no loader of nn.datasets reads it: {unread}")
    return failures


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
