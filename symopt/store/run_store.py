"""``RunStore``: the one object that reads and writes a run directory."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from symopt.errors import SymoptError
from symopt.store.files import (
    CONFIG_NAME,
    DB_NAME,
    acquire_lock,
    build_database,
    release_lock,
    write_atomically,
)
from symopt.store.records import (
    EVALUATION_COLUMNS,
    Checkpoint,
    EvaluationRecord,
    Event,
    evaluation_from_row,
    evaluation_row,
    to_json,
)
from symopt.store.schema import check_schema, connect

KEEP_CHECKPOINTS = 3
RESERVED_META = ("schema_version", "config_hash", "created", "symopt_version")
_PAGE = 1000
_MAX_SQL_INT = 2**63 - 1

_INSERT_EVALUATION = (
    f"INSERT INTO evaluations ({EVALUATION_COLUMNS}, program_key) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT_EVALUATION = f"SELECT {EVALUATION_COLUMNS} FROM evaluations"


class StoreWriteError(SymoptError):
    """The run directory cannot be written (a full disk, a read-only folder). Every transaction
    committed before is kept; the run can be resumed once the cause is fixed."""


def _why(err: Exception) -> str:
    return (err.strerror if isinstance(err, OSError) else None) or str(err)


class RunStore:
    """A run directory: ``config.yaml`` and ``symopt.sqlite``.

    Open it with ``create``, ``open`` (read-write; one writer per run, enforced by a lock file) or
    ``open_readonly`` (any number, alongside the writer). Use it from one thread. Every write
    method is one transaction; ``transaction()`` groups several into one.
    """

    def __init__(
        self, run_dir: Path, conn: sqlite3.Connection, lock: int | None, readonly: bool
    ) -> None:
        self.run_dir = run_dir
        self.readonly = readonly
        self._conn = conn
        self._lock = lock
        self._depth = 0
        self.config_hash = self.get_meta("config_hash") or ""
        self.config_yaml = (run_dir / CONFIG_NAME).read_text(encoding="utf-8")

    # -- opening and closing ------------------------------------------------------------------

    @classmethod
    def create(cls, run_dir: Path | str, config_yaml: str, config_hash: str) -> RunStore:
        """Make a new run in ``run_dir`` (created if needed) and open it read-write.

        Refuses if ``run_dir`` already holds a run. The database appears only once complete, so a
        crash during ``create`` leaves no run behind and ``create`` can simply be retried.
        """
        run_dir = Path(run_dir)
        db = run_dir / DB_NAME
        if run_dir.exists() and not run_dir.is_dir():
            raise SymoptError(f"cannot create a run in {run_dir}: it is a file, not a directory")
        already = SymoptError(
            f"{run_dir} already holds a run; choose another output directory or resume that run"
        )
        if db.exists():
            raise already
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            lock = acquire_lock(run_dir)
        except OSError as err:
            raise StoreWriteError(f"cannot create a run in {run_dir}: {_why(err)}") from None
        try:
            if db.exists():  # created by another process since the check above
                raise already
            write_atomically(run_dir / CONFIG_NAME, config_yaml)
            build_database(db, config_hash)
            return cls(run_dir, connect(db, readonly=False), lock, readonly=False)
        except (OSError, sqlite3.Error) as err:
            release_lock(lock)
            raise StoreWriteError(f"cannot create a run in {run_dir}: {_why(err)}") from None
        except BaseException:
            release_lock(lock)
            raise

    @classmethod
    def open(cls, run_dir: Path | str) -> RunStore:
        """Open an existing run read-write (to resume a search). One writer at a time."""
        return cls._open(Path(run_dir), readonly=False)

    @classmethod
    def open_readonly(cls, run_dir: Path | str) -> RunStore:
        """Open an existing run for reading, e.g. for ``symopt show`` while a search writes it."""
        return cls._open(Path(run_dir), readonly=True)

    @classmethod
    def _open(cls, run_dir: Path, readonly: bool) -> RunStore:
        db = run_dir / DB_NAME
        if not run_dir.exists():
            raise SymoptError(f"run directory {run_dir} does not exist")
        if not run_dir.is_dir():
            raise SymoptError(f"{run_dir} is not a run directory: it is a file")
        if not db.is_file():
            raise SymoptError(f"{run_dir} is not a symopt run: it has no {DB_NAME}")
        if not (run_dir / CONFIG_NAME).is_file():
            raise SymoptError(f"{run_dir} is not a complete symopt run: {CONFIG_NAME} is missing")
        try:
            lock = None if readonly else acquire_lock(run_dir)
        except OSError as err:
            raise StoreWriteError(f"cannot open {run_dir} for writing: {_why(err)}") from None
        conn = None
        try:
            try:
                conn = connect(db, readonly=readonly)
            except sqlite3.OperationalError as err:
                raise StoreWriteError(f"cannot open {db}: {_why(err)}") from None
            except sqlite3.DatabaseError as err:
                raise SymoptError(f"{db} is not a symopt run database ({err})") from err
            check_schema(conn, db)
            return cls(run_dir, conn, lock, readonly)
        except BaseException:
            if conn is not None:
                conn.close()
            release_lock(lock)
            raise

    def close(self) -> None:
        """Close the database and release the writer lock. Safe to call twice."""
        if self._conn is None:
            return
        if not self.readonly:
            with suppress(sqlite3.Error):
                self._conn.execute("PRAGMA optimize")
        self._conn.close()
        self._conn = None
        release_lock(self._lock)
        self._lock = None

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.readonly else "read-write"
        return f"RunStore({str(self.run_dir)!r}, {mode})"

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Make every write inside the block one transaction: all of it is stored, or none.

        E.g. a batch of evaluations and the checkpoint that includes them. Nests (savepoints).
        """
        if self.readonly:
            raise SymoptError(f"{self.run_dir} is open read-only")
        depth = self._depth
        with self._write_errors():
            self._conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT s{depth}")
        self._depth = depth + 1
        try:
            with self._write_errors():
                yield
                self._conn.execute("COMMIT" if depth == 0 else f"RELEASE s{depth}")
        except BaseException:
            if depth == 0:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
            else:
                self._conn.execute(f"ROLLBACK TO s{depth}")
                self._conn.execute(f"RELEASE s{depth}")
            raise
        finally:
            self._depth = depth

    @contextmanager
    def _write_errors(self) -> Iterator[None]:
        """SQLite's disk errors (full, read-only, I/O) as one ``StoreWriteError`` sentence; the
        failed transaction is rolled back, the ones before it stay."""
        try:
            yield
        except sqlite3.OperationalError as err:
            raise StoreWriteError(
                f"cannot write to the run database {self.run_dir / DB_NAME}: {_why(err)}; "
                "everything stored before is kept"
            ) from None

    # -- evaluations ----------------------------------------------------------------------------

    def add_evaluation(self, rec: EvaluationRecord) -> int:
        """Store ``rec`` (its ``id`` and ``seq`` must be ``None``); return its new id."""
        return self.add_evaluations([rec])[0]

    def add_evaluations(self, recs: Iterable[EvaluationRecord]) -> list[int]:
        """Store ``recs`` in one transaction, in order; return their new ids.

        ``seq`` continues from the last stored one. A ``parent_id`` must name an already stored
        record; otherwise nothing of the batch is stored and ``ValueError`` says which.
        """
        recs = list(recs)
        with self.transaction():
            # Two subqueries: SQLite answers a lone max() from the index, two maxima by a scan.
            last_id, last_seq = self._conn.execute(
                "SELECT coalesce((SELECT max(id) FROM evaluations), 0),"
                " coalesce((SELECT max(seq) FROM evaluations), 0)"
            ).fetchone()
            rows = [evaluation_row(r, last_id + i, last_seq + i) for i, r in enumerate(recs, 1)]
            try:
                self._conn.executemany(_INSERT_EVALUATION, rows)
            except sqlite3.IntegrityError as err:
                raise ValueError(self._explain_rejected(rows, err)) from err
        return [row[0] for row in rows]

    def _explain_rejected(self, rows: list[tuple[Any, ...]], err: sqlite3.IntegrityError) -> str:
        for row in rows:
            parent = row[2]
            if parent is not None and (parent >= row[0] or self._missing(parent)):
                return f"parent_id {parent} is not a stored evaluation; no record was stored"
        return f"evaluations rejected by the store ({err}); no record was stored"

    def _missing(self, id_: int) -> bool:
        return (
            self._conn.execute("SELECT 1 FROM evaluations WHERE id = ?", (id_,)).fetchone() is None
        )

    def get(self, id: int) -> EvaluationRecord:
        """The record with ``id``; ``SymoptError`` if there is none."""
        if not -_MAX_SQL_INT <= id <= _MAX_SQL_INT:
            raise SymoptError(f"{self.run_dir} has no evaluation with id {id} ({self._range()})")
        row = self._conn.execute(f"{_SELECT_EVALUATION} WHERE id = ?", (id,)).fetchone()
        if row is None:
            raise SymoptError(f"{self.run_dir} has no evaluation with id {id} ({self._range()})")
        return evaluation_from_row(row)

    def _range(self) -> str:
        n = self.count()
        return f"ids run from 1 to {n}" if n else "it has no evaluations yet"

    def top(self, k: int, status: str | None = "ok") -> list[EvaluationRecord]:
        """The ``k`` best records with ``status`` (any status if ``None``): highest fitness first,
        ties by lower id, NaN fitness last."""
        if k <= 0:
            return []
        k = min(k, _MAX_SQL_INT)  # SQLite integers are 64-bit; a larger k means "all"
        if status is None:
            sql, args = f"{_SELECT_EVALUATION} ORDER BY fitness DESC, id LIMIT ?", (k,)
        else:
            sql = f"{_SELECT_EVALUATION} WHERE status = ? ORDER BY fitness DESC, id LIMIT ?"
            args = (status, k)
        return [evaluation_from_row(r) for r in self._conn.execute(sql, args)]

    def lineage(self, id: int) -> list[EvaluationRecord]:
        """The record ``id``, its parent, its parent's parent, ... up to a record with no parent."""
        rows = self._conn.execute(
            "WITH RECURSIVE chain(id, depth) AS ("
            "  SELECT ?, 0"
            "  UNION ALL"
            "  SELECT e.parent_id, chain.depth + 1 FROM evaluations e JOIN chain ON e.id = chain.id"
            "  WHERE e.parent_id IS NOT NULL"
            f") SELECT {', '.join('e.' + c.strip() for c in EVALUATION_COLUMNS.split(','))}"
            " FROM chain JOIN evaluations e ON e.id = chain.id ORDER BY chain.depth",
            (id,),
        ).fetchall()
        if not rows:
            raise SymoptError(f"{self.run_dir} has no evaluation with id {id} ({self._range()})")
        return [evaluation_from_row(r) for r in rows]

    def iter_evaluations(self, after_seq: int = 0) -> Iterator[EvaluationRecord]:
        """Every record with ``seq > after_seq``, in completion order.

        Reads in pages and holds no statement open between them, so the store can be written
        while iterating; records committed meanwhile are yielded too.
        """
        while True:
            rows = self._conn.execute(
                f"{_SELECT_EVALUATION} WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, _PAGE)
            ).fetchall()
            yield from map(evaluation_from_row, rows)
            if len(rows) < _PAGE:
                return
            after_seq = rows[-1][1]

    def count(self) -> int:
        """The number of stored evaluations, which is also the last ``seq`` (seq has no gaps)."""
        return self._conn.execute("SELECT coalesce(max(seq), 0) FROM evaluations").fetchone()[0]

    def counts_by_status(self) -> dict[str, int]:
        """``{status: number of records}``, statuses in alphabetical order."""
        sql = "SELECT status, count(*) FROM evaluations GROUP BY status ORDER BY status"
        return dict(self._conn.execute(sql).fetchall())

    # -- events, checkpoints, meta ------------------------------------------------------------

    def add_event(self, kind: str, seq: int, payload: dict[str, Any]) -> None:
        """Record that ``kind`` happened after evaluation ``seq`` (0 = before any), with a JSON
        ``payload``: e.g. ``add_event("meta_validation", 5000, {"id": 4711, "fitness": 0.93})``."""
        if not kind:
            raise ValueError("event kind must be non-empty")
        with self.transaction():
            self._check_seq(seq, f"{kind!r} event")
            self._conn.execute(
                "INSERT INTO events (kind, seq, payload, created) VALUES (?, ?, ?, ?)",
                (kind, seq, to_json(payload, f"payload of the {kind!r} event"), time.time()),
            )

    def events(self, kind: str | None = None) -> list[Event]:
        """Events of ``kind`` (all if ``None``) in the order they were added."""
        sql = "SELECT id, kind, seq, payload, created FROM events"
        if kind is None:
            rows = self._conn.execute(f"{sql} ORDER BY id")
        else:
            rows = self._conn.execute(f"{sql} WHERE kind = ? ORDER BY id", (kind,))
        return [Event(i, k, s, json.loads(p), c) for i, k, s, p, c in rows]

    def save_checkpoint(self, seq: int, state: dict[str, Any]) -> None:
        """Store search ``state`` that includes evaluations up to ``seq``; keep the latest
        ``KEEP_CHECKPOINTS``. To make a batch and its checkpoint atomic, wrap both in
        ``transaction()``."""
        with self.transaction():
            self._check_seq(seq, "checkpoint")
            self._conn.execute(
                "INSERT INTO checkpoints (seq, state, created) VALUES (?, ?, ?)",
                (seq, to_json(state, "checkpoint state"), time.time()),
            )
            self._conn.execute(
                "DELETE FROM checkpoints WHERE id NOT IN "
                "(SELECT id FROM checkpoints ORDER BY id DESC LIMIT ?)",
                (KEEP_CHECKPOINTS,),
            )

    def latest_checkpoint(self) -> Checkpoint | None:
        """The checkpoint saved last, or ``None``."""
        row = self._conn.execute(
            "SELECT id, seq, state, created FROM checkpoints ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else Checkpoint(row[0], row[1], json.loads(row[2]), row[3])

    def _check_seq(self, seq: int, what: str) -> None:
        last = self.count()
        if not 0 <= seq <= last:
            raise ValueError(f"{what} at seq {seq}, but stored evaluations run from 1 to {last}")

    def save_file(self, name: str, data: bytes) -> None:
        """Write ``data`` to ``name`` (a path inside the run directory), atomically."""
        if self.readonly:
            raise SymoptError(f"{self.run_dir} is open read-only")
        path = self.run_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)

    def set_meta(self, key: str, value: str) -> None:
        """Set a run-level text value (e.g. ``"finished"``); the store's own keys are refused."""
        if key in RESERVED_META:
            raise ValueError(f"meta key {key!r} belongs to the store")
        if not isinstance(value, str):
            raise ValueError(f"meta value for {key!r} must be text, not {type(value).__name__}")
        with self.transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
            )

    def get_meta(self, key: str) -> str | None:
        """The value set for ``key``, or ``None``. The store sets ``schema_version``,
        ``config_hash``, ``created`` (unix time) and ``symopt_version``."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]
