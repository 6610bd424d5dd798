"""Write and read speed of the run store: ``python -m tests.store.bench_store [--prefill N]``.

Stores realistic records (a ~350-character program, three metrics, a fingerprint, a parent) in
batches of 100 into a store that already holds ``--prefill`` records, and prints per-batch times.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from symopt.store import EvaluationRecord, RunStore

PROGRAM = """def train(w, g, m, v, lr):
    g2 = square(g)
    m = interp(g, m, {c})
    v = interp(g2, v, 0.999)
    sqrt_v = sqrt(v)
    update = m / sqrt_v
    wd = w * 0.01
    update = update + wd
    lr = lr * 0.001
    update = update * lr
    return update, m, v
"""


def make_batch(rng: random.Random, n: int, max_parent: int) -> list[EvaluationRecord]:
    """``n`` records with random programs, each the child of a random stored record."""
    return [
        EvaluationRecord(
            parent_id=rng.randint(1, max_parent) if max_parent else None,
            program=PROGRAM.format(c=rng.random()),
            fitness=rng.random(),
            status="ok" if rng.random() < 0.8 else "diverged",
            reason="",
            metrics={"digits_mlp": rng.random(), "final_loss": rng.random(), "steps": 300},
            origin="modify",
            worker="worker-0",
            seconds=0.02,
            fingerprint=f"{rng.getrandbits(64):016x}",
        )
        for _ in range(n)
    ]


def time_batches(store: RunStore, rng: random.Random, batches: int, size: int) -> list[float]:
    """Seconds taken by each of ``batches`` calls of ``add_evaluations`` with ``size`` records."""
    times = []
    for _ in range(batches):
        batch = make_batch(rng, size, store.count())
        start = time.perf_counter()
        store.add_evaluations(batch)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefill", type=int, default=100_000)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp, RunStore.create(Path(tmp) / "run", "", "x") as store:
        with store.transaction():
            for _ in range(args.prefill // 1000):
                store.add_evaluations(make_batch(rng, 1000, store.count()))
        times = time_batches(store, rng, args.batches, args.size)
        singles = []
        for rec in make_batch(rng, 200, store.count()):
            start = time.perf_counter()
            store.add_evaluation(rec)
            singles.append(time.perf_counter() - start)
        ms = sorted(t * 1e3 for t in times)
        print(f"store holding {args.prefill} records; {args.batches} batches of {args.size}")
        print(
            f"add_evaluations: median {statistics.median(ms):.2f} ms, "
            f"p99 {ms[int(0.99 * (len(ms) - 1))]:.2f} ms per batch; "
            f"{args.size * len(times) / sum(times):,.0f} records/s overall"
        )
        print(f"add_evaluation (one record): median {statistics.median(singles) * 1e3:.2f} ms")
        for name, call in [
            ("top(10)", lambda: store.top(10)),
            ("find_by_program", lambda: store.find_by_program(PROGRAM.format(c=0.5))),
            ("lineage(last)", lambda: store.lineage(store.count())),
            ("count()", store.count),
        ]:
            start = time.perf_counter()
            for _ in range(100):
                call()
            print(f"{name}: {(time.perf_counter() - start) * 10:.3f} ms")


if __name__ == "__main__":
    main()
