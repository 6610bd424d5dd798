"""The funnel config: which programs, which stages, which baselines. Strict, like the campaign's.

Every key has a default, and so has the file itself (``symopt funnel RUN_DIR`` without
``--config``)::

    top: 5                       # the best K distinct programs of the run (by fingerprint)
    stages:                      # default: the run's first task at size 10, then at size 100
      - {task: digits_mlp, size: 10}
      - {task: digits_mlp, size: 100}
    baselines:
      adamw_lrs: [1.0e-4, 1.0e-3, 1.0e-2, 1.0e-1]   # first peak lrs swept; the best one counts
      lion_lrs: [1.0e-5, 1.0e-4, 1.0e-3, 1.0e-2]    # 10x smaller, as the paper advises
      weight_decay: 0.01         # decoupled, for both (the weight decay of the seed programs)

Every mistake raises :class:`SymoptError` with one line, ``<file>: <key.path>: <what is wrong>``,
e.g. ``funnel.yaml: stages[1].task: unknown task 'cancer'; did you mean 'cancer_mlp'?``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import Field, ValidationError, field_validator

from symopt.config import Config, TaskSettings
from symopt.config.messages import describe, first_error
from symopt.config.reading import read_mapping
from symopt.config.sections import Float, Int, Section, Str, problem
from symopt.errors import SymoptError
from symopt.sweep import ADAMW_LRS, DEFAULT_EXTEND, LION_LRS

DEFAULT_SIZES = (10, 100)

PeakLr = Annotated[Float, Field(gt=0)]


class StageSettings(TaskSettings):
    """One stage of the funnel: a proxy task at one size (checked like a campaign's tasks)."""

    name: Str = Field(alias="task")
    """A registered proxy task (one of ``proxy_tasks.task_names()``), e.g. ``digits_mlp``."""

    @property
    def label(self) -> str:
        """``digits_mlp/10``: how the table and the log name the stage."""
        return f"{self.name}/{self.size}"


class BaselineSettings(Section):
    """The optax baselines run at every stage, each at the best peak lr of its sweep."""

    adamw_lrs: Annotated[tuple[PeakLr, ...], Field(min_length=1)] = ADAMW_LRS
    """Peak learning rates tried for ``optax.adamw`` (scaled by the task's schedule)."""
    lion_lrs: Annotated[tuple[PeakLr, ...], Field(min_length=1)] = LION_LRS
    """Peak learning rates tried for ``optax.lion``."""
    weight_decay: Annotated[Float, Field(ge=0)] = 0.01
    """Decoupled weight decay of both AdamW and Lion (the value the seed programs use)."""
    widen: Annotated[Int, Field(ge=0)] = DEFAULT_EXTEND
    """New lrs a sweep may add per side while its best lr is its smallest or largest
    (:mod:`symopt.sweep`); 0 trains exactly the lrs listed."""

    @field_validator("adamw_lrs", "lion_lrs")
    @classmethod
    def _distinct(cls, lrs: tuple[float, ...]) -> tuple[float, ...]:
        for i, lr in enumerate(lrs):
            if lr in lrs[:i]:
                raise problem(f"repeats {lr:g}; list each learning rate once", i)
        return tuple(sorted(lrs))


class FunnelConfig(Section):
    """A funnel over a run's best programs (DESIGN.md section 5, PAPER_NOTES "Generalisation")."""

    top: Annotated[Int, Field(ge=1)] = 5
    """How many distinct programs (by fingerprint) of the run enter the first stage."""
    stages: Annotated[tuple[StageSettings, ...], Field(min_length=1)] | None = None
    """The stages in order, usually of growing cost; null = the run's first task at size 10, then
    at size 100."""
    baselines: BaselineSettings = BaselineSettings()
    """The optax baselines and their learning-rate sweeps."""

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
        task = run_config.tasks[0].name
        stages = tuple(StageSettings(task=task, size=size) for size in DEFAULT_SIZES)
        return self.model_copy(update={"stages": stages})

    def to_dict(self) -> dict:
        """Plain JSON data that :func:`funnel_config_from_dict` turns back into an equal config."""
        return self.model_dump(mode="json", by_alias=True)


def funnel_config_from_dict(data: object, source: str = "<funnel config>") -> FunnelConfig:
    """Validate parsed funnel config data (as ``yaml.safe_load`` returns it)."""
    if not isinstance(data, Mapping):
        raise SymoptError(
            f"{source}: the top level must be a mapping of keys to values, got {describe(data)}"
        )
    try:
        return FunnelConfig.model_validate(data)
    except ValidationError as err:
        raise SymoptError(f"{source}: {first_error(err, FunnelConfig)}") from None


def load_funnel_config(path: str | Path | None) -> FunnelConfig:
    """The funnel config at ``path`` (every default when ``path`` is None or the file is empty)."""
    if path is None or _is_empty(Path(path)):
        return FunnelConfig()
    return funnel_config_from_dict(read_mapping(path), str(path))


def _is_empty(path: Path) -> bool:
    # An empty file means "all defaults" here (the campaign reader demands a 'name' instead).
    try:
        return path.is_file() and yaml.safe_load(path.read_bytes()) is None
    except (OSError, yaml.YAMLError):
        return False  # read_mapping reports it
