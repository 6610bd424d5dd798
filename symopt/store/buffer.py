"""Batched writes of evaluations: the search driver's way to the run store.

One SQLite transaction per record cost the driver about a third of its time per candidate. A
candidate that was judged without training (cached, rejected) is cheap to judge again, so it may
wait in memory; a trained result is written at once, together with everything that waited before
it, so the stored log is always a prefix of what the search saw, in order. A crash loses at most
the waiting records, which a resumed search judges again (same child indices, same children).

Ids are handed out when a record is added: the driver holds the run's writer lock, so they are
exactly the ids the store gives at the flush (checked).
"""

from __future__ import annotations

from symopt.store.records import EvaluationRecord
from symopt.store.run_store import RunStore

LIMIT = 256


class EvaluationBuffer:
    def __init__(self, store: RunStore, limit: int = LIMIT) -> None:
        self.store = store
        self.limit = limit
        self.pending: list[EvaluationRecord] = []
        self.next_id = store.count() + 1

    def add(self, record: EvaluationRecord, durable: bool) -> int:
        """Queue ``record``; write the queue now when ``durable`` (a trained result) or full.
        Returns the record's id."""
        record_id = self.next_id
        self.next_id += 1
        self.pending.append(record)
        if durable or len(self.pending) >= self.limit:
            self.flush()
        return record_id

    def count(self) -> int:
        """Records added so far, written or not (the ``seq`` of the last one)."""
        return self.next_id - 1

    def flush(self) -> None:
        if not self.pending:
            return
        first = self.next_id - len(self.pending)
        ids = self.store.add_evaluations(self.pending)
        self.pending = []
        if ids != list(range(first, first + len(ids))):
            raise RuntimeError(f"{self.store.run_dir}: another process wrote to this run")
