"""A cache of results shared across campaigns: one SQLite file named in the config.

Keys are ``fingerprint|tasks|hurdle``: a result is reused only for the same behaviour on the same
tasks under the same hurdle rule. Several searches may share one file (WAL, one short
transaction per write).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from symopt.errors import SymoptError

_DDL = """
CREATE TABLE IF NOT EXISTS results (
    key     TEXT PRIMARY KEY,
    fitness REAL,
    status  TEXT NOT NULL,
    metrics TEXT NOT NULL
) WITHOUT ROWID;
"""


class SharedCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_DDL)
        except sqlite3.Error as err:
            raise SymoptError(f"{self.path}: cannot use this cache file ({err})") from None

    def get(self, key: str) -> tuple[float, str, dict] | None:
        row = self._conn.execute(
            "SELECT fitness, status, metrics FROM results WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        fitness = float("nan") if row[0] is None else row[0]
        return fitness, row[1], json.loads(row[2])

    def put(self, key: str, fitness: float, status: str, metrics: dict) -> None:
        self._conn.execute(
            "INSERT OR IGNORE INTO results VALUES (?, ?, ?, ?)",
            (key, fitness if fitness == fitness else None, status, json.dumps(metrics)),
        )

    def close(self) -> None:
        self._conn.close()
