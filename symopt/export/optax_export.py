"""Export a program as a standalone optax module.

The module imports only jax and optax and defines ``optimizer(learning_rate=..., **hyperparameters)
-> optax.GradientTransformation`` whose update is ``-update`` of the program (optax adds updates to
the parameters, the paper's loop subtracts them). Every constant of the program is a keyword
argument with its found value as default (``symopt.export.hyperparams``), so the factory works
with ``optax.inject_hyperparams``; ``learning_rate`` is a float or an optax schedule read at the
step count. ``update(updates, state, params=None, **extra_args)`` ignores extra arguments, and
the state is a NamedTuple: the count and one tree per state slot, in the parameters' dtype.

Dtypes: every Scalar (the learning rate, the hyperparameters, values computed from them) is a
float32 array; an element-wise statement computes in the promoted dtype (float32 for bfloat16 and
float16 parameters) and casts its result once to the dtype of its first Tree argument, so that
updates and states keep the parameters' dtype and a constant such as 0.999 is never rounded to
bfloat16. Whole-tree reductions accumulate in float32.
"""

from __future__ import annotations

from symopt import __version__
from symopt.dsl.kinds import infer_kinds, param_kinds
from symopt.dsl.ops import OPS
from symopt.dsl.program import Program
from symopt.dsl.text import to_text
from symopt.export import docstring
from symopt.export.common import (
    class_name,
    helper_blocks,
    return_line,
    tree_args,
    used_helpers,
)
from symopt.export.hyperparams import Naming, export_names
from symopt.export.provenance import UNKNOWN, Provenance

# Names the generated code needs to see unshadowed.
_RESERVED = {"jax", "jnp", "optax", "learning_rate", "NamedTuple", "count"}

_HELPERS = {
    "norm": """
def _norm(x):
    def one(leaf):
        return jnp.full_like(leaf, jnp.sqrt(jnp.sum(jnp.square(_wide(leaf)))))

    return jax.tree.map(one, x)
""",
    "global_norm": """
def _global_norm(x):
    return optax.tree.norm(jax.tree.map(_wide, x))
""",
    "dot": """
def _dot(a, b):
    return optax.tree.vdot(jax.tree.map(_wide, a), jax.tree.map(_wide, b))
""",
    "cosine_sim": """
def _cosine_sim(a, b):
    return _dot(a, b) / (_global_norm(a) * _global_norm(b) + 1e-08)
""",
    "clip": """
def _clip(x, c):
    scale = jnp.minimum(1.0, c / (_global_norm(x) + 1e-08))
    return jax.tree.map(lambda leaf: (leaf * scale).astype(leaf.dtype), x)
""",
}
_WIDE = '''
def _wide(leaf):
    """``leaf`` in the dtype reductions accumulate in: float32, or its own if wider."""
    return leaf.astype(jnp.promote_types(leaf.dtype, jnp.float32))
'''
_NEEDS = {"cosine_sim": ("global_norm", "dot"), "clip": ("global_norm",)}
# Every other tree op brings its own helper from the registry (the shape-aware ops).
_REGISTRY_HELPERS = {name: op.helper for name, op in OPS.items() if op.helper}

_USAGE = """\
import jax
import jax.numpy as jnp
import optax

x = jax.random.normal(jax.random.key(0), (256, 16))
true_w = 0.1 * jax.random.normal(jax.random.key(1), (16,))
y = x @ true_w + 0.01 * jax.random.normal(jax.random.key(2), (256,))
params = {"w": jnp.zeros(16), "b": jnp.zeros([])}


def loss_fn(params):
    return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)


tx = optimizer()  # the defaults: see Hyperparameters; or optimizer(learning_rate=schedule)
state = tx.init(params)


@jax.jit
def train_step(params, state):
    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, state = tx.update(grads, state, params)
    return optax.apply_updates(params, updates), state, loss


losses = []
for step in range(1000):
    params, state, loss = train_step(params, state)
    losses.append(float(loss))
"""


def to_optax_source(
    program: Program, title: str = "program", provenance: Provenance = UNKNOWN
) -> str:
    """Source text of a standalone optax module implementing ``program``."""
    naming, names = export_names(program, _RESERVED, provenance.seed)
    state_cls = class_name(title) + "State"
    slots = tuple(names[s] for s in program.states)
    return "\n".join(
        [
            _module_docstring(program, title, naming, provenance),
            "from typing import NamedTuple\n",
            "import jax\nimport jax.numpy as jnp\nimport optax\n",
            _state_class(state_cls, slots),
            _helpers(program),
            _program_function(program, names, naming),
            _factory(program, names, naming, state_cls),
        ]
    )


def _module_docstring(program: Program, title: str, naming: Naming, provenance: Provenance) -> str:
    maths = docstring.indent(docstring.maths_lines(program, naming), 4)
    hyper = docstring.indent(docstring.hyperparameter_lines(naming), 4)
    usage = docstring.indent(_USAGE.splitlines(), 4)
    return f'''"""Optimizer "{title}" for optax (`symopt export --to optax`, symopt {__version__}).

{docstring.wrap("Provenance: " + provenance.text + ".")}

The update rule, as computed (element-wise on each tensor unless said otherwise; optax adds
``-update`` to the parameters, like ``w = w - update``)::

{maths}

Hyperparameters: keyword arguments of ``optimizer``, each a float (or, for ``learning_rate``, an
optax schedule); they work with ``optax.inject_hyperparams(optimizer)(...)``::

{hyper}

{docstring.wrap(docstring.lr_range_line(naming))}

Dtypes: updates and state keep the parameters' dtype (bfloat16, float16, float32, float64); the
hyperparameters and every scalar are float32 and each element-wise step computes in the promoted
dtype, cast once. The program as symopt stores it::

{docstring.indent(to_text(program).splitlines(), 4)}

Usage, a complete training loop (symopt's tests run it as written)::

{usage}

Depends on jax and optax only.
"""
'''


def _state_class(cls: str, slots: tuple[str, ...]) -> str:
    fields = "".join(f"    {slot}: optax.Updates\n" for slot in slots)
    return f'''
class {cls}(NamedTuple):
    """The number of updates so far (a schedule reads it) and one tree per state slot."""

    count: jax.Array
{fields}'''


def _helpers(program: Program) -> str:
    used = used_helpers(program, _NEEDS, _REGISTRY_HELPERS | _HELPERS)
    wide = _WIDE if {"norm", "global_norm", "dot"} & set(used) else ""
    own = "".join(_HELPERS[name] for name in used if name in _HELPERS)
    return wide + own + helper_blocks(_REGISTRY_HELPERS[n] for n in used if n not in _HELPERS)


def _program_function(program: Program, names: dict[str, str], naming: Naming) -> str:
    args = [names[p] for p in program.params] + list(naming.names)
    lines = [f"\ndef _program({', '.join(args)}):"]
    kinds = param_kinds(program)
    for i, (stmt, kind) in enumerate(zip(program.body, infer_kinds(program), strict=True)):
        expr = _expression(program, i, names, naming, kinds)
        if expr != names[stmt.target]:
            lines.append(f"    {names[stmt.target]} = {expr}")
        kinds[stmt.target] = kind
    lines.append(return_line(program, names))
    return "\n".join(lines) + "\n"


def _expression(program: Program, i: int, names, naming: Naming, kinds) -> str:
    stmt = program.body[i]
    op = OPS[stmt.op]
    if i == naming.learning_rate.statement:
        return names[program.lr]  # the user's learning_rate is lr times the program's factor
    if op.arity == 0:
        return f"jnp.float32({op.export})"
    rendered = [
        names[a] if isinstance(a, str) else naming.at[(i, j)] for j, a in enumerate(stmt.args)
    ]
    if op.level == "tree":
        return f"_{op.name}({', '.join(rendered)})"
    expr = op.export.format(*rendered)
    trees = [names[t] for t in tree_args(stmt.args, kinds)]
    if not trees:
        return expr
    lambda_args = ", ".join(trees)
    return f"jax.tree.map(lambda {lambda_args}: ({expr}).astype({trees[0]}.dtype), {lambda_args})"


def _factory(program: Program, names, naming: Naming, state_cls: str) -> str:
    lr = naming.learning_rate
    signature = ",\n    ".join(
        [f"learning_rate: optax.ScalarOrSchedule = {lr.default!r}"]
        + [f"{h.name}: float = {h.default!r}" for h in naming.hyperparameters]
    )
    reads_w = any(program.weight in s.variables() for s in program.body) or (
        program.weight in program.returns
    )
    slots = [names[s] for s in program.states]
    scalars = ", ".join(["lr", *naming.names])
    init_slots = "".join(f"\n            {s}=optax.tree.zeros_like(params)," for s in slots)
    state_args = "".join(f", state.{s}" for s in slots)
    params_check = (
        """        if params is None:
            raise ValueError("this optimizer reads the weights: call update(grads, state, params)")
"""
        if reads_w
        else "        params = updates if params is None else params  # the rule never reads them\n"
    )
    return f'''
def optimizer(
    {signature},
) -> optax.GradientTransformation:
    """The program as an optax transformation; the module docstring gives the hyperparameters."""

    def init_fn(params):
        return {state_cls}(
            count=jnp.zeros([], jnp.int32),{init_slots}
        )

    def update_fn(updates, state, params=None, **extra_args):
        del extra_args  # accepted, as every optax transformation does, and not needed
{params_check}        lr = learning_rate(state.count) if callable(learning_rate) else learning_rate
        scalars = (jnp.asarray(value, jnp.float32) for value in ({scalars},))
        update, *slots = _program(params, updates{state_args}, *scalars)
        new_state = {state_cls}(optax.safe_increment(state.count), *slots)
        return optax.tree.scale(-1.0, update), new_state

    return optax.GradientTransformation(init_fn, update_fn)
'''
