"""The run directory and its SQLite database: the only code that writes runs.

A run directory ``runs/<name>/`` holds

- ``config.yaml``: the resolved config text, written once by ``RunStore.create``;
- ``symopt.sqlite``: every evaluated program (as text), events, checkpoints, meta;
  WAL journal, ``synchronous=NORMAL``, foreign keys on;
- ``symopt.lock``: held (``flock``) by the one process that has the run open read-write.

>>> with RunStore.create(Path("runs/demo"), config_text, config_hash) as store:
...     seed = store.add_evaluation(EvaluationRecord(program=text, fitness=0.91, status="ok",
...                                                  origin="seed"))
...     store.add_evaluations([child1, child2])            # one transaction
...     store.save_checkpoint(store.count(), {"population": [...], "rng": {...}})
>>> RunStore.open_readonly(Path("runs/demo")).top(5)      # while a search writes

Guarantees
    A crash at any instant (SIGKILL included) leaves a consistent store: every write method is
    one transaction, ``RunStore.transaction()`` groups several, and a run exists only once its
    database is complete. ``seq`` (completion order) is 1, 2, 3, ... without gaps. After a power
    loss, WAL with ``synchronous=NORMAL`` may lose the last transactions, never consistency.

Fitness NaN is stored as SQL NULL (SQLite cannot hold NaN) and read back as NaN; ``inf`` and
``-inf`` are stored as they are. NaN sorts last in ``top``.

Write throughput, measured with ``python -m tests.store.bench_store [--prefill 1000000]`` (2-core
container, local disk, batches of 100 realistic records, each the child of a stored record):

    records already stored   add_evaluations(100): median   p99      overall
    100,000                  3.0 ms                        56 ms    20,700 records/s
    1,000,000                3.7 ms                        116 ms   12,700 records/s

A single ``add_evaluation`` takes 0.05 ms; ``top(10)`` 0.07 ms,
``lineage`` 0.1 ms, ``count()`` 0.003 ms at a million records. The p99 is a WAL checkpoint
(every ~40 MB of WAL), a pause that batching absorbs: write in batches, not record by record.
"""

from symopt.store.files import CONFIG_NAME, DB_NAME, LOCK_NAME
from symopt.store.records import Checkpoint, EvaluationRecord, Event
from symopt.store.run_store import KEEP_CHECKPOINTS, RunStore, StoreWriteError
from symopt.store.schema import SCHEMA_VERSION

__all__ = [
    "CONFIG_NAME",
    "DB_NAME",
    "KEEP_CHECKPOINTS",
    "LOCK_NAME",
    "SCHEMA_VERSION",
    "Checkpoint",
    "EvaluationRecord",
    "Event",
    "RunStore",
    "StoreWriteError",
]
