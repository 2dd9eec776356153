"""Graph traversal: the topological order that backward() and every graph tool share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Value


def topological_order(root: Value, *more: Value) -> list[Value]:
    """Every node the roots depend on, each after all of its parents: leaves first, the roots
    last (with several roots, a node reached from an earlier one comes first).

    A depth-first walk with an explicit stack (no recursion, so a million-node chain is fine),
    visiting parents in operand order: the same graph always gives the same order.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    for top in (root, *more):
        if not hasattr(top, "parents"):
            raise TypeError(f"topological_order: expected a Value, got {type(top).__name__}")
        if top in seen:
            continue
        seen.add(top)
        # Two parallel stacks: the nodes being expanded and, for each, its parents still to visit.
        nodes = [top]
        pending = [iter(top.parents)]
        while nodes:
            for parent in pending[-1]:
                if parent not in seen:
                    seen.add(parent)
                    if parent.parents:
                        nodes.append(parent)
                        pending.append(iter(parent.parents))
                        break
                    order.append(parent)  # a leaf: nothing to expand
            else:
                pending.pop()
                order.append(nodes.pop())
    return order
