"""Export a program as a standalone PyTorch module.

The module imports only torch and defines a ``torch.optim.Optimizer`` subclass named after the
title (``torch_class_name``). ``lr`` is a float per parameter group and is the program's ``lr``;
a ``torch.optim.lr_scheduler`` that changes ``group["lr"]`` changes it. State is created lazily:
``self.state[p]`` holds one tensor per state slot (zeros like ``p``) and ``"step"``, the number of
updates, so ``state_dict``/``load_state_dict`` save and restore it as for torch's own optimizers.

A Tree of the program is the list of a group's parameters that have a gradient, so whole-tree ops
(``global_norm``, ``dot``, ``cosine_sim``, ``clip``) act over one group at a time, where the optax
export acts over the whole parameter tree; with one group the two agree. ``norm`` is per tensor.
Scalars (``lr`` and the program's constants) are 0-d tensors in the parameters' dtype, so that the
update is computed in that dtype as in the reference meaning (float32). The program text is in the
module docstring.
"""

from __future__ import annotations

import math
import re

from symopt import __version__
from symopt.dsl.kinds import infer_kinds
from symopt.dsl.ops import OPS, Kind
from symopt.dsl.program import Program
from symopt.dsl.text import to_text
from symopt.export.common import helper_blocks, indent, return_line, safe_names, tree_args

# Names the generated ``_program`` reads and a program variable must not shadow.
_RESERVED = {"torch", "list", "map", "float"}


def to_torch_source(program: Program, title: str = "program") -> str:
    """Source text of a standalone PyTorch module implementing ``program``."""
    infer_kinds(program)
    names = safe_names(program, _RESERVED)
    cls = torch_class_name(title)
    program_text = indent(to_text(program), 4)
    return f'''"""Optimizer "{title}", found by symopt {__version__} (`symopt export --to torch`).

The program (the paper's training loop applies ``w = w - update``)::

{program_text}
Usage::

    opt = {cls}(model.parameters(), lr=1e-3)
    loss.backward()
    opt.step()
    opt.zero_grad()

A Tree of the program is the list of a parameter group's parameters that have a gradient: the
whole-tree ops (global_norm, dot, cosine_sim, clip) act over one group at a time, whereas the optax
export acts over the whole parameter tree (with one group the two agree); norm is per tensor. The
program's Scalars (lr and its constants) are 0-d tensors in the parameters' dtype.

Depends on torch only.
"""

import torch

# The keys of the program's state slots in ``self.state[p]``, in the program's order; each holds a
# tensor shaped like ``p``, zeros at first. ``self.state[p]["step"]`` counts the updates.
SLOTS = {_slot_keys(program)!r}
{helper_blocks(OPS[stmt.op].torch_helper for stmt in program.body)}

def _program({", ".join(names[p] for p in program.params)}):
{_step_function(program, names)}


class {cls}(torch.optim.Optimizer):
    """The program as a PyTorch optimizer; ``lr`` (a float per group) is the program's ``lr``."""

    def __init__(self, params, lr: float) -> None:
        super().__init__(params, {{"lr": lr}})

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()`` if one is given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                self._update_group(params, group["lr"])
        return loss

    def _update_group(self, params, lr) -> None:
        grads = [p.grad for p in params]
        if any(grad.is_sparse for grad in grads):
            raise RuntimeError("{cls} does not support sparse gradients")
        states = [self._slots(p) for p in params]
        lr = torch.as_tensor(lr, dtype=params[0].dtype, device=params[0].device)
        slots = ([state[key] for state in states] for key in SLOTS)
        update, *new_slots = _program(params, grads, *slots, lr)
        for p, grad, state, u, *values in zip(params, grads, states, update, *new_slots):
            for key, value in zip(SLOTS, values):
                # A slot set to w or g unchanged would alias tensors that training changes in place.
                state[key] = value.clone() if value is p or value is grad else value
            state["step"] += 1
            p.sub_(u)

    def _slots(self, p):
        state = self.state[p]
        if not state:
            state["step"] = torch.tensor(0.0)
            for key in SLOTS:
                state[key] = torch.zeros_like(p, memory_format=torch.preserve_format)
        return state
'''


def torch_class_name(title: str) -> str:
    """The optimizer class name for ``title``: its words capitalised, e.g. ``lion`` -> ``Lion``."""
    name = "".join(word[:1].upper() + word[1:] for word in re.split(r"[^0-9A-Za-z]+", title))
    if not name or name[0].isdigit() or name == "SLOTS":
        name = "Program" + name
    return name


def _slot_keys(program: Program) -> tuple[str, ...]:
    """State keys: the slot names, with ``step`` (the update count) renamed out of the way."""
    keys: list[str] = []
    for slot in program.states:
        key = slot
        while key == "step" or key in keys or key in program.states[len(keys) + 1 :]:
            key += "_"
        keys.append(key)
    return tuple(keys)


def _constants(program: Program) -> list[float]:
    """The program's float literals and 0-ary op values, in order of first use."""
    values: dict[str, float] = {}
    for stmt in program.body:
        op = OPS[stmt.op]
        args = [float(op.export)] if op.arity == 0 else stmt.args
        for a in args:
            if not isinstance(a, str):
                values.setdefault(repr(float(a)), float(a))
    return list(values.values())


def _constant_name(value: float) -> str:
    # repr never holds "_", so mapping its other non-identifier characters is one-to-one.
    return "_" + repr(value).replace(".", "_").replace("-", "m").replace("+", "p")


def _float_source(value: float) -> str:
    return repr(value) if math.isfinite(value) else f'float("{value!r}")'


def _step_function(program: Program, names: dict[str, str]) -> str:
    lr = names[program.lr]
    lines = [
        f"    {_constant_name(v)} = {lr}.new_tensor({_float_source(v)})"
        for v in _constants(program)
    ]
    kinds = dict.fromkeys(program.params[:-1], Kind.TREE) | {program.lr: Kind.SCALAR}
    for stmt, kind in zip(program.body, infer_kinds(program), strict=True):
        op = OPS[stmt.op]
        if op.arity == 0:
            expr = _constant_name(float(op.export))
        else:
            rendered = [
                names[a] if isinstance(a, str) else _constant_name(float(a)) for a in stmt.args
            ]
            expr = op.torch_template.format(*rendered)
        trees = tree_args(stmt.args, kinds)
        if op.level == "leaf" and trees:
            params = ", ".join(names[t] for t in trees)
            expr = f"list(map(lambda {params}: {expr}, {params}))"
        lines.append(f"    {names[stmt.target]} = {expr}")
        kinds[stmt.target] = kind
    lines.append(return_line(program, names))
    return "\n".join(lines)
