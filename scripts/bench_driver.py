"""The search driver alone: mutate + check + cache lookup + store + bookkeeping, with a fake
evaluator that answers instantly.

    python scripts/bench_driver.py [--candidates 5000]

Goal (issue 4): >= 2,000 candidates/s, so that one driver can keep hundreds of workers busy.
The fake backend gives each program a deterministic pseudo-random fitness; everything else is
the real campaign, writing a real run store in a temporary directory.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from collections import deque

from symopt.backends import JobResult
from symopt.campaign import Campaign
from symopt.config import config_from_dict


class InstantBackend:
    capacity = 64

    def __init__(self) -> None:
        self.queue: deque = deque()

    @property
    def in_flight(self) -> int:
        return len(self.queue)

    def describe(self) -> str:
        return "instant fake backend"

    def submit(self, job) -> None:
        self.queue.append(job)

    def poll(self, timeout: float = 0.0) -> list[JobResult]:
        results = []
        while self.queue:
            job = self.queue.popleft()
            digest = hashlib.sha256(job.program.encode()).digest()
            fitness = int.from_bytes(digest[:4], "big") / 2**32
            results.append(JobResult(job.index, fitness, "ok", "", 0.0, "fake"))
        return results

    def close(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--population", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = config_from_dict({
            "name": "driver", "population": args.population, "tournament": 2,
            "budget": {"max_evaluations": args.candidates}, "out": f"{tmp}/run",
            "tasks": [{"name": "digits_mlp"}],
        })  # fmt: skip
        campaign = Campaign(config, show_progress=False)
        start = time.perf_counter()
        outcome = campaign.run(backend=InstantBackend())
        seconds = time.perf_counter() - start
    print(f"{outcome.judged} candidates judged ({outcome.trained} 'trained' by the fake, "
          f"{campaign.stats.cached} cache hits) in {seconds:.2f}s")  # fmt: skip
    print(f"driver throughput: {outcome.judged / seconds:,.0f} candidates/s   (goal >= 2,000)")


if __name__ == "__main__":
    main()
