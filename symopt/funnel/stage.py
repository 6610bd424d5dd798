"""One funnel stage: the surviving programs, the seed and AdamW and Lion on one task.

Every optimizer goes through the benchmark's protocol (:mod:`symopt.benchmark.protocol`): tuned
on the validation split over ``seeds`` tuning seeds (a program: a sweep of factors on its own lr;
a baseline: peak lr and weight decay, from :mod:`symopt.benchmark.baselines`), then the chosen
setting is trained afresh on as many report seeds and measured on test. Programs share one set of
compiled-once evaluators per stage.

**The rule**: a program goes on to the next stage only when its chosen validation loss (mean
over the tuning seeds) is strictly lower than AdamW's. Going on is a choice, so it reads
validation only; the test losses are what the table reports. A program that fails (NaN,
divergence, invalid) has the task's worst loss, so it never goes on.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict

from proxy_tasks import Task, report_seeds, tuning_seeds
from symopt.benchmark.baselines import baseline
from symopt.benchmark.protocol import ScoreFn, tune_and_report
from symopt.benchmark.trainers import BaselineTrainer, ProgramTrainer
from symopt.dsl.program import Program
from symopt.funnel.config import FunnelConfig, StageSettings
from symopt.sweep import edge_note

Log = Callable[[str], None]

BASELINE_NAMES = {"seed": "seed", "adamw": "AdamW", "lion": "Lion"}


def run_stage(
    index: int,
    stage: StageSettings,
    task: Task,
    programs: Sequence[tuple[int, Program]],
    seed: Program,
    config: FunnelConfig,
    log: Log,
) -> dict:
    """Tune and report ``programs`` (``(record id, program)`` pairs), the seed and the baselines.

    Returns the stage's JSON payload (the caller adds what identifies the funnel)::

        {"stage": 0, "task": "cancer_mlp", "size": 1,
         "seeds": {"tuning": [1000, 1001], "report": [2000, 2001]},
         "programs": [{"id": 12, "lr": 1.0, "wd": null, "val_loss": .., "test_loss": ..,
                       "test_accuracy": .., "status": "ok", "sweep": [..], "report": {..},
                       "advanced": true}, ...],
         "baselines": {"seed": {..}, "adamw": {..}, "lion": {..}},
         "bar": <AdamW's validation loss>, "advanced": [12, ...]}
    """
    seeds = {"tuning": tuning_seeds(config.seeds), "report": report_seeds(config.seeds)}
    log(f"stage {index + 1} {stage.label}: {len(programs)} program(s), the seed, AdamW, Lion; "
        f"{config.seeds} tuning + {config.seeds} report seeds")  # fmt: skip
    total, settings = len(programs) + 3, config.baselines
    step = functools.partial(_tuned, seeds=seeds, widen=settings.widen, total=total, log=log)
    trainer = ProgramTrainer(task)
    factors = config.lr_factors

    def tuned_program(program: Program, name: str, done: int) -> dict:
        score = functools.partial(trainer.score, program)
        return step(score, factors, (None,), name=name, done=done)

    adamw = step(BaselineTrainer(task, baseline("AdamW")).score, settings.adamw_lrs,
                 settings.adamw_weight_decays, name="AdamW", done=1)  # fmt: skip
    lion = step(BaselineTrainer(task, baseline("Lion")).score, settings.lion_lrs,
                settings.lion_weight_decays, name="Lion", done=2)  # fmt: skip
    seed_entry = tuned_program(seed, "seed", 3)
    bar = adamw["val_loss"]
    entries = []
    for k, (id_, program) in enumerate(programs):
        entry = tuned_program(program, f"#{id_}", 4 + k)
        entries.append({"id": id_, **entry, "advanced": entry["val_loss"] < bar})
    payload = {
        "stage": index,
        "task": stage.name,
        "size": stage.size,
        "seeds": seeds,
        "programs": entries,
        "baselines": {"seed": seed_entry, "adamw": adamw, "lion": lion},
        "bar": bar,
        "advanced": [entry["id"] for entry in entries if entry["advanced"]],
    }
    _log_stage(payload, log)
    return payload


def _tuned(
    score: ScoreFn,
    lrs: Sequence[float],
    weight_decays: Sequence[float | None],
    *,
    seeds: dict,
    widen: int,
    name: str,
    done: int,
    total: int,
    log: Log,
) -> dict:
    """One optimizer through the protocol, logged as it finishes; its payload entry."""
    start = time.perf_counter()
    sweep, report = tune_and_report(score, lrs, weight_decays, seeds["tuning"], seeds["report"],
                                    widen)  # fmt: skip
    chosen = next(p for p in sweep if (p.lr, p.wd) == (report.lr, report.wd))
    failed = [status for status in report.status if status != "ok"]
    entry = {
        "lr": report.lr,
        "wd": report.wd,
        "val_loss": chosen.mean,
        "test_loss": report.mean,
        "test_accuracy": report.mean_accuracy,
        "status": failed[0] if failed else "ok",
        "sweep": [asdict(point) for point in sweep],
        "report": asdict(report),
    }
    setting = f"lr x{report.lr:g}" if report.wd is None else f"lr {report.lr:g}, wd {report.wd:g}"
    seconds = time.perf_counter() - start
    log(f"  [{done}/{total}] {name}: {setting} chosen of {len(sweep)}; validation "
        f"{chosen.mean:.4f}, test {report.mean:.4f} ({seconds:.1f} s)")  # fmt: skip
    note = edge_note(name, [p.lr for p in sweep if p.wd == report.wd], report.lr, widen)
    if note:
        log(note)
    return entry


def _log_stage(payload: dict, log: Log) -> None:
    for entry in payload["programs"]:
        verdict = "goes on" if entry["advanced"] else "stops"
        failed = f" [{entry['status']}]" if entry["status"] != "ok" else ""
        log(f"  #{entry['id']} validation {entry['val_loss']:.4f}{failed} vs AdamW "
            f"{payload['bar']:.4f}: {verdict}")  # fmt: skip
