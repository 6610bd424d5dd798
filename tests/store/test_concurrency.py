"""Readers alongside a writer, and a writer killed at a random instant."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from symopt.store import EvaluationRecord, RunStore

REPO = Path(__file__).resolve().parents[2]

# Writes forever: each round a batch of 1-40 records and the checkpoint that includes them, in one
# transaction. Record k (= its seq) is the child of record k // 2 and carries k in every field.
WRITER = """
import random, sys
from symopt.store import EvaluationRecord, RunStore

store = RunStore.open(sys.argv[1])
rng = random.Random(0)
k = store.count()
while True:
    batch = []
    for _ in range(rng.randint(1, 40)):
        k += 1
        batch.append(EvaluationRecord(
            parent_id=k // 2 or None, program=f"def train(w, g, lr):\\n    return g  # {k}\\n",
            fitness=k / 7, status="ok", reason="ü" * (k % 5), metrics={"k": k, "sq": [k, k * k]},
            origin="modify", worker=f"w{k}", seconds=k / 1000, fingerprint=f"{k:x}",
        ))
    with store.transaction():
        store.add_evaluations(batch)
        store.save_checkpoint(k, {"count": k})
    if k >= 40:
        print("ready", flush=True)
"""


def _check_record(rec: EvaluationRecord) -> None:
    k = rec.seq
    assert rec.id == k
    assert rec.parent_id == (k // 2 or None)
    assert rec.program == f"def train(w, g, lr):\n    return g  # {k}\n"
    assert (rec.fitness, rec.reason) == (k / 7, "ü" * (k % 5))
    assert rec.metrics == {"k": k, "sq": [k, k * k]}
    assert (rec.worker, rec.seconds, rec.fingerprint) == (f"w{k}", k / 1000, f"{k:x}")


def _start_writer(run_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(run_dir)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout.readline() == "ready\n"
    return proc


def test_a_reader_in_another_process_sees_only_whole_batches(run_dir, store):
    store.close()
    writer = _start_writer(run_dir)
    try:
        with RunStore.open_readonly(run_dir) as reader:
            seen = 0
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline:
                for rec in reader.iter_evaluations(after_seq=seen):
                    assert rec.seq == seen + 1
                    _check_record(rec)
                    seen = rec.seq
                assert reader.count() >= seen
                checkpoint = reader.latest_checkpoint()
                assert checkpoint.state == {"count": checkpoint.seq}
                assert reader.top(1)[0].seq >= seen
            assert writer.poll() is None and seen > 40
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()


def test_a_killed_writer_leaves_a_consistent_store(run_dir, store):
    store.close()
    for _ in range(3):  # kill, reopen, write on, kill again
        writer = _start_writer(run_dir)
        time.sleep(0.15)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    with RunStore.open(run_dir) as reopened:
        count = reopened.count()
        records = list(reopened.iter_evaluations())
        assert [r.seq for r in records] == list(range(1, count + 1))
        for rec in records:
            _check_record(rec)
        assert reopened.latest_checkpoint().state == {"count": count}
        assert len(reopened.lineage(count)) == count.bit_length()
        after = EvaluationRecord(program="p", fitness=0.0, status="ok", origin="restart")
        assert reopened.add_evaluation(after) == count + 1


def test_a_second_connection_sees_a_transaction_only_once_committed(run_dir, store, make_record):
    with RunStore.open_readonly(run_dir) as reader:
        with store.transaction():
            store.add_evaluations([make_record(n) for n in range(3)])
            assert reader.count() == 0
            store.save_checkpoint(3, {})
            assert reader.latest_checkpoint() is None
        assert reader.count() == 3
        assert reader.latest_checkpoint().seq == 3
