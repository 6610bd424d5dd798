"""Held-out wins against search time: runs' best programs at several moments, benchmarked.

    python scripts/heldout_curve.py runs/a runs/b --minutes 15 30 45 --seeds 3 --json out.json
                                    [--also PROGRAM ...]

For each run and moment it takes the run's best program as of then (the last re-evaluated elite
that became the best, from the run's ``reevaluation`` events; the seed before any), and
benchmarks every distinct one, all in one benchmark (AdamW tuned once), on the held-out suite
against AdamW tuned over lr and weight decay (:func:`symopt.benchmark.run_benchmark`: tuned on
validation, test loss over report seeds, paired t-test with Holm's correction), printing wins /
ties / losses per moment. The programs are benchmarked as the search left them (not simplified).
``--also`` adds program files (a seed, a simplified form) to the same benchmark, a row each.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from symopt.benchmark import run_benchmark
from symopt.benchmark.suite import suite_tasks
from symopt.dsl import parse, read_program
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
    parser.add_argument("runs", type=Path, nargs="+")
    parser.add_argument("--minutes", type=float, nargs="+", default=[5, 15, 30, 45])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--backend", choices=("local", "ray"), default="ray")
    parser.add_argument("--json", type=Path, help="also write the benchmark's result here")
    parser.add_argument("--also", type=Path, nargs="+", default=[], metavar="PROGRAM",
                        help="program files benchmarked beside the runs' bests")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        moments, names = [], {}  # names: program text -> its name (where it was first best)
        for run in args.runs:
            for minute, text in best_at(RunStore.open_readonly(run), args.minutes).items():
                name = names.setdefault(text, f"{run.name}@{minute:g}min")
                moments.append((run.name, f"{minute:g}", name))
        programs = {name: parse(text) for text, name in names.items()}
        for path in args.also:
            if path.stem in programs:
                raise SymoptError(f"--also {path}: the name {path.stem!r} is taken; rename it")
            programs[path.stem] = read_program(path)
            moments.append(("-", "-", path.stem))
        result = run_benchmark(programs, suite_tasks("heldout"), seeds=args.seeds,
                               baselines=["AdamW"], backend=args.backend,
                               log=lambda line: print(line, flush=True))  # fmt: skip
    except SymoptError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        args.json.write_text(json.dumps(result.as_dict(), indent=1))
    print("\n| run | minutes | program | wins | ties | losses | per task: test loss vs AdamW |")
    print("|---|---|---|---|---|---|---|")
    for run, minute, name in moments:
        cells, counts = [], {"win": 0, "tie": 0, "loss": 0}
        for task in result.tasks:
            entry, adamw = task.entry(name), task.entry("AdamW")
            counts[entry.verdict] += 1
            cells.append(f"{task.task} {entry.report.mean:.4f}/{adamw.report.mean:.4f} "
                         f"{entry.verdict}")  # fmt: skip
        print(f"| {run} | {minute} | {name} | {counts['win']} | {counts['tie']} | "
              f"{counts['loss']} | " + "; ".join(cells) + " |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
