"""``python -m autograd``: the worked example z = (2w + b)(b + 1), by the engine and by hand."""

from __future__ import annotations

from autograd import Value, cli, topological_order


def main() -> int:
    """Build z, run backward(), and print each gradient beside the chain rule done by hand."""
    w = Value(3.0, "w")
    b = Value(4.0, "b")
    x = 2 * w + b
    x.label = "x"
    y = b + 1
    y.label = "y"
    z = x * y
    z.label = "z"
    z.backward()

    print("z = (2w + b)(b + 1) at w = 3, b = 4\n")
    print("The graph, parents before children (backward() walks it from the bottom up):")
    for node in topological_order(z):
        name = node.label or f"{node.data:g}"
        operands = ", ".join(p.label or f"{p.data:g}" for p in node.parents)
        made = f"{node.op}({operands})" if node.op else "leaf"
        print(f"  {name:>2} = {made:<10} data={node.data:<4g} grad={node.grad:g}")

    # The chain rule by hand, from the values the engine computed: x = 2w + b, y = b + 1.
    by_hand = {
        "x": ("dz/dx = y", y.data),
        "y": ("dz/dy = x", x.data),
        "w": ("dz/dx·dx/dw = y·2", y.data * 2),
        "b": ("dz/dx·dx/db + dz/dy·dy/db = y + x", y.data + x.data),
    }
    print("\nGradient   engine   by hand")
    agree = True
    for node in (x, y, w, b):
        rule, value = by_hand[node.label]
        agree &= node.grad == value
        print(f"  dz/d{node.label}   {node.grad:6g}   {value:6g}   {rule}")
    print(f"\nz = {z.data:g}; engine and hand computation {'agree' if agree else 'DISAGREE'}.")
    return 0 if agree else 1


if __name__ == "__main__":
    import argparse

    # no options: --help says what this prints, and anything else is refused (exit status 2)
    about = "The worked example z = (2w + b)(b + 1), its gradients by the engine and by hand."
    argparse.ArgumentParser(prog="python -m autograd", description=about).parse_args()
    cli.run(main)
