"""The live progress line of a search: a redrawn line on a terminal, a log line every few
seconds elsewhere (CI, pipes).

Time is the run's, over every session (``--resume`` continues the clock): the line shows the
elapsed time and, with a time budget, what is left of it. The rate is this session's.
"""

from __future__ import annotations

import math
import time

from rich.console import Console
from rich.live import Live
from rich.text import Text


def clock(seconds: float) -> str:
    """``seconds`` as ``42s``, ``12m05s`` or ``3h07m``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _fitness(value: float) -> str:
    """A fitness, or ``-`` before the first result is in."""
    return f"{value:.4f}" if math.isfinite(value) else "-"


class ProgressReporter:
    def __init__(
        self,
        total: int | None,
        enabled: bool = True,
        every: float = 5.0,
        max_seconds: float | None = None,
    ) -> None:
        self.total = total
        self.max_seconds = max_seconds
        self.enabled = enabled
        self.console = Console(stderr=True, highlight=False)
        self.every = every
        self.live: Live | None = None
        self.started = self.session_started = time.monotonic()
        self.first_trained = 0
        self.last_print = 0.0
        self.line = ""

    def log(self, message: str) -> None:
        if self.enabled:
            self.console.print(message, soft_wrap=True)

    def start(self, trained: int, elapsed: float = 0.0) -> None:
        """Begin a session that finds ``trained`` evaluations and ``elapsed`` seconds spent."""
        self.session_started = time.monotonic()
        self.started = self.session_started - elapsed
        self.first_trained = trained
        if self.enabled and self.console.is_terminal:
            self.live = Live(Text(""), console=self.console, refresh_per_second=4, transient=False)
            self.live.start()

    def update(self, stats, best: float, median: float, restarts: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        rate = (stats.trained - self.first_trained) / max(now - self.session_started, 1e-9)
        total = f"/{self.total}" if self.total else ""
        elapsed = now - self.started
        left = f" ({clock(math.ceil(self.max_seconds - elapsed))} left)" if self.max_seconds else ""
        self.line = (
            f"trained {stats.trained}{total}  judged {stats.judged}  {rate:.1f} evals/s  "
            f"best {_fitness(best)}  median {_fitness(median)}  "
            f"cache hits {stats.cache_hit_rate:.0%}  rejected {stats.rejected}  "
            f"hurdle stops {stats.hurdle}  invalid {stats.invalid_rate:.0%}  "
            f"dead {stats.dead_ratio:.0%}  restarts {restarts}  {clock(elapsed)}{left}"
        )
        if self.live is not None:
            self.live.update(Text(self.line))
        elif now - self.last_print >= self.every:
            self.last_print = now
            self.console.print(self.line, soft_wrap=True)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        elif self.enabled and self.line:
            self.console.print(self.line, soft_wrap=True)
