"""The step functions of the PyTorch export: the program over lists of tensors.

``step_function(..., foreach)`` writes ``_step_foreach`` or ``_step_loop``: the same program, each
element-wise statement written in place, with ``torch._foreach_*``, or per tensor
(``symopt.export.torch_ops``). Values are tracked by class: ``T`` a Tree (a list of tensors),
``F`` a Python float (the learning rate, hyperparameters), ``S`` a 0-d float32 tensor (a Scalar
the program computes: Scalar maths runs in float32, as in the reference meaning).

A buffer is **owned** when the step may overwrite it: a state slot as it enters, or a Tree the
step computed. ``w`` and ``g`` are the user's parameters and gradients and are never written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from symopt.dsl.kinds import infer_kinds
from symopt.dsl.ops import OPS, Kind
from symopt.dsl.program import Program, Statement
from symopt.export import torch_ops
from symopt.export.hyperparams import LearningRate, Naming

_CLASSES = {Kind.TREE: "T", Kind.SCALAR: "S"}


@dataclass
class _Context:
    program: Program
    names: dict[str, str]
    naming: Naming
    foreach: bool
    classes: dict[str, str] = field(default_factory=dict)
    owned: set[str] = field(default_factory=set)


def step_function(program: Program, names: dict[str, str], naming: Naming, foreach: bool) -> str:
    """Source of ``_step_foreach`` (``foreach``) or ``_step_loop``: returns the update and the
    new state slots, as lists of tensors."""
    program, naming = _sink_squares(program, naming)
    ctx = _Context(program, names, naming, foreach)
    ctx.classes = dict.fromkeys(program.params[:-1], "T") | {program.lr: "F"}
    ctx.owned = set(program.states)
    dead = dead_after(program)
    args = [names[p] for p in program.params] + list(naming.names)
    lines = [f"\ndef _step_{'foreach' if foreach else 'loop'}({', '.join(args)}):"]
    kinds = infer_kinds(program)
    for i, (stmt, kind) in enumerate(zip(program.body, kinds, strict=True)):
        fused = _fused(ctx, i, dead)
        if fused is not None:
            lines += fused
        elif i + 1 == len(program.body) or _fusion(ctx, i + 1, dead) is None:
            lines += _statement(ctx, i, dead[i])
        ctx.classes[stmt.target] = "F" if i == naming.learning_rate.statement else _CLASSES[kind]
    returned = ", ".join(names[r] for r in program.returns)
    lines.append(f"    return {returned}{',' if len(program.returns) == 1 else ''}")
    return "\n".join(lines) + "\n"


def _sink_squares(program: Program, naming: Naming) -> tuple[Program, Naming]:
    """``program`` with each ``t = square(x)`` read by one later statement moved just before it
    (ops are pure: legal when nothing between reads ``t`` or reassigns ``t`` or ``x``), so that
    ``_squared_average`` sees the pair; ``naming`` follows the statements."""
    order = list(range(len(program.body)))
    for k in range(len(program.body) - 1, -1, -1):
        stmt = program.body[k]
        position = order.index(k)
        if stmt.op != "square":
            continue
        later = [program.body[i] for i in order[position + 1 :]]
        readers = [n for n, other in enumerate(later) if stmt.target in other.variables()]
        if not readers:
            continue
        between = later[: readers[0]]
        touched = {stmt.target, *stmt.variables()}
        if any(other.target in touched for other in between):
            continue
        order.insert(position + readers[0], order.pop(position))
    new_index = {old: new for new, old in enumerate(order)}
    body = tuple(program.body[i] for i in order)
    at = {(new_index[i], j): name for (i, j), name in naming.at.items()}
    lr = naming.learning_rate
    if lr.statement is not None:
        lr = LearningRate(new_index[lr.statement], lr.default, lr.source)
    return program.replace_body(body), Naming(naming.hyperparameters, at, lr)


def dead_after(program: Program) -> list[set[str]]:
    """For each statement, the variables it reads whose value nothing reads after it (the
    statement's own target is overwritten, so its old value is dead too)."""
    live = set(program.returns)
    result: list[set[str]] = []
    for stmt in reversed(program.body):
        after = set(live)
        live.discard(stmt.target)
        live |= set(stmt.variables())
        result.append({v for v in stmt.variables() if v not in after or v == stmt.target})
    return result[::-1]


def _fusion(ctx: _Context, j: int, dead: list[set[str]]):
    """The pair of statements ending at ``j`` that is written as one, if there is one:
    ``(writer, arguments)``."""
    for find, write in ((_scaled_add, _write_scaled_add), (_squared_average, _write_squared)):
        found = find(ctx, j, dead)
        if found is not None:
            return write, found
    return None


def _fused(ctx: _Context, j: int, dead: list[set[str]]) -> list[str] | None:
    fusion = _fusion(ctx, j, dead)
    if fusion is None:
        return None
    write, found = fusion
    return write(ctx, j, *found)


def _squared_average(ctx: _Context, j: int, dead: list[set[str]]):
    """``(s, x, keep)`` when statements ``j - 1`` and ``j`` are ``t = square(x)`` then
    ``s' = interp(t, s, a)`` (or ``interp(s, t, 1 - keep)``), ``t`` read nowhere else, ``s`` an
    owned buffer read nowhere else and the weight a float: Adam's second moment, written
    ``s.mul_(keep).addcmul_(x, x, value=1 - keep)`` with nothing allocated. ``None`` otherwise."""
    if j == 0:
        return None
    square, stmt = ctx.program.body[j - 1], ctx.program.body[j]
    t = square.target
    if square.op != "square" or stmt.op != "interp" or stmt.args[:2].count(t) != 1:
        return None
    (x,) = square.args
    s = stmt.args[1 - stmt.args.index(t)]
    weight = stmt.args[2]
    owned = isinstance(s, str) and s in dead[j] and s in ctx.owned and ctx.classes.get(s) == "T"
    if not (owned and t in dead[j] and isinstance(x, str) and ctx.classes.get(x) == "T"):
        return None
    if weight in (t, s) or isinstance(weight, str) and ctx.classes.get(weight) != "F":
        return None
    a = _arg(ctx, j, 2, weight)
    return s, x, a if stmt.args[1] == s else f"(1.0 - {a})"


def _write_squared(ctx: _Context, j: int, s: str, x: str, keep: str) -> list[str]:
    s_name, x_name = ctx.names[s], ctx.names[x]
    target = ctx.names[ctx.program.body[j].target]
    ctx.owned.add(ctx.program.body[j].target)
    if ctx.foreach:
        line = (
            f"    torch._foreach_mul_({s_name}, {keep})\n"
            f"    torch._foreach_addcmul_({s_name}, {x_name}, {x_name}, value=1.0 - {keep})"
        )
    else:
        line = (
            f"    for _0, _1 in zip({s_name}, {x_name}):\n"
            f"        _0.mul_({keep}).addcmul_(_1, _1, value=1.0 - {keep})"
        )
    return [line] + ([] if s_name == target else [f"    {target} = {s_name}"])


def _scaled_add(ctx: _Context, j: int, dead: list[set[str]]) -> tuple[str, str, str] | None:
    """``(y, x, alpha)`` when statements ``j - 1`` and ``j`` are ``t = x * s`` then
    ``u = y + t`` (or ``y - t``), ``t`` read nowhere else, ``s`` a float and ``y`` an owned
    buffer read nowhere else: they are written as one in-place ``add`` with ``alpha`` (weight
    decay joining an update), one pass over memory instead of two and nothing allocated.
    ``None`` otherwise."""
    if j == 0:
        return None
    scale, stmt = ctx.program.body[j - 1], ctx.program.body[j]
    t = scale.target
    if stmt.op not in ("add", "sub") or stmt.args.count(t) != 1 or t not in dead[j]:
        return None
    if stmt.op == "sub" and stmt.args[1] != t:
        return None
    y = stmt.args[1 - stmt.args.index(t)]
    factors = [a for a in scale.args if not isinstance(a, str) or ctx.classes.get(a) == "F"]
    trees = [a for a in scale.args if isinstance(a, str) and ctx.classes.get(a) == "T"]
    if scale.op != "mul" or len(trees) != 1 or len(factors) != 1 or y == trees[0] or y == t:
        return None
    if not (isinstance(y, str) and ctx.classes.get(y) == "T" and y in dead[j] and y in ctx.owned):
        return None
    k = scale.args.index(factors[0])
    alpha = _arg(ctx, j - 1, k, factors[0])
    return y, trees[0], f"-{alpha}" if stmt.op == "sub" else alpha


def _write_scaled_add(ctx: _Context, j: int, y: str, x: str, alpha: str) -> list[str]:
    y_name, x_name = ctx.names[y], ctx.names[x]
    target = ctx.names[ctx.program.body[j].target]
    ctx.owned.add(ctx.program.body[j].target)
    if ctx.foreach:
        line = f"    torch._foreach_add_({y_name}, {x_name}, alpha={alpha})"
    else:
        line = f"    for _0, _1 in zip({y_name}, {x_name}):\n        _0.add_(_1, alpha={alpha})"
    return [line] + ([] if y_name == target else [f"    {target} = {y_name}"])


def _statement(ctx: _Context, i: int, dead: set[str]) -> list[str]:
    stmt = ctx.program.body[i]
    target = ctx.names[stmt.target]
    op = OPS[stmt.op]
    if i == ctx.naming.learning_rate.statement:
        lr = ctx.names[ctx.program.lr]
        return [] if lr == target else [f"    {target} = {lr}"]
    args = [_arg(ctx, i, j, a) for j, a in enumerate(stmt.args)]
    classes = [ctx.classes[a] if isinstance(a, str) else "F" for a in stmt.args]
    if "T" not in classes or op.level == "tree":
        ctx.owned.discard(stmt.target)
        if op.level == "tree" and OPS[stmt.op].result == "Tree":
            ctx.owned.add(stmt.target)
        return [f"    {target} = {_whole(op, args, classes)}"]
    lines = _inplace(ctx, stmt, args, classes, dead)
    if lines is None:
        lines = [f"    {target} = {_out_of_place(ctx, stmt, args, classes)}"]
    ctx.owned.add(stmt.target)
    return lines


def _arg(ctx: _Context, i: int, j: int, arg) -> str:
    return ctx.names[arg] if isinstance(arg, str) else ctx.naming.at[(i, j)]


def _whole(op, args: list[str], classes: list[str]) -> str:
    """A Scalar statement (float32 0-d tensors) or a whole-tree op (a helper call)."""
    if op.arity == 0:
        return f"_scalar({op.export})"
    if op.level == "tree":
        return f"_{op.name}({', '.join(args)})"
    scalars = [f"_scalar({a})" if c == "F" else a for a, c in zip(args, classes, strict=True)]
    return op.torch_template.format(*scalars)


def _inplace(ctx: _Context, stmt: Statement, args, classes, dead: set[str]) -> list[str] | None:
    forms = torch_ops.INPLACE.get(stmt.op, ())
    # Overwriting the buffer of the variable being reassigned keeps state slots in place.
    forms = sorted(forms, key=lambda form: stmt.args[form[0]] != stmt.target)
    for position, template in forms:
        var = stmt.args[position]
        if not (
            isinstance(var, str) and var in dead and var in ctx.owned and classes[position] == "T"
        ):
            continue
        if not _inplace_allowed(stmt.op, position, classes):
            continue
        owner = ctx.names[var]
        target = ctx.names[stmt.target]
        line = _foreach_inplace(stmt.op, position, args, classes) if ctx.foreach else None
        if line is None:
            line = _loop(template, args, classes, statement=True, floats=True)
        rebind = [] if owner == target else [f"    {target} = {owner}"]
        return [f"    {line}", *rebind]
    return None


def _inplace_allowed(op: str, position: int, classes: list[str]) -> bool:
    if op == "interp":
        return classes == ["T", "T", "F"]
    if op == "div" and position == 1:
        return classes[0] == "T"
    return True


def _foreach_inplace(op: str, position: int, args, classes) -> str | None:
    forms = torch_ops.FOREACH.get(op, {})
    if op == "interp" and position == 1:
        args, classes = [args[1], args[0], f"1.0 - {args[2]}"], [classes[1], classes[0], "F"]
    elif position == 1 and op in torch_ops.COMMUTATIVE:
        args, classes = [args[1], args[0]], [classes[1], classes[0]]
    elif position != 0:
        return None
    form = forms.get(_pattern(op, classes))
    return None if form is None else form[1].format(*args)


def _pattern(op: str, classes: list[str]) -> str:
    if op == "interp":
        return "".join(classes[:2]) + ("F" if classes[2] == "F" else "X")
    return "".join("T" if c == "T" else "S" for c in classes)


def _out_of_place(ctx: _Context, stmt: Statement, args, classes) -> str:
    if ctx.foreach:
        form = _foreach_form(stmt.op, args, classes)
        if form is not None:
            return form
    op = OPS[stmt.op]
    template = torch_ops.OUT_OF_PLACE.get(stmt.op, op.torch_template)
    if stmt.op == "interp" and classes != ["T", "T", "F"]:
        template = op.torch_template
    floats = stmt.op in torch_ops.FLOAT_ARGS
    return _loop(template, args, classes, statement=False, floats=floats)


def _foreach_form(op: str, args, classes) -> str | None:
    forms = torch_ops.FOREACH.get(op, {})
    pattern = _pattern(op, classes)
    if pattern not in forms and op in torch_ops.COMMUTATIVE and pattern == "ST":
        args, pattern = [args[1], args[0]], "TS"
    form = forms.get(pattern)
    return None if form is None else form[0].format(*args)


def _loop(template: str, args: list[str], classes: list[str], statement: bool, floats: bool) -> str:
    """The per-tensor form: a comprehension (or, for an in-place ``statement``, a loop);
    ``floats``: the template takes Python floats for its scalars (else 0-d tensors)."""
    trees = list(dict.fromkeys(a for a, c in zip(args, classes, strict=True) if c == "T"))
    local = {tree: f"_{k}" for k, tree in enumerate(trees)}
    rendered = []
    for a, c in zip(args, classes, strict=True):
        if c == "T":
            rendered.append(local[a])
        elif c == "F" and not floats:
            rendered.append(f"_scalar({a})")
        else:
            rendered.append(a)
    body = template.format(*rendered)
    targets = ", ".join(local[t] for t in trees)
    source = trees[0] if len(trees) == 1 else f"zip({', '.join(trees)})"
    if statement:
        return f"for {targets} in {source}:\n        {body}"
    return f"[{body} for {targets} in {source}]"
