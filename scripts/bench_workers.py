"""Evaluations per second with 1 and 2 Ray workers on the same stream of candidates.

    python scripts/bench_workers.py [--task digits_mlp] [--jobs 200]

Goal (issue 4): 2 workers / 1 worker >= 1.8 on 2 cores. Both runs start a fresh local Ray
instance, compile on every worker first (not timed), then train the same distinct candidates
(random walks from the AdamW seed), keeping every worker busy.
"""

from __future__ import annotations

import argparse
import json
import time

import ray

from symopt.backends import Job, TaskSpec
from symopt.backends.ray_backend import RayBackend
from symopt.bench import candidate_stream
from symopt.dsl import to_text


def throughput(task: str, workers: int, texts: list[str]) -> float:
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        logging_level="ERROR",
        log_to_driver=False,
    )
    try:
        backend = RayBackend([TaskSpec(task)], None, workers=workers)
        backend.warm_up(texts[0])
        queue = list(enumerate(texts))
        done = 0
        start = time.perf_counter()
        while done < len(texts):
            while queue and backend.in_flight < backend.capacity:
                index, text = queue.pop()
                backend.submit(Job(index, text))
            done += len(backend.poll(timeout=0.05))
        seconds = time.perf_counter() - start
        backend.close()
        return len(texts) / seconds
    finally:
        ray.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="digits_mlp")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    texts = [to_text(p) for p in candidate_stream(args.jobs, seed=1)]
    one = throughput(args.task, 1, texts)
    two = throughput(args.task, 2, texts)
    result = {"task": args.task, "jobs": args.jobs, "one_worker_per_s": one,
              "two_workers_per_s": two, "ratio": two / one}  # fmt: skip
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.task}, {args.jobs} distinct candidates")
        print(f"1 Ray worker:  {one:6.1f} evaluations/s")
        print(f"2 Ray workers: {two:6.1f} evaluations/s")
        print(f"ratio:         {two / one:6.2f}   (goal >= 1.8)")


if __name__ == "__main__":
    main()
