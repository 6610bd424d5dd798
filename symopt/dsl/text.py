"""The text format of programs: a subset of Python parsed with ``ast``, never executed.

::

    def train(w, g, m, v, lr):
        g2 = square(g)
        m = interp(g, m, 0.9)
        ...
        return update, m, v

Every statement assigns one op call to one variable; arguments are variables or float literals
(``-0.5`` included). ``a + b``, ``a - b``, ``a * b``, ``a / b`` and ``-a`` spell ``add``, ``sub``,
``mul``, ``div`` and ``negative``. A docstring and comments are allowed and are not kept.
Printing then parsing gives back the same program.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
import warnings
from pathlib import Path

from symopt.dsl.kinds import infer_kinds
from symopt.dsl.ops import INFIX, OPS
from symopt.dsl.program import Arg, Program, Statement
from symopt.errors import ProgramError

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_STATEMENT_HINT = "a program is a straight-line sequence of assignments `x = op(a, b)`"

# ---- printing ---------------------------------------------------------------------------------


def format_arg(arg: Arg) -> str:
    return arg if isinstance(arg, str) else repr(float(arg))


def format_call(stmt: Statement) -> str:
    """The right-hand side of a statement as program text."""
    op = OPS[stmt.op]
    args = [format_arg(a) for a in stmt.args]
    if op.name == "negative":
        (arg,) = stmt.args
        return (
            f"-({args[0]})"
            if isinstance(arg, float) and math.copysign(1, arg) < 0
            else f"-{args[0]}"
        )
    if op.infix:
        return f"{args[0]} {op.infix} {args[1]}"
    return f"{op.name}({', '.join(args)})"


def to_text(program: Program) -> str:
    """Program text, one statement a line, ending with a newline."""
    lines = [f"def {program.name}({', '.join(program.params)}):"]
    lines += [f"    {s.target} = {format_call(s)}" for s in program.body]
    lines.append(f"    return {', '.join(program.returns)}")
    return "\n".join(lines) + "\n"


# ---- parsing ----------------------------------------------------------------------------------


def read_program(path: str | Path) -> Program:
    """Parse the program in the file at ``path``; every problem is a one-line ``ProgramError``."""
    source = str(path)  # as the user spelt it
    path = Path(path)
    try:
        if not path.exists():
            raise ProgramError("no such file", source=source)
        if path.is_dir():
            raise ProgramError("is a directory, not a program file", source=source)
        data = path.read_bytes()
    except OSError as err:
        raise ProgramError(f"cannot read the file ({err.strerror})", source=source) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ProgramError(
            f"not UTF-8 text: byte 0x{data[err.start]:02x} on line {line} cannot be decoded; "
            "save the file as UTF-8",
            source=source,
        ) from None
    return parse(text, source=source)


def parse(text: str, source: str = "") -> Program:
    """Parse and check program text; raises ``ProgramError`` naming line, column and problem."""
    parser = _Parser(source)
    program = parser.program(text)
    try:
        infer_kinds(program)
    except ProgramError as err:
        raise parser.locate(err) from None
    return program


_NEWLINE = re.compile(r"\r\n|\r|\n")
_SNIPPET_CHARS = 40


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.text = ""
        self.lines: list[str] = []
        self.def_node: ast.AST | None = None
        self.params: tuple[str, ...] = ()
        self.variables: set[str] = set()
        self.positions: list[tuple[ast.AST, list[ast.AST]]] = []

    # -- positions and messages

    def error(self, message: str, node: ast.AST | None = None, line: int = 1, col: int = 1):
        """A ``ProgramError`` at ``node`` (or at 1-based ``line`` and character ``col``)."""
        if node is not None:
            line, col = node.lineno, self.column(node.lineno, node.col_offset)
        return ProgramError(message, line=line, col=col, source=self.source)

    def column(self, line: int, byte_offset: int) -> int:
        """The 1-based character column of an ``ast`` position (a UTF-8 byte offset)."""
        if not 1 <= line <= len(self.lines):
            return byte_offset + 1
        encoded = self.lines[line - 1].encode("utf-8")
        return len(encoded[:byte_offset].decode("utf-8", errors="replace")) + 1

    def token_error(self, message: str, before: ast.AST, after: ast.AST, token: str):
        """An error at ``token``, searched for between the end of ``before`` and ``after``."""
        line, offset = before.end_lineno, before.end_col_offset
        if line == after.lineno and line is not None and 1 <= line <= len(self.lines):
            encoded = self.lines[line - 1].encode("utf-8")
            found = encoded.find(token.encode("utf-8"), offset, after.col_offset)
            if found >= 0:
                return self.error(message, line=line, col=self.column(line, found))
        return self.error(message, before)

    def prefixed_error(self, message: str, node: ast.AST, prefix: str):
        """An error at ``node``, or at ``prefix`` (``*``, ``**``, ``@``) just before it."""
        line, offset = node.lineno, node.col_offset
        if 1 <= line <= len(self.lines):
            before = self.lines[line - 1].encode("utf-8")[:offset].rstrip()
            if before.endswith(prefix.encode("utf-8")):
                offset = len(before) - len(prefix)
        return self.error(message, line=line, col=self.column(line, offset))

    def snippet(self, node: ast.AST) -> str:
        """The source text of ``node`` on one line, shortened if long."""
        try:
            text = ast.get_source_segment(self.text, node) or ast.unparse(node)
        except (RecursionError, ValueError):
            text = type(node).__name__
        text = " ".join(text.split())
        if len(text) > _SNIPPET_CHARS:
            text = text[: _SNIPPET_CHARS - 3] + "..."
        return text

    def describe(self, node: ast.expr) -> str:
        """A noun phrase for an expression the language does not allow, e.g. "a lambda `...`"."""
        code = self.snippet(node)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str):
                return f"the string {code}"
            if isinstance(value, bool):
                return f"the boolean {code}"
            if value is None:
                return "None"
            if isinstance(value, complex):
                return f"the complex number {code}"
            if isinstance(value, bytes):
                return f"the bytes {code}"
            return f"the constant {code}"
        if isinstance(node, ast.Name):
            return f"the variable '{node.id}'"
        for kinds, noun in _EXPR_NOUNS:
            if isinstance(node, kinds):
                return f"{noun} `{code}`"
        return f"`{code}`"

    def locate(self, err: ProgramError) -> ProgramError:
        """Give a checker error (statement/arg indices) the line and column it refers to."""
        if err.statement is None or err.statement < 0 or err.statement >= len(self.positions):
            return self.error(err.message, self.def_node)
        node, arg_nodes = self.positions[err.statement]
        if err.arg is not None and err.arg < len(arg_nodes):
            node = arg_nodes[err.arg]
        return self.error(err.message, node)

    def return_example(self) -> str:
        return "return " + ", ".join(("update", *self.params[2:-1]))

    # -- the grammar

    def program(self, text: str) -> Program:
        if text.startswith("\ufeff"):  # a byte order mark, as some editors write
            text = text[1:]
        self.text = text
        self.lines = _NEWLINE.split(text)
        if not text.strip():
            raise self.error(
                "the program is empty; expected `def train(w, g, ..., lr):` and its statements"
            )
        nul = text.find("\0")
        if nul >= 0:
            line = text.count("\n", 0, nul) + 1
            col = nul - (text.rfind("\n", 0, nul) + 1) + 1
            raise self.error(
                "the text contains a NUL byte; a program file is plain text", line=line, col=col
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. invalid escapes in a docstring
                module = ast.parse(text)
        except SyntaxError as err:
            message = " ".join(str(err.msg).split())
            raise self.error(f"syntax error: {message}", **_syntax_position(err)) from None
        except (RecursionError, MemoryError):
            raise self.error("the program is too deeply nested to parse") from None
        except ValueError as err:
            raise self.error(f"not valid program text ({err})") from None
        nodes = module.body[1:] if module.body and _is_docstring(module.body[0]) else module.body
        if not nodes:
            raise self.error(
                "the program has no function, only comments or a docstring; expected "
                "`def train(w, g, ..., lr):` and its statements"
            )
        for node in nodes:
            if isinstance(node, ast.FunctionDef):
                continue
            if isinstance(node, ast.AsyncFunctionDef):
                what = "`async def` is not allowed"
            elif isinstance(node, ast.Expr | ast.Assign | ast.AugAssign | ast.AnnAssign):
                what = "statements outside the function are not allowed"
            else:
                what = _describe_statement(node)
            raise self.error(f"{what}; a program is one function `def train(w, g, ..., lr)`", node)
        if len(nodes) > 1:
            raise self.error(
                f"only one function may be defined in a program, but '{nodes[1].name}' is a "
                "second one",
                nodes[1],
            )
        return self.function(nodes[0])

    def function(self, fn: ast.FunctionDef) -> Program:
        self.def_node = fn
        self.parameters(fn)
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
                    raise self.error(
                        "statements after `return` are not allowed; the return must come last",
                        body[i + 1],
                    )
                returns = self.returns(node)
                return Program(params, tuple(statements), returns, fn.name)
            statements.append(self.statement(node))
        raise self.error(
            f"the program does not end with a return; add `{self.return_example()}` "
            "(the update, then the new value of each state slot)",
            body[-1] if body else fn,
        )

    def parameters(self, fn: ast.FunctionDef) -> None:
        a = fn.args
        plain = "parameters are plain names (w, g, state slots..., lr)"
        if fn.decorator_list:
            dec = fn.decorator_list[0]
            raise self.prefixed_error(
                f"decorators are not allowed (`@{self.snippet(dec)}`)", dec, "@"
            )
        if a.posonlyargs:
            raise self.error(
                f"the positional-only marker `/` is not allowed; {plain}", a.posonlyargs[-1]
            )
        if a.vararg:
            raise self.prefixed_error(
                f"`*{a.vararg.arg}` is not allowed; list each state slot as its own parameter, "
                "e.g. `def train(w, g, m, v, lr)`",
                a.vararg,
                "*",
            )
        if a.kwonlyargs:
            raise self.error(
                f"keyword-only parameters are not allowed (a bare `*` before "
                f"'{a.kwonlyargs[0].arg}'); {plain}",
                a.kwonlyargs[0],
            )
        if a.kwarg:
            raise self.prefixed_error(f"`**{a.kwarg.arg}` is not allowed; {plain}", a.kwarg, "**")
        if a.defaults:
            param = a.args[len(a.args) - len(a.defaults)]
            default = self.snippet(a.defaults[0])
            raise self.error(
                f"default values are not allowed (`{param.arg}={default}`); {plain}", param
            )
        for p in a.args:
            if p.annotation is not None:
                raise self.error(
                    f"type annotations are not allowed (`{p.arg}: {self.snippet(p.annotation)}`)"
                    f"; write the name '{p.arg}' alone",
                    p.annotation,
                )
        if fn.returns is not None:
            raise self.error(
                f"return annotations are not allowed (`-> {self.snippet(fn.returns)}`)",
                fn.returns,
            )
        names = [p.arg for p in a.args]
        if len(names) < 3:
            got = f" ({', '.join(names)})" if names else ""
            raise self.error(
                f"a program takes at least 3 parameters (w, g, lr), got {len(names)}{got}", fn
            )
        seen = set()
        for p in a.args:
            if p.arg in seen:
                raise self.error(f"parameter '{p.arg}' appears twice", p)
            seen.add(p.arg)

    def statement(self, node: ast.stmt) -> Statement:
        if isinstance(node, ast.AugAssign):
            sym = _BINOPS.get(type(node.op)) or _op_symbol(node.op)
            target, value = self.snippet(node.target), self.snippet(node.value)
            raise self.token_error(
                f"augmented assignment `{sym}=` is not allowed; write "
                f"`{target} = {target} {sym} {value}`",
                node.target,
                node.value,
                f"{sym}=",
            )
        if isinstance(node, ast.Expr):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                raise self.error(
                    "a string on its own is allowed only as the docstring, first in the "
                    "function; use a # comment",
                    node,
                )
            code = self.snippet(node.value)
            example = f"; assign its result to a variable, e.g. `x = {code}`"
            raise self.error(
                f"`{code}` on its own does nothing"
                + (example if isinstance(node.value, ast.Call) else f"; {_STATEMENT_HINT}"),
                node,
            )
        if not isinstance(node, ast.Assign):
            raise self.error(f"{_describe_statement(node)}; {_STATEMENT_HINT}", node)
        if len(node.targets) != 1:
            raise self.error(
                "chained assignment `a = b = ...` is not allowed; assign one variable per "
                "statement",
                node.targets[1],
            )
        target = node.targets[0]
        if isinstance(target, ast.Tuple | ast.List):
            raise self.error(
                "tuple unpacking is not allowed; assign one variable per statement", target
            )
        if isinstance(target, ast.Attribute):
            raise self.error(
                f"attribute access `{self.snippet(target)}` is not allowed; assign to a plain "
                "variable name",
                target,
            )
        if not isinstance(target, ast.Name):
            raise self.error(
                f"cannot assign to `{self.snippet(target)}`; assign to a plain variable name",
                target,
            )
        op, arg_nodes = self.call(node.value, target.id)
        args = tuple(self.arg(a, op, node.value) for a in arg_nodes)
        self.positions.append((node.value, list(arg_nodes)))
        return Statement(target.id, op, args)

    def call(self, node: ast.expr, target: str) -> tuple[str, list[ast.expr]]:
        if isinstance(node, ast.BinOp):
            sym = _BINOPS.get(type(node.op))
            if sym is None:
                sym = _op_symbol(node.op)
                raise self.token_error(
                    f"the operator `{sym}` is not part of the language; "
                    + _OPERATOR_HINTS.get(sym, "only + - * / are"),
                    node.left,
                    node.right,
                    sym,
                )
            return INFIX[sym], [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub):
                raise self.error("only unary minus `-x` is allowed as a unary operator", node)
            return "negative", [node.operand]
        if not isinstance(node, ast.Call):
            raise self.error(self.not_a_call(node, target), node)
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in OPS:
                hint = f"call the op by name: `{func.attr}({self.snippet_args(node)})`"
            else:
                hint = "only ops can be called, by name"
            raise self.error(
                f"attribute access `{self.snippet(func)}` is not allowed; {hint}", func
            )
        if not isinstance(func, ast.Name):
            if isinstance(func, ast.Call):
                what = f"the result of `{self.snippet(func)}`"
            else:
                what = self.describe(func)
            raise self.error(f"{what} cannot be called; only ops can be called, by name", func)
        if func.id not in OPS:
            if func.id in self.variables:
                raise self.error(
                    f"'{func.id}' is a variable, not an op, so it cannot be called", func
                )
            close = difflib.get_close_matches(func.id, OPS, n=1)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else " (the ops are listed in search_spaces/lion45.yaml)"
            )
            raise self.error(f"unknown op '{func.id}'{hint}", func)
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.error(
                    f"starred arguments are not allowed (`{self.snippet(a)}`); pass each "
                    "argument on its own",
                    a,
                )
        if node.keywords:
            kw = node.keywords[0]
            op = OPS[func.id]
            raise self.error(
                f"keyword arguments are not allowed (`{self.snippet(kw)}`); pass arguments by "
                f"position: {op.name}({', '.join(op.arg_names)})",
                kw,
            )
        return func.id, list(node.args)

    def snippet_args(self, call: ast.Call) -> str:
        return ", ".join(self.snippet(a) for a in [*call.args, *call.keywords])

    def not_a_call(self, node: ast.expr, target: str) -> str:
        """The message for ``target = node`` where ``node`` is not an op call."""
        if isinstance(node, ast.Name):
            return (
                f"the right-hand side must be an op call, not the variable '{node.id}'; "
                f"to copy it write `{target} = mul({node.id}, 1.0)`"
            )
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return (
                f"a variable cannot hold a bare constant; write {self.snippet(node)} directly "
                f"where '{target}' is used"
            )
        return (
            f"the right-hand side must be an op call such as `sign(x)`, not {self.describe(node)}"
        )

    def arg(self, node: ast.expr, op: str, call: ast.expr) -> Arg:
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
                raise self.error(
                    f"the constant {self.snippet(node)} is too large for a float; constants "
                    "must be finite numbers",
                    node,
                )
            return -value if negative else value
        where = f"an operand of `{OPS[op].infix}`" if isinstance(call, ast.BinOp) else None
        where = where or f"an argument of '{op}'"
        if isinstance(node, ast.Call | ast.BinOp | ast.UnaryOp):
            raise self.error(
                f"nested expression `{self.snippet(node)}` as {where}; assign it to a variable "
                "first (one op per statement)",
                node,
            )
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            hint = "write numbers without quotes"
        elif isinstance(inner, ast.Constant) and isinstance(inner.value, bool):
            hint = "write 1.0 or 0.0"
        else:
            hint = "use a variable or a float constant"
        raise self.error(f"{self.describe(node)} cannot be {where}; {hint}", node)

    def returns(self, node: ast.Return) -> tuple[str, ...]:
        value = node.value
        if value is None:
            raise self.error(
                "`return` must list the update, then the new value of each state slot, "
                f"e.g. `{self.return_example()}`",
                node,
            )
        elts = value.elts if isinstance(value, ast.Tuple) else [value]
        for e in elts:
            if not isinstance(e, ast.Name):
                raise self.error(
                    f"return values must be variable names, not {self.describe(e)}; assign it "
                    "to a variable first",
                    e,
                )
        self.positions.append((node, list(elts)))
        return tuple(e.id for e in elts)


def _syntax_position(err: SyntaxError) -> dict[str, int]:
    line = err.lineno or 1
    col = err.offset or 1
    if isinstance(err, IndentationError) and not isinstance(err, TabError) and err.text:
        # the tokenizer's offset is unreliable here; point at the first token of the line
        col = len(err.text) - len(err.text.lstrip()) + 1
    return {"line": max(line, 1), "col": max(col, 1)}


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


_STATEMENT_NAMES = {
    ast.For: "loops are not allowed",
    ast.AsyncFor: "loops are not allowed",
    ast.While: "loops are not allowed",
    ast.If: "`if` is not allowed",
    ast.Import: "imports are not allowed",
    ast.ImportFrom: "imports are not allowed",
    ast.FunctionDef: "nested function definitions are not allowed",
    ast.AsyncFunctionDef: "nested function definitions are not allowed",
    ast.ClassDef: "classes are not allowed",
    ast.AnnAssign: "annotated assignments are not allowed",
    ast.Pass: "`pass` is not allowed",
    ast.Delete: "`del` is not allowed",
    ast.Global: "`global` is not allowed",
    ast.Nonlocal: "`nonlocal` is not allowed",
    ast.Assert: "`assert` is not allowed",
    ast.Raise: "`raise` is not allowed",
    ast.Break: "`break` is not allowed",
    ast.Continue: "`continue` is not allowed",
    ast.With: "`with` is not allowed",
    ast.AsyncWith: "`with` is not allowed",
    ast.Try: "`try` is not allowed",
    ast.TryStar: "`try` is not allowed",
    ast.Match: "`match` is not allowed",
}

_EXPR_NOUNS = (
    (ast.Lambda, "a lambda"),
    (ast.IfExp, "a conditional expression"),
    (ast.Compare, "a comparison"),
    (ast.BoolOp, "a boolean expression"),
    (ast.Subscript, "indexing"),
    (ast.Attribute, "attribute access"),
    (ast.Call, "a call"),
    (ast.List | ast.ListComp, "a list"),
    (ast.Tuple, "a tuple"),
    (ast.Set | ast.SetComp, "a set"),
    (ast.Dict | ast.DictComp, "a dict"),
    (ast.GeneratorExp, "a generator"),
    (ast.JoinedStr, "an f-string"),
    (ast.Starred, "a starred expression"),
    (ast.NamedExpr, "an assignment expression"),
    (ast.Await | ast.Yield | ast.YieldFrom, "an expression"),
)

_OPERATOR_HINTS = {
    "**": "use power(a, b), or square(x) for x ** 2",
    "@": "use mul(a, b) for an element-wise product or dot(a, b) for the inner product",
}


def _describe_statement(node: ast.AST) -> str:
    return _STATEMENT_NAMES.get(type(node), f"a `{type(node).__name__}` statement is not allowed")


def _op_symbol(op: ast.operator) -> str:
    return {
        ast.Add: "+",
        ast.Sub: "-",
        ast.Mult: "*",
        ast.Div: "/",
        ast.Pow: "**",
        ast.Mod: "%",
        ast.FloorDiv: "//",
        ast.MatMult: "@",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.BitOr: "|",
        ast.BitXor: "^",
        ast.BitAnd: "&",
    }.get(type(op), type(op).__name__)
