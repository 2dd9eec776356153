"""The main job: every worked case, its numbers beside the reference numbers, and pictures.

    python -m nn.demo [--out DIR]

Pictures go to DIR (default ``demo-output``): the z example's graph, loss curves, the
fitted curves and decision boundaries, the 28×28 digits' predictions and hidden units.
Exits with status 1 if any case misses its reference.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import autograd
from autograd import cli

from . import cases, datasets


class Report:
    """Prints one line per number: ours, the reference, and whether they agree."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def section(self, title: str) -> None:
        print(f"\n{title}")

    def same(self, what: str, ours: float, reference: float, rel: float = 1e-9) -> None:
        ok = math.isclose(ours, reference, rel_tol=rel, abs_tol=1e-12)
        self._line(what, f"{ours:.10g}", f"{reference:.10g}", ok)

    def below(self, what: str, ours: float, bound: float) -> None:
        self._line(what, f"{ours:.4g}", f"< {bound:g}", ours < bound)

    def at_least(self, what: str, ours: float, bound: float) -> None:
        self._line(what, f"{ours:.4g}", f">= {bound:g}", ours >= bound)

    def _line(self, what: str, ours: str, reference: str, ok: bool) -> None:
        if not ok:
            self.failures.append(what)
        print(f"  {what:<38} {ours:>16}   reference {reference:<14} {'ok' if ok else 'MISMATCH'}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nn.demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path("demo-output"), help="folder for the pictures"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    progress = not args.no_progress
    report = Report()
    started = time.perf_counter()
    plt = _pyplot()

    report.section("a. The single-weight perceptron (input 0.2, w 0.4, target -0.2, lr 0.1)")
    p = cases.perceptron()
    for what, ours, ref in [
        ("output o", p.output, 0.08),
        ("loss", p.loss, 0.0784),
        ("dL/dw", p.grad, 0.112),
        ("w after one step", p.w_after_one_step, 0.3888),
        ("o after one step", p.output_after_one_step, 0.07776),
        ("loss after one step", p.loss_after_one_step, 0.0771506176),
    ]:
        report.same(what, ours, ref)
    report.same("w after 1,000 steps", p.w_trained, -0.99955, rel=1e-5)
    report.below("loss after 1,000 steps", p.loss_trained, 1e-8)
    _curve(plt, args.out / "perceptron_loss.png", "Perceptron: loss per step", p.losses, log=True)

    report.section("b. z = (2w + b)(b + 1) at w = 3, b = 4, and driving z to 60 through b")
    nodes = cases.worked_example()
    for name, ref in [("x", 10), ("y", 5), ("z", 50)]:
        report.same(f"{name}", nodes[name].data, ref)
    for name, ref in [("x", 5), ("y", 10), ("b", 15), ("w", 10)]:
        report.same(f"dz/d{name}", nodes[name].grad, ref)
    autograd.save_graph(nodes["z"], args.out / "z_graph.png")
    autograd.save_backward_steps(nodes["z"], args.out / "z_backprop_steps")
    drive = cases.drive_z_to_60()
    for k, (b_ref, z_ref) in enumerate([(4.666667, 60.444444), (4.637037, 59.961372)], start=1):
        report.same(f"fixed slope: b after step {k}", drive.fixed_slope[k], b_ref, rel=1e-6)
        report.same(f"fixed slope: z after step {k}", drive.fixed_slope_z[k], z_ref, rel=1e-7)
    report.same("Newton: b after 4 steps", drive.newton[4], 4.639410298049853, rel=1e-15)
    report.same("Newton: z after 4 steps", drive.newton_z[4], 60.0, rel=1e-14)
    hess = autograd.hessian(lambda w, b: (2 * w + b) * (b + 1), [3.0, 4.0])
    for (i, j), ref in [((0, 0), 0), ((0, 1), 2), ((1, 0), 2), ((1, 1), 2)]:
        report.same(f"Hessian[{'wb'[i]}][{'wb'[j]}]", hess[i][j], ref)

    report.section("c. Gradient descent on y = (x - 1)² + 0.001 from x = 0.2, lr 0.1")
    path = cases.parabola_descent()
    for k, ref in [(1, 0.36), (2, 0.488), (3, 0.5904)]:
        report.same(f"x{k}", path[k], ref)
    report.below("|x - 1| after 60 steps", abs(path[-1] - 1), 1e-5)
    _parabola(plt, args.out / "parabola_descent.png", path)

    report.section("d. Curve fitting")
    exact = cases.relu_pieces_by_hand()
    X, y = datasets.relu_pieces_curve()
    worst = max(abs(exact(x)[0].data - t) for x, t in zip(X, y, strict=True))
    report.same("1-3-1 ReLU by hand: max error", worst, 0.0)
    relu_fit = cases.relu_pieces_fit(progress=progress)
    report.below("ReLU pieces trained: mean abs error", relu_fit.error, 0.05)
    sine = cases.sine_fit(progress=progress)
    report.below("sine, 1-10-1 tanh: mean squared error", sine.error, 1e-3)
    _fits(plt, args.out / "curve_fits.png", relu_fit, sine)

    report.section("e. Logic gates")
    gates = {name: cases.logic_gate(name) for name in ("not", "and", "or", "xor")}
    for name, gate in gates.items():
        report.same(f"{name.upper()} accuracy", gate.accuracy, 1.0)
    _boundaries(plt, args.out / "logic_gates.png", gates)

    report.section("f. Two moons: 2-16-16-1 ReLU, hinge + 1e-4·L2, SGD, 100 steps")
    moons = cases.two_moons(progress=progress)
    report.same("training accuracy after 100 steps", moons.accuracies[-1], 1.0)
    print(f"  loss: {moons.losses[0]:.4f} at step 1, {moons.losses[-1]:.4f} at step 100")
    _curve(plt, args.out / "moons_loss.png", "Two moons: loss per step", moons.losses)
    _moons(plt, args.out / "moons_boundary.png", moons)

    report.section("g. Handwritten digits (8×8): 64-12-10 MLP, softmax cross-entropy")
    digits = cases.handwritten_digits(progress=progress)
    report.at_least("held-out accuracy", digits.test_accuracy, 0.9)
    _curve(plt, args.out / "digits_loss.png", "Digits: loss per epoch", digits.history.loss)

    report.section(
        "h. Handwritten digits (28×28): 784-30-10 MLP, softmax cross-entropy, compiled training"
    )
    case_started = time.perf_counter()
    mnist = cases.mnist(progress=progress)
    case_seconds = time.perf_counter() - case_started
    report.at_least("held-out accuracy (1,000 digits)", mnist.test_accuracy, 0.88)
    print(
        f"  {mnist.history.epochs} epochs on 4,000 digits with fit(compile=True) in "
        f"{case_seconds:.1f} s; loss {mnist.history.loss[0]:.3f} after the first, "
        f"{mnist.history.loss[-1]:.3f} after the last"
    )
    _mnist_predictions(plt, args.out / "mnist_predictions.png", mnist)
    _mnist_hidden_units(plt, args.out / "mnist_hidden_units.png", mnist.model)

    seconds = time.perf_counter() - started
    pictures = sorted(p.name for p in args.out.iterdir())
    print(f"\nPictures in {args.out}/: {', '.join(pictures)}")
    if report.failures:
        print(f"{len(report.failures)} numbers missed their reference: {report.failures}")
        return 1
    print(f"Every case matches its reference numbers ({seconds:.0f} s).")
    return 0


# Pictures


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def _curve(plt: Any, path: Path, title: str, values: Sequence[float], log: bool = False) -> None:
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(range(1, len(values) + 1), values)
    ax.set(title=title, xlabel="step", ylabel="loss")
    if log:
        ax.set_yscale("log")
    _save(plt, fig, path)


def _parabola(plt: Any, path: Path, xs: Sequence[float]) -> None:
    fig, ax = plt.subplots(figsize=(5, 3))
    grid = [i / 100 for i in range(-20, 221)]
    ax.plot(grid, [(x - 1) ** 2 + 0.001 for x in grid], color="grey")
    ax.plot(xs[:12], [(x - 1) ** 2 + 0.001 for x in xs[:12]], "o-", color="C1", markersize=4)
    ax.set(title="Gradient descent on (x - 1)² + 0.001, lr 0.1", xlabel="x", ylabel="y")
    _save(plt, fig, path)


def _fits(plt: Any, path: Path, relu_fit: cases.Fit, sine: cases.Fit) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3))
    for ax, fit, title in [(axes[0], relu_fit, "ReLU pieces (x scaled)"), (axes[1], sine, "sine")]:
        xs = [x for (x,) in fit.X]
        grid = [xs[0] + (xs[-1] - xs[0]) * i / 200 for i in range(201)]
        with autograd.no_grad():
            ax.plot(grid, [fit.model([x])[0].data for x in grid], label="network")
        ax.plot(xs, fit.y, "o", markersize=3, label="target")
        ax.set(title=title)
        ax.legend()
    _save(plt, fig, path)


def _boundary(ax: Any, predict: Callable[[list[float]], float], low: float, high: float) -> None:
    n = 60
    grid = [low + (high - low) * i / (n - 1) for i in range(n)]
    with autograd.no_grad():
        z = [[predict([a, b]) for a in grid] for b in grid]
    ax.contourf(grid, grid, z, levels=[-1e9, 0, 1e9], colors=["#f4cccc", "#cfe2f3"], alpha=0.8)


def _boundaries(plt: Any, path: Path, gates: dict[str, cases.Gate]) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(9, 3))
    for ax, name in zip(axes, ("and", "or", "xor"), strict=True):
        model = gates[name].model
        _boundary(ax, partial(_output, model), -0.5, 1.5)
        X, y = datasets.logic_gate(name)
        ax.scatter([a for a, _ in X], [b for _, b in X], c=["C3" if t == 0 else "C0" for t in y])
        ax.set(title=name.upper())
    _save(plt, fig, path)


def _moons(plt: Any, path: Path, moons: cases.Moons) -> None:
    fig, ax = plt.subplots(figsize=(5, 4))
    _boundary(ax, lambda x: moons.model(x)[0].data, -1.6, 2.6)
    ax.scatter(
        [a for a, _ in moons.X],
        [b for _, b in moons.X],
        c=["C3" if t < 0 else "C0" for t in moons.y],
        s=12,
    )
    ax.set(title="Two moons: decision boundary")
    _save(plt, fig, path)


def _mnist_predictions(plt: Any, path: Path, mnist: cases.Mnist, rows: int = 5) -> None:
    """The first held-out digits, each under its predicted label; wrong ones in red, with
    the true digit."""
    fig, axes = plt.subplots(rows, 10, figsize=(10, 1.15 * rows + 0.6))
    shown = zip(axes.flat, mnist.X_test, mnist.y_test, mnist.predictions, strict=False)
    for ax, image, digit, predicted in shown:
        wrong = predicted != digit
        ax.imshow(image.reshape(28, 28), cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_title(
            f"{predicted} (is {digit})" if wrong else f"{predicted}",
            color="C3" if wrong else "black",
            fontsize=10,
            fontweight="bold" if wrong else "normal",
        )
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set(color="C3" if wrong else "lightgrey", linewidth=2.5 if wrong else 0.8)
    wrong_shown = int((mnist.predictions[: axes.size] != mnist.y_test[: axes.size]).sum())
    fig.suptitle(
        f"28×28 digits held out: the predicted digit above each, {wrong_shown} wrong of "
        f"{axes.size} in red (held-out accuracy {mnist.test_accuracy:.1%})"
    )
    _save(plt, fig, path)


def _mnist_hidden_units(plt: Any, path: Path, model: Any) -> None:
    """Each hidden unit's 784 input weights as a 28×28 image: red where ink raises the unit's
    input, blue where it lowers it (each unit on its own scale, symmetric about 0)."""
    import numpy

    neurons = model.layers[0].neurons
    fig, axes = plt.subplots(3, 10, figsize=(10, 4.3))
    for k, (ax, neuron) in enumerate(zip(axes.flat, neurons, strict=True)):
        weights = numpy.array([w.data for w in neuron.w]).reshape(28, 28)
        limit = float(numpy.abs(weights).max())
        ax.imshow(weights, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"unit {k + 1}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(
        "The 30 hidden units' weights, one 28×28 image each: red where ink excites the unit, "
        "blue where it inhibits.\nSpeckled rims: pixels that no training digit inks get no "
        "gradient, so their weights keep their random start.",
        fontsize=10,
    )
    _save(plt, fig, path)


def _output(model: Any, x: list[float]) -> float:
    """The model's (first) output at ``x``, as a number."""
    return float(_first(model(x)).data)


def _first(output: Any) -> Any:
    return output[0] if isinstance(output, list) else output


if __name__ == "__main__":
    cli.run(main)
