"""One fitness from several tasks: each task put on a common scale, then the mean.

Tasks measure different things (an accuracy near 0.98, minus a loss near -2.5 nats): a plain
mean lets the task with the widest range decide everything. With ``fitness: {combine:
normalized}`` (the default) and more than one task, a task's fitness ``f`` counts as

    score = (f - f0) / (ref - f0)

where ``f0`` is the fitness of the task's initial parameters (what not training gives) and
``ref`` the seed program's fitness (the campaign's first evaluation): 0 is no better than not
training, 1 as good as the seed. When ``ref <= f0`` (the seed does not learn the task) the scale
is 1. The campaign's fitness is the mean of the scores. ``f0`` and ``ref`` are measured when the
campaign starts and stored as its ``fitness_scale`` event, with the formula.
"""

from __future__ import annotations

import math
import statistics

FORMULA = "mean over tasks of (f - f0) / (ref - f0); f0: initial parameters, ref: seed program"


class FitnessScale:
    def __init__(self, keys: list[str], worst: list[float], combine: str) -> None:
        self.keys = list(keys)
        self.worst = dict(zip(self.keys, worst, strict=True))
        self.combine = combine
        self.f0: dict[str, float] = {}
        self.ref: dict[str, float] = {}

    @property
    def active(self) -> bool:
        """Only several tasks need a common scale."""
        return self.combine == "normalized" and len(self.keys) > 1

    @property
    def ready(self) -> bool:
        return bool(self.ref)

    def measure_f0(self, tasks: list) -> None:
        """The fitness of each task's initial parameters (one small compilation per task)."""
        for key, task in zip(self.keys, tasks, strict=True):
            self.f0[key] = float(task.fitness(task.init_params(), task.val_data()))

    def set_reference(self, per_task: dict) -> dict:
        """Take the seed program's per-task results; returns the event payload to store."""
        self.ref = {key: self._raw(per_task, key) for key in self.keys}
        return self.payload()

    def payload(self) -> dict:
        return {"formula": FORMULA, "f0": self.f0, "ref": self.ref}

    def replay(self, payload: dict) -> None:
        self.f0, self.ref = dict(payload["f0"]), dict(payload["ref"])

    def _raw(self, per_task: dict, key: str) -> float:
        value = per_task.get(key, {}).get("fitness", self.worst[key])
        return value if value is not None and math.isfinite(value) else self.worst[key]

    def score(self, key: str, fitness: float) -> float:
        span = self.ref[key] - self.f0[key]
        return (fitness - self.f0[key]) / (span if span > 0 else 1.0)

    def combined(self, raw_mean: float, per_task: dict) -> float:
        """The campaign's fitness of a result whose plain mean is ``raw_mean``."""
        if not self.active:
            return raw_mean
        return statistics.fmean(self.score(k, self._raw(per_task, k)) for k in self.keys)

    def worst_combined(self, plain_worst: float) -> float:
        """The fitness of a failed program."""
        if not (self.active and self.ready):
            return plain_worst
        return statistics.fmean(self.score(k, self.worst[k]) for k in self.keys)

    def cache_key(self) -> str:
        """What the shared cache must also match: the scale (only when it is in use)."""
        if not (self.active and self.ready):
            return ""
        values = ",".join(f"{self.f0[k]:.6g}/{self.ref[k]:.6g}" for k in self.keys)
        return f"|normalized={values}"
