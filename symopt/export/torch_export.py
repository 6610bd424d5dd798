"""Export a program as a standalone PyTorch module.

The module imports only torch and defines a ``torch.optim.Optimizer`` subclass named after the
title (``torch_class_name``) that behaves like ``torch.optim.AdamW``:

- ``lr`` (with a default, ``symopt.export.hyperparams``) and every constant of the program are
  param-group options with the found values as defaults, so per-group overrides work
  (``{"params": biases, "weight_decay": 0.0}``); the ``interp`` weights travel together as
  ``betas`` and a decayed state slot's factor as ``momentum``, where ``lr_scheduler.OneCycleLR``
  and ``CyclicLR`` look for them;
- ``maximize`` and ``foreach`` (``torch._foreach_*`` over a group's lists; by default on when
  every parameter is on a GPU, as PyTorch does); state slots are updated in place where the
  program allows, and created lazily as ``self.state[p]`` (one tensor per slot, zeros like ``p``,
  and ``"step"``), so ``state_dict``/``load_state_dict`` save and restore them.

A Tree of the program is the list of a group's parameters that have a gradient, so whole-tree ops
(``global_norm``, ``dot``, ``cosine_sim``, ``clip``) act over one group at a time, where the optax
export acts over the whole parameter tree; with one group the two agree. ``norm`` is per tensor.
Dtypes: states and updates keep each parameter's dtype; the hyperparameters stay Python floats
and the program's Scalars are float32 0-d tensors, which PyTorch combines with a bfloat16 tensor
in float32 before rounding the result once.
"""

from __future__ import annotations

from symopt import __version__
from symopt.dsl.ops import OPS
from symopt.dsl.program import Program
from symopt.dsl.text import to_text
from symopt.export import docstring, torch_ops
from symopt.export.common import class_name, helper_blocks, used_helpers
from symopt.export.hyperparams import Naming, export_names
from symopt.export.provenance import UNKNOWN, Provenance
from symopt.export.torch_step import step_function

# Names the generated code reads and a program variable must not shadow.
_RESERVED = {"torch", "list", "map", "float", "zip", "sum", "lr"}

_HELPERS = {
    "norm": """
def _norm(x):
    return [torch.linalg.vector_norm(t, dtype=_wide(t)).to(t.dtype).expand_as(t).clone() for t in x]
""",
    "global_norm": """
def _global_norm(x):
    norms = [torch.linalg.vector_norm(t, dtype=_wide(t)) for t in x]
    return torch.linalg.vector_norm(torch.stack(norms)) if norms else torch.zeros([])
""",
    "dot": """
def _dot(a, b):
    return sum((torch.sum(p.to(_wide(p)) * q.to(_wide(q))) for p, q in zip(a, b)), torch.zeros([]))
""",
    "cosine_sim": """
def _cosine_sim(a, b):
    return _dot(a, b) / (_global_norm(a) * _global_norm(b) + 1e-08)
""",
    "clip": """
def _clip(x, c):
    scale = torch.clamp(c / (_global_norm(x) + 1e-08), max=1.0)
    return [t * scale for t in x]
""",
}
_WIDE = """
def _wide(t):
    \"\"\"The dtype reductions accumulate in: float32, or the tensor's own if wider.\"\"\"
    return torch.promote_types(t.dtype, torch.float32)
"""
_NEEDS = {"cosine_sim": ("global_norm", "dot"), "clip": ("global_norm",)}
# Every other tree op brings its own helper from the registry (the shape-aware ops).
_REGISTRY_HELPERS = {name: op.torch_helper for name, op in OPS.items() if op.torch_helper}

_HYPER_INTRO = (
    "Hyperparameters: param-group options ({names}) with these defaults; b1, b2, ... travel "
    "together as betas, and a group may override any of them::"
)

_USAGE = """\
import torch

torch.manual_seed(0)
x = torch.randn(256, 16)
y = x @ (0.1 * torch.randn(16, 1)) + 0.01 * torch.randn(256, 1)
model = torch.nn.Linear(16, 1)
opt = {cls}(model.parameters())  # the defaults; per-group options work as for AdamW

losses = []
for step in range(1000):
    opt.zero_grad()
    loss = torch.mean((model(x) - y) ** 2)
    loss.backward()
    opt.step()
    losses.append(loss.item())
"""


def to_torch_source(
    program: Program, title: str = "program", provenance: Provenance = UNKNOWN
) -> str:
    """Source text of a standalone PyTorch module implementing ``program``."""
    naming, names = export_names(program, _RESERVED, provenance.seed)
    cls = torch_class_name(title)
    return "\n".join(
        [
            _module_docstring(program, title, naming, provenance, cls),
            "import torch\n",
            "# The keys of the program's state slots in ``self.state[p]``, in the program's order;",
            "# each holds a tensor shaped like ``p``, zeros at first. ``self.state[p]['step']``",
            f"# counts the updates.\nSLOTS = {_slot_keys(program)!r}\n",
            _helpers(program),
            step_function(program, names, naming, foreach=False),
            step_function(program, names, naming, foreach=True),
            _optimizer_class(program, naming, cls),
        ]
    )


def torch_class_name(title: str) -> str:
    """The optimizer class name for ``title``: its words capitalised, e.g. ``lion`` -> ``Lion``."""
    return class_name(title)


def group_options(naming: Naming) -> list[tuple[str, str]]:
    """``(option, default source)`` of the param-group options after ``lr``: ``betas`` (the
    ``b*`` hyperparameters, in order) and the others under their own names."""
    betas = [h for h in naming.hyperparameters if h.name[0] == "b" and h.name[1:].isdigit()]
    options = []
    if betas:
        options.append(("betas", repr(tuple(h.default for h in betas))))
    options += [(h.name, repr(h.default)) for h in naming.hyperparameters if h not in betas]
    return options


def _module_docstring(program, title, naming: Naming, provenance, cls: str) -> str:
    maths = docstring.indent(docstring.maths_lines(program, naming, 'group["lr"]'), 4)
    hyper = docstring.indent(docstring.hyperparameter_lines(naming, "lr"), 4)
    usage = docstring.indent(_USAGE.format(cls=cls).splitlines(), 4)
    names = (
        "lr"
        if not naming.names
        else "lr, " + ", ".join(option for option, _ in group_options(naming))
    )
    return f'''"""Optimizer "{title}" for PyTorch (`symopt export --to torch`, symopt {__version__})

{docstring.wrap("Provenance: " + provenance.text + ".")}

The update rule, as computed on each tensor of a parameter group (``p = p - update``)::

{maths}

{docstring.wrap(_HYPER_INTRO.format(names=names))}

{hyper}

{docstring.wrap(docstring.lr_range_line(naming))}

Options as in torch.optim.AdamW: ``maximize`` (ascend the objective), ``foreach`` (None: on when
every parameter is on a GPU). Whole-tree ops act over one parameter group. States and updates keep
each parameter's dtype; scalars are computed in float32. The program as symopt stores it::

{docstring.indent(to_text(program).splitlines(), 4)}

Usage, a complete training loop (symopt's tests run it as written)::

{usage}

Depends on torch only.
"""
'''


def _helpers(program: Program) -> str:
    used = used_helpers(program, _NEEDS, _REGISTRY_HELPERS | _HELPERS)
    ops = dict.fromkeys(stmt.op for stmt in program.body)
    foreach = "".join(
        torch_ops.FOREACH_HELPERS[op] for op in ops if op in torch_ops.FOREACH_HELPERS
    )
    scalar = '''
def _scalar(value):
    """A float32 0-d tensor: the program's Scalar maths runs in float32."""
    return torch.as_tensor(value, dtype=torch.float32)


def _float32(value):
    """``value`` rounded to float32, as the program's constants are (``1 - 0.999`` computed from
    the float32 0.999, as the reference meaning does)."""
    return torch.tensor(value, dtype=torch.float32).item()
'''
    wide = _WIDE if {"norm", "global_norm", "dot"} & set(used) else ""
    own = "".join(_HELPERS[name] for name in used if name in _HELPERS)
    registry = helper_blocks(_REGISTRY_HELPERS[n] for n in used if n not in _HELPERS)
    return scalar + wide + own + registry + foreach


_CLASS = '''

class {cls}(torch.optim.Optimizer):
    """The program as a PyTorch optimizer; the module docstring gives the maths and options."""

    def __init__(
        self,
        params,{signature}
        *,
        maximize: bool = False,
        foreach=None,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"invalid learning rate: {{lr}}")
        defaults = {{{defaults}
            "maximize": maximize,
            "foreach": foreach,
        }}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)

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
                self._update_group(group, params)
        return loss

    def _update_group(self, group, params) -> None:
        grads = [p.grad for p in params]
        if any(grad.is_sparse for grad in grads):
            raise RuntimeError("{cls} does not support sparse gradients")
        if group["maximize"]:
            grads = torch._foreach_neg(grads)
        foreach = group["foreach"]
        if foreach is None:
            foreach = all(p.is_cuda for p in params)
        states = [self._state(p) for p in params]
        slots = ([state[key] for state in states] for key in SLOTS)
        run = _step_foreach if foreach else _step_loop
        scalars = [group["lr"]{hyper}]
        update, *new_slots = run(params, grads, *slots, *map(_float32, scalars))
        for key, values in zip(SLOTS, new_slots):
            for p, grad, state, value in zip(params, grads, states, values):
                # A slot set to w or g unchanged would alias tensors that training changes.
                state[key] = value.clone() if value is p or value is grad else value
        _dedupe(states)
        for state in states:
            state["step"] += 1
        if foreach:
            torch._foreach_sub_(params, update)
        else:
            for p, u in zip(params, update):
                p.sub_(u)

    def _state(self, p):
        state = self.state[p]
        if not state:
            state["step"] = torch.tensor(0.0)
            for key in SLOTS:
                state[key] = torch.zeros_like(p, memory_format=torch.preserve_format)
        return state


def _dedupe(states) -> None:
    """Two slots holding one tensor (a program returning the same value twice) get copies, as
    the step overwrites slots in place."""
    for state in states:
        seen = set()
        for key in SLOTS:
            if id(state[key]) in seen:
                state[key] = state[key].clone()
            seen.add(id(state[key]))
'''
"""The optimizer class and its module-level helper; ``{cls}``, ``{signature}``, ``{defaults}``
and ``{hyper}`` are filled in by ``_optimizer_class``."""


def _optimizer_class(program: Program, naming: Naming, cls: str) -> str:
    options = group_options(naming)
    signature = "".join(
        f"\n        {o}={d}," for o, d in [("lr", repr(naming.learning_rate.default)), *options]
    )
    defaults = "".join(f'\n            "{o}": {o},' for o, _ in [("lr", ""), *options])
    hyper = "".join(f", {read}" for read in _group_reads(naming))
    return _CLASS.format(cls=cls, signature=signature, defaults=defaults, hyper=hyper)


def _group_reads(naming: Naming) -> list[str]:
    """The expressions that read each hyperparameter from ``group``, in ``naming`` order."""
    reads = []
    betas = 0
    for h in naming.hyperparameters:
        if h.name[0] == "b" and h.name[1:].isdigit():
            reads.append(f'group["betas"][{betas}]')
            betas += 1
        else:
            reads.append(f'group["{h.name}"]')
    return reads


def _slot_keys(program: Program) -> tuple[str, ...]:
    """State keys: the slot names, with ``step`` (the update count) renamed out of the way."""
    keys: list[str] = []
    for slot in program.states:
        key = slot
        while key == "step" or key in keys or key in program.states[len(keys) + 1 :]:
            key += "_"
        keys.append(key)
    return tuple(keys)
