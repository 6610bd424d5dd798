"""User-facing errors: each carries one sentence that names what is wrong and where."""

from __future__ import annotations


class SymoptError(Exception):
    """A mistake in the user's input. The command line prints it as one line and exits with 2."""


class ProgramError(SymoptError):
    """A program that does not parse or does not check.

    ``line`` and ``col`` (1-based) point into the program text when it came from text;
    ``statement`` and ``arg`` index the program model when it did not.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        col: int | None = None,
        statement: int | None = None,
        arg: int | None = None,
        source: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.statement = statement
        self.arg = arg
        self.source = source

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where = f"{where}:{self.line}:{self.col}" if where else f"line {self.line}:{self.col}"
        elif self.statement is not None:
            where = f"{where} statement {self.statement + 1}".strip()
        return f"{where}: {self.message}" if where else self.message
