"""Atomic writes (cnnlesson._io): the old file survives a failed write, modes are the usual ones."""

import os
import stat

import pytest

from cnnlesson._io import atomic_open, atomic_write_bytes, atomic_write_text


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_file_gets_the_umask_mode_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "a.txt", "hello")
    finally:
        os.umask(old)
    assert path.read_text() == "hello"
    assert _mode(path) == 0o644


def test_existing_file_keeps_its_mode(tmp_path):
    path = tmp_path / "b.bin"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert _mode(path) == 0o640


def test_failure_mid_write_leaves_the_old_file_and_no_temp_file(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("good")
    with pytest.raises(KeyboardInterrupt), atomic_open(path, "w") as f:
        f.write("half")
        raise KeyboardInterrupt
    assert path.read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt"]


def test_mode_must_be_write(tmp_path):
    with pytest.raises(ValueError, match="mode"), atomic_open(tmp_path / "d", "r"):
        pass
