"""Meta-validation: the best program so far, scored on a larger task while the search runs.

Search fitness on a tiny proxy can keep rising while the program gets worse on what it is meant
for (the paper's meta-overfitting). Every ``every`` trained evaluations, if the best program has
changed, it is trained on the meta-validation task in the driver process (one compilation, at
the first check); each check is an event of the run, so the curve survives a crash and is shown
by ``symopt show``. With ``patience``, the search stops after that many checks without a new best
meta-validation fitness.
"""

from __future__ import annotations

import math

from symopt.config.sections import MetaValidationSettings
from symopt.dsl.program import Program
from symopt.execution.lr_factors import train_at_factors


def best_check(checks: list[dict]) -> dict | None:
    """The check with the highest meta-validation fitness (the earliest on a tie; ``None`` if
    there is none): the program ``RUN_DIR#meta`` names and ``symopt show`` marks."""
    finite = [check for check in checks if math.isfinite(check["meta_fitness"])]
    return max(finite, key=lambda check: check["meta_fitness"]) if finite else None


class MetaValidator:
    def __init__(
        self, settings: MetaValidationSettings, layout=None, lr_factors: tuple[float, ...] = (1.0,)
    ) -> None:
        """``layout``: the interpreter layout that holds the search space's programs;
        ``lr_factors``: the campaign's, so the meta task scores the program as the search does
        (its best over these factors of its lr)."""
        self.settings = settings
        self.lr_factors = tuple(lr_factors)
        self.layout = layout
        self.evaluator = None
        self.last_checked_at = 0
        self.last_best_id: int | None = None
        self.best_meta = -math.inf
        self.since_improvement = 0
        self.curve: list[dict] = []

    @property
    def key(self) -> str:
        return self.settings.task.key

    def due(self, trained: int, best_id: int | None) -> bool:
        return (
            best_id is not None
            and best_id != self.last_best_id
            and trained - self.last_checked_at >= self.settings.every
        )

    def check(self, trained: int, best_id: int, best: Program, search_fitness: float) -> dict:
        """Score ``best`` on the meta task; returns the event payload to store."""
        if self.evaluator is None:
            import proxy_tasks
            from symopt.execution.evaluator import Evaluator

            task = proxy_tasks.get_task(self.settings.task.reference, self.settings.task.size)
            self.evaluator = Evaluator(task, self.layout)
        result, factor = train_at_factors(self.evaluator, best, self.lr_factors)
        payload = {
            "trained": trained,
            "best_id": best_id,
            "search_fitness": search_fitness,
            "meta_fitness": result.fitness,
            "meta_status": result.status,
            "task": self.key,
        }
        if self.lr_factors != (1.0,):
            payload["meta_lr_factor"] = factor
        self.replay(payload)
        return payload

    def replay(self, payload: dict) -> None:
        """Take in a check (made now, or stored by an earlier session of this run)."""
        self.curve.append(payload)
        self.last_checked_at = payload["trained"]
        self.last_best_id = payload["best_id"]
        if payload["meta_fitness"] > self.best_meta:
            self.best_meta = payload["meta_fitness"]
            self.since_improvement = 0
        else:
            self.since_improvement += 1

    @property
    def exhausted(self) -> bool:
        patience = self.settings.patience
        return patience is not None and self.since_improvement >= patience
