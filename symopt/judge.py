"""Judging candidates without training them: the abstract checks and the functional cache.

A candidate whose update is NaN/Inf on the probe inputs is rejected (the task's worst fitness);
one whose fingerprint matches a result of this run (or of the shared cache file) takes that
result. Only the rest are sent to a worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from symopt.analysis.fingerprint import fingerprint
from symopt.analysis.liveness import liveness
from symopt.cache import SharedCache
from symopt.dsl.program import Program


@dataclass(frozen=True)
class Verdict:
    action: str  # "train" | "cached" | "rejected"
    fingerprint: str
    dead: int  # dead statements in the candidate
    fitness: float = float("nan")
    status: str = ""
    reason: str = ""
    source: int | None = None  # the record whose result was reused
    hurdle_fitness: float = float("nan")


class Judge:
    def __init__(
        self, worst: float, enabled: bool = True, shared: SharedCache | None = None, key: str = ""
    ) -> None:
        self.worst = worst
        self.enabled = enabled
        self.shared = shared
        self.key = key
        self.known: dict[str, tuple[int, float, float]] = {}  # id, fitness, hurdle fitness

    def judge(self, program: Program) -> Verdict:
        info = liveness(program)
        print_ = fingerprint(program, info)
        dead = len(info.dead_statements)
        if not print_.finite:
            reason = "the update is NaN/Inf on the probe inputs (not trained)"
            return Verdict("rejected", print_.digest, dead, self.worst, "rejected", reason)
        if self.enabled:
            if print_.digest in self.known:
                source, fitness, at_hurdle = self.known[print_.digest]
                reason = f"computes what #{source} computes"
                return Verdict(
                    "cached", print_.digest, dead, fitness, "cached", reason, source, at_hurdle
                )
            shared = self.shared.get(self._shared_key(print_.digest)) if self.shared else None
            if shared is not None:
                fitness, status, metrics = shared
                reason = f"from the cache file ({status})"
                at_hurdle = metrics.get("hurdle_fitness", float("nan"))
                return Verdict(
                    "cached", print_.digest, dead, fitness, "cached", reason, None, at_hurdle
                )
        return Verdict("train", print_.digest, dead)

    def remember(self, digest: str, record_id: int, fitness: float, status: str, metrics: dict):
        """A trained result: later candidates with the same fingerprint reuse it."""
        at_hurdle = metrics.get("hurdle_fitness", float("nan"))
        self.known.setdefault(digest, (record_id, fitness, at_hurdle))
        if self.shared is not None and self.enabled:
            self.shared.put(self._shared_key(digest), fitness, status, metrics)

    def _shared_key(self, digest: str) -> str:
        return f"{digest}|{self.key}"

    def close(self) -> None:
        if self.shared is not None:
            self.shared.close()
