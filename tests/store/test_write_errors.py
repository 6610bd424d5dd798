"""A store that cannot be written (full disk, read-only folder) says so in one sentence and keeps
every transaction committed before."""

from __future__ import annotations

import sqlite3

import pytest

from symopt.store import RunStore, StoreWriteError


class _FullDisk:
    """A connection whose every multi-row insert fails as SQLite does on a full disk."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __getattr__(self, name: str):
        return getattr(self.conn, name)

    def executemany(self, *args):
        raise sqlite3.OperationalError("database or disk is full")


def test_full_disk_is_one_sentence_and_loses_nothing(store, run_dir, make_record):
    kept = store.add_evaluation(make_record(1))
    real = store._conn
    store._conn = _FullDisk(real)
    with pytest.raises(StoreWriteError) as raised:
        store.add_evaluations([make_record(2), make_record(3)])
    message = str(raised.value)
    assert "\n" not in message and "database or disk is full" in message
    assert str(run_dir) in message and "everything stored before is kept" in message
    store._conn = real
    assert store.count() == 1  # the failed batch was rolled back as a whole
    store.add_evaluation(make_record(4))  # and the store still works once there is room
    store.close()
    with RunStore.open_readonly(run_dir) as again:
        assert [r.id for r in again.iter_evaluations()] == [kept, 2]


def test_a_run_dir_under_a_file_is_one_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreWriteError, match="cannot create a run in"):
        RunStore.create(blocker / "run", "x: 1\n", "h")
