"""A funnel's outcome, rebuilt from the events it stored, and the table that shows it.

Every completed stage is one ``"funnel"`` event in the run. Its payload is self-contained: the
funnel ``key``, the resolved funnel ``config``, the ``candidates`` that entered the first stage
and the stage's results (see :func:`symopt.funnel.stage.run_stage`). So the table can be printed
again from the store alone (:func:`load_funnel`), and a funnel that was interrupted keeps the
stages it finished.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from symopt.funnel.stage import BASELINE_NAMES
from symopt.store import Event, RunStore

EVENT_KIND = "funnel"


@dataclass(frozen=True)
class FunnelResult:
    """The stages a funnel has completed so far.

    ``config`` is the resolved funnel config (``FunnelConfig.to_dict()``), ``candidates`` the
    programs that entered the first stage (``{"id", "fitness", "origin", "fingerprint"}``, with the
    run's own fitness) and ``stages`` the stage payloads in order. ``reused`` counts the stages
    read back from an earlier, interrupted run of the same funnel instead of trained again.
    """

    run_dir: str
    key: str
    config: dict
    candidates: list[dict]
    stages: list[dict]
    reused: int = 0

    @property
    def finished(self) -> bool:
        """True when every stage ran, or a stage left no program to go on."""
        if not self.stages:
            return False
        return len(self.stages) == len(self.config["stages"]) or not self.stages[-1]["advanced"]

    @property
    def survivors(self) -> list[int]:
        """Ids of the programs that beat AdamW at every completed stage."""
        if not self.stages:
            return [c["id"] for c in self.candidates]
        return list(self.stages[-1]["advanced"])

    def stopped_at(self, id_: int) -> int | None:
        """The index of the stage where program ``id_`` did not beat AdamW on validation, or
        None."""
        for stage in self.stages:
            entry = next((e for e in stage["programs"] if e["id"] == id_), None)
            if entry is not None and not entry["advanced"]:
                return stage["stage"]
        return None


def result_from_events(events: list[Event], run_dir: str, key: str | None = None) -> FunnelResult:
    """The funnel ``key`` (default: the one that stored the latest event) from ``events``.

    When a stage was stored more than once, the latest event counts; only the stages 0, 1, 2, ...
    without a gap are kept.
    """
    payloads = [e.payload for e in events if e.kind == EVENT_KIND]
    if key is None:
        key = payloads[-1]["key"] if payloads else ""
    mine = [p for p in payloads if p["key"] == key]
    by_stage = {p["stage"]: p for p in mine}
    stages = []
    while len(stages) in by_stage:
        stages.append(by_stage[len(stages)])
    first = mine[-1] if mine else {"config": {"stages": []}, "candidates": []}
    return FunnelResult(run_dir, key, first["config"], first["candidates"], stages)


def load_funnel(run_dir: Path | str, key: str | None = None) -> FunnelResult | None:
    """The latest funnel stored in the run at ``run_dir`` (or the funnel ``key``); None if none."""
    with RunStore.open_readonly(run_dir) as store:
        events = store.events(EVENT_KIND)
    if not events:
        return None
    return result_from_events(events, str(run_dir), key)


def render_table(result: FunnelResult) -> str:
    """The funnel as a table: one row per program and baseline, one column per stage.

    A cell is the mean test loss over the report seeds at the setting chosen on validation
    (``-`` where it did not run, with the status when it failed), then the chosen lr (a factor
    ``x3`` for a program; a baseline's peak lr and weight decay). The last column says where each
    program stopped: the first stage at which its validation loss was not strictly below AdamW's.
    """
    config, stages = result.config, result.stages
    labels = [_stage_label(stage) for stage in config["stages"]]
    header = ["program", "search fitness"] + labels + ["stopped at"]
    rows = [header]
    for cand in result.candidates:
        cells = [f"#{cand['id']}", _fitness(cand["fitness"])]
        for i in range(len(labels)):
            entry = _entry(stages[i], cand["id"]) if i < len(stages) else None
            cells.append(_program_cell(entry))
        rows.append([*cells, _stopped(result, cand["id"], labels)])
    for name, title in BASELINE_NAMES.items():
        cells = [title, ""]
        for i in range(len(labels)):
            cells.append(_baseline_cell(stages[i]["baselines"][name]) if i < len(stages) else "-")
        rows.append([*cells, ""])
    widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
    lines = [_title(result, labels)]
    for n, row in enumerate(rows):
        if n in (1, len(result.candidates) + 1):
            lines.append("  ".join("-" * w for w in widths))
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    lines.append(_footer(result))
    return "\n".join(lines)


def _stage_label(stage: dict) -> str:
    """``task/size`` of a stored stage; a user task's ``MODULE:NAME`` shortened
    (``my_task:build/10``)."""
    from proxy_tasks.user import label

    module = stage.get("module")
    task = stage["task"] if module is None else label(f"{module}:{stage['task']}")
    return f"{task}/{stage['size']}"


def _title(result: FunnelResult, labels: list[str]) -> str:
    seeds = result.config.get("seeds", 1)
    return (
        f"funnel of {result.run_dir}: top {len(result.candidates)} distinct programs through "
        f"{' -> '.join(labels)}; cells: test loss (lower is better) over {seeds} report seeds "
        f"at the lr (and wd) chosen on validation over {seeds} tuning seeds; a program goes on "
        "while its validation loss is strictly below AdamW's"
    )


def _footer(result: FunnelResult) -> str:
    done = len(result.stages)
    total = len(result.config["stages"])
    survivors = ", ".join(f"#{i}" for i in result.survivors) or "none"
    if not result.finished:
        return f"interrupted after {done} of {total} stages; still in: {survivors}"
    if done < total:
        return (
            f"no program beat AdamW at stage {done}; the {total - done} later stage(s) did not run"
        )
    return f"beat AdamW at every stage: {survivors}"


def _entry(stage: dict, id_: int) -> dict | None:
    return next((e for e in stage["programs"] if e["id"] == id_), None)


def _fitness(value: float | None) -> str:
    return "nan" if value is None or math.isnan(value) else f"{value:.4f}"


def stage_value(entry: dict) -> float | None:
    """What a stage reports for one optimizer: its mean test loss, or, in a funnel stored before
    the funnel tuned on validation and reported test (no ``test_loss``), its single fitness."""
    return entry["test_loss"] if "test_loss" in entry else entry["fitness"]


def _program_cell(entry: dict | None) -> str:
    if entry is None:
        return "-"
    failed = f" {entry['status']}" if entry["status"] != "ok" else ""
    factor = f" x{entry['lr']:g}" if "test_loss" in entry else ""
    return f"{_fitness(stage_value(entry))}{failed}{factor}"


def _baseline_cell(baseline: dict) -> str:
    if "test_loss" not in baseline:  # an older funnel: one fitness, at the best lr
        cell = _program_cell(baseline)
        return f"{cell} @{baseline['lr']:g}" if "lr" in baseline else cell
    if baseline["wd"] is None:  # the seed program
        return _program_cell(baseline)
    failed = f" {baseline['status']}" if baseline["status"] != "ok" else ""
    return f"{_fitness(stage_value(baseline))}{failed} @{baseline['lr']:g} wd {baseline['wd']:g}"


def _stopped(result: FunnelResult, id_: int, labels: list[str]) -> str:
    stage = result.stopped_at(id_)
    if stage is not None:
        return f"{stage + 1} {labels[stage]}"
    return "passed all" if len(result.stages) == len(labels) else "(running)"
