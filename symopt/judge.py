"""Judging candidates without training them: the probe check and the functional cache.

A candidate whose update is NaN/Inf on the probe inputs (recorded from the campaign's tasks, see
``symopt.analysis.probes``) is rejected with the task's worst fitness, and so, when the campaign
asks for it (``fitness.lr_proportional``), is one whose update is not proportional to its ``lr``
(``symopt.analysis.lr_scaling``). One whose fingerprint
matches a known result reuses it. Only the rest are trained.

Only **properties of the program** are reused: a finished run (``ok``) and a run that failed by
itself (``nonfinite``, ``diverged``) are the same for every program with that fingerprint. A stop
at the hurdle depends on the population at that moment, so it is kept only as the fitness
*measured* at the hurdle step: a later clone is stopped there again only when that fitness is
still below the *current* bar, and is trained otherwise. Worker errors, programs too large for an
interpreter and anything else decided by the run are never reused, and never reach the shared
cache file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from symopt.analysis.fingerprint import fingerprint
from symopt.analysis.liveness import liveness
from symopt.analysis.lr_scaling import lr_disproportion
from symopt.analysis.probes import Probe
from symopt.cache import SharedCache
from symopt.dsl.program import Program

CACHEABLE = ("ok", "nonfinite", "diverged")


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


@dataclass(frozen=True)
class Known:
    """A result reusable for a fingerprint: ``id`` is its record in this run (``None``: it came
    from the shared cache file)."""

    id: int | None
    fitness: float
    status: str  # one of CACHEABLE, or "hurdle"
    hurdle_fitness: float


class Judge:
    """``probes``: the campaign's probes (one per task); ``key`` names the tasks in the shared
    cache file; ``hurdle_fraction`` is the campaign's (a cached fitness at the hurdle is reused
    only from a run with the same hurdle step)."""

    def __init__(
        self,
        worst: float,
        probes: Sequence[Probe] | None = None,
        *,
        enabled: bool = True,
        shared: SharedCache | None = None,
        key: str = "",
        hurdle_fraction: float | None = None,
        lr_proportional: bool = False,
    ) -> None:
        self.worst = worst
        self.probes = tuple(probes or ())
        self.enabled = enabled
        self.shared = shared
        self.key = key
        self.hurdle_fraction = hurdle_fraction
        self.lr_proportional = lr_proportional
        self.known: dict[str, Known] = {}

    def judge(self, program: Program, hurdle: float = -math.inf) -> Verdict:
        """What to do with ``program``; ``hurdle`` is the current bar at the hurdle step."""
        info = liveness(program)
        print_ = fingerprint(program, info, self.probes or None)
        dead = len(info.dead_statements)
        if not print_.finite:
            reason = f"{print_.reason} (not trained)"
            return Verdict("rejected", print_.digest, dead, self.worst, "rejected", reason)
        if self.lr_proportional:
            reason = lr_disproportion(program, info, self.probes)
            if reason:
                return Verdict("rejected", print_.digest, dead, self.worst, "rejected", reason)
        known = self.lookup(print_.digest) if self.enabled else None
        if known is None:
            return Verdict("train", print_.digest, dead)
        where = f"#{known.id}" if known.id is not None else "a result in the cache file"
        if known.status == "hurdle":
            if not known.hurdle_fitness < hurdle:
                return Verdict("train", print_.digest, dead)
            reason = f"computes what {where} computes: fitness at the hurdle below the bar"
        else:
            reason = f"computes what {where} computes ({known.status})"
        return Verdict("cached", print_.digest, dead, known.fitness, "cached", reason, known.id,
                       known.hurdle_fitness)  # fmt: skip

    def lookup(self, digest: str) -> Known | None:
        known = self.known.get(digest)
        if known is not None or self.shared is None:
            return known
        found = self.shared.get(self._shared_key(digest))
        if found is None:
            return None
        fitness, status, metrics = found
        at_hurdle = metrics.get("hurdle_fitness")
        same_hurdle = metrics.get("hurdle_fraction") == self.hurdle_fraction
        at_hurdle = at_hurdle if same_hurdle and at_hurdle is not None else math.nan
        return Known(None, fitness, status, at_hurdle)

    def remember(
        self,
        digest: str,
        record_id: int,
        fitness: float,
        status: str,
        metrics: dict,
        share: bool = True,
    ) -> None:
        """A trained result: later candidates with the same fingerprint may reuse it (see the
        module docstring for which); ``share=False`` keeps it out of the shared cache file (a
        result replayed from the run's own log is already there)."""
        at_hurdle = metrics.get("hurdle_fitness", math.nan)
        at_hurdle = math.nan if at_hurdle is None else at_hurdle
        if status in CACHEABLE:
            self.known[digest] = Known(record_id, fitness, status, at_hurdle)
            if share and self.shared is not None and self.enabled:
                shared = {"hurdle_fitness": at_hurdle, "hurdle_fraction": self.hurdle_fraction}
                self.shared.put(self._shared_key(digest), fitness, status, shared)
        elif status == "hurdle" and digest not in self.known:
            self.known[digest] = Known(record_id, fitness, status, at_hurdle)

    def _shared_key(self, digest: str) -> str:
        return f"{digest}|{self.key}"

    def close(self) -> None:
        if self.shared is not None:
            self.shared.close()
