"""Command-line manners for the project's entry points (``python -m autograd``,
``python -m nn.demo``, ``python -m benchmarks``): exit quietly when the reader of the
output goes away, as in ``python -m autograd | head -5``, as command-line tools do."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn

CLOSED_PIPE_STATUS = 141
"""The exit status for output cut off by a closed pipe: what a shell reports for a program
that SIGPIPE ended (128 + 13), as ``cat`` or ``seq`` are ended by it."""


def run(main: Callable[[], int | None]) -> NoReturn:
    """Run ``main()`` and exit with its status. If standard output is a pipe whose reader has
    gone, stop writing and exit with ``CLOSED_PIPE_STATUS``, without a traceback."""
    try:
        try:
            status: int | str | None = main()
        except SystemExit as exit_:  # argparse's --help and errors, or an explicit exit
            status = exit_.code
        sys.stdout.flush()  # what is still buffered fails here, not at the interpreter's exit
    except BrokenPipeError:
        # Python flushes stdout once more at exit: point it at devnull so that finds no pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        status = CLOSED_PIPE_STATUS
    sys.exit(status)
