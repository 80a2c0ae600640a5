"""``asymbl_sf.state.atomic``: files replaced whole or not at all, and locks between open files."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest

from asymbl_sf.state.atomic import file_lock, open_atomically, write_atomically


def test_write_atomically_makes_folders_and_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "state.json"
    write_atomically(target, b'{"old": 1}')
    write_atomically(target, b'{"new": 2}')
    assert target.read_bytes() == b'{"new": 2}'
    assert [p.name for p in target.parent.iterdir()] == ["state.json"]  # no temporary left


def test_open_atomically_writes_text_as_given(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with open_atomically(target) as handle:
        handle.write("a,b\r\ncafé,1\r\n")
        assert not target.exists()  # nothing at the path until the block completes
    assert target.read_bytes() == "a,b\r\ncafé,1\r\n".encode()


def test_a_failed_block_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), open_atomically(target) as handle:
        handle.write("half of the new")
        raise RuntimeError("the read failed")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_an_exclusive_lock_shuts_out_other_open_files(tmp_path: Path) -> None:
    # flock locks belong to an open file, so a second open() in this process stands in for
    # another process.
    lock = tmp_path / "lock"
    lock.touch()
    with open(lock, "rb") as mine, open(lock, "rb") as other:
        with file_lock(mine), pytest.raises(BlockingIOError):
            fcntl.flock(other.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # released on leaving
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)


def test_shared_locks_let_readers_in_together(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    lock.touch()
    with open(lock, "rb") as mine, open(lock, "rb") as other, file_lock(mine, exclusive=False):
        fcntl.flock(other.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
        with pytest.raises(BlockingIOError):
            fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
