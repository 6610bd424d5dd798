"""Records come back as they were stored: NaN and inf fitness, unicode text, JSON metrics."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from symopt.store import EvaluationRecord, RunStore


def _same(a: EvaluationRecord, b: EvaluationRecord) -> bool:
    """Equal field by field, NaN equal to NaN."""
    da, db = dataclasses.asdict(a), dataclasses.asdict(b)
    if math.isnan(da["fitness"]) and math.isnan(db["fitness"]):
        da["fitness"] = db["fitness"] = 0.0
    return da == db


def test_a_full_record_round_trips_through_a_reopen(run_dir, store, make_record):
    parent = store.add_evaluation(make_record(0, origin="seed"))
    rec = EvaluationRecord(
        parent_id=parent,
        program="def train(w, g, lr):\n    u = sign(g)  \n    return u\n",
        fitness=0.8125,
        status="hurdle",
        reason="fitness 0.31 < 0.5 at step 30 — ≤ hurdle 🚧",
        metrics={"digits_mlp": 0.8125, "losses": [2.3, 1.1], "nested": {"ok": True}},
        origin="insert",
        worker="actor-3@höst",
        seconds=0.0123,
        created=1_700_000_000.25,
        fingerprint="9f86d081884c7d65",
    )
    new_id = store.add_evaluation(rec)
    store.close()
    with RunStore.open(run_dir) as again:
        got = again.get(new_id)
    assert got == dataclasses.replace(rec, id=new_id, seq=2)


@pytest.mark.parametrize("fitness", [math.nan, math.inf, -math.inf, 1e-308, -1e308, 0.1 + 0.2])
def test_special_fitness_values_round_trip(store, make_record, fitness):
    rec = make_record(1, fitness=fitness, status="nonfinite")
    got = store.get(store.add_evaluation(rec))
    assert _same(got, dataclasses.replace(rec, id=1, seq=1))


def test_nan_and_inf_inside_metrics_round_trip(store, make_record):
    rec = make_record(metrics={"loss": math.nan, "best": math.inf, "worst": -math.inf})
    metrics = store.get(store.add_evaluation(rec)).metrics
    assert math.isnan(metrics["loss"])
    assert metrics["best"] == math.inf and metrics["worst"] == -math.inf


def test_numpy_values_are_stored_as_plain_numbers(store, make_record):
    rec = make_record(
        fitness=np.float32(0.5),
        seconds=np.float64(0.25),
        metrics={"acc": np.float32(0.5), "steps": np.int64(300), "curve": np.arange(3.0)},
    )
    got = store.get(store.add_evaluation(rec))
    assert got.fitness == 0.5 and type(got.fitness) is float
    assert got.seconds == 0.25
    assert got.metrics == {"acc": 0.5, "steps": 300, "curve": [0.0, 1.0, 2.0]}


def test_the_store_assigns_id_and_seq(store, make_record):
    ids = store.add_evaluations([make_record(i) for i in range(5)])
    assert ids == [1, 2, 3, 4, 5]
    assert [r.seq for r in store.iter_evaluations()] == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="the store assigns both"):
        store.add_evaluation(store.get(3))
    assert store.count() == 5


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"metrics": {"f": object()}}, "metrics of the record .* is not JSON-able"),
        ({"status": ""}, "status must be non-empty"),
        ({"parent_id": 99}, "parent_id 99 is not a stored evaluation"),
        ({"fitness": "high"}, "could not convert"),
    ],
)
def test_a_bad_record_stores_nothing_of_its_batch(store, make_record, fields, message):
    store.add_evaluation(make_record(0))
    with pytest.raises(ValueError, match=message):
        store.add_evaluations([make_record(1, parent_id=1), make_record(2, **fields)])
    assert store.count() == 1
    assert store.add_evaluation(make_record(3)) == 2


def test_a_program_must_be_non_empty_text(store):
    with pytest.raises(ValueError, match="non-empty text"):
        store.add_evaluation(EvaluationRecord(program="", fitness=0.0, status="ok", origin="seed"))


def test_a_record_cannot_be_its_own_parent(store, make_record):
    with pytest.raises(ValueError, match="parent_id 1 is not a stored evaluation"):
        store.add_evaluation(make_record(0, parent_id=1))
    assert store.count() == 0
