"""The program language: ops, programs, their text format and kinds.

Importing this package imports none of jax, ray or sympy.
"""

from symopt.dsl.kinds import infer_kinds
from symopt.dsl.ops import EPS, OPS, Kind, Op, get_op
from symopt.dsl.program import Arg, Program, Statement
from symopt.dsl.text import parse, read_program, to_text

__all__ = [
    "EPS",
    "OPS",
    "Arg",
    "Kind",
    "Op",
    "Program",
    "Statement",
    "get_op",
    "infer_kinds",
    "parse",
    "read_program",
    "to_text",
]
