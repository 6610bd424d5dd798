"""Time every proxy task and check that AdamW trains it: ``python -m proxy_tasks --help``
(``--heldout``: the held-out suite's tasks instead, at size 1).

Prints a markdown table: compile time, the median run time of the compiled loop, the fitness of
the initial parameters and after AdamW (``optax.adamw`` with ``task.lr_schedule(lr)``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import optax

from proxy_tasks import SIZES, TaskError, get_task, make_optax_trainer, task_names
from proxy_tasks.heldout import get_heldout_task, heldout_names

HEADER = (
    "| task | size | params | steps × batch | load s | compile s | run ms | init fitness | "
    "AdamW fitness | final loss |\n|---|---|---|---|---|---|---|---|---|---|"
)


def measure(
    name: str, size: int, lr: float, weight_decay: float, repeats: int, heldout: bool = False
) -> str:
    start = time.perf_counter()
    task = get_heldout_task(name, size) if heldout else get_task(name, size)
    val = task.val_data()
    task.train_data()
    load = time.perf_counter() - start
    initial = float(task.fitness(task.init_params(), val))
    trainer = make_optax_trainer(task, optax.adamw(task.lr_schedule(lr), weight_decay=weight_decay))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        outcome = trainer()
        times.append(time.perf_counter() - start)
    run_ms = 1e3 * statistics.median(times)
    return (
        f"| {name} | {size} | {task.num_params():,} | {task.num_steps} × {task.batch_size} | "
        f"{load:.2f} | {trainer.compile_seconds:.2f} | {run_ms:.1f} | {initial:.3f} | "
        f"{float(outcome.fitness):.3f} | {float(outcome.final_loss):.3f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proxy_tasks", description=__doc__)
    parser.add_argument("--tasks", nargs="+", metavar="NAME", help="default: every task")
    parser.add_argument(
        "--heldout", action="store_true", help="the held-out suite's tasks (size 1 only)"
    )
    parser.add_argument("--sizes", nargs="+", type=int, default=[1], choices=SIZES)
    parser.add_argument("--lr", type=float, default=1e-3, help="AdamW peak learning rate")
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per task (median)")
    args = parser.parse_args(argv)
    names = args.tasks or (heldout_names() if args.heldout else task_names())
    print(HEADER, flush=True)
    try:
        for size in args.sizes:
            for name in names:
                row = measure(name, size, args.lr, args.weight_decay, args.repeats, args.heldout)
                print(row, flush=True)
    except TaskError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
