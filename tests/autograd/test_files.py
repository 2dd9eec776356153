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
    with pytest.raises(OSError, match=r"No space left on device: '.*keep\.txt'"):
        write_atomic(path, "new content")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_a_missing_folder_is_pythons_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "no" / "such" / "folder.txt", "x")


# Links and special files: the target is what gets written, and only a regular file


def test_writing_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = write_atomic(tmp_path / "model.json", "old")
    link = tmp_path / "latest.json"
    link.symlink_to(target.name)  # relative, as links usually are
    assert write_atomic(link, "new") == link
    assert link.is_symlink()
    assert os.readlink(link) == "model.json"
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json", "model.json"]


def test_a_chain_of_links_is_followed_to_the_end_and_a_dangling_link_creates_its_target(
    tmp_path: Path,
) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "file.txt"
    (tmp_path / "second").symlink_to(target)
    (tmp_path / "first").symlink_to(tmp_path / "second")
    write_atomic(tmp_path / "first", "through two links")  # the target does not exist yet
    assert target.read_text() == "through two links"
    assert (tmp_path / "first").is_symlink()
    assert (tmp_path / "second").is_symlink()
    write_atomic(tmp_path / "first", "again")
    assert target.read_text() == "again"
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["file.txt"]


def test_a_link_loop_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError, match="symbolic links"):
        write_atomic(tmp_path / "a", "x")
    assert (tmp_path / "a").is_symlink()
    assert (tmp_path / "b").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")
def test_something_other_than_a_regular_file_is_refused_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "null.json"
    link.symlink_to(os.devnull)
    with pytest.raises(ValueError, match=r"write_atomic: .*pipe is not a regular file \(a FIFO\)"):
        write_atomic(fifo, "x")
    with pytest.raises(ValueError, match=r"null\.json is not a regular file \(a character device"):
        write_atomic(link, "x")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert stat.S_ISCHR(Path(os.devnull).stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null.json", "pipe"]


def test_a_folder_in_the_way_is_pythons_is_a_directory_error(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path / "folder", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["folder"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_a_replaced_file_keeps_its_owner_where_allowed(tmp_path: Path) -> None:
    path = write_atomic(tmp_path / "theirs.txt", "old")
    os.chown(path, 4321, 4321)
    os.chmod(path, 0o640)
    write_atomic(path, "new")
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4321)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_data_that_is_neither_bytes_nor_text_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("precious notes")
    for data in (11, None, [1, 2]):  # bytes(11) would be eleven zero bytes
        with pytest.raises(TypeError, match=r"^write_atomic: data must be bytes or str, got "):
            write_atomic(path, data)  # type: ignore[arg-type]
    assert path.read_text() == "precious notes"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_any_buffer_of_bytes_is_written_as_its_bytes(tmp_path: Path) -> None:
    import array

    for data in (bytearray(b"ab"), memoryview(b"ab"), array.array("B", b"ab")):
        assert write_atomic(tmp_path / "f", data).read_bytes() == b"ab"


def test_a_name_as_long_as_the_system_allows_is_written(tmp_path: Path) -> None:
    name = "∂" * 80 + ".svg"  # 244 bytes: open() takes it, so must its temporary's 14 more
    assert write_atomic(tmp_path / name, "<svg/>").read_text() == "<svg/>"
    assert [p.name for p in tmp_path.iterdir()] == [name]
