"""Liveness across training steps: which statements and state slots can affect the update.

A state slot is live when its value at the start of a step is read, directly or through other
statements, by the update or by another live slot's new value. A slot whose incoming value is
never read (for instance overwritten before it is read) carries nothing from step to step, and
whatever only feeds its new value is dead. The live set is the least fixed point of that rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from symopt.dsl.program import Program


@dataclass(frozen=True)
class Liveness:
    statements: tuple[bool, ...]
    states: tuple[bool, ...]

    @property
    def dead_statements(self) -> tuple[int, ...]:
        return tuple(i for i, live in enumerate(self.statements) if not live)


def _backward(program: Program, outputs: set[str]) -> tuple[list[bool], set[str]]:
    """Statements needed for ``outputs`` at the end of a step, and the inputs they read."""
    need = set(outputs)
    live = [False] * len(program.body)
    for i in range(len(program.body) - 1, -1, -1):
        stmt = program.body[i]
        if stmt.target in need:
            live[i] = True
            need.discard(stmt.target)
            need.update(stmt.variables())
    return live, need


def liveness(program: Program) -> Liveness:
    """The least fixed point of live statements and live state slots."""
    live_states: set[int] = set()
    while True:
        outputs = {program.returns[0]} | {program.returns[1 + j] for j in live_states}
        live, inputs = _backward(program, outputs)
        found = {j for j, name in enumerate(program.states) if name in inputs}
        if found <= live_states:
            break
        live_states |= found
    states = tuple(j in live_states for j in range(program.num_states))
    return Liveness(tuple(live), states)


def prune(program: Program, info: Liveness | None = None) -> Program:
    """The program without dead statements; a dead slot returns its own (never read) input.

    ``info`` is ``liveness(program)`` when the caller has it already."""
    info = info or liveness(program)
    body = tuple(s for s, live in zip(program.body, info.statements, strict=True) if live)
    returns = [program.returns[0]]
    for j, name in enumerate(program.states):
        returns.append(program.returns[1 + j] if info.states[j] else name)
    return Program(program.params, body, tuple(returns), program.name)
