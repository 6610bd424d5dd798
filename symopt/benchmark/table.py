"""The benchmark as a plain-text table: per task, per optimizer, best lr, mean ± std, verdict."""

from __future__ import annotations

from symopt.benchmark.result import VERDICT_RULE, BenchmarkResult, Entry, TaskResult
from symopt.benchmark.suite import REFERENCE

HEADER = ("task", "optimizer", "best lr", "metric mean ± std", "failed", f"vs {REFERENCE}")


def render_table(result: BenchmarkResult) -> str:
    """One row per (task, optimizer), then a win/tie/loss line per optimizer and the rule.

    A program's lr is the factor on its own ``lr`` (``x0.3``); a baseline's is its peak lr. A ``*``
    marks a best lr at the edge of its sweep. ``failed`` counts seeds that failed at that lr.
    """
    rows = [HEADER]
    for task in result.tasks:
        rows.extend(_row(task, entry, result.seeds) for entry in task.entries)
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate(rows):
        if n > 1 and row[0] and rows[n - 1][0] != row[0]:
            lines.append("")
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    lines.append("")
    for name in result.optimizers:
        if name != REFERENCE:
            count = result.summary(name)
            lines.append(
                f"{name} vs {REFERENCE}: {count['win']} win(s), {count['tie']} tie(s), "
                f"{count['loss']} loss(es) over {len(result.tasks)} task(s)"
            )
    lines.append("")
    lines.append(
        f"metric: the task's final validation metric (higher is better), {result.seeds} seed(s) "
        f"at each optimizer's best lr; * = best lr at the edge of the sweep"
    )
    lines.append(f"verdict: {VERDICT_RULE}")
    return "\n".join(lines)


def _row(task: TaskResult, entry: Entry, seeds: int) -> tuple[str, ...]:
    best = entry.best
    lr = f"x{best.lr:g}" if entry.kind == "program" else f"{best.lr:g}"
    edge = "*" if entry.at_edge else ""
    failed = f"{best.failures}/{seeds}" if best.failures else ""
    return (task.label, entry.optimizer, lr + edge, f"{best.mean:.4f} ± {best.std:.4f}", failed,
            entry.verdict or "-")  # fmt: skip
