"""Errors whose message is the whole story: it names what failed, where and by how much."""

from __future__ import annotations


class ShownAsMessage:
    """Mixin for such an error. In IPython and Jupyter it shows as its message alone, not with
    the frames inside autograd that raised it (which would say nothing more, and would print
    the install path of this package into every notebook that shows the error)."""

    def _render_traceback_(self) -> list[str]:
        """IPython's hook for an exception's own traceback: one string per line."""
        return f"{type(self).__name__}: {self}".splitlines()
