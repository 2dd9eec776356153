"""Writing files so that a failure never destroys the previous one.

Everything the project writes (drawings, backprop frames, pages, animations, saved models)
goes through ``write_atomic``: a full disk, a crash or a Ctrl-C in the middle leaves the old
file exactly as it was, never half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (str as UTF-8) to ``path``: into a new file in the same folder, flushed
    to the disk, then renamed over ``path`` in one step (``os.replace``). On any failure,
    even KeyboardInterrupt, ``path`` is untouched and the new file removed. Returns the path.
    """
    path = Path(path)
    content = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    try:
        temporary, fd = _new_file_beside(path)
    except OSError as error:  # no such folder, no permission: say so of the file asked for
        raise type(error)(error.errno, error.strerror, str(path)) from None
    try:
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if path.exists():  # keep the permissions the old file had
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)
    return path


def _new_file_beside(path: Path) -> tuple[Path, int]:
    """A new, empty file next to ``path``, created with the usual permissions (the umask
    applies), and its descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
        try:
            return temporary, os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to the disk, where the system allows it (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
