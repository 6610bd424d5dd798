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
        self.stored = store.count()

    def add(self, record: EvaluationRecord, durable: bool) -> int:
        """Queue ``record``; write the queue now when ``durable`` (a trained result) or full.
        Returns the record's id."""
        self.pending.append(record)
        record_id = self.stored + len(self.pending)
        if durable or len(self.pending) >= self.limit:
            self.flush()
        return record_id

    def count(self) -> int:
        """Records added so far, written or not (the ``seq`` of the last one)."""
        return self.stored + len(self.pending)

    def flush(self) -> None:
        """Write the queue in one transaction. Safe to call again after an interruption (Ctrl-C)
        at any point: a batch that was committed is not written twice."""
        if not self.pending:
            return
        committed = self.store.count() - self.stored  # by an interrupted flush
        if committed < 0 or committed > len(self.pending):
            raise RuntimeError(f"{self.store.run_dir}: another process wrote to this run")
        del self.pending[:committed]
        self.stored += committed
        if self.pending:
            ids = self.store.add_evaluations(self.pending)
            if ids[0] != self.stored + 1:
                raise RuntimeError(f"{self.store.run_dir}: another process wrote to this run")
            self.stored += len(ids)
            self.pending = []
