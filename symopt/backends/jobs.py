"""Jobs and results as small plain records, and the worker that turns one into the other."""

from __future__ import annotations

import os
import socket
import statistics
from dataclasses import dataclass, field

from symopt.dsl.text import parse


@dataclass(frozen=True)
class TaskSpec:
    """A task as ``proxy_tasks.get_task`` finds it in any process: ``name`` is a registered
    task or ``MODULE:NAME`` with ``MODULE`` an absolute file path or a module name."""

    name: str
    size: int = 1

    @property
    def key(self) -> str:
        """``name@size``, a user task's name shortened (``my_task:build@1``)."""
        from proxy_tasks.user import label

        return f"{label(self.name)}@{self.size}"


@dataclass(frozen=True)
class Job:
    """Train ``program`` (text); ``hurdle_fitness`` is the bar at the hurdle (``-inf``: none)."""

    index: int
    program: str
    hurdle_fitness: float = float("-inf")
    seed: int | None = None  # the task seed to train on (None: the tasks' own, the search's)
    lr_factors: tuple[float, ...] = (1.0,)  # each task scores its best over these lr factors


@dataclass(frozen=True)
class JobResult:
    index: int
    fitness: float
    status: str
    reason: str
    seconds: float
    worker: str
    tasks: dict = field(default_factory=dict)  # task key -> {fitness, status, steps, loss, ...}
    hurdle_fitness: float = float("nan")  # the first task's fitness at the hurdle


class EvaluationWorker:
    """Holds one compiled evaluator per task and trains jobs on them, task by task.

    The job's fitness is the mean of its task fitnesses; a failed task (or one stopped at the
    hurdle) ends the job, and tasks not run count with their worst fitness.
    """

    def __init__(
        self, tasks: list[TaskSpec], hurdle_fraction: float | None = None, layout=None
    ) -> None:
        """``layout``: the interpreter's register layout (``symopt.execution.encode.Layout``;
        default: the standard one), sized by the campaign to hold its search space."""
        import proxy_tasks
        from symopt.execution.evaluator import Evaluator

        self.specs = list(tasks)
        self.tasks = [proxy_tasks.get_task(t.name, t.size) for t in self.specs]
        self.evaluators = [
            Evaluator(task, layout, hurdle_fraction=hurdle_fraction if i == 0 else None)
            for i, task in enumerate(self.tasks)
        ]
        self.hurdle_fraction = hurdle_fraction
        self.name = f"{socket.gethostname()}:{os.getpid()}"

    def warm_up(self, program_text: str) -> None:
        """Compile every task's evaluator now (the first evaluation compiles)."""
        program = parse(program_text)
        for evaluator in self.evaluators:
            evaluator.evaluate([program])

    def run(self, job: Job) -> JobResult:
        from symopt.execution.evaluator import Hurdle
        from symopt.execution.lr_factors import train_at_factors

        program = parse(job.program)
        per_task: dict[str, dict] = {}
        fitnesses, status, reason, seconds = [], "ok", "", 0.0
        for i, (spec, task, evaluator) in enumerate(
            zip(self.specs, self.tasks, self.evaluators, strict=True)
        ):
            if status != "ok":
                fitnesses.append(task.worst_fitness)
                continue
            use_hurdle = i == 0 and self.hurdle_fraction is not None
            hurdle = Hurdle(self.hurdle_fraction, job.hurdle_fitness) if use_hurdle else None
            result, factor = train_at_factors(evaluator, program, job.lr_factors, hurdle, job.seed)
            per_task[spec.key] = {
                "fitness": result.fitness,
                "status": result.status,
                "steps": result.steps,
                "loss": result.final_loss,
                "hurdle_fitness": result.hurdle_fitness,
            }
            if job.lr_factors != (1.0,):
                per_task[spec.key]["lr_factor"] = factor
            fitnesses.append(result.fitness)
            seconds += result.seconds
            if result.status != "ok":
                status, reason = result.status, f"{spec.key}: {result.reason}"
        first = per_task.get(self.specs[0].key, {})
        return JobResult(
            job.index, statistics.fmean(fitnesses), status, reason, seconds, self.name, per_task,
            first.get("hurdle_fitness", float("nan")),
        )  # fmt: skip
