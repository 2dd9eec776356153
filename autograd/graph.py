"""Graph traversal: the topological order that backward() and every graph tool share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Value


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after all of its parents: leaves first, ``root`` last.

    A depth-first walk with an explicit stack (no recursion, so a million-node chain is fine),
    visiting parents in operand order: the same graph always gives the same order.
    """
    if not hasattr(root, "parents"):
        raise TypeError(f"topological_order: expected a Value, got {type(root).__name__}")
    order: list[Value] = []
    seen = {root}
    # Two parallel stacks: the nodes being expanded and, for each, its parents still to visit.
    nodes = [root]
    pending = [iter(root.parents)]
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
