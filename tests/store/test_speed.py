"""The store keeps up with the search driver (>= 2,000 candidates/s)."""

from __future__ import annotations

import random
import statistics

from .bench_store import make_batch, time_batches


def test_a_batch_of_100_records_is_stored_well_under_50_ms(store):
    rng = random.Random(0)
    with store.transaction():
        for _ in range(20):
            store.add_evaluations(make_batch(rng, 1000, store.count()))
    times = time_batches(store, rng, batches=20, size=100)
    assert statistics.median(times) < 0.025
