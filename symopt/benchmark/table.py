"""The benchmark as a plain-text table: per task, per optimizer, the chosen setting, the
validation loss that chose it, the test loss (and accuracy) it reports, and the verdict."""

from __future__ import annotations

from symopt.benchmark.baselines import REFERENCE
from symopt.benchmark.result import BenchmarkResult, Entry, TaskResult
from symopt.benchmark.verdict import SEEDS_NOTE, VERDICT_RULE

HEADER = ("task", "optimizer", "lr", "wd", "val loss", "test loss mean ± std", "test acc",
          "failed", "p (Holm)", f"vs {REFERENCE}")  # fmt: skip


def render_table(result: BenchmarkResult) -> str:
    """One row per (task, optimizer), then a win/tie/loss line per optimizer, the seeds and the
    rule.

    A program's lr is the factor on its own ``lr`` (``x0.3``) and its wd the decoupled weight decay
    added to it (``+1e-05``; ``+0``: as written; ``-`` in results from before it was tuned); a
    baseline's lr is its peak lr. A ``*`` marks an lr at the edge of its sweep. ``val loss`` is
    the mean over the tuning seeds that chose the setting; ``test loss`` and ``test acc`` are over
    the report seeds; ``failed`` counts report seeds that failed.
    """
    rows = [HEADER]
    for task in result.tasks:
        rows.extend(_row(task, entry) for entry in task.entries)
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate(rows):
        if n > 1 and rows[n - 1][0] != row[0]:
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
    lines.append(_seeds(result))
    lines.append("loss: test cross-entropy (nats; nats/char for a language model), or mean "
                 "squared error for a regression or autoencoder; lower is better; * = lr at the "
                 "edge of its sweep")  # fmt: skip
    lines.append(f"verdict: {VERDICT_RULE}")
    return "\n".join(lines)


def _seeds(result: BenchmarkResult) -> str:
    def span(seeds: list[int]) -> str:
        return f"{seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])

    return "seeds: " + SEEDS_NOTE.format(
        tuning=span(result.tuning_seeds), report=span(result.report_seeds)
    )


def _row(task: TaskResult, entry: Entry) -> tuple[str, ...]:
    report = entry.report
    program = entry.kind == "program"
    lr = (f"x{report.lr:g}" if program else f"{report.lr:g}") + ("*" if entry.edge else "")
    wd = "-" if report.wd is None else f"+{report.wd:g}" if program else f"{report.wd:g}"
    accuracy = "" if report.mean_accuracy is None else f"{report.mean_accuracy:.4f}"
    failed = f"{report.failures}/{len(report.seeds)}" if report.failures else ""
    p = "" if entry.p_value is None else f"{entry.p_value:.3g}"
    return (task.label, entry.optimizer, lr, wd, f"{entry.best.mean:.4f}",
            f"{report.mean:.4f} ± {report.std:.4f}", accuracy, failed, p,
            entry.verdict or "-")  # fmt: skip
