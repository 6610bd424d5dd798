"""Where parse errors point and how they name what was written.

``ast`` gives positions as 1-based lines and UTF-8 *byte* offsets; a ``ProgramError`` carries
1-based lines and *character* columns, as an editor shows them. :class:`SourceText` makes that
conversion and quotes the source. The functions below word the errors for Python the language
leaves out (statements, calls, operators, arguments): each says what was written and what to write
instead. :mod:`symopt.dsl.parser` decides *what* is refused; this module says *how*.
"""

from __future__ import annotations

import ast
import difflib
import re

from symopt.dsl.ops import OPS
from symopt.errors import ProgramError

_STATEMENT_HINT = "a program is a straight-line sequence of assignments `x = op(a, b)`"

_NEWLINE = re.compile(r"\r\n|\r|\n")
_SNIPPET_CHARS = 40


class SourceText:
    """Program text and the name of where it came from, to place and quote errors."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.lines = _NEWLINE.split(text)

    def error(
        self, message: str, node: ast.AST | None = None, line: int = 1, col: int = 1
    ) -> ProgramError:
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

    def token_error(
        self, message: str, before: ast.AST, after: ast.AST, token: str
    ) -> ProgramError:
        """An error at ``token``, searched for between the end of ``before`` and ``after``."""
        line, offset = before.end_lineno, before.end_col_offset
        if line == after.lineno and line is not None and 1 <= line <= len(self.lines):
            encoded = self.lines[line - 1].encode("utf-8")
            found = encoded.find(token.encode("utf-8"), offset, after.col_offset)
            if found >= 0:
                return self.error(message, line=line, col=self.column(line, found))
        return self.error(message, before)

    def prefixed_error(self, message: str, node: ast.AST, prefix: str) -> ProgramError:
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
            return _describe_constant(node.value, code)
        if isinstance(node, ast.Name):
            return f"the variable '{node.id}'"
        for kinds, noun in _EXPR_NOUNS:
            if isinstance(node, kinds):
                return f"{noun} `{code}`"
        return f"`{code}`"


def syntax_position(err: SyntaxError) -> dict[str, int]:
    """The ``line`` and ``col`` keywords of ``SourceText.error`` for a Python syntax error."""
    line = err.lineno or 1
    col = err.offset or 1
    if isinstance(err, IndentationError) and not isinstance(err, TabError) and err.text:
        # the tokenizer's offset is unreliable here; point at the first token of the line
        col = len(err.text) - len(err.text.lstrip()) + 1
    return {"line": max(line, 1), "col": max(col, 1)}


def outside_function(src: SourceText, node: ast.stmt) -> ProgramError:
    """The error for a top-level statement other than the one function definition."""
    if isinstance(node, ast.AsyncFunctionDef):
        what = "`async def` is not allowed"
    elif isinstance(node, ast.Expr | ast.Assign | ast.AugAssign | ast.AnnAssign):
        what = "statements outside the function are not allowed"
    else:
        what = _describe_statement(node)
    return src.error(f"{what}; a program is one function `def train(w, g, ..., lr)`", node)


def not_an_assignment(src: SourceText, node: ast.stmt) -> ProgramError:
    """The error for a statement in the function that is neither an assignment nor the return."""
    if isinstance(node, ast.AugAssign):
        sym = _op_symbol(node.op)
        target, value = src.snippet(node.target), src.snippet(node.value)
        return src.token_error(
            f"augmented assignment `{sym}=` is not allowed; write "
            f"`{target} = {target} {sym} {value}`",
            node.target,
            node.value,
            f"{sym}=",
        )
    if not isinstance(node, ast.Expr):
        return src.error(f"{_describe_statement(node)}; {_STATEMENT_HINT}", node)
    if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return src.error(
            "a string on its own is allowed only as the docstring, first in the "
            "function; use a # comment",
            node,
        )
    code = src.snippet(node.value)
    example = f"; assign its result to a variable, e.g. `x = {code}`"
    return src.error(
        f"`{code}` on its own does nothing"
        + (example if isinstance(node.value, ast.Call) else f"; {_STATEMENT_HINT}"),
        node,
    )


def not_a_call(src: SourceText, node: ast.expr, target: str) -> ProgramError:
    """The error for ``target = node`` where ``node`` is not an op call or operator."""
    if isinstance(node, ast.Name):
        message = (
            f"the right-hand side must be an op call, not the variable '{node.id}'; "
            f"to copy it write `{target} = mul({node.id}, 1.0)`"
        )
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        message = (
            f"a variable cannot hold a bare constant; write {src.snippet(node)} directly "
            f"where '{target}' is used"
        )
    else:
        message = (
            f"the right-hand side must be an op call such as `sign(x)`, not {src.describe(node)}"
        )
    return src.error(message, node)


def not_an_op(src: SourceText, call: ast.Call, variables: set[str]) -> ProgramError:
    """The error for a call of anything but an op named plainly, e.g. ``np.sign(x)``, ``sgn(x)``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr in OPS:
            args = ", ".join(src.snippet(a) for a in [*call.args, *call.keywords])
            hint = f"call the op by name: `{func.attr}({args})`"
        else:
            hint = "only ops can be called, by name"
        return src.error(f"attribute access `{src.snippet(func)}` is not allowed; {hint}", func)
    if not isinstance(func, ast.Name):
        if isinstance(func, ast.Call):
            what = f"the result of `{src.snippet(func)}`"
        else:
            what = src.describe(func)
        return src.error(f"{what} cannot be called; only ops can be called, by name", func)
    if func.id in variables:
        return src.error(f"'{func.id}' is a variable, not an op, so it cannot be called", func)
    close = difflib.get_close_matches(func.id, OPS, n=1)
    hint = (
        f"; did you mean '{close[0]}'?"
        if close
        else " (the ops are listed in search_spaces/lion45.yaml)"
    )
    return src.error(f"unknown op '{func.id}'{hint}", func)


def unsupported_operator(src: SourceText, node: ast.BinOp) -> ProgramError:
    """The error for a binary operator other than ``+ - * /``, placed on the operator."""
    sym = _op_symbol(node.op)
    hint = _OPERATOR_HINTS.get(sym, "only + - * / are")
    return src.token_error(
        f"the operator `{sym}` is not part of the language; {hint}", node.left, node.right, sym
    )


def not_an_argument(src: SourceText, node: ast.expr, where: str) -> ProgramError:
    """The error for an argument that is neither a variable nor a number.

    ``where`` names the place, e.g. "an argument of 'sign'" or "an operand of `+`".
    """
    if isinstance(node, ast.Call | ast.BinOp | ast.UnaryOp):
        return src.error(
            f"nested expression `{src.snippet(node)}` as {where}; assign it to a variable "
            "first (one op per statement)",
            node,
        )
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        hint = "write numbers without quotes"
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        hint = "write 1.0 or 0.0"
    else:
        hint = "use a variable or a float constant"
    return src.error(f"{src.describe(node)} cannot be {where}; {hint}", node)


def _describe_statement(node: ast.AST) -> str:
    return _STATEMENT_NAMES.get(type(node), f"a `{type(node).__name__}` statement is not allowed")


def _op_symbol(op: ast.operator) -> str:
    return _OP_SYMBOLS.get(type(op), type(op).__name__)


def _describe_constant(value: object, code: str) -> str:
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

_OP_SYMBOLS = {
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
}

_OPERATOR_HINTS = {
    "**": "use power(a, b), or square(x) for x ** 2",
    "@": "use mul(a, b) for an element-wise product or dot(a, b) for the inner product",
}
