"""The files of a run directory: writing them atomically, and the one-writer lock."""

from __future__ import annotations

import os
import time
from pathlib import Path

from symopt import __version__
from symopt.errors import SymoptError
from symopt.store.schema import DDL, SCHEMA_VERSION, connect

try:
    import fcntl
except ImportError:  # Windows: no writer lock, the rest works.
    fcntl = None

DB_NAME = "symopt.sqlite"
CONFIG_NAME = "config.yaml"
LOCK_NAME = "symopt.lock"


def build_database(db: Path, config_hash: str) -> None:
    """Write a complete empty run database beside ``db``, then move it into place."""
    tmp = db.with_name(f".{db.name}.creating")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    conn = connect(tmp, readonly=False)
    try:
        conn.execute("PRAGMA synchronous = FULL")
        conn.executescript(f"BEGIN; {DDL} COMMIT;")
        meta = {
            "schema_version": str(SCHEMA_VERSION),
            "config_hash": config_hash,
            "created": repr(time.time()),
            "symopt_version": __version__,
        }
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
        conn.execute("COMMIT")
    finally:
        conn.close()  # checkpoints the WAL into the file and removes it
    os.replace(tmp, db)
    _fsync_dir(db.parent)


def write_atomically(path: Path, text: str | bytes) -> None:
    """Replace ``path`` with ``text`` (UTF-8, newlines as given; or bytes) so that no reader
    sees half."""
    tmp = path.with_name(f".{path.name}.tmp")
    data = text.encode("utf-8") if isinstance(text, str) else text
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    if os.name == "posix":
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def acquire_lock(run_dir: Path) -> int | None:
    """Hold ``symopt.lock`` in ``run_dir`` exclusively until released (or the process dies)."""
    if fcntl is None:
        return None
    fd = os.open(run_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise SymoptError(
            f"{run_dir} is open for writing by another process (is a search running?); "
            "it can only be read until that process stops"
        ) from None
    return fd


def release_lock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)
