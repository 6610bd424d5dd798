"""The sections of a campaign config: one frozen, strict pydantic model per YAML mapping.

Strict means a value keeps the type YAML gave it: ``population: "100"`` or ``population: 1.5`` is
refused rather than converted (a float field does accept a whole number). Unknown keys are refused
(``extra="forbid"``). Each field's docstring is its description in the JSON schema.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    Strict,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from symopt.config.messages import describe

Int = Annotated[int, Strict()]
Float = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Str = Annotated[str, Strict()]


def problem(message: str, *key: str | int) -> PydanticCustomError:
    """A validation error whose text is ``message``; ``key`` extends the error's location."""
    return PydanticCustomError("symopt", "{message}", {"message": message, "key": key})


def base_dir(info: ValidationInfo) -> Path:
    """The folder a config's relative paths are read from: the config file's, given as the
    validation context's ``base_dir`` (default: the current directory)."""
    return Path((info.context or {}).get("base_dir", "."))


class Section(BaseModel):
    """Base of every config model: unknown keys refused, values frozen, docstrings described."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class TaskSettings(Section):
    """One proxy task, registered or from the user's own module; the campaign's fitness is the
    mean of its tasks' fitnesses."""

    name: Str
    """A registered proxy task (one of ``proxy_tasks.task_names()``), e.g. ``digits_mlp``; with
    ``module``, the task builder in that module, called as ``name(size) -> proxy_tasks.Task``."""
    size: Int = 1
    """The task's size, one of ``proxy_tasks.SIZES``: 1, 10 or 100 (about 1x, 10x, 100x compute)."""
    module: Str | None = None
    """Your own task's module: a file ending in ``.py``, relative to this config file, or a
    module name (``mypkg.tasks``), looked up beside this config file first, then on
    ``sys.path``. Resolved when loaded (a file to its absolute path). null: ``name`` is a
    registered task."""

    @field_validator("size")
    @classmethod
    def _known_size(cls, size: int) -> int:
        from proxy_tasks import SIZES

        if size not in SIZES:
            choices = ", ".join(map(str, SIZES[:-1])) + f" or {SIZES[-1]}"
            raise problem(f"must be {choices}, got {size}")
        return size

    @field_validator("module")
    @classmethod
    def _resolve_module(cls, module: str | None, info: ValidationInfo) -> str | None:
        if module is None:
            return None
        from proxy_tasks import TaskError  # imports jax, so only when a task is validated
        from proxy_tasks.user import resolve_module

        try:
            return resolve_module(module, base_dir(info))
        except TaskError as err:
            raise problem(str(err)) from None

    @model_validator(mode="after")
    def _known_task(self) -> TaskSettings:
        from proxy_tasks import TaskError, task_names
        from proxy_tasks.heldout import HELDOUT
        from proxy_tasks.user import builder_in, load_module

        key = type(self).model_fields["name"].alias or "name"
        if self.module is not None:
            try:
                module = load_module(self.module)
            except TaskError as err:
                raise problem(str(err), "module") from None
            try:
                builder_in(module, self.module, self.name)
            except TaskError as err:
                raise problem(str(err), key) from None
            return self
        if self.name in HELDOUT:
            raise problem(f"'{self.name}' is a held-out task: campaigns may not train on it", key)
        known = task_names()
        if self.name not in known:
            close = difflib.get_close_matches(self.name, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
            raise problem(f"unknown task '{self.name}'{hint}", key)
        return self

    @model_serializer(mode="wrap")
    def _without_null_module(self, serialize: SerializerFunctionWrapHandler) -> dict:
        # a registered task saves as before, so the config hash of every earlier run holds
        data = serialize(self)
        if data.get("module", "") is None:
            del data["module"]
        return data

    @property
    def reference(self) -> str:
        """How ``proxy_tasks.get_task`` names this task: ``name``, or ``MODULE:NAME`` for the
        user's own (``MODULE`` resolved)."""
        return self.name if self.module is None else f"{self.module}:{self.name}"

    @property
    def key(self) -> str:
        """``name@size``, as runs, tables and probe files name the task (a user task's
        ``MODULE:NAME`` shortened by ``proxy_tasks.user.label``, e.g. ``my_task:build@1``)."""
        return task_key(self.reference, self.size)


def entry_reference(entry: dict) -> str:
    """:attr:`TaskSettings.reference` of a ``tasks`` entry as a saved ``config.yaml`` holds it
    (``module`` already resolved), without validating it (nor importing the module)."""
    name = str(entry.get("name"))
    module = entry.get("module")
    return name if module is None else f"{module}:{name}"


def task_key(reference: str, size: int) -> str:
    """``label@size``: see :attr:`TaskSettings.key`."""
    from proxy_tasks.user import label

    return f"{label(reference)}@{size}"


class MutationSettings(Section):
    """How a tournament winner is mutated into a child (``symopt.search.mutation``)."""

    insert: Annotated[Float, Field(ge=0)] = 1.0
    """Relative weight of inserting a random statement."""
    delete: Annotated[Float, Field(ge=0)] = 1.0
    """Relative weight of deleting a statement."""
    modify: Annotated[Float, Field(ge=0)] = 1.0
    """Relative weight of changing one argument (a variable, or a constant scaled by 2^N(0,1))."""
    redraw_prob: Annotated[Float, Field(ge=0, le=1)] = 0.1
    """Probability that a modified constant is redrawn from N(0,1) instead of scaled."""
    max_tries: Annotated[Int, Field(ge=1)] = 100
    """Attempts at a valid child that differs from its parent before the mutation gives up."""

    @model_validator(mode="after")
    def _some_weight(self) -> MutationSettings:
        if not any(self.weights.values()):
            raise problem("the insert, delete and modify weights are all 0, so nothing can mutate")
        return self

    @property
    def weights(self) -> dict[str, float]:
        """The relative weights by mutation kind, as ``symopt.search.MutationConfig`` takes them."""
        return {"insert": self.insert, "delete": self.delete, "modify": self.modify}


class BudgetSettings(Section):
    """When the search stops: at whichever limit comes first. At least one must be set.

    A ``budget:`` mapping in the file leaves the limits it omits unset (null); omitting
    ``budget:`` altogether gives 2000 evaluations and no time limit.
    """

    max_evaluations: Annotated[Int, Field(ge=1)] | None = None
    """Stop after this many programs have been evaluated (cache hits included); null = no limit."""
    max_seconds: Annotated[Float, Field(gt=0)] | None = None
    """Stop after this many seconds of wall-clock time, counted over every session of the run:
    ``--resume`` continues the clock (raise the limit in the config to search longer); null = no
    limit."""

    @model_validator(mode="after")
    def _some_limit(self) -> BudgetSettings:
        if self.max_evaluations is None and self.max_seconds is None:
            raise problem("set max_evaluations, max_seconds or both, or the search never stops")
        return self


class RestartSettings(Section):
    """Restarting the population when the search stalls."""

    plateau: Annotated[Int, Field(ge=1)] | None = None
    """Restart after this many candidates judged (trained or not) without a new best fitness;
    null = never restart."""
    from_: Literal["best", "seed"] = Field("best", alias="from")
    """``best``: refill the population from the best program so far; ``seed``: from the seed."""


class HurdleSettings(Section):
    """Early stopping of hopeless candidates, to spend the budget on promising ones."""

    fraction: Annotated[Float, Field(gt=0, lt=1)] = 0.25
    """Where the hurdle stands, as a fraction of each task's training steps."""
    quantile: Annotated[Float, Field(ge=0, le=1)] = 0.5
    """A candidate whose fitness at the hurdle is below this quantile of the current population's
    fitness is stopped there (and keeps that fitness)."""


class MetaValidationSettings(Section):
    """Watching for meta-overfitting: the best program so far, scored on a larger task."""

    task: TaskSettings
    """The meta-validation task, usually bigger than the search's, e.g. ``{name: digits_mlp,
    size: 10}``."""
    every: Annotated[Int, Field(ge=1)] = 200
    """Check every this many trained evaluations, when the best program has changed."""
    patience: Annotated[Int, Field(ge=1)] | None = None
    """Stop the search after this many checks without a new best meta-validation fitness;
    null = never stop for this reason."""


class ReevaluationSettings(Section):
    """The winner's curse: a program that leads on the search's task seed is often lucky there."""

    seeds: Annotated[Int, Field(ge=0, le=999)] = 2
    """Extra task seeds (1, 2, ...; the search trains on seed 0) on which a trained program whose
    fitness beats the run's best is trained again; it becomes the run's best (the one ``#best``
    names, ``show`` prints and meta-validation scores) only if its mean over all these seeds
    still leads. 0 = off: the best is the highest single-seed fitness."""


class FitnessSettings(Section):
    """How the fitnesses of several tasks become one number."""

    combine: Literal["normalized", "mean"] = "normalized"
    """``normalized``: each task's fitness f is put on a common scale before the mean,
    ``(f - f0) / (ref - f0)``, where ``f0`` is the fitness of the task's initial parameters (no
    training) and ``ref`` the seed program's fitness, both measured when the campaign starts and
    stored with the run: 1 is as good as the seed program, 0 no better than not training (when
    ``ref <= f0`` the scale is 1). ``mean``: the plain mean of raw fitnesses, which mixes units
    (an accuracy and a negative loss). With one task, fitness is that task's own either way."""
    lr_factors: Annotated[
        tuple[Annotated[Float, Field(gt=0)], ...], Field(min_length=1, max_length=5)
    ] = (1.0,)
    """Each task's fitness is the best over training the program at these factors of its ``lr``
    (``lr = lr * f`` prepended; 1 is the program as written), as the benchmark scores a program
    after tuning its lr: a constant that only retunes the step size for the proxy gains nothing.
    Each factor is a full training run, so the search trains that many times as much."""
    lr_proportional: bool = False
    """Reject, without training, a candidate whose update is not proportional to its ``lr`` on
    the probes (``update(k * lr) = k * update(lr)`` for k = 1/32 and 32): only such a program
    can be tuned by the benchmark's lr sweep and follows the task's schedule. Off by default,
    as in the paper's search (``symopt.analysis.lr_scaling``)."""

    @field_validator("lr_factors")
    @classmethod
    def _distinct_factors(cls, factors: tuple[float, ...]) -> tuple[float, ...]:
        for i, value in enumerate(factors):
            if value in factors[:i]:
                raise problem(f"repeats {value:g}; list each factor once", i)
        return tuple(sorted(factors))


class CacheSettings(Section):
    """The functional cache: candidates that compute what an evaluated program computed."""

    enabled: bool = True
    """Answer functional duplicates (same fingerprint) from the run instead of training them."""
    file: Str | None = None
    """A cache file shared across campaigns (created if missing; relative to the current
    directory); results there are keyed by fingerprint, tasks and hurdle. null = none."""


class BackendSettings(Section):
    """Where programs are evaluated (DESIGN.md section 6)."""

    kind: Literal["local", "ray"] = "local"
    """``local``: in this process; ``ray``: on Ray actors (a local Ray instance, or a cluster)."""
    workers: Int | Literal["auto"] = "auto"
    """Evaluations in flight at once; ``auto``: 1 for local, the cluster's CPU count for ray."""
    address: Str | None = None
    """The Ray cluster to join (as in ``ray.init(address=...)``); null starts a local Ray
    instance. Only with ``kind: ray``."""

    @field_validator("workers", mode="before")
    @classmethod
    def _workers(cls, workers: object) -> object:
        if workers == "auto":
            return workers
        if not isinstance(workers, int) or isinstance(workers, bool):
            raise problem(f"must be a whole number or 'auto', got {describe(workers)}")
        if workers < 1:
            raise problem(f"must be at least 1 (or 'auto'), got {workers}")
        return workers

    @field_validator("address")
    @classmethod
    def _address(cls, address: str | None) -> str | None:
        if address is not None and not address.strip():
            raise problem("must not be empty; use null to start a local Ray instance")
        return address

    @model_validator(mode="after")
    def _address_needs_ray(self) -> BackendSettings:
        if self.address is not None and self.kind != "ray":
            raise problem(f"only applies with kind 'ray', but kind is '{self.kind}'", "address")
        return self

    def worker_count(self, available_cpus: int) -> int:
        """The number of workers: ``workers`` itself, or resolved from ``auto`` as documented."""
        if self.workers != "auto":
            return self.workers
        return max(1, available_cpus) if self.kind == "ray" else 1
