"""The live progress line of a search: a redrawn line on a terminal, a log line every few
seconds elsewhere (CI, pipes)."""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.text import Text


class ProgressReporter:
    def __init__(self, total: int | None, enabled: bool = True, every: float = 5.0) -> None:
        self.total = total
        self.enabled = enabled
        self.console = Console(stderr=True, highlight=False)
        self.every = every
        self.live: Live | None = None
        self.started = time.monotonic()
        self.first_trained = 0
        self.last_print = 0.0
        self.line = ""

    def log(self, message: str) -> None:
        if self.enabled:
            self.console.print(message, soft_wrap=True)

    def start(self, trained: int) -> None:
        self.started = time.monotonic()
        self.first_trained = trained
        if self.enabled and self.console.is_terminal:
            self.live = Live(Text(""), console=self.console, refresh_per_second=4, transient=False)
            self.live.start()

    def update(self, stats, best: float, median: float, restarts: int) -> None:
        if not self.enabled:
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = (stats.trained - self.first_trained) / elapsed
        total = f"/{self.total}" if self.total else ""
        self.line = (
            f"trained {stats.trained}{total}  judged {stats.judged}  {rate:.1f} evals/s  "
            f"best {best:.4f}  median {median:.4f}  cache hits {stats.cache_hit_rate:.0%}  "
            f"rejected {stats.rejected}  hurdle stops {stats.hurdle}  "
            f"invalid {stats.invalid_rate:.0%}  dead {stats.dead_ratio:.0%}  "
            f"restarts {restarts}  {elapsed:.0f}s"
        )
        if self.live is not None:
            self.live.update(Text(self.line))
        elif time.monotonic() - self.last_print >= self.every:
            self.last_print = time.monotonic()
            self.console.print(self.line, soft_wrap=True)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        elif self.enabled and self.line:
            self.console.print(self.line, soft_wrap=True)
