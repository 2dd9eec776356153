"""Writing files so that a failure never destroys the previous one, and reading them so
that a hostile one cannot hang or exhaust the reader.

Everything the project writes (drawings, backprop frames, pages, animations, saved models)
goes through ``write_atomic``: a full disk, a crash or a Ctrl-C in the middle leaves the old
file exactly as it was, never half a file. A symbolic link is written through, to the file
it points to, and stays a link. ``read_limited`` reads what a loader reads (a saved model):
a regular file only, and never more than the loader can use.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

__all__ = ["read_limited", "write_atomic"]


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (str as UTF-8) to ``path``: into a new file in the same folder, flushed
    to the disk, then renamed over ``path`` in one step (``os.replace``). On any failure,
    even KeyboardInterrupt, ``path`` is untouched and the new file removed. Returns ``path``.

    A symbolic link (or a chain of them) is followed: the file it points to is replaced, in
    its own folder, and the link stays. Only a regular file is replaced, keeping its
    permissions (and its owner, where allowed): a FIFO or a device is a ValueError, a folder
    Python's IsADirectoryError. A file with other hard links is replaced under this name
    only, as every atomic save does: the other names keep the old content.
    """
    path = Path(path)
    if isinstance(data, str):
        content = data.encode("utf-8")
    else:  # bytes, or any buffer of them; not bytes(11), eleven zero bytes over the file
        try:
            content = memoryview(data).tobytes()
        except TypeError:
            raise TypeError(
                f"write_atomic: data must be bytes or str, got {type(data).__name__}"
            ) from None
    target = _target(path)
    try:
        temporary, fd = _new_file_beside(target)
    except OSError as error:  # no such folder, no permission: say so of the file asked for
        raise type(error)(error.errno, error.strerror, str(path)) from None
    try:
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except OSError as error:  # a full disk, say: name the file asked for, not a descriptor
            raise type(error)(error.errno, error.strerror, str(path)) from None
        finally:
            os.close(fd)
        _keep_mode_and_owner(temporary, target)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)
    return path


def read_limited(path: str | os.PathLike[str], limit: int, where: str, what: str) -> bytes:
    """The bytes of the regular file ``path`` (links followed), of which there may be at
    most ``limit``: ``what`` says who could not be larger ("a saved MLP of 17 parameters").

    Anything but a regular file (a FIFO, a device such as /dev/zero, a folder) is a
    ValueError naming it, raised without reading or waiting for a writer. So is a file
    longer than ``limit``, whether its size says so or not (a file in /proc reads as 0
    bytes, a file may grow): at most ``limit + 1`` bytes are ever read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)  # O_NONBLOCK: opening a FIFO does not wait for a writer
    try:
        info = os.fstat(fd)  # of what was opened, not of what the name meant a moment ago
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{where}: {path} is not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise ValueError(
                f"{where}: {path} is {info.st_size:,} bytes, more than {what} can be (at most "
                f"{limit:,} bytes)"
            )
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:
        raise ValueError(
            f"{where}: {path} holds more than {limit:,} bytes, more than {what} can be "
            f"(its size read as {info.st_size:,})"
        )
    return b"".join(chunks)


def _target(path: Path) -> Path:
    """The file ``path`` names, after every symbolic link (which need not exist yet); an
    existing one must be a regular file or a folder (which os.replace refuses itself)."""
    target = Path(os.path.realpath(path))
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return target
    except OSError as error:
        raise type(error)(error.errno, error.strerror, str(path)) from None
    if stat.S_ISLNK(mode):  # realpath stops where links loop
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ValueError(
            f"write_atomic: {path} is not a regular file ({_kind(mode)}); nothing was written"
        )
    return target


def _kind(mode: int) -> str:
    """What a file that is not a regular one is, in words."""
    kinds = [
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ]
    return next((word for test, word in kinds if test(mode)), "an unusual kind of file")


def _keep_mode_and_owner(temporary: Path, target: Path) -> None:
    """Give the new file the permissions, and where allowed the owner, of the one it
    replaces (a new file keeps the usual ones)."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        return
    new = os.stat(temporary)
    if (new.st_uid, new.st_gid) != (old.st_uid, old.st_gid) and hasattr(os, "chown"):
        with contextlib.suppress(PermissionError):  # only root may give a file away
            os.chown(temporary, old.st_uid, old.st_gid)  # first: it clears the set-id bits
    os.chmod(temporary, stat.S_IMODE(old.st_mode))


def _new_file_beside(path: Path) -> tuple[Path, int]:
    """A new, empty file next to ``path``, created with the usual permissions (the umask
    applies), and its descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    # the name's first 200 bytes, so that the file is recognised: with the rest, 214 at most,
    # where a name may have 255 (a name that fits must not fail for its temporary's length)
    start = os.fsencode(path.name)[:200].decode("utf-8", errors="ignore")
    while True:
        temporary = path.with_name(f".{start}.{os.urandom(4).hex()}.tmp")
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
