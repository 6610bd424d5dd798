"""Programs as data for the compiled-once interpreter: op codes, registers and constants.

Every value lives in a register holding one flat vector the size of the parameters; a Scalar is
held broadcast over the vector, so Trees and Scalars share one register file. Registers:

    0, 1, 2      w, g, lr (written at the start of each step)
    3 .. 3+S     the state slots (S = ``max_states``; zero at the start of training)
    then         constants (written once, before training)
    then         one register per statement

A statement writes a fresh register, except the statement that produces a state slot's next
value, which writes the slot's own register when no later statement still reads the slot's old
value. Other slots get an exact copy (``mul(x, 1.0)``) at the end of the body, through fresh
registers when slots are permuted, and after a copy of the update when the update is a slot's
old value (so the code has room for one row more than statements and copies). So no state ever
moves between steps, and each program is a table of ``(op, dst, a, b, c)`` rows plus the initial
register values. Dead statements and dead state slots are dropped first
(``symopt.analysis.liveness``).

An op's code is its index in the layout's ``ops``: the interpreter compiles one ``lax.switch``
branch per op there and no other, so a campaign's layout holds its search space's ops only (each
branch lengthens the one compilation, and the registry keeps growing). ``mul`` is always held:
the copies above are ``mul`` rows.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from symopt.analysis.liveness import prune
from symopt.dsl.ops import OPS
from symopt.dsl.program import Program
from symopt.errors import SymoptError
from symopt.numeric import float32

ALL_OPS: tuple[str, ...] = tuple(OPS)
_COPY_OP = "mul"  # the encoder's own rows (exact state copies) use it, whatever the program


class EncodeError(SymoptError):
    """A program the interpreter's fixed layout cannot hold: too large, or an op it lacks."""


def switch_ops(names: Iterable[str]) -> tuple[str, ...]:
    """The ops an interpreter holds to run programs written with ``names``: those and ``mul``,
    in registry order (so the same set always gives the same codes); ``ValueError`` for a name
    that is no op."""
    wanted = {*names, _COPY_OP}
    unknown = sorted(wanted - OPS.keys())
    if unknown:
        raise ValueError(f"not ops of the registry: {', '.join(unknown)}")
    return tuple(name for name in OPS if name in wanted)


@functools.cache
def _codes(ops: tuple[str, ...]) -> dict[str, int]:
    return {name: code for code, name in enumerate(ops)}


@dataclass(frozen=True)
class Layout:
    """The static shape of a compiled interpreter: register counts and the ops its switch holds
    (``ops``: default every op of the registry; normalised by :func:`switch_ops`). A program
    must fit it. Hashable and picklable, so it keys compilations and travels to workers."""

    max_statements: int = 48
    max_states: int = 4
    max_constants: int = 48

    lr: int = 2
    ops: tuple[str, ...] = ALL_OPS

    def __post_init__(self) -> None:
        object.__setattr__(self, "ops", switch_ops(self.ops))  # frozen: set once, here

    @classmethod
    def fitting(cls, max_statements: int, max_states: int, ops: Iterable[str] = ALL_OPS) -> Layout:
        """The smallest layout that holds every program of up to ``max_statements`` statements
        and ``max_states`` state slots written with ``ops`` (never smaller than the default):
        each statement brings at most 3 constants, and state copies one more (``1.0``)."""
        default = cls()
        return cls(
            max(default.max_statements, max_statements),
            max(default.max_states, max_states),
            max(default.max_constants, 3 * max_statements + 1),
            ops=tuple(ops),
        )

    @classmethod
    def for_programs(cls, programs: Iterable[Program]) -> Layout:
        """The default sizes with only the ops ``programs`` use: the shortest compilation for a
        set of programs known before compiling (``symopt eval``)."""
        return cls(ops=tuple({stmt.op for program in programs for stmt in program.body}))

    @property
    def op_codes(self) -> dict[str, int]:
        """Op name -> its code, the index of its branch in the interpreter's switch."""
        return _codes(self.ops)

    @property
    def first_constant(self) -> int:
        return 3 + self.max_states

    @property
    def first_temp(self) -> int:
        return self.first_constant + self.max_constants

    @property
    def num_registers(self) -> int:
        return self.first_temp + self.max_statements + 2 * self.max_states


@dataclass(frozen=True)
class Encoded:
    """One program as arrays: ``code[:length]`` rows ``(op, dst, a, b, c)``, ``init`` values of
    every register (constants; zero elsewhere) and ``update``, the register of the update."""

    code: np.ndarray
    length: int
    init: np.ndarray
    update: int


class _Builder:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.init = np.zeros(layout.num_registers, np.float32)
        self.constants: dict[float, int] = {}
        self.rows: list[tuple[int, ...]] = []
        self.next_temp = layout.first_temp

    def constant(self, value: float) -> int:
        value32 = float32(value)
        key = float(value32)
        if key not in self.constants:
            if len(self.constants) == self.layout.max_constants:
                raise EncodeError(
                    f"the program has more than {self.layout.max_constants} constants"
                )
            self.constants[key] = self.layout.first_constant + len(self.constants)
            self.init[self.constants[key]] = value32
        return self.constants[key]

    def temp(self) -> int:
        self.next_temp += 1
        return self.next_temp - 1

    def emit(self, op: str, dst: int, args: list[int]) -> None:
        self.rows.append((self.layout.op_codes[op], dst, *args, *[0] * (3 - len(args))))


def encode(program: Program, layout: Layout) -> Encoded:
    """The live part of ``program`` as interpreter data; ``EncodeError`` if it does not fit."""
    program = prune(program)
    if program.num_states > layout.max_states:
        raise EncodeError(
            f"the program has {program.num_states} live state slots; this evaluator allows "
            f"{layout.max_states}"
        )
    if len(program.body) > layout.max_statements:
        raise EncodeError(
            f"the program has {len(program.body)} live statements; this evaluator allows "
            f"{layout.max_statements}"
        )
    missing = sorted({stmt.op for stmt in program.body} - set(layout.ops))
    if missing:
        raise EncodeError(
            f"the program uses {_op_list(missing)}, which this evaluator was not compiled with "
            f"(it holds the {len(layout.ops)} ops of its search space)"
        )
    build = _Builder(layout)
    state_reg = {name: 3 + j for j, name in enumerate(program.states)}
    env = {program.weight: 0, program.grad: 1, program.lr: layout.lr, **state_reg}
    direct = _direct_producers(program)
    for i, stmt in enumerate(program.body):
        op = OPS[stmt.op]
        if op.arity == 0:  # a named constant such as get_pi(): no statement at all
            env[stmt.target] = build.constant(float(op.jax(np)))
            continue
        args = [env[a] if isinstance(a, str) else build.constant(a) for a in stmt.args]
        dst = state_reg[program.states[direct[i]]] if i in direct else build.temp()
        build.emit(stmt.op, dst, args)
        env[stmt.target] = dst
    update = _copy_states(program, env, state_reg, build)
    code = np.zeros((layout.max_statements + 2 * layout.max_states + 1, 5), np.int32)
    if build.rows:  # a program may have no statement at all (``return g``)
        code[: len(build.rows)] = build.rows
    return Encoded(code, len(build.rows), build.init, update)


def _op_list(names: list[str]) -> str:
    quoted = ", ".join(f"'{name}'" for name in names)
    return f"the op {quoted}" if len(names) == 1 else f"the ops {quoted}"


def _direct_producers(program: Program) -> dict[int, int]:
    """Statement index -> state slot it may write in place (see the module docstring)."""
    last_assign = {s.target: i for i, s in enumerate(program.body)}
    direct: dict[int, int] = {}
    for j, (name, new) in enumerate(zip(program.states, program.returns[1:], strict=True)):
        k = last_assign.get(new)
        if k is not None and k not in direct and not _old_value_read_after(program, name, k):
            direct[k] = j
    return direct


def _old_value_read_after(program: Program, state: str, k: int) -> bool:
    """Whether anything after statement ``k`` reads the incoming value of slot ``state``."""
    for i, stmt in enumerate(program.body):
        if i > k and state in stmt.variables():
            return True
        if stmt.target == state:
            return False  # from here on the name means a new value
    return state in program.returns  # read at the end of the step, as an output


def _copy_states(program, env, state_reg, build: _Builder) -> int:
    """Exact copies (``x * 1.0``) of the next values that were not written in place; returns the
    register of the update, itself copied first when it is a slot's old value that a copy
    overwrites (``return m, g``: the update is the incoming ``m``)."""
    moves = [
        (state_reg[name], env[new])
        for name, new in zip(program.states, program.returns[1:], strict=True)
        if env[new] != state_reg[name]
    ]
    one = build.constant(1.0) if moves else 0
    update = env[program.returns[0]]
    if any(dst == update for dst, _ in moves):
        update = build.temp()
        build.emit("mul", update, [env[program.returns[0]], one])
    if any(src in state_reg.values() for _, src in moves):  # a permutation: go through temps
        staged = []
        for dst, src in moves:
            staged.append((dst, build.temp()))
            build.emit("mul", staged[-1][1], [src, one])
        moves = staged
    for dst, src in moves:
        build.emit("mul", dst, [src, one])
    return update
