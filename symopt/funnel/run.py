"""``symopt funnel``: a run's best programs through stages of growing cost.

Everything is checked before anything trains: the run directory (the store's errors), the
funnel config (unknown keys, tasks and sizes), that every stage's task can be built (its data set
is installed) and that the run has a successful evaluation.

The funnel is identified by a ``key``, a hash of its resolved config, its candidates and the seed.
Running the same funnel again on the same run reuses the stages already stored under that key
(an interrupted funnel resumes; a finished one is only printed again).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path

from proxy_tasks import Task, TaskError, get_task
from symopt.config import load_config
from symopt.dsl import parse, to_text
from symopt.dsl.program import Program
from symopt.errors import SymoptError
from symopt.funnel.config import FunnelConfig, load_funnel_config
from symopt.funnel.result import EVENT_KIND, FunnelResult, result_from_events
from symopt.funnel.stage import run_stage
from symopt.store import CONFIG_NAME, EvaluationRecord, RunStore


def run_funnel(
    run_dir: Path, config_path: Path | None, log: Callable[[str], None] = print
) -> FunnelResult:
    """Take the run's top programs through the stages of the funnel config at ``config_path``
    (defaults when None), store one ``"funnel"`` event per completed stage and return the result.

    Raises :class:`SymoptError` (one line) for a bad run directory, a bad funnel config, a task
    that cannot be built or a run with no successful evaluation; ``log`` gets progress lines.
    """
    with RunStore.open(run_dir) as store:
        run_config = load_config(Path(run_dir) / CONFIG_NAME)
        config = load_funnel_config(config_path).resolved(run_config)
        tasks = _build_tasks(config, config_path)
        records = distinct_top(store, config.top)
        if not records:
            raise SymoptError(f"{run_dir} has no successful evaluation to take through a funnel")
        seed = run_config.load_search_space().seed
        candidates = [_candidate(r) for r in records]
        key = funnel_key(config, candidates, seed)
        done = result_from_events(store.events(EVENT_KIND), str(run_dir), key).stages
        if done:
            log(f"funnel {key}: {len(done)} stage(s) already stored; reusing them")
        programs = {r.id: parse(r.program, f"{run_dir}#{r.id}") for r in records}
        entering = done[-1]["advanced"] if done else [r.id for r in records]
        header = {"key": key, "config": config.to_dict(), "candidates": candidates}
        for index in range(len(done), len(config.stages)):
            if not entering:
                break
            stage = config.stages[index]
            chosen = [(i, programs[i]) for i in entering]
            payload = run_stage(index, stage, tasks[index], chosen, seed, config, log)
            store.add_event(EVENT_KIND, store.count(), {**header, **payload})
            entering = payload["advanced"]
        result = result_from_events(store.events(EVENT_KIND), str(run_dir), key)
    return FunnelResult(
        result.run_dir, key, result.config, result.candidates, result.stages, len(done)
    )


def distinct_top(store: RunStore, k: int) -> list[EvaluationRecord]:
    """The ``k`` best successful records computing distinct functions.

    Programs the run re-evaluated on several task seeds come first, best mean first (a single
    seed's fitness flatters the lucky: the winner's curse); the rest of the ``k`` are the best
    single-seed fitnesses. A record whose ``fingerprint`` equals a better one's is skipped
    (records without a fingerprint are told apart by their program text).
    """
    chosen: list[EvaluationRecord] = []
    seen: set[str] = set()

    def take(record: EvaluationRecord) -> bool:
        identity = record.fingerprint or f"program:{record.program}"
        if identity not in seen:
            seen.add(identity)
            chosen.append(record)
        return len(chosen) == k

    means = {}  # the record id of each re-evaluated program -> its mean over the seeds
    for event in store.events("reevaluation"):
        means[event.payload["id"]] = event.payload["mean"]
    for record_id in sorted(means, key=lambda i: (-means[i], i)):
        if math.isfinite(means[record_id]) and take(store.get(record_id)):
            return chosen
    asked = 4 * k
    while True:
        records = store.top(asked)
        for record in records:
            if take(record):
                return chosen
        if len(records) < asked:
            return chosen
        asked *= 4


def funnel_key(config: FunnelConfig, candidates: list[dict], seed: Program) -> str:
    """A short hash naming this funnel: same config, candidates and seed, same key."""
    ident = {
        "config": config.to_dict(),
        "candidates": [c["id"] for c in candidates],
        "seed": to_text(seed),
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:12]


def _candidate(record: EvaluationRecord) -> dict:
    return {
        "id": record.id,
        "fitness": record.fitness,
        "origin": record.origin,
        "fingerprint": record.fingerprint,
    }


def _build_tasks(config: FunnelConfig, config_path: Path | None) -> list[Task]:
    where = str(config_path) if config_path is not None else "the default funnel"
    tasks = []
    for i, stage in enumerate(config.stages):
        try:
            tasks.append(get_task(stage.reference, stage.size))
        except TaskError as err:
            raise SymoptError(f"{where}: stages[{i}]: {err}") from None
    return tasks
