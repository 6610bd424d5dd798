"""Creating and opening run directories, and the one-line refusals."""

from __future__ import annotations

import sqlite3

import pytest

from symopt.errors import SymoptError
from symopt.store import CONFIG_NAME, DB_NAME, SCHEMA_VERSION, RunStore

from .conftest import CONFIG


def test_create_writes_the_config_text_and_an_empty_database(run_dir):
    with RunStore.create(run_dir, CONFIG, "hash-1") as store:
        assert store.run_dir == run_dir
        assert store.config_yaml == CONFIG and store.config_hash == "hash-1"
        assert store.count() == 0
    assert (run_dir / CONFIG_NAME).read_bytes() == CONFIG.encode("utf-8")
    conn = sqlite3.connect(run_dir / DB_NAME)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert not list(run_dir.glob(".*"))  # no temporary files left behind


def test_open_gives_back_what_create_wrote(run_dir, store, make_record):
    store.add_evaluation(make_record())
    store.close()
    with RunStore.open(run_dir) as again:
        assert (again.config_yaml, again.config_hash, again.count()) == (CONFIG, "hash-1", 1)
        assert again.get_meta("symopt_version")
        assert float(again.get_meta("created")) > 0


@pytest.mark.parametrize("still_open", [True, False])
def test_create_refuses_a_directory_that_holds_a_run(run_dir, store, still_open):
    if not still_open:
        store.close()
    with pytest.raises(SymoptError, match="already holds a run") as err:
        RunStore.create(run_dir, "other: 1\n", "hash-2")
    assert "\n" not in str(err.value)
    assert (run_dir / CONFIG_NAME).read_text(encoding="utf-8") == CONFIG


def test_create_refuses_a_file(tmp_path):
    (tmp_path / "run").write_text("")
    with pytest.raises(SymoptError, match="it is a file, not a directory"):
        RunStore.create(tmp_path / "run", CONFIG, "h")


def test_create_can_be_retried_after_an_interrupted_create(run_dir):
    run_dir.mkdir(parents=True)
    (run_dir / CONFIG_NAME).write_text("half: written\n")
    (run_dir / f".{DB_NAME}.creating").write_bytes(b"SQLite format 3\x00 torn")
    with pytest.raises(SymoptError, match="has no symopt.sqlite"):
        RunStore.open(run_dir)
    with RunStore.create(run_dir, CONFIG, "h") as store:
        assert store.config_yaml == CONFIG


def _break(run_dir, how):
    if how == "missing dir":
        return run_dir / "nope", "run directory .*nope does not exist"
    if how == "a file":
        return run_dir / CONFIG_NAME, "config.yaml is not a run directory: it is a file"
    if how == "no database":
        (run_dir / DB_NAME).unlink()
        return run_dir, "is not a symopt run: it has no symopt.sqlite"
    if how == "no config":
        (run_dir / CONFIG_NAME).unlink()
        return run_dir, "config.yaml is missing"
    if how == "not sqlite":
        (run_dir / DB_NAME).write_bytes(b"this is a text file, not a database\n" * 200)
        return run_dir, "is not a symopt run database .file is not a database."
    if how == "other sqlite":
        (run_dir / DB_NAME).unlink()
        sqlite3.connect(run_dir / DB_NAME).execute("CREATE TABLE t (x)").connection.commit()
        return run_dir, "is not a symopt run database .no 'meta' table."
    conn = sqlite3.connect(run_dir / DB_NAME)
    version = {"newer schema": SCHEMA_VERSION + 1, "older schema": 0, "no version": None}[how]
    if version is None:
        conn.execute("DELETE FROM meta WHERE key = 'schema_version'")
    else:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    conn.commit()
    conn.close()
    return run_dir, {
        "newer schema": f"schema version {SCHEMA_VERSION + 1}, newer than this symopt reads "
        f".{SCHEMA_VERSION}.; upgrade symopt",
        "older schema": "schema version 0, which this symopt .schema 1. cannot read",
        "no version": "no valid schema_version in meta",
    }[how]


@pytest.mark.parametrize(
    "how",
    [
        "missing dir",
        "a file",
        "no database",
        "no config",
        "not sqlite",
        "other sqlite",
        "newer schema",
        "older schema",
        "no version",
    ],
)
@pytest.mark.parametrize("opener", [RunStore.open, RunStore.open_readonly])
def test_open_refuses_what_is_not_a_run_in_one_line(run_dir, store, how, opener):
    store.close()
    path, message = _break(run_dir, how)
    with pytest.raises(SymoptError, match=message) as err:
        opener(path)
    assert "\n" not in str(err.value)


def test_one_writer_at_a_time(run_dir, store):
    with pytest.raises(SymoptError, match="open for writing by another process"):
        RunStore.open(run_dir)
    with RunStore.open_readonly(run_dir) as reader:
        assert reader.count() == 0
    store.close()
    with RunStore.open(run_dir) as writer:
        assert writer.count() == 0


def test_a_refused_open_does_not_keep_the_lock(run_dir, store):
    store.close()
    (run_dir / DB_NAME).write_bytes(b"garbage" * 100)
    with pytest.raises(SymoptError):
        RunStore.open(run_dir)
    with pytest.raises(SymoptError, match="not a symopt run database"):
        RunStore.open(run_dir)  # not "open for writing by another process"


def test_a_read_only_store_refuses_writes(run_dir, store, make_record):
    store.add_evaluation(make_record())
    with RunStore.open_readonly(run_dir) as reader:
        assert reader.readonly
        for write in [
            lambda: reader.add_evaluation(make_record(1)),
            lambda: reader.add_event("restart", 0, {}),
            lambda: reader.save_checkpoint(0, {}),
            lambda: reader.set_meta("k", "v"),
        ]:
            with pytest.raises(SymoptError, match="is open read-only"):
                write()
        assert reader.get(1).program == make_record().program


def test_close_twice_is_harmless(store):
    store.close()
    store.close()
