"""What the search driver and ``symopt show`` ask of a store."""

from __future__ import annotations

import math

import pytest

from symopt.errors import SymoptError
from symopt.store import KEEP_CHECKPOINTS, run_store


def test_iter_evaluations_follows_completion_order_and_resumes_after_a_seq(
    store, make_record, monkeypatch
):
    monkeypatch.setattr(run_store, "_PAGE", 3)  # several pages
    store.add_evaluations([make_record(n) for n in range(4)])
    store.add_evaluation(make_record(4))
    store.add_evaluations([make_record(n) for n in range(5, 8)])
    assert [r.seq for r in store.iter_evaluations()] == list(range(1, 9))
    assert [r.fitness for r in store.iter_evaluations(after_seq=5)] == [5.0, 6.0, 7.0]
    assert list(store.iter_evaluations(after_seq=8)) == []


def test_iter_evaluations_sees_records_written_while_iterating(store, make_record, monkeypatch):
    monkeypatch.setattr(run_store, "_PAGE", 2)
    store.add_evaluations([make_record(n) for n in range(3)])
    seen = []
    for rec in store.iter_evaluations():
        seen.append(rec.seq)
        if rec.seq == 1:
            store.add_evaluation(make_record(9))
    assert seen == [1, 2, 3, 4]


def test_top_is_best_first_with_ties_by_lower_id_and_nan_last(store, make_record):
    fitness = [0.5, 0.9, math.nan, 0.9, -math.inf, 0.7, math.inf]
    status = ["ok", "ok", "ok", "ok", "ok", "diverged", "hurdle"]
    store.add_evaluations(
        [
            make_record(n, fitness=f, status=s)
            for n, (f, s) in enumerate(zip(fitness, status, strict=True))
        ]
    )
    assert [r.id for r in store.top(10)] == [2, 4, 1, 5, 3]
    assert [r.id for r in store.top(2)] == [2, 4]
    assert [r.id for r in store.top(3, status=None)] == [7, 2, 4]
    assert [r.id for r in store.top(1, status="diverged")] == [6]
    assert store.top(0) == [] and store.top(5, status="invalid") == []


def test_lineage_walks_back_to_a_record_without_parent(store, make_record):
    seed = store.add_evaluation(make_record(0, origin="seed"))
    a = store.add_evaluation(make_record(1, parent_id=seed))
    other = store.add_evaluation(make_record(2, parent_id=seed))
    b = store.add_evaluation(make_record(3, parent_id=a))
    restart = store.add_evaluation(make_record(4, origin="restart"))
    assert [r.id for r in store.lineage(b)] == [b, a, seed]
    assert [r.id for r in store.lineage(other)] == [other, seed]
    assert [r.id for r in store.lineage(restart)] == [restart]
    with pytest.raises(SymoptError, match="has no evaluation with id 42 .ids run from 1 to 5."):
        store.lineage(42)


def test_get_names_a_missing_id(store, make_record):
    with pytest.raises(SymoptError, match="no evaluation with id 1 .it has no evaluations yet."):
        store.get(1)
    store.add_evaluation(make_record())
    assert store.get(1).id == 1


def test_counts(store, make_record):
    assert store.count() == 0 and store.counts_by_status() == {}
    statuses = ["ok", "diverged", "ok", "cached", "ok", "nonfinite"]
    store.add_evaluations([make_record(n, status=s) for n, s in enumerate(statuses)])
    assert store.count() == 6
    assert store.counts_by_status() == {"cached": 1, "diverged": 1, "nonfinite": 1, "ok": 3}


def test_events_keep_their_order_and_filter_by_kind(store, make_record):
    store.add_event("restart", 0, {"from": "seed"})
    store.add_evaluations([make_record(n) for n in range(3)])
    store.add_event("meta_validation", 3, {"id": 2, "fitness": 0.93})
    store.add_event("restart", 3, {"from": "best", "id": 2})
    assert [(e.kind, e.seq) for e in store.events()] == [
        ("restart", 0),
        ("meta_validation", 3),
        ("restart", 3),
    ]
    assert [e.payload for e in store.events("restart")] == [
        {"from": "seed"},
        {"from": "best", "id": 2},
    ]
    assert store.events("funnel") == []
    with pytest.raises(ValueError, match="'restart' event at seq 4"):
        store.add_event("restart", 4, {})


def test_checkpoints_keep_the_latest_few(store, make_record):
    assert store.latest_checkpoint() is None
    for n in range(KEEP_CHECKPOINTS + 2):
        store.add_evaluation(make_record(n))
        store.save_checkpoint(n + 1, {"population": list(range(n + 1)), "rng": {"s": 2**100}})
    latest = store.latest_checkpoint()
    assert latest.seq == KEEP_CHECKPOINTS + 2
    assert latest.state == {"population": list(range(KEEP_CHECKPOINTS + 2)), "rng": {"s": 2**100}}
    kept = store._conn.execute("SELECT count(*) FROM checkpoints").fetchone()[0]
    assert kept == KEEP_CHECKPOINTS
    with pytest.raises(ValueError, match="checkpoint at seq 99"):
        store.save_checkpoint(99, {})


def test_meta_values_and_reserved_keys(run_dir, store):
    assert store.get_meta("schema_version") == "1"
    assert store.get_meta("config_hash") == store.config_hash == "hash-1"
    assert store.get_meta("finished") is None
    store.set_meta("finished", "yes")
    store.set_meta("finished", "no")
    assert store.get_meta("finished") == "no"
    with pytest.raises(ValueError, match="belongs to the store"):
        store.set_meta("schema_version", "2")
    with pytest.raises(ValueError, match="must be text"):
        store.set_meta("n", 3)


def test_a_transaction_stores_all_of_its_writes_or_none(store, make_record):
    with store.transaction():
        store.add_evaluations([make_record(n) for n in range(3)])
        store.save_checkpoint(3, {"population": [1, 2, 3]})
    with pytest.raises(RuntimeError), store.transaction():
        store.add_evaluation(make_record(3))
        store.save_checkpoint(4, {"population": [4]})
        raise RuntimeError("the driver fails before the batch is complete")
    assert store.count() == 3
    assert store.latest_checkpoint().seq == 3


def test_a_failed_write_inside_a_transaction_leaves_the_rest(store, make_record):
    with store.transaction():
        store.add_evaluation(make_record(0))
        with pytest.raises(ValueError):
            store.add_evaluation(make_record(1, parent_id=7))
        store.add_evaluation(make_record(2))
    assert [r.program for r in store.iter_evaluations()] == [
        make_record(0).program,
        make_record(2).program,
    ]
    assert [r.seq for r in store.iter_evaluations()] == [1, 2]
