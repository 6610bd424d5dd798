"""Programs as frozen values.

A program is the body of ``def train(w, g, *states, lr)``: a straight-line sequence of statements,
each assigning the result of one op to a variable, then ``return update, *new_states``.
An argument is a variable name (``str``) or a float constant (``float``); nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

Arg = str | float


@dataclass(frozen=True, slots=True)
class Statement:
    """``target = op(*args)``."""

    target: str
    op: str
    args: tuple[Arg, ...]

    def variables(self) -> tuple[str, ...]:
        """The variable names read by this statement, in argument order."""
        return tuple(a for a in self.args if isinstance(a, str))


@dataclass(frozen=True, slots=True)
class Program:
    """A candidate optimizer.

    ``params`` are the parameter names by position: weight, gradient, state slots, learning rate.
    ``returns`` names the update, then the new value of each state slot in the order of
    ``params``.
    """

    params: tuple[str, ...]
    body: tuple[Statement, ...]
    returns: tuple[str, ...]
    name: str = "train"

    @property
    def weight(self) -> str:
        return self.params[0]

    @property
    def grad(self) -> str:
        return self.params[1]

    @property
    def states(self) -> tuple[str, ...]:
        return self.params[2:-1]

    @property
    def lr(self) -> str:
        return self.params[-1]

    @property
    def num_states(self) -> int:
        return len(self.params) - 3

    def replace_body(self, body: tuple[Statement, ...]) -> Program:
        return Program(self.params, tuple(body), self.returns, self.name)

    def __str__(self) -> str:
        from symopt.dsl.text import to_text

        return to_text(self)
