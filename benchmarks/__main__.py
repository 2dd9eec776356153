"""``python -m benchmarks``: run every workload on every installed engine and print a table.

    python -m benchmarks                        # the full run (a few minutes)
    python -m benchmarks --only moons memory    # some workloads
    python -m benchmarks --smoke                # each workload once, tiny (the test suite)
    python -m benchmarks --write benchmarks/README.md   # also put the results in that file

Exits 1 if two engines disagree on a result: a benchmark of a wrong answer is worthless.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import re
import sys
from importlib import metadata
from pathlib import Path

from autograd import cli, files

from .workloads import (
    COMPILED,
    COMPOSED,
    FULL,
    GC_OFF,
    SMOKE,
    STEPPED,
    TRANSFERS,
    VALUEGRAD,
    WORKLOADS,
    DisagreementError,
    Row,
    torch,
)

START, END = "<!-- results: start -->", "<!-- results: end -->"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat")
    parser.add_argument("--only", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS))
    parser.add_argument("--write", type=Path, help=f"replace {START} … {END} in this file")
    args = parser.parse_args(argv)
    if torch is not None:
        torch.set_num_threads(1)
    # Charge each engine for the objects it makes, not for those the imports made: PyTorch's
    # ~150,000 would be scanned by every full collection, whichever engine triggered it.
    gc.collect()
    gc.freeze()

    rows: list[Row] = []
    for name in args.only:
        print(f"running {name} …", file=sys.stderr, flush=True)
        try:
            rows += WORKLOADS[name](SMOKE if args.smoke else FULL)
        except DisagreementError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1

    report = "\n".join([machine(), "", table(rows), "", targets(rows)])
    print(report)
    if args.write:
        write_between_markers(args.write, report)
    return 0


def machine() -> str:
    """What the numbers were measured on, for the README beside them."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    if Path("/proc/cpuinfo").exists():
        names = re.findall(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = names[0].strip() if names else cpu
        total_kib = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
        memory = f", {int(total_kib.group(1)) / 2**20:.0f} GiB" if total_kib else ""
    versions = [f"valuegrad {_version('valuegrad')}", f"micrograd {_version('micrograd')}"]
    versions.append(f"torch {torch.__version__} (1 thread)" if torch else "torch not installed")
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return "\n".join(
        [
            f"Measured {datetime.date.today()} on {cpu}, {os.cpu_count()} cores{memory};",
            f"{platform.platform()}; {python};",
            f"{', '.join(versions)}. Medians of repeats, garbage collector on except in the rows "
            "marked GC off.",
        ]
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def table(rows: list[Row]) -> str:
    """A Markdown table; the last column is each result divided by valuegrad's (so 10× means
    ten times slower or bigger than valuegrad, 0.1× ten times faster). A row timed with the
    collector off is divided by valuegrad's row timed the same way, and that one by
    valuegrad's usual row."""
    lines = [
        "| Workload | Size | Engine | Result | ÷ valuegrad | Notes |",
        "|---|---|---|---:|---:|---|",
    ]
    for row in rows:
        reference = _reference(rows, row)
        result = "—" if row.value is None else f"{_number(row.value)} {row.unit}"
        ratio = ""
        if row.value is not None and reference and row is not reference:
            ratio = f"{_number(row.value / reference.value)}×"
        lines.append(
            f"| {row.workload} | {row.size} | {row.engine} | {result} | {ratio} | {row.note} |"
        )
    return "\n".join(lines)


def _reference(rows: list[Row], row: Row) -> Row | None:
    """The valuegrad row of the same workload and size to compare ``row`` with."""
    engine = VALUEGRAD
    if row.engine.endswith(GC_OFF) and row.engine != VALUEGRAD + GC_OFF:
        engine = VALUEGRAD + GC_OFF
    for other in rows:
        if (other.workload, other.size, other.engine) == (row.workload, row.size, engine):
            return other if other.value else None
    return None


def _number(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def targets(rows: list[Row]) -> str:
    """The issue's targets, each with the measured figure and whether it is met."""

    def find(workload: str, engine: str, size: str | None = None) -> list[Row]:
        return [
            r
            for r in rows
            if r.workload.startswith(workload)
            and r.engine == engine
            and r.value
            and (size is None or r.size == size)
        ]

    def spread(engine: str) -> float | None:
        per_node = [r.value for r in find("chain", engine) if r.size != "N = 10^2"]
        return max(per_node) / min(per_node) if len(per_node) > 1 else None

    def speedup(suffix: str) -> float | None:
        ours = find("moons training", VALUEGRAD + suffix)
        theirs = find("moons training", "micrograd" + suffix)
        return theirs[0].value / ours[0].value if ours and theirs else None

    lines = ["Targets:"]
    if (running := speedup("")) is not None:
        line = "- moons step at least 10× faster than micrograd: "
        line += f"{running:.1f}× {_met(running >= 10)}"
        if (paused := speedup(GC_OFF)) is not None:
            line += f"; with the collector off, {paused:.1f}×"
        lines.append(line)
    if (compiled := spread(COMPILED)) is not None:
        lines.append(
            "- compiled chain time per node flat within 1.3× from N = 10^3 up: largest/smallest "
            f"{compiled:.2f} {_met(compiled <= 1.3)}"
        )
    if (running := spread(VALUEGRAD)) is not None:
        line = f"- for reference, the eager chain spreads {running:.2f}× from N = 10^3 up"
        if (paused := spread(VALUEGRAD + GC_OFF)) is not None:
            line += f", {paused:.2f}× with the collector paused: the rest is CPython's collector"
        lines.append(line)
    ours, theirs = find("memory of a chain", VALUEGRAD), find("memory of a chain", "micrograd")
    if ours and theirs:
        share = ours[0].value / theirs[0].value
        lines.append(
            f"- memory per node at most 1/3 of micrograd's: {share:.2f} {_met(share <= 1 / 3)}"
        )
    forward = find("chain of N adds, value", VALUEGRAD + ", jvp (forward mode)")
    backward = find("chain of N adds, value", VALUEGRAD + ", backward()")
    if forward and backward:
        ratio = forward[0].value / backward[0].value
        lines.append(
            f"- jvp per node within 1.5× of backward()'s on the chain ({forward[0].size}): "
            f"{ratio:.2f}× {_met(ratio <= 1.5)}"
        )
    for workload, fast, slow in (
        ("Jacobian, 1 input", "jacfwd (forward mode)", "jacrev (reverse mode)"),
        ("Jacobian, m inputs", "jacrev (reverse mode)", "jacfwd (forward mode)"),
    ):
        quick, other = (
            find(workload, f"{VALUEGRAD}, {fast}"),
            find(workload, f"{VALUEGRAD}, {slow}"),
        )
        if quick and other:
            ratio = other[0].value / quick[0].value
            lines.append(
                f"- {workload} ({quick[0].size}): {fast.split()[0]} at least 10× faster than "
                f"{other[0].engine.split(', ')[1].split()[0]}: {ratio:.0f}× {_met(ratio >= 10)}"
            )
    compiled, tensors = find("moons training", COMPILED), find("moons training", "PyTorch tensors")
    eager = find("moons training", VALUEGRAD)
    if compiled and tensors:
        ratio = compiled[0].value / tensors[0].value
        lines.append(_against_pytorch("moons step with nn.compile_step", ratio, 0.35, 0.5))
        if composed := find("moons training", COMPOSED):
            ratio = composed[0].value / tensors[0].value
            lines.append(
                "- for reference, notebook 14's composition (the compiled loss plus an eager "
                f"penalty, backward(), nn.SGD) takes {_number(composed[0].value)} ms, "
                f"{ratio:.2f}× PyTorch tensors' step"
            )
    if compiled and eager:
        ratio = eager[0].value / compiled[0].value
        lines.append(
            "- compiled moons step at least 100× faster than eager: "
            f"{ratio:.0f}× {_met(ratio >= 100)}"
        )
    compiled = find("digits: one epoch", COMPILED)
    tensors = find("digits: one epoch", "PyTorch tensors")
    if compiled and tensors:
        ratio = compiled[0].value / tensors[0].value
        lines.append(_against_pytorch("8×8 digits epoch with fit(compile=True)", ratio, 0.75, 1))
    compiled = find("28×28 digits, 784-30-10: one epoch", COMPILED)
    tensors = find("28×28 digits, 784-30-10: one epoch", "PyTorch tensors")
    if compiled and tensors:
        ratio = compiled[0].value / tensors[0].value
        lines.append(_against_pytorch("784-30-10 epoch with fit(compile=True)", ratio, 1.0, 1.5))
    if peak := find("28×28 digits, 784-30-10: peak memory", COMPILED):
        lines.append(f"- peak memory of that fit: {_number(peak[0].value)} MiB ({peak[0].note})")
    for what in ("reading", "writing"):
        for moved in find(f"{what} the parameters' Values", TRANSFERS):
            lines.append(
                f"- {what} {moved.size}' Values in bulk: {_number(moved.value)} ns per "
                f"parameter (target: tens of nanoseconds) {_met(moved.value < 100)}"
            )
    stepped, tensors = find("digits: one epoch", STEPPED), find("digits: one epoch", "PyTorch")
    if stepped and tensors:
        ratio = stepped[0].value / tensors[0].value
        lines.append(
            "- for reference, the 8×8 digits epoch as a loop of nn.compile_step (every "
            f"parameter's Value updated at every step) takes {ratio:.2f}× PyTorch's"
        )
    tracing = find("compiling the moons loss", VALUEGRAD)
    if tracing and eager:
        share = tracing[0].value / eager[0].value
        lines.append(
            "- tracing plus fusion at most 5% of one eager moons step: "
            f"{share:.1%} {_met(share <= 0.05)}"
        )
        if writing := find("compiling the moons loss", VALUEGRAD + ", code generation"):
            share = (tracing[0].value + writing[0].value) / eager[0].value
            lines.append(
                "- for reference, with the code generation too, compiling costs "
                f"{share:.1%} of one eager moons step"
            )
    ours, tensors = find("moons training", VALUEGRAD), find("moons training", "PyTorch tensors")
    if ours and tensors:
        ratio = ours[0].value / tensors[0].value
        lines.append(
            f"- for reference, PyTorch's tensor moons step is {_number(ratio)}× faster than ours"
        )
    return "\n".join(lines)


def _against_pytorch(what: str, ratio: float, target: float, bar: float) -> str:
    """A target line for ``what``'s time as a fraction of PyTorch's, and its bar when the
    target is missed."""
    line = f"- {what} at most {target}× PyTorch tensors' time (bar: {bar}×): {ratio:.2f}× "
    line += _met(ratio <= target)
    return line if ratio <= target else f"{line}, bar {_met(ratio <= bar)}"


def _met(ok: bool) -> str:
    return "(met)" if ok else "(NOT met)"


def write_between_markers(path: Path, report: str) -> None:
    """Replace what lies between the two result markers in ``path`` with ``report``."""
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path}: needs the lines {START} and {END}")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    files.write_atomic(path, f"{head}{START}\n{report}\n{END}{tail}")


if __name__ == "__main__":
    cli.run(main)
