"""Setting a campaign up: its identity, tasks, interpreter layout, probes and run store.

Pure functions of the config (and the run directory on resume), kept apart from the search loop
in :mod:`symopt.campaign`.
"""

from __future__ import annotations

import hashlib

import yaml

from symopt.config import Config
from symopt.errors import SymoptError
from symopt.execution.encode import Layout
from symopt.execution.lr_factors import statements_needed
from symopt.search.mutation import MutationConfig
from symopt.store import DB_NAME, RunStore

# The parts of a config that define a search; the others (budget, backend, out) may change on
# --resume.
_IDENTITY_KEYS = ("name", "seed", "search_space", "seed_program", "tasks", "population",
                  "tournament", "mutation", "restarts", "hurdle", "cache", "meta_validation",
                  "reevaluation", "fitness")  # fmt: skip
PROBES_DIR = "probes"


# Settings added after runs were made, as (section or None, key): at their defaults they leave
# the identity, so those runs keep their hash and still resume.
_LATER_DEFAULTS = {(None, "seed_program"): None, ("fitness", "lr_factors"): [1.0],
                   ("fitness", "lr_proportional"): False}  # fmt: skip


def config_hash(config: Config) -> str:
    data = yaml.safe_load(config.to_yaml())
    identity = {key: data.get(key) for key in _IDENTITY_KEYS}
    for (section, key), default in _LATER_DEFAULTS.items():
        holder = identity if section is None else identity[section]
        if holder.get(key) == default:
            del holder[key]
    return hashlib.sha256(yaml.safe_dump(identity, sort_keys=True).encode()).hexdigest()[:16]


def mutation_config(config: Config, space) -> MutationConfig:
    """What the campaign's mutations may do, from its config and its search space."""
    return MutationConfig(
        space.op_weights, config.mutation.weights, space.insert_constant,
        config.mutation.redraw_prob, space.max_statements, config.mutation.max_tries,
    )  # fmt: skip


def load_tasks(specs) -> list:
    """The proxy tasks of ``specs``; an unknown one is one line."""
    import proxy_tasks

    try:
        return [proxy_tasks.get_task(s.name, s.size) for s in specs]
    except proxy_tasks.TaskError as err:
        raise SymoptError(str(err)) from None


def interpreter_layout(space, lr_factors=(1.0,)) -> Layout:
    """The interpreter's layout, grown to hold every program of the search space (and the
    statement that scales its lr, when the campaign trains at ``lr_factors``), with the space's
    ops only (``SearchSpace.ops``): a compiled branch per op, so ops of other spaces would only
    lengthen the compilation."""
    if space.max_statements is None:
        raise SymoptError(
            f"search space '{space.name}' sets no max_statements: the interpreter's register "
            "layout is fixed when a task is compiled, so a search needs a length limit "
            "(lion45 uses 40)"
        )
    statements = statements_needed(space.max_statements, lr_factors)
    return Layout.fitting(statements, space.state_slots, space.ops)


def task_probes(run_dir, specs, tasks, resume: bool, space) -> list:
    """One probe per task, recorded from its first training steps (with matrix blocks when the
    search space has a matrix op); a resumed run reads the probes it was started with, so its
    fingerprints stay the same."""
    from symopt.analysis.probes import Probe, needs_blocks, record_probe

    blocks = needs_blocks([*space.op_weights, *(stmt.op for stmt in space.seed.body)])
    probes = []
    for spec, task in zip(specs, tasks, strict=True):
        path = run_dir / PROBES_DIR / f"{spec.key}.npz"
        found = Probe.load(path) if resume and path.is_file() else None
        probes.append(found or record_probe(task, blocks=blocks))
    return probes


def save_probes(store: RunStore, specs, probes) -> None:
    """Keep the probes in the run directory (a run started before they existed gets them)."""
    for spec, probe in zip(specs, probes, strict=True):
        name = f"{PROBES_DIR}/{spec.key}.npz"
        if not (store.run_dir / name).is_file():
            store.save_file(name, probe.to_bytes())


def open_store(config: Config, resume: bool) -> RunStore | None:
    """The run store to resume (checked to belong to this campaign), or ``None`` for a new run,
    which is created only once the backend is up, so a failed start leaves nothing."""
    run_dir = config.run_dir
    digest = config_hash(config)
    if not resume:
        if (run_dir / DB_NAME).exists():
            raise SymoptError(
                f"{run_dir} already holds a run; choose another output directory or resume "
                "that run with --resume"
            )
        return None
    store = RunStore.open(run_dir)
    if store.config_hash != digest:
        store.close()
        raise SymoptError(
            f"{run_dir}: this run was started from a different campaign (config hash "
            f"{store.config_hash}, this config {digest}); resume it with its own "
            f"{run_dir / 'config.yaml'}"
        )
    return store


def fitness_scale(config: Config, specs, tasks, resume: bool):
    """How the tasks' fitnesses combine (``symopt.fitness``); a new run measures each task's
    untrained fitness now, a resumed one reads it back from its events."""
    from symopt.fitness import FitnessScale

    scale = FitnessScale([s.key for s in specs], [t.worst_fitness for t in tasks],
                         config.fitness.combine)  # fmt: skip
    if scale.active and not resume:
        scale.measure_f0(tasks)
    return scale


def make_evolution(config: Config, space):
    """The regularized evolution the config describes, from the space's seed program."""
    from symopt.search.evolution import EvolutionConfig, RegularizedEvolution

    settings = EvolutionConfig(config.population, config.tournament, config.restarts.plateau,
                               config.restarts.from_)  # fmt: skip
    return RegularizedEvolution(settings, mutation_config(config, space), space.seed, config.seed)


def make_judge(config: Config, specs, probes, worst: float):
    """The judge over the tasks' probes, with the config's cache (and shared cache file)."""
    from symopt.cache import SharedCache
    from symopt.judge import Judge

    cache, hurdle = config.cache, config.hurdle
    shared = SharedCache(cache.file) if cache.enabled and cache.file else None
    return Judge(worst, probes, enabled=cache.enabled, shared=shared,
                 key=",".join(s.key for s in specs),
                 hurdle_fraction=hurdle.fraction if hurdle else None,
                 lr_proportional=config.fitness.lr_proportional)  # fmt: skip
