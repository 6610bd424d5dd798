"""The one place that wires a search together: config, run store, evolution, backend, progress.

The driver keeps every worker busy: whenever a worker is free it asks the evolution for a child;
a child whose exact program text was already evaluated in this run is answered from the store
(status ``cached``) without training. Each result is written to the run store in its own
transaction before the evolution hears of it, so a crash at any instant loses at most the jobs in
flight. Resuming replays the stored results through the evolution (its state is a function of
that log and the campaign seed) and carries on; nothing stored is trained again.
"""

from __future__ import annotations

import math
import signal
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from symopt.backends import Job, JobResult, TaskSpec, make_backend
from symopt.campaign_setup import (
    config_hash,
    fitness_scale,
    interpreter_layout,
    load_tasks,
    make_evolution,
    make_judge,
    open_store,
    save_probes,
    task_probes,
)
from symopt.config import Config
from symopt.dsl.program import Program
from symopt.dsl.text import parse, to_text
from symopt.elites import Elites
from symopt.errors import SymoptError
from symopt.judge import Verdict
from symopt.meta import MetaValidator
from symopt.progress import ProgressReporter
from symopt.search.evolution import Candidate, Member
from symopt.search.mutation import MutationFailed
from symopt.stats import NOT_TRAINED, Stats
from symopt.store import EvaluationRecord, RunStore
from symopt.store.buffer import EvaluationBuffer

MAX_CONSECUTIVE_CACHE_HITS = 100_000
MIN_DISTINCT_AT_HURDLE = 5
"""The hurdle applies once this many distinct programs (by fingerprint) of the population have a
fitness measured at the hurdle step; before that (at the start, after a restart) all pass it."""
# Run-store meta key: seconds the run has searched over all its sessions; ``budget.max_seconds``
# is the run's, so a resumed search gets what is left of it, not the whole budget again.
SEARCH_SECONDS = "search_seconds"
ELAPSED_EVERY = 5.0  # seconds between saves of the time used (with a trained result)


@dataclass
class SearchOutcome:
    run_dir: Path
    trained: int
    judged: int
    best: EvaluationRecord | None
    interrupted: bool
    stop_reason: str
    seconds: float
    best_mean: float | None = None  # the best's fitness over the re-evaluation seeds


class Campaign:
    def __init__(self, config: Config, resume: bool = False, show_progress: bool = True) -> None:
        self.config = config
        self.space = config.load_search_space()
        self.specs = [TaskSpec(t.reference, t.size) for t in config.tasks]
        self.tasks = load_tasks(self.specs)
        self.worst = sum(t.worst_fitness for t in self.tasks) / len(self.tasks)
        self.scale = fitness_scale(config, self.specs, self.tasks, resume)
        self.layout = interpreter_layout(self.space, config.fitness.lr_factors)
        self.store = open_store(config, resume)
        self.evolution = make_evolution(config, self.space)
        self.stats = Stats()
        self.probes = task_probes(config.run_dir, self.specs, self.tasks, resume, self.space)
        self.judge = make_judge(config, self.specs, self.probes, self.worst)
        self.waiting: dict[str, list[Candidate]] = {}  # fingerprint in flight -> its clones
        self._bar: float | None = None  # the hurdle bar, None when the population has changed
        self.elites = Elites(config.reevaluation.seeds, config.fitness.lr_factors)
        meta = config.meta_validation
        self.meta = MetaValidator(meta, self.layout, config.fitness.lr_factors) if meta else None
        self.progress = ProgressReporter(
            config.budget.max_evaluations, show_progress, max_seconds=config.budget.max_seconds
        )
        self.spent = float(self.store.get_meta(SEARCH_SECONDS) or 0.0) if resume else 0.0
        self._elapsed_saved = -math.inf
        if resume:
            self._replay()

    # ---- set-up --------------------------------------------------------------------------------

    def _replay(self) -> None:
        for event in self.store.events("fitness_scale"):
            self._set_scale(event.payload, replay=True)
        for record in self.store.iter_evaluations():
            at_hurdle = record.metrics.get("hurdle_fitness", math.nan)
            at_hurdle = math.nan if at_hurdle is None else at_hurdle
            member = Member(record.id, parse(record.program), self._fitness(record.fitness),
                            at_hurdle, record.fingerprint)  # fmt: skip
            self.evolution.tell(member, record.metrics.get("index", 0))
            self.stats.add(record.status, record.metrics)
            if record.status not in NOT_TRAINED and record.fingerprint:
                self.judge.remember(record.fingerprint, record.id, record.fitness, record.status,
                                    record.metrics, share=False)  # fmt: skip
        for event in self.store.events("reevaluation"):
            self.elites.replay(event.payload)
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
            self.config.backend.workers, self.config.backend.address, layout=self.layout,
        )  # fmt: skip
        try:
            if self.store is None:
                self.store = RunStore.create(
                    self.config.run_dir, self.config.to_yaml(), config_hash(self.config)
                )
            save_probes(self.store, self.specs, self.probes)
        except BaseException:
            backend.close()
            if self.store is not None:
                self.store.close()
            raise
        self.writer = EvaluationBuffer(self.store)
        self._interrupted = False
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        for sig, handler in previous.items():
            if handler is not signal.SIG_IGN:  # nohup and friends keep their choice
                signal.signal(sig, self._interrupt)
        try:
            self.progress.log(f"{backend.describe()}; compiling {len(self.specs)} task(s)")
            if hasattr(backend, "warm_up"):
                backend.warm_up(to_text(self.space.seed))
            self.progress.start(self.stats.trained, time.monotonic() - start)
            reason = self._loop(backend, start)
        except KeyboardInterrupt:
            interrupted, reason = True, "interrupted"
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.progress.close()
            backend.close()
            self.judge.close()
            try:
                self.writer.flush()
            finally:
                with suppress(SymoptError):  # a full disk: the error on its way out says so
                    self._save_elapsed()
                best, mean = self._best_record()
                self.store.close()
        return SearchOutcome(
            self.config.run_dir, self.stats.trained, self.stats.judged, best, interrupted, reason,
            time.monotonic() - start, mean,
        )  # fmt: skip

    def _best_record(self) -> tuple[EvaluationRecord | None, float | None]:
        """The run's best as ``RUN_DIR#best`` names it, and its re-evaluated mean (None when
        re-evaluation is off)."""
        best = self._best()
        if best is None:
            top = self.store.top(1)
            return (top[0] if top else None), None
        return self.store.get(best[0]), (best[2] if self.elites.enabled else None)

    def _interrupt(self, signum, frame) -> None:
        """Ctrl-C or SIGTERM: noted in a flag the loop checks between candidates and polls (at
        most one evaluation later). Raising here instead would be lost, with a traceback on
        stderr, whenever the signal lands in a garbage-collection callback (JAX registers one)."""
        self._interrupted = True

    def _check_interrupt(self) -> None:
        if self._interrupted:
            raise KeyboardInterrupt

    def _loop(self, backend, start: float) -> str:
        budget = self.config.budget
        jobs: dict[int, tuple[Candidate, Verdict]] = {}
        if not self.evolution.started:
            seed = self.evolution.seed_candidate()
            self._submit(backend, jobs, seed, self.judge.judge(seed.program))
        while True:
            self._check_interrupt()
            if budget.max_seconds is not None and time.monotonic() - start > budget.max_seconds:
                return "time budget reached"
            self.elites.submit(backend, len(jobs))
            while (
                self.evolution.started
                and self._budget_left(jobs)
                and (len(jobs) + len(self.elites.in_flight) < backend.capacity)
            ):
                found = self._next_candidate()
                if found is None:
                    return "every new candidate was already evaluated"
                candidate, verdict = found
                if verdict.fingerprint in self._in_flight(jobs):
                    self.waiting.setdefault(verdict.fingerprint, []).append(candidate)
                    if sum(map(len, self.waiting.values())) >= 8 * backend.capacity:
                        break
                    continue
                self._submit(backend, jobs, candidate, verdict)
            if not jobs and self.elites.idle:
                return "evaluation budget reached"
            for result in backend.poll(timeout=0.1):
                if self.elites.owns(result.index):
                    self._reevaluated(result)
                    continue
                candidate, verdict = jobs.pop(result.index)
                record_id = self._record(candidate, verdict, result)
                self._settle_waiting(backend, jobs, verdict.fingerprint)
                self._reevaluate(record_id, candidate, verdict, result)
            if self._meta_validate():
                return f"meta-validation has not improved for {self.meta.settings.patience} checks"
            self._report(start)

    def _budget_left(self, jobs: dict) -> bool:
        limit = self.config.budget.max_evaluations
        return limit is None or self.stats.trained + len(jobs) < limit

    def _in_flight(self, jobs: dict) -> set[str]:
        return {verdict.fingerprint for _, verdict in jobs.values()}

    def _submit(self, backend, jobs: dict, candidate: Candidate, verdict: Verdict) -> None:
        jobs[candidate.index] = (candidate, verdict)
        text, factors = to_text(candidate.program), self.config.fitness.lr_factors
        backend.submit(Job(candidate.index, text, self._hurdle(), lr_factors=factors))

    def _settle_waiting(self, backend, jobs: dict, digest: str) -> None:
        """Clones that waited for ``digest``'s result: judged again now that it is known (a clone
        of a run stopped at the hurdle may still need training, as may one of a failed job)."""
        for candidate in self.waiting.pop(digest, []):
            verdict = self.judge.judge(candidate.program, self._hurdle())
            if verdict.action != "train":
                self._store_verdict(candidate, verdict)
            elif self._budget_left(jobs) and verdict.fingerprint not in self._in_flight(jobs):
                self._submit(backend, jobs, candidate, verdict)
            elif self._budget_left(jobs):
                self.waiting.setdefault(verdict.fingerprint, []).append(candidate)

    def _reevaluate(self, record_id: int, candidate: Candidate, verdict: Verdict, result) -> None:
        """Queue a trained result that beats the run's re-evaluated best for more task seeds
        (jobs with negative indices, which are not candidates)."""
        if result.status != "ok":
            return
        self.elites.consider(record_id, verdict.fingerprint, to_text(candidate.program),
                             self._fitness(self._combined(result)))  # fmt: skip

    def _reevaluated(self, result) -> None:
        self.stats.reevaluations += 1
        payload = self.elites.take(result.index, self._fitness(self._combined(result)))
        if payload is None:
            return
        self.writer.flush()
        self.store.add_event("reevaluation", self.store.count(), payload)
        if payload["best"]:
            fitnesses = ", ".join(f"{f:.4f}" for f in payload["fitnesses"])
            self.progress.log(f"new best #{payload['id']}: {payload['mean']:.4f} over "
                              f"{len(payload['seeds'])} task seeds ({fitnesses})")  # fmt: skip

    def _best(self) -> tuple[int, Program, float] | None:
        """The run's best: the re-evaluated one, or (re-evaluation off) the highest fitness."""
        if self.elites.enabled:
            elite = self.elites.best
            return elite and (elite.id, parse(elite.program), elite.mean)
        best = self.evolution.best
        return best and (best.id, best.program, best.fitness)

    def _meta_validate(self) -> bool:
        """Check the best program on the meta task when due; True when the search should stop."""
        best = self._best()
        if self.meta is None or not self.meta.due(self.stats.trained, best and best[0]):
            return False
        best_id, program, fitness = best
        self.writer.flush()
        payload = self.meta.check(self.stats.trained, best_id, program, fitness)
        self.store.add_event("meta_validation", self.store.count(), payload)
        self.progress.log(
            f"meta-validation on {payload['task']}: #{best_id} scores {payload['meta_fitness']:.4f}"
            f" (search fitness {fitness:.4f})"
        )
        return self.meta.exhausted

    def _next_candidate(self) -> tuple[Candidate, Verdict] | None:
        """The next child that needs training; the others are judged and stored on the way."""
        for _ in range(MAX_CONSECUTIVE_CACHE_HITS):
            self._check_interrupt()
            try:
                candidate = self.evolution.ask()
            except MutationFailed:  # a parent with no valid child; the next ask draws another
                continue
            verdict = self.judge.judge(candidate.program, self._hurdle())
            if verdict.action == "train":
                return candidate, verdict
            self._store_verdict(candidate, verdict)
        return None

    def _store_verdict(self, candidate: Candidate, verdict: Verdict) -> None:
        metrics = {"hurdle_fitness": verdict.hurdle_fitness}
        if verdict.source is not None:
            metrics["source"] = verdict.source
        self._store(candidate, verdict, verdict.fitness, verdict.status, verdict.reason,
                    metrics, "", 0.0)  # fmt: skip

    def _hurdle(self) -> float:
        """The bar at the hurdle step: the configured quantile of the fitness there over the
        population's distinct programs (``-inf`` while fewer than ``MIN_DISTINCT_AT_HURDLE``)."""
        hurdle = self.config.hurdle
        if hurdle is None:
            return -math.inf
        if self._bar is None:
            at_hurdle = sorted(self.evolution.hurdle_fitnesses())
            if len(at_hurdle) < MIN_DISTINCT_AT_HURDLE:
                self._bar = -math.inf
            else:
                position = min(len(at_hurdle) - 1, int(hurdle.quantile * len(at_hurdle)))
                self._bar = at_hurdle[position]
        return self._bar

    def _record(self, candidate: Candidate, verdict: Verdict, result: JobResult) -> int:
        if candidate.index == 0 and self.scale.active and not self.scale.ready:
            self._set_scale(self.scale.set_reference(result.tasks))
        metrics = {"tasks": result.tasks, "hurdle_fitness": result.hurdle_fitness}
        fitness = self._combined(result)
        record_id = self._store(candidate, verdict, fitness, result.status, result.reason,
                                metrics, result.worker, result.seconds)  # fmt: skip
        self.judge.remember(verdict.fingerprint, record_id, fitness, result.status, metrics)
        return record_id

    def _combined(self, result: JobResult) -> float:
        return self.scale.combined(result.fitness, result.tasks)

    def _set_scale(self, payload: dict, replay: bool = False) -> None:
        """The tasks' common scale is known (measured now, or replayed): failures score its
        worst, and the shared cache keys include it."""
        if replay:
            self.scale.replay(payload)
        else:
            self.writer.flush()
            self.store.add_event("fitness_scale", self.store.count(), payload)
        self.worst = self.scale.worst_combined(self.worst)
        self.judge.worst = self.worst
        self.judge.key = ",".join(s.key for s in self.specs) + self.scale.cache_key()

    def _store(self, candidate, verdict, fitness, status, reason, metrics, worker, seconds) -> int:
        counts = {"index": candidate.index, "tries": candidate.tries,
                  "statements": len(candidate.program.body), "dead": verdict.dead}  # fmt: skip
        metrics = {**counts, **metrics}
        record = EvaluationRecord(
            parent_id=candidate.parent_id, program=to_text(candidate.program), fitness=fitness,
            status=status, reason=reason, metrics=metrics, origin=candidate.origin, worker=worker,
            seconds=seconds, fingerprint=verdict.fingerprint,
        )  # fmt: skip
        durable = status not in NOT_TRAINED
        record_id = self.writer.add(record, durable=durable)
        self.stats.add(status, metrics)
        at_hurdle = metrics.get("hurdle_fitness", math.nan)
        member = Member(record_id, candidate.program, self._fitness(fitness), at_hurdle,
                        verdict.fingerprint)  # fmt: skip
        self._bar = None
        if self.evolution.tell(member, candidate.index) == "restart":
            payload = {"from": self.config.restarts.from_}
            self.writer.flush()
            self.store.add_event("restart", self.store.count(), payload)
        if durable and time.monotonic() - self._elapsed_saved > ELAPSED_EVERY:
            self._save_elapsed()
        return record_id

    def _save_elapsed(self) -> None:
        self._elapsed_saved = time.monotonic()
        self.store.set_meta(SEARCH_SECONDS, repr(self._elapsed_saved - self.start))

    def _fitness(self, fitness: float) -> float:
        return fitness if math.isfinite(fitness) else self.worst

    def _report(self, start: float) -> None:
        fitnesses = self.evolution.fitnesses()
        best = self._best()
        self.progress.update(
            self.stats,
            best=best[2] if best else float("nan"),
            median=sorted(fitnesses)[len(fitnesses) // 2] if fitnesses else float("nan"),
            restarts=self.evolution.restarts,
        )
