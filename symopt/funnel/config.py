"""The funnel config: which programs, which stages, seeds, sweeps and baselines. Strict, like the
campaign's.

Every key has a default, and so has the file itself (``symopt funnel RUN_DIR`` without
``--config``)::

    top: 5                       # the best K distinct programs of the run (by fingerprint)
    stages:                      # default: the run's first task at size 10, then at size 100
      - {task: digits_mlp, size: 10}
      - {task: digits_mlp, size: 100}
      # your own task: {task: build, module: my_task.py, size: 10} (module as in a campaign's
      # tasks, relative to this file)
    seeds: 2                     # tuning seeds and report seeds per stage, each (at least 2)
    lr_factors: [0.3, 1.0, 3.0]  # each program's sweep: factors on its own lr
    baselines:
      adamw_lrs: [1.0e-4, ..., 1.0e-1]          # first peak lrs swept (7, as the benchmark's)
      adamw_weight_decays: [0.0, 0.01, 0.1]     # every one swept; the best (lr, wd) counts
      lion_lrs: [1.0e-5, ..., 1.0e-2]           # 10x smaller, as the Lion paper advises
      lion_weight_decays: [0.0, 0.1, 1.0]       # 10x larger, as the Lion paper advises
      widen: 8

Every mistake raises :class:`SymoptError` with one line, ``<file>: <key.path>: <what is wrong>``,
e.g. ``funnel.yaml: stages[1].task: unknown task 'cancer'; did you mean 'cancer_mlp'?``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import Field, ValidationError, field_validator

from symopt.benchmark.baselines import baseline
from symopt.config import Config, TaskSettings
from symopt.config.messages import describe, first_error
from symopt.config.reading import read_mapping
from symopt.config.sections import Float, Int, Section, Str, problem
from symopt.errors import SymoptError
from symopt.sweep import DEFAULT_EXTEND

DEFAULT_SIZES = (10, 100)

PeakLr = Annotated[Float, Field(gt=0)]
Decay = Annotated[Float, Field(ge=0)]
Lrs = Annotated[tuple[PeakLr, ...], Field(min_length=1)]
Decays = Annotated[tuple[Decay, ...], Field(min_length=1)]


def _sorted_distinct(values: tuple[float, ...], what: str) -> tuple[float, ...]:
    for i, value in enumerate(values):
        if value in values[:i]:
            raise problem(f"repeats {value:g}; list each {what} once", i)
    return tuple(sorted(values))


class StageSettings(TaskSettings):
    """One stage of the funnel: a proxy task at one size (checked like a campaign's tasks)."""

    name: Str = Field(alias="task")
    """A registered proxy task (one of ``proxy_tasks.task_names()``), e.g. ``digits_mlp``; with
    ``module``, the task builder in that module (as a campaign's ``tasks``)."""

    @property
    def label(self) -> str:
        """``digits_mlp/10``: how the table and the log name the stage (``my_task:build/10``)."""
        from proxy_tasks.user import label

        return f"{label(self.reference)}/{self.size}"


class BaselineSettings(Section):
    """AdamW and Lion (:mod:`symopt.benchmark.baselines`) at every stage, each at the (lr, weight
    decay) of its sweep with the lowest validation loss."""

    adamw_lrs: Lrs = baseline("AdamW").lrs
    """Peak learning rates tried for AdamW (scaled by the task's schedule)."""
    adamw_weight_decays: Decays = baseline("AdamW").weight_decays
    """Decoupled weight decays tried for AdamW (each with every lr)."""
    lion_lrs: Lrs = baseline("Lion").lrs
    """Peak learning rates tried for Lion."""
    lion_weight_decays: Decays = baseline("Lion").weight_decays
    """Decoupled weight decays tried for Lion."""
    widen: Annotated[Int, Field(ge=0)] = DEFAULT_EXTEND
    """New lrs a sweep may add per side while its best lr is its smallest or largest
    (:mod:`symopt.sweep`); 0 trains exactly the lrs listed. Programs' factors widen too."""

    @field_validator("adamw_lrs", "lion_lrs")
    @classmethod
    def _distinct(cls, lrs: tuple[float, ...]) -> tuple[float, ...]:
        return _sorted_distinct(lrs, "learning rate")

    @field_validator("adamw_weight_decays", "lion_weight_decays")
    @classmethod
    def _distinct_decays(cls, decays: tuple[float, ...]) -> tuple[float, ...]:
        return _sorted_distinct(decays, "weight decay")


class FunnelConfig(Section):
    """A funnel over a run's best programs (DESIGN.md section 5, PAPER_NOTES "Generalisation")."""

    top: Annotated[Int, Field(ge=1)] = 5
    """How many distinct programs (by fingerprint) of the run enter the first stage."""
    stages: Annotated[tuple[StageSettings, ...], Field(min_length=1)] | None = None
    """The stages in order, usually of growing cost; null = the run's first task at size 10, then
    at size 100."""
    seeds: Annotated[Int, Field(ge=2, le=1000)] = 2
    """Tuning seeds (that choose each optimizer's setting on validation) and, as many again,
    report seeds (that measure it on test), per stage."""
    lr_factors: Lrs = (0.3, 1.0, 3.0)
    """Each program's first sweep: factors on its own ``lr`` (``lr = lr * f`` prepended)."""
    baselines: BaselineSettings = BaselineSettings()
    """The optax baselines and their sweeps."""

    @field_validator("lr_factors")
    @classmethod
    def _distinct_factors(cls, factors: tuple[float, ...]) -> tuple[float, ...]:
        return _sorted_distinct(factors, "factor")

    @field_validator("stages")
    @classmethod
    def _distinct_stages(cls, stages: tuple[StageSettings, ...] | None):
        for i, stage in enumerate(stages or ()):
            if stage in stages[:i]:
                first = stages.index(stage)
                raise problem(f"repeats stages[{first}] ({stage.label}); list each stage once", i)
        return stages

    def resolved(self, run_config: Config) -> FunnelConfig:
        """This config with ``stages`` filled in from the run when it is null."""
        if self.stages is not None:
            return self
        first = run_config.tasks[0]
        stages = tuple(
            StageSettings(task=first.name, size=size, module=first.module) for size in DEFAULT_SIZES
        )
        return self.model_copy(update={"stages": stages})

    def to_dict(self) -> dict:
        """Plain JSON data that :func:`funnel_config_from_dict` turns back into an equal config."""
        return self.model_dump(mode="json", by_alias=True)


def funnel_config_from_dict(
    data: object, source: str = "<funnel config>", *, base_dir: str | Path = "."
) -> FunnelConfig:
    """Validate parsed funnel config data (as ``yaml.safe_load`` returns it); a stage's
    ``module`` file is found relative to ``base_dir``."""
    if not isinstance(data, Mapping):
        raise SymoptError(
            f"{source}: the top level must be a mapping of keys to values, got {describe(data)}"
        )
    try:
        return FunnelConfig.model_validate(data, context={"base_dir": Path(base_dir)})
    except ValidationError as err:
        raise SymoptError(f"{source}: {first_error(err, FunnelConfig)}") from None


def load_funnel_config(path: str | Path | None) -> FunnelConfig:
    """The funnel config at ``path`` (every default when ``path`` is None or the file is empty);
    a stage's ``module`` file is found relative to the file's folder."""
    if path is None or _is_empty(Path(path)):
        return FunnelConfig()
    return funnel_config_from_dict(read_mapping(path), str(path), base_dir=Path(path).parent)


def _is_empty(path: Path) -> bool:
    # An empty file means "all defaults" here (the campaign reader demands a 'name' instead).
    try:
        return path.is_file() and yaml.safe_load(path.read_bytes()) is None
    except (OSError, yaml.YAMLError):
        return False  # read_mapping reports it
