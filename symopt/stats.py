"""Counts of a search that a user sees: what was judged, trained, reused, rejected, stopped."""

from __future__ import annotations

from dataclasses import dataclass

NOT_TRAINED = ("cached", "rejected")


@dataclass
class Stats:
    judged: int = 0
    trained: int = 0
    cached: int = 0
    rejected: int = 0
    hurdle: int = 0
    completed: int = 0  # trained to the last step (status ok)
    tries: int = 0  # mutation attempts, valid or not
    mutants: int = 0  # candidates made by a mutation
    statements: int = 0
    dead: int = 0
    reevaluations: int = 0  # trainings of elites on more task seeds (not candidates)

    def add(self, status: str, metrics: dict) -> None:
        """Count one stored candidate (its status and the metrics the driver stored with it)."""
        self.judged += 1
        self.cached += status == "cached"
        self.rejected += status == "rejected"
        self.trained += status not in NOT_TRAINED
        self.hurdle += status == "hurdle"
        self.completed += status == "ok"
        tries = metrics.get("tries", 0)
        self.tries += tries
        self.mutants += tries > 0
        self.statements += metrics.get("statements", 0)
        self.dead += metrics.get("dead", 0)

    @property
    def cache_hit_rate(self) -> float:
        return self.cached / self.judged if self.judged else 0.0

    @property
    def invalid_rate(self) -> float:
        """Share of mutation attempts whose child failed the checks and was retried."""
        return (self.tries - self.mutants) / self.tries if self.tries else 0.0

    @property
    def dead_ratio(self) -> float:
        return self.dead / self.statements if self.statements else 0.0

    @property
    def judged_per_trained(self) -> float:
        return self.judged / self.trained if self.trained else 0.0

    @property
    def judged_per_completed(self) -> float:
        return self.judged / self.completed if self.completed else 0.0

    def as_dict(self) -> dict:
        return {
            **self.__dict__,
            "cache_hit_rate": self.cache_hit_rate,
            "invalid_rate": self.invalid_rate,
            "dead_ratio": self.dead_ratio,
            "judged_per_trained": self.judged_per_trained,
            "judged_per_completed": self.judged_per_completed,
        }
