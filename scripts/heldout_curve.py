"""Held-out wins against search time: the run's best program at several moments, benchmarked.

    python scripts/heldout_curve.py runs/quick --minutes 5 15 30 45 --seeds 3

For each moment it takes the run's best program as of then (the last re-evaluated elite that
became the best, from the run's ``reevaluation`` events; the seed before any), and benchmarks
every distinct one on the held-out suite against AdamW tuned over lr and weight decay
(:func:`symopt.benchmark.run_benchmark`: tuned on validation, test loss over report seeds,
paired t-test with Holm's correction), printing wins / ties / losses per moment. The programs are
benchmarked as the search left them (not simplified).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from symopt.benchmark import run_benchmark
from symopt.benchmark.suite import suite_tasks
from symopt.dsl import parse
from symopt.errors import SymoptError
from symopt.store import RunStore


def best_at(store: RunStore, minutes: list[float]) -> dict[float, str]:
    """The run's best program text as of each moment (minutes after its first record)."""
    records = store.iter_evaluations()
    first = next(records, None)
    if first is None:
        raise SymoptError("the run has no evaluations yet")
    bests = [e for e in store.events("reevaluation") if e.payload.get("best")]
    chosen = {}
    for minute in minutes:
        cutoff = first.created + 60.0 * minute
        before = [e for e in bests if e.created <= cutoff]
        chosen[minute] = before[-1].payload["program"] if before else first.program
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--minutes", type=float, nargs="+", default=[5, 15, 30, 45])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--backend", choices=("local", "ray"), default="ray")
    args = parser.parse_args(argv)
    try:
        chosen = best_at(RunStore.open_readonly(args.run), args.minutes)
        names: dict[str, str] = {}  # program text -> its name (the first moment it was best)
        for minute, text in chosen.items():
            names.setdefault(text, f"best@{minute:g}min")
        programs = {name: parse(text) for text, name in names.items()}
        result = run_benchmark(programs, suite_tasks("heldout"), seeds=args.seeds,
                               baselines=["AdamW"], backend=args.backend,
                               log=lambda line: print(line, flush=True))  # fmt: skip
    except SymoptError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("\n| minutes | program | wins | ties | losses | per task (test loss vs AdamW) |")
    print("|---|---|---|---|---|---|")
    for minute, text in chosen.items():
        name = names[text]
        cells, counts = [], {"win": 0, "tie": 0, "loss": 0}
        for task in result.tasks:
            entry, adamw = task.entry(name), task.entry("AdamW")
            counts[entry.verdict] += 1
            cells.append(f"{task.name} {entry.report.mean:.4f}/{adamw.report.mean:.4f} "
                         f"{entry.verdict}")  # fmt: skip
        print(f"| {minute:g} | {name} | {counts['win']} | {counts['tie']} | {counts['loss']} | "
              + "; ".join(cells) + " |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
