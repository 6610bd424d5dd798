"""The one place that wires a search together: config, run store, evolution, backend, progress.

The driver keeps every worker busy: whenever a worker is free it asks the evolution for a child;
a child whose exact program text was already evaluated in this run is answered from the store
(status ``cached``) without training. Each result is written to the run store in its own
transaction before the evolution hears of it, so a crash at any instant loses at most the jobs in
flight. Resuming replays the stored results through the evolution (its state is a function of
that log and the campaign seed) and carries on; nothing stored is trained again.
"""

from __future__ import annotations

import hashlib
import math
import signal
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import yaml

from symopt.backends import Job, JobResult, TaskSpec, make_backend
from symopt.cache import SharedCache
from symopt.config import Config
from symopt.dsl.text import parse, to_text
from symopt.errors import SymoptError
from symopt.judge import Judge, Verdict
from symopt.meta import MetaValidator
from symopt.progress import ProgressReporter
from symopt.search.evolution import Candidate, EvolutionConfig, Member, RegularizedEvolution
from symopt.search.mutation import MutationConfig, MutationFailed
from symopt.stats import NOT_TRAINED, Stats
from symopt.store import DB_NAME, EvaluationRecord, RunStore

# The parts of a config that define a search; the others (budget, backend, out) may change on
# --resume.
_IDENTITY_KEYS = ("name", "seed", "search_space", "tasks", "population", "tournament",
                  "mutation", "restarts", "hurdle", "cache", "meta_validation")  # fmt: skip
MAX_CONSECUTIVE_CACHE_HITS = 100_000
# Run-store meta key: seconds the run has searched over all its sessions; ``budget.max_seconds``
# is the run's, so a resumed search gets what is left of it, not the whole budget again.
SEARCH_SECONDS = "search_seconds"


def config_hash(config: Config) -> str:
    data = yaml.safe_load(config.to_yaml())
    identity = {key: data.get(key) for key in _IDENTITY_KEYS}
    return hashlib.sha256(yaml.safe_dump(identity, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class SearchOutcome:
    run_dir: Path
    trained: int
    judged: int
    best: EvaluationRecord | None
    interrupted: bool
    stop_reason: str
    seconds: float


class Campaign:
    def __init__(self, config: Config, resume: bool = False, show_progress: bool = True) -> None:
        self.config = config
        self.space = config.load_search_space()
        self.specs = [TaskSpec(t.name, t.size) for t in config.tasks]
        self.worst = self._worst_fitness()
        self.store = self._open_store(resume)
        self.evolution = RegularizedEvolution(
            EvolutionConfig(
                config.population, config.tournament, config.restarts.plateau,
                config.restarts.from_,
            ),
            MutationConfig(
                self.space.op_weights, config.mutation.weights, self.space.insert_constant,
                config.mutation.redraw_prob, self.space.max_statements, config.mutation.max_tries,
            ),
            self.space.seed,
            config.seed,
        )  # fmt: skip
        self.stats = Stats()
        self.judge = self._make_judge()
        meta = config.meta_validation
        self.meta = MetaValidator(meta) if meta else None
        self.progress = ProgressReporter(
            config.budget.max_evaluations, show_progress, max_seconds=config.budget.max_seconds
        )
        self.spent = float(self.store.get_meta(SEARCH_SECONDS) or 0.0) if resume else 0.0
        if resume:
            self._replay()

    # ---- set-up --------------------------------------------------------------------------------

    def _worst_fitness(self) -> float:
        import proxy_tasks

        try:
            tasks = [proxy_tasks.get_task(s.name, s.size) for s in self.specs]
        except proxy_tasks.TaskError as err:
            raise SymoptError(str(err)) from None
        return sum(t.worst_fitness for t in tasks) / len(tasks)

    def _open_store(self, resume: bool) -> RunStore | None:
        run_dir = self.config.run_dir
        digest = config_hash(self.config)
        if not resume:
            if (run_dir / DB_NAME).exists():
                raise SymoptError(
                    f"{run_dir} already holds a run; choose another output directory or resume "
                    "that run with --resume"
                )
            return None  # created once the backend is up, so a failed start leaves nothing
        store = RunStore.open(run_dir)
        if store.config_hash != digest:
            store.close()
            raise SymoptError(
                f"{run_dir}: this run was started from a different campaign (config hash "
                f"{store.config_hash}, this config {digest}); resume it with its own "
                f"{run_dir / 'config.yaml'}"
            )
        return store

    def _make_judge(self) -> Judge:
        cache = self.config.cache
        shared = SharedCache(cache.file) if cache.enabled and cache.file else None
        hurdle = self.config.hurdle
        key = ",".join(s.key for s in self.specs) + (
            f"|hurdle={hurdle.fraction},{hurdle.quantile}" if hurdle else ""
        )
        return Judge(self.worst, cache.enabled, shared, key)

    def _replay(self) -> None:
        for record in self.store.iter_evaluations():
            at_hurdle = record.metrics.get("hurdle_fitness", math.nan)
            at_hurdle = math.nan if at_hurdle is None else at_hurdle
            member = Member(record.id, parse(record.program), self._fitness(record.fitness),
                            at_hurdle)  # fmt: skip
            self.evolution.tell(member, record.metrics.get("index", 0))
            self.stats.add(record.status, record.metrics)
            if record.status not in NOT_TRAINED and record.fingerprint:
                known = (record.id, record.fitness, at_hurdle)
                self.judge.known.setdefault(record.fingerprint, known)
        if self.meta is not None:
            for event in self.store.events("meta_validation"):
                self.meta.replay(event.payload)

    # ---- the loop -----------------------------------------------------------------------------

    def run(self, backend=None) -> SearchOutcome:
        """Search until the budget is spent or the user interrupts; ``backend`` overrides the
        configured one (benchmarks use an instant fake)."""
        start = self.start = time.monotonic() - self.spent
        interrupted, reason = False, ""
        backend = backend or make_backend(
            self.config.backend.kind, self.specs,
            self.config.hurdle.fraction if self.config.hurdle else None,
            self.config.backend.workers, self.config.backend.address,
        )  # fmt: skip
        if self.store is None:
            try:
                self.store = RunStore.create(
                    self.config.run_dir, self.config.to_yaml(), config_hash(self.config)
                )
            except BaseException:
                backend.close()
                raise
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            self.progress.log(f"{backend.describe()}; compiling {len(self.specs)} task(s)")
            if hasattr(backend, "warm_up"):
                backend.warm_up(to_text(self.space.seed))
            self.progress.start(self.stats.trained, time.monotonic() - start)
            reason = self._loop(backend, start)
        except KeyboardInterrupt:
            interrupted, reason = True, "interrupted"
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.progress.close()
            backend.close()
            self.judge.close()
            with suppress(SymoptError):  # a full disk: the error on its way out says so
                self._save_elapsed()
            best = self.store.top(1)
            self.store.close()
        return SearchOutcome(
            self.config.run_dir, self.stats.trained, self.stats.judged, best[0] if best else None,
            interrupted, reason, time.monotonic() - start,
        )  # fmt: skip

    def _loop(self, backend, start: float) -> str:
        budget = self.config.budget
        jobs: dict[int, tuple[Candidate, Verdict]] = {}
        if not self.evolution.started:
            seed = self.evolution.seed_candidate()
            jobs[seed.index] = (seed, self.judge.judge(seed.program))
            backend.submit(Job(seed.index, to_text(seed.program)))
        while True:
            if budget.max_seconds is not None and time.monotonic() - start > budget.max_seconds:
                return "time budget reached"
            budget_left = budget.max_evaluations is None or (
                self.stats.trained + len(jobs) < budget.max_evaluations
            )
            while self.evolution.started and budget_left and len(jobs) < backend.capacity:
                found = self._next_candidate()
                if found is None:
                    return "every new candidate was already evaluated"
                candidate = found[0]
                jobs[candidate.index] = found
                backend.submit(Job(candidate.index, to_text(candidate.program), self._hurdle()))
                budget_left = budget.max_evaluations is None or (
                    self.stats.trained + len(jobs) < budget.max_evaluations
                )
            if not jobs:
                return "evaluation budget reached"
            for result in backend.poll(timeout=0.1):
                self._record(*jobs.pop(result.index), result)
            if self._meta_validate():
                return f"meta-validation has not improved for {self.meta.settings.patience} checks"
            self._report(start)

    def _meta_validate(self) -> bool:
        """Check the best program on the meta task when due; True when the search should stop."""
        best = self.evolution.best
        if self.meta is None or not self.meta.due(self.stats.trained, best and best.id):
            return False
        payload = self.meta.check(self.stats.trained, best.id, best.program, best.fitness)
        self.store.add_event("meta_validation", self.store.count(), payload)
        self.progress.log(
            f"meta-validation on {payload['task']}: #{best.id} scores {payload['meta_fitness']:.4f}"
            f" (search fitness {best.fitness:.4f})"
        )
        return self.meta.exhausted

    def _next_candidate(self) -> tuple[Candidate, Verdict] | None:
        """The next child that needs training; the others are judged and stored on the way."""
        for _ in range(MAX_CONSECUTIVE_CACHE_HITS):
            try:
                candidate = self.evolution.ask()
            except MutationFailed:  # a parent with no valid child; the next ask draws another
                continue
            verdict = self.judge.judge(candidate.program)
            if verdict.action == "train":
                return candidate, verdict
            metrics = {"hurdle_fitness": verdict.hurdle_fitness}
            if verdict.source is not None:
                metrics["source"] = verdict.source
            self._store(candidate, verdict, verdict.fitness, verdict.status, verdict.reason,
                        metrics, "", 0.0)  # fmt: skip
        return None

    def _hurdle(self) -> float:
        hurdle = self.config.hurdle
        if hurdle is None:
            return -math.inf
        at_hurdle = sorted(self.evolution.hurdle_fitnesses())
        if not at_hurdle:
            return -math.inf
        return at_hurdle[min(len(at_hurdle) - 1, int(hurdle.quantile * len(at_hurdle)))]

    def _record(self, candidate: Candidate, verdict: Verdict, result: JobResult) -> None:
        metrics = {"tasks": result.tasks, "hurdle_fitness": result.hurdle_fitness}
        record_id = self._store(candidate, verdict, result.fitness, result.status, result.reason,
                                metrics, result.worker, result.seconds)  # fmt: skip
        self.judge.remember(verdict.fingerprint, record_id, result.fitness, result.status, metrics)

    def _store(self, candidate, verdict, fitness, status, reason, metrics, worker, seconds) -> int:
        counts = {"index": candidate.index, "tries": candidate.tries,
                  "statements": len(candidate.program.body), "dead": verdict.dead}  # fmt: skip
        metrics = {**counts, **metrics}
        record = EvaluationRecord(
            parent_id=candidate.parent_id, program=to_text(candidate.program), fitness=fitness,
            status=status, reason=reason, metrics=metrics, origin=candidate.origin, worker=worker,
            seconds=seconds, fingerprint=verdict.fingerprint,
        )  # fmt: skip
        record_id = self.store.add_evaluation(record)
        self.stats.add(status, metrics)
        at_hurdle = metrics.get("hurdle_fitness", math.nan)
        member = Member(record_id, candidate.program, self._fitness(fitness), at_hurdle)
        seq = self.store.count()
        if self.evolution.tell(member, candidate.index) == "restart":
            self.store.add_event("restart", seq, {"from": self.config.restarts.from_})
        if self.stats.judged % self.config.checkpoint_every == 0:
            self.store.save_checkpoint(seq, self._checkpoint())
            self._save_elapsed()
        return record_id

    def _save_elapsed(self) -> None:
        self.store.set_meta(SEARCH_SECONDS, repr(time.monotonic() - self.start))

    def _fitness(self, fitness: float) -> float:
        return fitness if math.isfinite(fitness) else self.worst

    def _checkpoint(self) -> dict:
        evolution = self.evolution
        return {
            "population": [m.id for m in evolution.population],
            "best": evolution.best.id if evolution.best else None,
            "next_index": evolution.next_index,
            "restarts": evolution.restarts,
            "since_improvement": evolution.since_improvement,
        }

    def _report(self, start: float) -> None:
        fitnesses = self.evolution.fitnesses()
        best = self.evolution.best
        self.progress.update(
            self.stats,
            best=best.fitness if best else float("nan"),
            median=sorted(fitnesses)[len(fitnesses) // 2] if fitnesses else float("nan"),
            restarts=self.evolution.restarts,
        )


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt
