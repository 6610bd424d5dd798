"""Where an exported program came from, in one sentence for its docstring.

A seed is a program written by hand (``search_spaces/seeds``): its docstring must not say a search
found it. A program read from a run (``RUN_DIR#ID``, ``#best``, ``#meta``) was discovered by that
run; a program read from any other file has no recorded origin, and the sentence says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from symopt.dsl.program import Program
from symopt.dsl.text import read_program, to_text

SEEDS = Path(__file__).resolve().parents[2] / "search_spaces" / "seeds"


@dataclass(frozen=True)
class Provenance:
    """``text``: the sentence; ``seed``: the program is a hand-written seed."""

    text: str
    seed: bool = False


UNKNOWN = Provenance("program text given to symopt; where it came from is not recorded")


def provenance_of(spec: str, program: Program) -> Provenance:
    """The provenance of ``program``, read from ``spec`` (a file, or ``RUN_DIR#WHICH``)."""
    seed = seed_name(program)  # a run's first programs are its seed
    if seed is not None:
        return Provenance(
            f"the hand-written seed program {seed!r} of symopt's search space "
            "(search_spaces/seeds); written by hand, not found by a search",
            seed=True,
        )
    run_dir, sep, which = spec.rpartition("#")
    if sep and Path(run_dir).is_dir():
        name = Path(run_dir).name
        return Provenance(f"discovered by the symopt search run {name!r} (program {which!r})")
    return Provenance(f"program text from {spec}; where it came from is not recorded")


def seed_name(program: Program) -> str | None:
    """The file name of the seed program equal to ``program``, if there is one."""
    text = to_text(program)
    for path in sorted(SEEDS.glob("*.txt")):
        if to_text(read_program(path)) == text:
            return path.name
    return None
