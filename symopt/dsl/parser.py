"""The grammar of program text: Python's ``ast`` of the text, checked node by node.

:class:`Parser` accepts one function whose body assigns one op call (or ``+ - * /``, unary ``-``)
to one variable per statement and ends with ``return``. Anything else is a ``ProgramError`` at the
offending node; :mod:`symopt.dsl.parse_messages` words it. Kinds are checked afterwards on the
program model, and :meth:`Parser.locate` puts those errors back on the text.
"""

from __future__ import annotations

import ast
import math
import warnings

from symopt.dsl.ops import INFIX, OPS
from symopt.dsl.parse_messages import (
    SourceText,
    not_a_call,
    not_an_argument,
    not_an_assignment,
    not_an_op,
    outside_function,
    syntax_position,
    unsupported_operator,
)
from symopt.dsl.program import Arg, Program, Statement
from symopt.errors import ProgramError

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_PLAIN = "parameters are plain names (w, g, state slots..., lr)"


class Parser:
    """Parses one text: call :meth:`program` once, then :meth:`locate` for checker errors."""

    def __init__(self, text: str, source: str) -> None:
        if text.startswith("\ufeff"):  # a byte order mark, as some editors write
            text = text[1:]
        self.src = SourceText(text, source)
        self.def_node: ast.AST | None = None
        self.params: tuple[str, ...] = ()
        self.variables: set[str] = set()
        self.positions: list[tuple[ast.AST, list[ast.AST]]] = []

    def locate(self, err: ProgramError) -> ProgramError:
        """Give a checker error (statement/arg indices) the line and column it refers to."""
        if err.statement is None or err.statement < 0 or err.statement >= len(self.positions):
            return self.src.error(err.message, self.def_node)
        node, arg_nodes = self.positions[err.statement]
        if err.arg is not None and err.arg < len(arg_nodes):
            node = arg_nodes[err.arg]
        return self.src.error(err.message, node)

    def return_example(self) -> str:
        return "return " + ", ".join(("update", *self.params[2:-1]))

    # -- the module: one function

    def program(self) -> Program:
        return self.function(self.the_function(self.module()))

    def module(self) -> ast.Module:
        """The ``ast`` of the text; empty text and NUL bytes are caught before ``ast.parse``."""
        text, error = self.src.text, self.src.error
        if not text.strip():
            raise error(
                "the program is empty; expected `def train(w, g, ..., lr):` and its statements"
            )
        nul = text.find("\0")
        if nul >= 0:
            line = text.count("\n", 0, nul) + 1
            col = nul - (text.rfind("\n", 0, nul) + 1) + 1
            raise error(
                "the text contains a NUL byte; a program file is plain text", line=line, col=col
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. invalid escapes in a docstring
                return ast.parse(text)
        except SyntaxError as err:
            message = " ".join(str(err.msg).split())
            raise error(f"syntax error: {message}", **syntax_position(err)) from None
        except (RecursionError, MemoryError):
            raise error("the program is too deeply nested to parse") from None
        except ValueError as err:
            raise error(f"not valid program text ({err})") from None

    def the_function(self, module: ast.Module) -> ast.FunctionDef:
        """The one function definition, which may follow a docstring and nothing else."""
        body = module.body
        nodes = body[1:] if body and _is_docstring(body[0]) else body
        if not nodes:
            raise self.src.error(
                "the program has no function, only comments or a docstring; expected "
                "`def train(w, g, ..., lr):` and its statements"
            )
        for node in nodes:
            if not isinstance(node, ast.FunctionDef):
                raise outside_function(self.src, node)
        if len(nodes) > 1:
            raise self.src.error(
                f"only one function may be defined in a program, but '{nodes[1].name}' is a "
                "second one",
                nodes[1],
            )
        return nodes[0]

    def function(self, fn: ast.FunctionDef) -> Program:
        self.def_node = fn
        self.parameter_syntax(fn)
        self.parameter_names(fn)
        params = tuple(p.arg for p in fn.args.args)
        self.params = params
        body = list(fn.body)
        if _is_docstring(body[0]):
            body = body[1:]
        self.variables = set(params) | {
            t.id
            for node in body
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        statements: list[Statement] = []
        for i, node in enumerate(body):
            if isinstance(node, ast.Return):
                if i != len(body) - 1:
                    raise self.src.error(
                        "statements after `return` are not allowed; the return must come last",
                        body[i + 1],
                    )
                returns = self.returns(node)
                return Program(params, tuple(statements), returns, fn.name)
            statements.append(self.statement(node))
        raise self.src.error(
            f"the program does not end with a return; add `{self.return_example()}` "
            "(the update, then the new value of each state slot)",
            body[-1] if body else fn,
        )

    # -- the signature

    def parameter_syntax(self, fn: ast.FunctionDef) -> None:
        """No decorator, marker (``/``, ``*``, ``*args``, ``**kw``) or default value."""
        a, src = fn.args, self.src
        if fn.decorator_list:
            dec = fn.decorator_list[0]
            raise src.prefixed_error(
                f"decorators are not allowed (`@{src.snippet(dec)}`)", dec, "@"
            )
        if a.posonlyargs:
            raise src.error(
                f"the positional-only marker `/` is not allowed; {_PLAIN}", a.posonlyargs[-1]
            )
        if a.vararg:
            raise src.prefixed_error(
                f"`*{a.vararg.arg}` is not allowed; list each state slot as its own parameter, "
                "e.g. `def train(w, g, m, v, lr)`",
                a.vararg,
                "*",
            )
        if a.kwonlyargs:
            raise src.error(
                f"keyword-only parameters are not allowed (a bare `*` before "
                f"'{a.kwonlyargs[0].arg}'); {_PLAIN}",
                a.kwonlyargs[0],
            )
        if a.kwarg:
            raise src.prefixed_error(f"`**{a.kwarg.arg}` is not allowed; {_PLAIN}", a.kwarg, "**")
        if a.defaults:
            param = a.args[len(a.args) - len(a.defaults)]
            default = src.snippet(a.defaults[0])
            raise src.error(
                f"default values are not allowed (`{param.arg}={default}`); {_PLAIN}", param
            )

    def parameter_names(self, fn: ast.FunctionDef) -> None:
        """At least three distinct names, without annotations."""
        src = self.src
        for p in fn.args.args:
            if p.annotation is not None:
                raise src.error(
                    f"type annotations are not allowed (`{p.arg}: {src.snippet(p.annotation)}`)"
                    f"; write the name '{p.arg}' alone",
                    p.annotation,
                )
        if fn.returns is not None:
            raise src.error(
                f"return annotations are not allowed (`-> {src.snippet(fn.returns)}`)",
                fn.returns,
            )
        names = [p.arg for p in fn.args.args]
        if len(names) < 3:
            got = f" ({', '.join(names)})" if names else ""
            raise src.error(
                f"a program takes at least 3 parameters (w, g, lr), got {len(names)}{got}", fn
            )
        seen = set()
        for p in fn.args.args:
            if p.arg in seen:
                raise src.error(f"parameter '{p.arg}' appears twice", p)
            seen.add(p.arg)

    # -- statements

    def statement(self, node: ast.stmt) -> Statement:
        if not isinstance(node, ast.Assign):
            raise not_an_assignment(self.src, node)
        target = self.target(node)
        op, arg_nodes = self.call(node.value, target)
        args = tuple(self.arg(a, op, node.value) for a in arg_nodes)
        self.positions.append((node.value, list(arg_nodes)))
        return Statement(target, op, args)

    def target(self, node: ast.Assign) -> str:
        """The one plain variable name ``node`` assigns to."""
        src = self.src
        if len(node.targets) != 1:
            raise src.error(
                "chained assignment `a = b = ...` is not allowed; assign one variable per "
                "statement",
                node.targets[1],
            )
        target = node.targets[0]
        if isinstance(target, ast.Tuple | ast.List):
            raise src.error(
                "tuple unpacking is not allowed; assign one variable per statement", target
            )
        if isinstance(target, ast.Attribute):
            raise src.error(
                f"attribute access `{src.snippet(target)}` is not allowed; assign to a plain "
                "variable name",
                target,
            )
        if not isinstance(target, ast.Name):
            raise src.error(
                f"cannot assign to `{src.snippet(target)}`; assign to a plain variable name",
                target,
            )
        return target.id

    # -- the right-hand side: one op applied to variables and constants

    def call(self, node: ast.expr, target: str) -> tuple[str, list[ast.expr]]:
        """The op and argument nodes of the right-hand side ``node`` of ``target = node``."""
        if isinstance(node, ast.BinOp):
            sym = _BINOPS.get(type(node.op))
            if sym is None:
                raise unsupported_operator(self.src, node)
            return INFIX[sym], [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub):
                raise self.src.error("only unary minus `-x` is allowed as a unary operator", node)
            return "negative", [node.operand]
        if not isinstance(node, ast.Call):
            raise not_a_call(self.src, node, target)
        func = node.func
        if not (isinstance(func, ast.Name) and func.id in OPS):
            raise not_an_op(self.src, node, self.variables)
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.src.error(
                    f"starred arguments are not allowed (`{self.src.snippet(a)}`); pass each "
                    "argument on its own",
                    a,
                )
        if node.keywords:
            kw = node.keywords[0]
            op = OPS[func.id]
            raise self.src.error(
                f"keyword arguments are not allowed (`{self.src.snippet(kw)}`); pass arguments "
                f"by position: {op.name}({', '.join(op.arg_names)})",
                kw,
            )
        return func.id, list(node.args)

    def arg(self, node: ast.expr, op: str, call: ast.expr) -> Arg:
        """A variable name or a finite float constant (``-0.5`` included)."""
        if isinstance(node, ast.Name):
            return node.id
        negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
        inner = node.operand if negative else node
        if isinstance(inner, ast.Constant) and type(inner.value) in (int, float):
            try:
                value = float(inner.value)
            except OverflowError:
                value = math.inf
            if not math.isfinite(value):
                raise self.src.error(
                    f"the constant {self.src.snippet(node)} is too large for a float; constants "
                    "must be finite numbers",
                    node,
                )
            return -value if negative else value
        if isinstance(call, ast.BinOp):
            where = f"an operand of `{OPS[op].infix}`"
        else:
            where = f"an argument of '{op}'"
        raise not_an_argument(self.src, node, where)

    def returns(self, node: ast.Return) -> tuple[str, ...]:
        value = node.value
        if value is None:
            raise self.src.error(
                "`return` must list the update, then the new value of each state slot, "
                f"e.g. `{self.return_example()}`",
                node,
            )
        elts = value.elts if isinstance(value, ast.Tuple) else [value]
        for e in elts:
            if not isinstance(e, ast.Name):
                raise self.src.error(
                    f"return values must be variable names, not {self.src.describe(e)}; assign "
                    "it to a variable first",
                    e,
                )
        self.positions.append((node, list(elts)))
        return tuple(e.id for e in elts)


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )
