"""Scoring programs on a proxy task: compile once per task, then any number of programs.

>>> evaluator = Evaluator(get_task("digits_mlp"))
>>> evaluator.evaluate([program])[0]
Result(fitness=0.98..., status='ok', steps=300, final_loss=0.07..., seconds=0.03...)

A program that fails (NaN/Inf, divergence, too large for the register layout) is a result with
the task's worst fitness and a reason, never an exception.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import jax
import numpy as np

from proxy_tasks import Task
from proxy_tasks.train import DIVERGED, HURDLE, NONFINITE, STATUS_NAMES
from symopt.dsl.program import Program
from symopt.execution.encode import EncodeError, Layout, encode
from symopt.execution.interpreter import flat_params, make_trainer


@dataclass(frozen=True)
class Hurdle:
    """Stop a run after ``fraction`` of its steps when its fitness there is below ``fitness``."""

    fraction: float
    fitness: float

    def step(self, task: Task) -> int:
        return max(1, round(self.fraction * task.num_steps))


@dataclass(frozen=True)
class Result:
    """The outcome of training one program on one task."""

    fitness: float
    status: str  # ok | nonfinite | diverged | hurdle | invalid
    steps: int
    final_loss: float
    seconds: float
    reason: str = ""
    losses: np.ndarray | None = field(default=None, repr=False, compare=False)
    hurdle_fitness: float = float("nan")  # fitness at the hurdle step, when a hurdle was set

    @property
    def failed(self) -> bool:
        return self.status in ("nonfinite", "diverged", "invalid")


class Evaluator:
    """Trains programs on ``task`` with the compiled-once interpreter."""

    def __init__(
        self,
        task: Task,
        layout: Layout | None = None,
        keep_losses: bool = False,
        hurdle_fraction: float | None = None,
    ) -> None:
        """``hurdle_fraction``: the hurdle this evaluator will be given (its step is then a
        check point of the training loop, so the hurdle is tested exactly there)."""
        self.task = task
        self.keep_losses = keep_losses
        self.layout = layout or Layout()
        align = Hurdle(hurdle_fraction, 0.0).step(task) if hurdle_fraction is not None else None
        self._train = jax.jit(make_trainer(task, self.layout, align))
        self._val = task.val_data()
        self._seeds: dict[int, tuple] = {}

    def _inputs(self, seed: int | None) -> tuple:
        """Training data and flat initial parameters of the task at ``seed`` (default: its own);
        every seed shares the one compilation."""
        seed = self.task.seed if seed is None else seed
        if seed not in self._seeds:
            task = dataclasses.replace(self.task, seed=seed)
            self._seeds[seed] = (task.train_data(), flat_params(task))
        return self._seeds[seed]

    def evaluate(
        self, programs: Sequence[Program], hurdle: Hurdle | None = None, seed: int | None = None
    ) -> list[Result]:
        """Train each program from the task's initialisation (at task seed ``seed``, default the
        task's own); one result per program."""
        return [self._one(program, hurdle, seed) for program in programs]

    def _one(self, program: Program, hurdle: Hurdle | None, seed: int | None = None) -> Result:
        start = time.perf_counter()
        try:
            enc = encode(program, self.layout)
        except EncodeError as err:
            return Result(self.task.worst_fitness, "invalid", 0, float("nan"), 0.0, str(err))
        data, params = self._inputs(seed)
        hurdle_step = hurdle.step(self.task) if hurdle else -1
        hurdle_fitness = hurdle.fitness if hurdle else -np.inf
        out = self._train(
            enc.code,
            np.int32(enc.length),
            enc.init,
            np.int32(enc.update),
            np.int32(hurdle_step),
            np.float32(hurdle_fitness),
            data,
            self._val,
            params,
        )
        fitness, status, steps, loss, losses, at_hurdle = jax.device_get(out)
        status, steps = int(status), int(steps)
        return Result(
            float(fitness),
            STATUS_NAMES[status],
            steps,
            float(loss),
            time.perf_counter() - start,
            self._reason(status, steps, hurdle),
            losses if self.keep_losses else None,
            float(at_hurdle),
        )

    def _reason(self, status: int, steps: int, hurdle: Hurdle | None) -> str:
        if status == NONFINITE:
            return f"the loss or the weights became NaN by step {steps}"
        if status == DIVERGED:
            limit = self.task.divergence_loss
            return f"the training loss exceeded {limit:.3g} (or was Inf) by step {steps}"
        if status == HURDLE:
            return f"fitness at step {steps} was below the hurdle {hurdle.fitness:g}"
        return ""
