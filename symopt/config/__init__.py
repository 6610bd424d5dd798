"""Campaign configs: a YAML file in, a validated, typed, frozen :class:`Config` out.

Every key except ``name`` has a default; ``configs/`` holds working examples::

    name: quick                  # [A-Za-z0-9_.-]+; the run directory defaults to runs/<name>
    seed: 0
    search_space: lion45         # built-in name, or path to a search-space YAML (relative to here)
    seed_program: null           # or a program file (relative to here) to start from instead of
                                 # the space's seed; its state slots become the space's
    tasks: [{name: digits_mlp, size: 1}]   # your own: {module: my_task.py, name: build, size: 1}
    population: 100
    tournament: 10
    mutation: {insert: 1.0, delete: 1.0, modify: 1.0, redraw_prob: 0.1, max_tries: 100}
    budget: {max_evaluations: 2000, max_seconds: null}
    restarts: {plateau: null, from: best}
    hurdle: null                 # or {fraction: 0.25, quantile: 0.5}
    meta_validation: null        # or {task: {name: digits_mlp, size: 10}, every: 200}
    reevaluation: {seeds: 2}     # a new best is trained on 2 more task seeds before it counts
    fitness: {combine: normalized, lr_factors: [1.0], lr_proportional: false}
                                 # several tasks: each on a common scale, then the mean; each
                                 # task: its best over these lr factors; true: a program whose
                                 # update is not proportional to lr is refused untrained
    backend: {kind: local, workers: auto, address: null}
    out: null

Every mistake raises :class:`SymoptError` with one line, ``<file>: <key.path>: <what is wrong>``,
e.g. ``configs/x.yaml: populaton: unknown key; did you mean 'population'?``. The resolved config
(:meth:`Config.to_yaml`) is saved in each run directory and loads back to an equal config.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from symopt.config.messages import describe, first_error
from symopt.config.reading import read_mapping
from symopt.config.sections import (
    BackendSettings,
    BudgetSettings,
    CacheSettings,
    FitnessSettings,
    HurdleSettings,
    Int,
    MetaValidationSettings,
    MutationSettings,
    ReevaluationSettings,
    RestartSettings,
    Section,
    Str,
    TaskSettings,
    base_dir,
    entry_reference,
    problem,
    task_key,
)
from symopt.dsl.space import SearchSpace, load_space
from symopt.dsl.text import read_program
from symopt.errors import SymoptError

__all__ = [
    "BackendSettings",
    "BudgetSettings",
    "Config",
    "HurdleSettings",
    "MutationSettings",
    "RestartSettings",
    "TaskSettings",
    "config_from_dict",
    "entry_reference",
    "load_config",
    "task_key",
]

_NAME = re.compile(r"[A-Za-z0-9_.-]+")


class Config(Section):
    """One evolutionary search campaign (DESIGN.md sections 5-7)."""

    name: Str
    """The campaign's name: letters, digits, ``_``, ``.``, ``-``; names the run directory."""
    seed: Annotated[Int, Field(ge=0, le=2**32 - 1)] = 0
    """The campaign seed; every random choice derives from it, so a seed repeats a run."""
    search_space: Str = "lion45"
    """A built-in search space (``search_spaces/<name>.yaml``) or a path ending in ``.yaml`` or
    ``.yml``, relative to the config file; resolved to an absolute path when loaded."""
    seed_program: Str | None = None
    """A program file, relative to the config file, that the search starts from instead of the
    search space's own seed (resolved to an absolute path when loaded). Its state slots become the
    space's, and every op it uses must be in the space. null = the space's seed."""
    tasks: Annotated[tuple[TaskSettings, ...], Field(min_length=1)] = Field(
        default_factory=lambda: (TaskSettings(name="digits_mlp"),)
    )
    """The proxy tasks that score a program; its fitness is the mean of their fitnesses."""
    population: Annotated[Int, Field(ge=2)] = 100
    """P, the number of programs in the population of regularized evolution."""
    tournament: Annotated[Int, Field(ge=1)] = 10
    """T, the number of programs drawn for each tournament (at most P); the best one is mutated."""
    mutation: MutationSettings = MutationSettings()
    """How a tournament winner becomes a child."""
    budget: BudgetSettings = BudgetSettings(max_evaluations=2000)
    """When the search stops."""
    restarts: RestartSettings = RestartSettings()
    """When and from where the population restarts."""
    hurdle: HurdleSettings | None = None
    """Early stopping of weak candidates part-way through training; null = every run finishes."""
    meta_validation: MetaValidationSettings | None = None
    """Score each new best program on a larger task during the search; null = off."""
    reevaluation: ReevaluationSettings = ReevaluationSettings()
    """Elites trained on more task seeds before they count as the run's best."""
    fitness: FitnessSettings = FitnessSettings()
    """How several tasks' fitnesses combine."""
    cache: CacheSettings = CacheSettings()
    """The functional cache (fingerprints of behaviour on probe inputs)."""
    backend: BackendSettings = BackendSettings()
    """Where evaluations run."""
    out: Str | None = None
    """The run directory (relative to the current directory); null = ``runs/<name>``."""

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.fullmatch(name) or name in (".", ".."):
            raise problem(
                "must be letters, digits, '_', '.' or '-' (it names the run directory), "
                f"got {describe(name)}"
            )
        return name

    @field_validator("search_space")
    @classmethod
    def _search_space(cls, value: str, info: ValidationInfo) -> str:
        if Path(value).suffix in (".yaml", ".yml"):
            value = str((base_dir(info) / value).resolve())
        try:
            load_space(value)
        except SymoptError as err:
            raise problem(str(err)) from None
        return value

    @field_validator("seed_program")
    @classmethod
    def _seed_program(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        path = (base_dir(info) / value).resolve()
        try:
            read_program(path)
        except SymoptError as err:
            raise problem(str(err)) from None
        return str(path)

    @model_validator(mode="after")
    def _seed_in_space(self) -> Config:
        if self.seed_program is not None:
            space = load_space(self.search_space)
            for stmt in read_program(self.seed_program).body:
                if stmt.op not in space.op_weights:
                    raise problem(
                        f"uses {stmt.op}, which search space {space.name} does not hold",
                        "seed_program",
                    )
        return self

    @field_validator("tasks")
    @classmethod
    def _distinct_tasks(cls, tasks: tuple[TaskSettings, ...]) -> tuple[TaskSettings, ...]:
        for i, task in enumerate(tasks):
            if task in tasks[:i]:
                first = tasks.index(task)
                raise problem(
                    f"repeats tasks[{first}] ({task.name}, size {task.size}); list each task once",
                    i,
                )
        return tasks

    @field_validator("out")
    @classmethod
    def _out(cls, out: str | None) -> str | None:
        if out is not None and not out.strip():
            raise problem("must not be empty; use null for runs/<name>")
        return out

    @model_validator(mode="after")
    def _tournament_fits(self) -> Config:
        if self.tournament > self.population:
            default = "" if "tournament" in self.model_fields_set else " (the default)"
            raise problem(
                f"must be at most population ({self.population}), got {self.tournament}{default}",
                "tournament",
            )
        return self

    @property
    def run_dir(self) -> Path:
        """Where the run is written: ``out``, or ``runs/<name>`` when ``out`` is null."""
        return Path(self.out) if self.out is not None else Path("runs") / self.name

    def load_search_space(self) -> SearchSpace:
        """The search space this campaign searches, with ``seed_program`` as its seed when set
        (both already checked when the config loaded)."""
        space = load_space(self.search_space)
        if self.seed_program is None:
            return space
        seed = read_program(self.seed_program)
        return dataclasses.replace(space, seed=seed, state_slots=seed.num_states)

    def to_yaml(self) -> str:
        """The resolved config as YAML, every default filled in; it loads back as an equal one."""
        data = self.model_dump(mode="json", by_alias=True)
        header = "# symopt campaign config, resolved: every default filled in.\n"
        return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    def updated(self, changes: Mapping[str, object], source: str = "command line") -> Config:
        """A copy with ``changes`` merged in (nested mappings merge key by key) and revalidated.

        E.g. ``config.updated({"backend": {"address": "10.0.0.1:6379"}}, source="--address")``.
        """
        data = _merge(self.model_dump(mode="json", by_alias=True), changes)
        return config_from_dict(data, source)


def load_config(path: str | Path) -> Config:
    """Read and validate the campaign config at ``path``; raises a one-line :class:`SymoptError`.

    A relative ``search_space`` path is resolved against the config file's folder.
    """
    return config_from_dict(read_mapping(path), str(path), base_dir=Path(path).parent)


def config_from_dict(
    data: object, source: str = "<config>", *, base_dir: str | Path | None = None
) -> Config:
    """Validate already-parsed config data (as ``yaml.safe_load`` returns it).

    ``source`` names the data in error messages (usually the file name). A relative
    ``search_space`` path is resolved against ``base_dir``, by default the current directory.
    """
    if not isinstance(data, Mapping):
        raise SymoptError(
            f"{source}: the top level must be a mapping of keys to values, got {describe(data)}"
        )
    context = {"base_dir": Path(base_dir) if base_dir is not None else Path(".")}
    try:
        return Config.model_validate(data, context=context)
    except ValidationError as err:
        raise SymoptError(f"{source}: {first_error(err, Config)}") from None


def _merge(base: dict, changes: Mapping[str, object]) -> dict:
    merged = dict(base)
    for key, value in changes.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, Mapping):
            merged[key] = _merge(old, value)
        else:
            merged[key] = value
    return merged
