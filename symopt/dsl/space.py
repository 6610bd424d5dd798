"""Search spaces: which ops a search may insert (with weights), state slots, seed, limits.

A search space is a YAML file (``search_spaces/lion45.yaml`` is the default)::

    name: lion45
    seed: seeds/adamw.txt      # program text, relative to the YAML file
    state_slots: 2
    max_statements: 40         # null for no limit
    insert_constant: 1.0       # the constant a newly inserted statement starts with
    ops: {abs: 1.0, ...}       # op -> insertion weight (0 = never inserted)
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from symopt.dsl.ops import OPS
from symopt.dsl.program import Program
from symopt.dsl.text import read_program
from symopt.errors import SymoptError

_KEYS = {"name", "seed", "state_slots", "max_statements", "insert_constant", "ops"}


@dataclass(frozen=True)
class SearchSpace:
    name: str
    seed: Program
    state_slots: int
    max_statements: int | None
    insert_constant: float
    op_weights: dict[str, float]
    path: str = ""

    @property
    def ops(self) -> tuple[str, ...]:
        """Every op a program of this space may hold: those it lists (whatever their weight)
        and its seed's, in registry order. Mutation never brings in another, so an interpreter
        compiled for these runs every program of a search in this space."""
        used = {*self.op_weights, *(stmt.op for stmt in self.seed.body)}
        return tuple(name for name in OPS if name in used)


def builtin_dir() -> Path:
    """The folder holding the search spaces that ship with symopt."""
    return Path(str(resources.files("search_spaces")))


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def load_space(name_or_path: str | Path) -> SearchSpace:
    """Load a search space by built-in name (``lion45``) or by path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = builtin_dir() / f"{name_or_path}.yaml"
        if not path.exists():
            close = difflib.get_close_matches(str(name_or_path), builtin_names(), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise SymoptError(
                f"unknown search space '{name_or_path}'{hint} "
                f"(built in: {', '.join(builtin_names())}; or give a path to a .yaml file)"
            )
    if not path.is_file():
        raise SymoptError(f"{path}: no such search space file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise SymoptError(f"{path}: not valid YAML ({_first_line(err)})") from None
    return _from_dict(data, path)


def _first_line(err: Exception) -> str:
    return " ".join(str(err).split())


def _from_dict(data: object, path: Path) -> SearchSpace:
    where = str(path)
    if not isinstance(data, dict):
        raise SymoptError(f"{where}: a search space is a mapping of keys to values")
    for key in data:
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), _KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise SymoptError(f"{where}: unknown key '{key}'{hint}")
    for key in ("name", "seed", "state_slots", "ops"):
        if key not in data:
            raise SymoptError(f"{where}: missing key '{key}'")
    slots = data["state_slots"]
    if not isinstance(slots, int) or isinstance(slots, bool) or slots < 0:
        raise SymoptError(f"{where}: 'state_slots' must be a whole number >= 0, got {slots!r}")
    max_statements = data.get("max_statements")
    if max_statements is not None and (not isinstance(max_statements, int) or max_statements < 1):
        raise SymoptError(f"{where}: 'max_statements' must be a whole number >= 1 or null")
    insert_constant = data.get("insert_constant", 1.0)
    if not isinstance(insert_constant, int | float) or not math.isfinite(insert_constant):
        raise SymoptError(f"{where}: 'insert_constant' must be a finite number")
    weights = _op_weights(data["ops"], where)
    seed = read_program(path.parent / str(data["seed"]))
    if seed.num_states != slots:
        raise SymoptError(
            f"{where}: the seed program has {seed.num_states} state slot(s) but "
            f"'state_slots' is {slots}"
        )
    return SearchSpace(
        name=str(data["name"]),
        seed=seed,
        state_slots=slots,
        max_statements=max_statements,
        insert_constant=float(insert_constant),
        op_weights=weights,
        path=where,
    )


def _op_weights(ops: object, where: str) -> dict[str, float]:
    if not isinstance(ops, dict) or not ops:
        raise SymoptError(f"{where}: 'ops' must map op names to insertion weights")
    weights = {}
    for name, weight in ops.items():
        if name not in OPS:
            close = difflib.get_close_matches(str(name), OPS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise SymoptError(f"{where}: 'ops' names an unknown op '{name}'{hint}")
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
            raise SymoptError(f"{where}: the weight of op '{name}' must be a number >= 0")
        weights[name] = float(weight)
    if not any(weights.values()):
        raise SymoptError(f"{where}: every op weight is 0, so nothing can be inserted")
    return weights
