"""One funnel stage: the surviving programs, the seed and the optax baselines on one task.

Programs (the candidates and the run's seed) are trained by one compiled-once
:class:`~symopt.execution.evaluator.Evaluator`, so the stage compiles its task once for all of
them. AdamW and Lion are trained by :func:`proxy_tasks.peak_trainer` (one compilation per sweep)
at every peak lr of a widening sweep (:mod:`symopt.sweep`: up to ``widen`` more lrs per side
while the best is at an edge), ``optax.adamw(task.lr_schedule(peak), weight_decay=wd)`` and
``optax.lion(task.lr_schedule(peak), weight_decay=wd)``, and each baseline keeps its best
(highest fitness; the smaller lr on a tie).

**The rule**: a program goes on to the next stage only when its fitness is strictly higher than
the best AdamW fitness of this stage. A program that fails (NaN, divergence, invalid) has the
task's worst fitness, so it never goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import optax

from proxy_tasks import Task, peak_trainer
from symopt.dsl.program import Program
from symopt.execution.evaluator import Evaluator, Result
from symopt.funnel.config import BaselineSettings, StageSettings
from symopt.sweep import best_index, edge_note, widening_sweep

Log = Callable[[str], None]

BASELINE_NAMES = {"seed": "seed", "adamw": "AdamW", "lion": "Lion"}


def run_stage(
    index: int,
    stage: StageSettings,
    task: Task,
    programs: Sequence[tuple[int, Program]],
    seed: Program,
    baselines: BaselineSettings,
    log: Log,
) -> dict:
    """Train ``programs`` (``(record id, program)`` pairs), the seed and the baselines on ``task``.

    Returns the stage's JSON payload (the caller adds what identifies the funnel)::

        {"stage": 0, "task": "cancer_mlp", "size": 1,
         "programs": [{"id": 12, "fitness": 0.97, "status": "ok", "reason": "", "seconds": 0.1,
                       "advanced": true}, ...],
         "baselines": {"seed": {"fitness": .., "status": .., "reason": ..},
                       "adamw": {"lr": 1e-3, "fitness": .., "status": .., "sweep": [...]},
                       "lion": {...}},
         "bar": <AdamW's best fitness>, "advanced": [12, ...]}
    """
    log(f"stage {index + 1} {stage.label}: {len(programs)} program(s), the seed, AdamW, Lion")
    evaluator = Evaluator(task)
    results = evaluator.evaluate([program for _, program in programs] + [seed])
    wd = baselines.weight_decay
    adamw = _sweep(task, "AdamW", lambda lr: optax.adamw(lr, weight_decay=wd),
                   baselines.adamw_lrs, baselines.widen, log)  # fmt: skip
    lion = _sweep(task, "Lion", lambda lr: optax.lion(lr, weight_decay=wd),
                  baselines.lion_lrs, baselines.widen, log)  # fmt: skip
    bar = adamw["fitness"]
    entries = [
        {"id": id_, **_result(result), "advanced": result.fitness > bar}
        for (id_, _), result in zip(programs, results[:-1], strict=True)
    ]
    payload = {
        "stage": index,
        "task": stage.name,
        "size": stage.size,
        "programs": entries,
        "baselines": {"seed": _result(results[-1]), "adamw": adamw, "lion": lion},
        "bar": bar,
        "advanced": [entry["id"] for entry in entries if entry["advanced"]],
    }
    _log_stage(payload, log)
    return payload


def _result(result: Result) -> dict:
    return {
        "fitness": result.fitness,
        "status": result.status,
        "reason": result.reason,
        "seconds": round(result.seconds, 4),
    }


def _sweep(
    task: Task,
    name: str,
    make: Callable[[float], optax.GradientTransformation],
    lrs: Sequence[float],
    widen: int,
    log: Log,
) -> dict:
    """Train ``make(schedule)`` over a widening sweep from ``lrs``; the best run, with the sweep."""
    runs = widening_sweep(lrs, peak_trainer(task, make), lambda run: run[0], widen)
    sweep = [{"lr": peak, "fitness": f, "status": st} for peak, (f, st) in runs]
    best = sweep[best_index(sweep, lambda run: run["fitness"])]  # the smaller lr on a tie
    note = edge_note(name, [run["lr"] for run in sweep], best["lr"], widen)
    if note:
        log(note)
    return {**best, "sweep": sweep}


def _log_stage(payload: dict, log: Log) -> None:
    base = payload["baselines"]
    log(
        f"  AdamW {base['adamw']['fitness']:.4f} (lr {base['adamw']['lr']:g}), "
        f"Lion {base['lion']['fitness']:.4f} (lr {base['lion']['lr']:g}), "
        f"seed {base['seed']['fitness']:.4f}"
    )
    for entry in payload["programs"]:
        verdict = "goes on" if entry["advanced"] else "stops"
        failed = f" [{entry['status']}]" if entry["status"] != "ok" else ""
        log(f"  #{entry['id']} {entry['fitness']:.4f}{failed} {verdict}")
