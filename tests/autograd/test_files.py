"""autograd.files.write_atomic: a file is either its old self or wholly new, never half."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from autograd.files import write_atomic


def test_writes_bytes_and_text_and_returns_the_path(tmp_path: Path) -> None:
    assert write_atomic(tmp_path / "a.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert (
        write_atomic(str(tmp_path / "b.txt"), "∂z/∂b = 15\n").read_text("utf-8") == "∂z/∂b = 15\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "b.txt"]


def test_a_new_file_gets_the_usual_permissions_and_a_replaced_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    ordinary = tmp_path / "ordinary.txt"
    ordinary.write_text("made the usual way")
    made = write_atomic(tmp_path / "new.txt", "x")
    assert stat.S_IMODE(made.stat().st_mode) == stat.S_IMODE(ordinary.stat().st_mode)
    os.chmod(ordinary, 0o640)
    write_atomic(ordinary, "replaced")
    assert stat.S_IMODE(ordinary.stat().st_mode) == 0o640


def test_a_failure_after_part_of_the_data_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_atomic(tmp_path / "keep.txt", "old")
    real_write = os.write

    def fail_after_one_byte(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data)[:1])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", fail_after_one_byte)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, "new content")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_a_missing_folder_is_pythons_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "no" / "such" / "folder.txt", "x")
