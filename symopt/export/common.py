"""What every exporter needs: safe names, helper blocks, tree arguments, indentation."""

from __future__ import annotations

import re
from collections.abc import Iterable

from symopt.dsl.ops import Kind
from symopt.dsl.program import Arg, Program


def indent(text: str, n: int) -> str:
    pad = " " * n
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def safe_names(program: Program, reserved: set[str]) -> dict[str, str]:
    """Map every program variable to a name that cannot shadow what the generated module needs:
    the ``reserved`` names, and names starting with ``_`` (left to helpers and constants)."""
    used = set(program.params) | {s.target for s in program.body}
    taken = used | reserved
    names = {}
    for name in sorted(used):
        new = name
        if name in reserved or name.startswith("_"):
            new = (name.lstrip("_") or "var") + "_"
            while new in taken:
                new += "_"
        names[name] = new
        taken.add(new)
    return names


def helper_blocks(sources: Iterable[str]) -> str:
    """The distinct ``def`` blocks of the helper sources, in order of first use."""
    seen: dict[str, None] = {}
    for source in sources:
        for block in source.split("\ndef ")[1:]:
            seen.setdefault("\ndef " + block.rstrip() + "\n", None)
    return "".join("\n" + block for block in seen)


def tree_args(args: tuple[Arg, ...], kinds: dict[str, Kind]) -> list[str]:
    """The distinct Tree-valued variables among ``args``, in order."""
    trees: list[str] = []
    for a in args:
        if isinstance(a, str) and kinds[a] is Kind.TREE and a not in trees:
            trees.append(a)
    return trees


def return_line(program: Program, names: dict[str, str]) -> str:
    returned = ", ".join(names[r] for r in program.returns)
    comma = "," if len(program.returns) == 1 else ""
    return f"    return {returned}{comma}"


def class_name(title: str) -> str:
    """A class name for ``title``: its words capitalised, e.g. ``lion`` -> ``Lion``."""
    name = "".join(word[:1].upper() + word[1:] for word in re.split(r"[^0-9A-Za-z]+", title))
    if not name or name[0].isdigit() or name == "SLOTS":
        name = "Program" + name
    return name


def used_helpers(program: Program, needs: dict, helpers: dict) -> list[str]:
    """The helper functions ``program``'s ops call (``needs``: what a helper calls in turn), in
    first-use order, each once."""
    used: dict[str, None] = {}
    for stmt in program.body:
        for need in (*needs.get(stmt.op, ()), stmt.op):
            if need in helpers:
                used.setdefault(need, None)
    return list(used)
