"""The named hyperparameters of an exported program, and what its learning rate means.

Every float literal of a program becomes a keyword argument of the exported optimizer, with the
found value as default, named by the role it plays where the program's shape says it (first match,
per occurrence, numbered from the second on: ``b2``, ``weight_decay2``):

- ``b1``, ``b2``, ...: the weight ``a`` of ``interp(x, y, a) = (1 - a) x + a y`` (a moving
  average: Adam's and Lion's betas), in program order;
- ``momentum``: a state slot decayed in place, ``m = m * c`` (heavy-ball momentum);
- ``weight_decay``: the weight scaled by a constant, ``w * c``;
- ``max_norm``: the threshold of ``clip(x, c)``;
- ``eps``: a tiny constant added, ``x + c`` with ``0 < |c| <= 1e-4``;
- ``step_size``: the last factor of the returned update, ``update = x * c``;
- ``c1``, ``c2``, ...: any other constant.

The learning rate. During a search a program's ``lr`` is a unit-peak schedule (1.0 at its peak),
so the step size a program was found with is its own. When ``lr`` is read once, by ``x = lr * c``,
``c`` is that step size: the export's ``learning_rate`` stands for ``lr * c`` (the statement goes,
``x`` reads ``learning_rate``) and defaults to ``c``, so passing the usual ``1e-3`` means what it
means for AdamW. Otherwise ``learning_rate`` is the program's ``lr`` itself and its default is
1.0, the peak the search trained it with, unless the program is a hand-written seed whose update is
linear in ``lr``: a seed carries no step size of its own, and its default is a conventional one
for its family (``CONVENTIONAL_LR``), stated as such in the docstring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symopt.dsl.program import Program
from symopt.execution.reference import execute

CONVENTIONAL_LR = {
    "sign momentum": 3e-4,  # Lion: 3-10x below AdamW's 1e-3 (Chen et al. 2023)
    "sign": 3e-4,
    "adaptive": 1e-3,  # Adam's default
    "linear": 1e-2,  # SGD and heavy-ball momentum on small models
}
"""Learning rates for hand-written seeds without a step size of their own, by family."""

EPS_LIMIT = 1e-4


@dataclass(frozen=True)
class Hyperparameter:
    """One keyword argument: its name, default (the program's constant) and role in words."""

    name: str
    default: float
    role: str


@dataclass(frozen=True)
class LearningRate:
    """What the export's ``learning_rate`` means for a program.

    ``statement``: the index of ``x = lr * c`` that ``learning_rate`` replaces (``None`` when it
    is the program's ``lr`` itself); ``default``: its default; ``source``: where that comes from,
    one sentence for the docstring.
    """

    statement: int | None
    default: float
    source: str


@dataclass(frozen=True)
class Naming:
    """The hyperparameters of a program and the occurrence each one stands for.

    ``at[(i, j)]`` is the name of the constant that is argument ``j`` of statement ``i``.
    """

    hyperparameters: tuple[Hyperparameter, ...]
    at: dict[tuple[int, int], str]
    learning_rate: LearningRate

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hyperparameters)


def name_hyperparameters(program: Program, seed: bool = False) -> Naming:
    """Name every float literal of ``program`` (see the module docstring).

    ``seed``: the program is a hand-written seed (it decides the default learning rate).
    """
    lr = learning_rate(program, seed)
    counts: dict[str, int] = {}
    hyperparameters: list[Hyperparameter] = []
    at: dict[tuple[int, int], str] = {}
    for i, stmt in enumerate(program.body):
        if i == lr.statement:
            continue
        for j, arg in enumerate(stmt.args):
            if isinstance(arg, str):
                continue
            stem, role = _role(program, i, j)
            counts[stem] = counts.get(stem, 0) + 1
            if stem in ("b", "c"):
                name = f"{stem}{counts[stem]}"
            else:
                name = stem if counts[stem] == 1 else f"{stem}{counts[stem]}"
            hyperparameters.append(Hyperparameter(name, float(arg), role))
            at[(i, j)] = name
    return Naming(tuple(hyperparameters), at, lr)


def _role(program: Program, i: int, j: int) -> tuple[str, str]:
    """The name stem and role of argument ``j`` of statement ``i`` (a constant)."""
    stmt = program.body[i]
    other = stmt.args[1 - j] if len(stmt.args) == 2 else None
    value = float(stmt.args[j])
    if stmt.op == "interp" and j == 2:
        x, y = (_show(a) for a in stmt.args[:2])
        return "b", f"weight a of the moving average {stmt.target} = (1 - a) * {x} + a * {y}"
    if stmt.op == "mul" and other in program.states and stmt.target == other:
        return "momentum", f"decay of the state slot {other} (heavy-ball momentum)"
    if stmt.op == "mul" and other == program.weight and _reads_before(program, i):
        return "weight_decay", "weight decay: the weight times this constant joins the update"
    if stmt.op == "clip" and j == 1:
        return "max_norm", "threshold of clip by global norm"
    if stmt.op == "add" and 0 < abs(value) <= EPS_LIMIT:
        return "eps", "small constant added for numerical safety"
    if stmt.op == "mul" and _makes_the_update(program, i):
        return "step_size", "step size built into the program: the update is multiplied by it"
    return "c", f"constant argument {j + 1} of {stmt.op} (statement {i + 1})"


def _makes_the_update(program: Program, i: int) -> bool:
    """Statement ``i`` assigns the returned update for the last time."""
    target = program.body[i].target
    later = program.body[i + 1 :]
    return target == program.returns[0] and all(s.target != target for s in later)


def _show(arg) -> str:
    return arg if isinstance(arg, str) else repr(float(arg))


def _reads_before(program: Program, i: int) -> bool:
    """The weight still holds its input value at statement ``i`` (it was not reassigned)."""
    return all(s.target != program.weight for s in program.body[:i])


def learning_rate(program: Program, seed: bool = False) -> LearningRate:
    """What ``learning_rate`` stands for in the export of ``program`` (module docstring)."""
    factor = _lr_factor(program)
    if factor is not None:
        i, c = factor
        source = (
            f"the program's own step size: its lr (a unit-peak schedule in the search) was "
            f"multiplied by {c!r}, and learning_rate stands for that product"
        )
        return LearningRate(i, c, source)
    family = _linear_family(program) if seed else None
    if family is not None:
        source = (
            f"a conventional value for a hand-written seed of the {family!r} family, not a "
            f"found one; learning_rate is the program's lr"
        )
        return LearningRate(None, CONVENTIONAL_LR[family], source)
    source = (
        "the peak of the unit schedule the program was searched with: learning_rate is the "
        "program's lr, and the step size is built into the program"
    )
    return LearningRate(None, 1.0, source)


def _lr_factor(program: Program) -> tuple[int, float] | None:
    """``(i, c)`` when the input ``lr`` is read by statement ``i`` only: ``x = lr * c``."""
    lr = program.lr
    readers = []
    for i, stmt in enumerate(program.body):
        if lr in stmt.variables():
            readers.append(i)
        if stmt.target == lr:
            break
    if len(readers) != 1:
        return None
    stmt = program.body[readers[0]]
    constants = [a for a in stmt.args if not isinstance(a, str)]
    if stmt.op != "mul" or stmt.variables() != (lr,) or len(constants) != 1:
        return None
    if not constants[0] > 0:
        return None
    return readers[0], float(constants[0])


def _linear_family(program: Program) -> str | None:
    """The family of a program whose update is linear in ``lr``, if it has a conventional lr."""
    from symopt.analysis.family import behaviour

    if not _linear_in_lr(program):
        return None
    family = behaviour(program).family
    return family if family in CONVENTIONAL_LR else None


def _linear_in_lr(program: Program, steps: int = 4) -> bool:
    """Halving ``lr`` halves every update and leaves the state slots as they were (a probe)."""
    rng = np.random.default_rng(0)
    shapes = [(8, 4), (4,)]
    w = tuple(rng.normal(size=s).astype(np.float32) for s in shapes)
    states = {lr: tuple(tuple(np.zeros_like(x) for x in w) for _ in program.states)
              for lr in (1.0, 0.5)}  # fmt: skip
    with np.errstate(all="ignore"):
        for _ in range(steps):
            g = tuple(0.01 * rng.normal(size=s).astype(np.float32) for s in shapes)
            out = {}
            for lr in (1.0, 0.5):
                update, states[lr] = execute(program, np, w, g, states[lr], np.float32(lr))
                out[lr] = [np.broadcast_to(u, x.shape) for u, x in zip(update, w, strict=True)]
            if not all(np.allclose(0.5 * a, b, rtol=1e-5, atol=0) for a, b in
                       zip(out[1.0], out[0.5], strict=True)):  # fmt: skip
                return False
    return all(
        np.array_equal(a, b)
        for sa, sb in zip(states[1.0], states[0.5], strict=True)
        for a, b in zip(sa, sb, strict=True)
    )


def export_names(program: Program, reserved: set[str], seed: bool) -> tuple[Naming, dict]:
    """What both exporters start from: ``program`` kind-checked, its constants named
    (:func:`name_hyperparameters`), and every variable given a Python name that clashes with
    neither ``reserved`` nor a hyperparameter."""
    from symopt.dsl.kinds import infer_kinds
    from symopt.export.common import safe_names

    infer_kinds(program)
    naming = name_hyperparameters(program, seed=seed)
    return naming, safe_names(program, reserved | set(naming.names))
